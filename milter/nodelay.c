/*
 * NAME
 *	nodelay - turn off Nagle's algorithm on accepted milter connections
 * DESCRIPTION
 *	At end of message ccguard may send several replies in a row: for a
 *	hold, "add header" and "quarantine" before the final "accept". Each
 *	is a small write. Over TCP, Nagle's algorithm holds back the second
 *	small write until the first is acknowledged, and the MTA, which has
 *	nothing to send until the final reply, delays that ACK (40 ms on
 *	Linux): every held message would stall by tens of milliseconds. The
 *	milter protocol is request/response with small packets, the case
 *	TCP_NODELAY exists for.
 *
 *	libmilter accepts the connections itself and does not expose the
 *	descriptor, so ccguard defines accept() (and accept4()) itself, as
 *	sighup.c does with sigwait(): being in the executable, this
 *	definition is the one libmilter's call binds to. It makes the system
 *	call and, when the new socket is TCP (AF_INET or AF_INET6), sets
 *	TCP_NODELAY. A unix socket has no Nagle and is left alone; a failure
 *	to set the option only costs latency and is ignored. Nothing else in
 *	ccguard calls accept().
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>


/* nodelay_set - TCP_NODELAY on a TCP socket; anything else untouched */
static void
nodelay_set(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1, saved = errno;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	errno = saved;
}

/* accept4 - the system call, then TCP_NODELAY */
int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int s;

	s = (int)syscall(SYS_accept4, fd, addr, len, flags);
	if (s >= 0)
		nodelay_set(s);
	return s;
}

/* accept - as accept4() without flags */
int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}
