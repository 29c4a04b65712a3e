/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	nodelay - no Nagle, and no delayed ACKs, on TCP milter connections
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
 *
 *	The MTA's side has Nagle on, and ccguard answers few steps (the
 *	SMFIP_NR_* flags, callbacks.c): the MTA writes MAIL, RCPT, headers
 *	and body in several small writes with no reply between them, and
 *	Nagle holds back each one until the one before is acknowledged. A
 *	Linux receiver that has just replied (ccguard at end of headers or
 *	of message) is in its "interactive" mode and delays that ACK by up
 *	to 40 ms, hoping to send it with the next reply, which does not come:
 *	every message stalls. So after each reply on a TCP milter connection
 *	ccguard sets TCP_QUICKACK, which leaves that mode: what the MTA
 *	sends next is acknowledged as soon as it is read. libmilter writes
 *	every reply with writev(), defined here in the same way as accept();
 *	the connections are the ones accept() marked as TCP, and everything
 *	else that writev() writes is left alone.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* Descriptors below this are tracked; a later one only misses QUICKACK. */
#define NODELAY_FDS	65536

/* One bit per descriptor: an accepted TCP milter connection. */
static unsigned char nodelay_tcp[NODELAY_FDS / 8];

/* nodelay_mark - remember whether fd is an accepted TCP connection */
static void
nodelay_mark(int fd, int tcp)
{
	unsigned char bit;

	if (fd < 0 || fd >= NODELAY_FDS)
		return;
	bit = (unsigned char)(1u << (fd % 8));
	if (tcp)
		__atomic_fetch_or(&nodelay_tcp[fd / 8], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&nodelay_tcp[fd / 8], (unsigned char)~bit, __ATOMIC_RELAXED);
}

/* nodelay_is_tcp - fd was accepted as a TCP connection */
static int
nodelay_is_tcp(int fd)
{
	if (fd < 0 || fd >= NODELAY_FDS)
		return 0;
	return (__atomic_load_n(&nodelay_tcp[fd / 8], __ATOMIC_RELAXED) >> (fd % 8)) & 1;
}


/* nodelay_set - TCP_NODELAY on a TCP socket; anything else untouched */
static void
nodelay_set(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1, saved = errno;

	int tcp;

	tcp = getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	if (tcp)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nodelay_mark(fd, tcp);
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

/* writev - the system call, then TCP_QUICKACK on a TCP milter connection */
ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t n;
	int one = 1, saved;

	n = (ssize_t)syscall(SYS_writev, fd, iov, iovcnt);
	if (n >= 0 && nodelay_is_tcp(fd)) {
		saved = errno;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		errno = saved;
	}
	return n;
}
