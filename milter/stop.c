/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * NAME
 *	stop - on SIGTERM, finish the messages in flight, then stop at once
 * SYNOPSIS
 *	stop_init();		after smfi_opensocket(): find the listening socket
 *	sighup_set_stop_handler(stop_drain);
 *	if (stop_message_begin()) { ... stop_message_end(); }
 * DESCRIPTION
 *	libmilter stops on SIGTERM by raising a flag that its threads read
 *	between steps. Its listener reads it only when its poll of the
 *	listening socket times out, every 5 seconds, and it holds the lock
 *	that closing the socket needs while it polls: so an idle milter took
 *	up to 5 seconds to exit. Its workers read the flag before each
 *	command of a session and give up a message in flight at once (the
 *	MTA then applies milter_default_action to it).
 *
 *	So ccguard stops in two steps, run in libmilter's signal thread by
 *	sighup.c before the signal is handed on to libmilter:
 *
 *	1. stop_drain: no new message starts (stop_message_begin says no, so
 *	   cb_envfrom leaves it unstarted and end of headers answers
 *	   tempfail: the client tries again later), and the messages in
 *	   flight, from MAIL FROM to their end, are finished, for at most
 *	   STOP_DRAIN_SECONDS. Those still unfinished then are left to the
 *	   MTA's milter_default_action, and the log says how many.
 *	2. Then libmilter raises its flag, and a thread of this module
 *	   connects to the daemon's own listening socket, again every
 *	   STOP_WAKE_MS until the socket is closed: each connection ends the
 *	   listener's poll, so it sees the flag and closes the socket at
 *	   once. Such a connection sends nothing; libmilter ends its session
 *	   as for any MTA that hangs up.
 *
 *	The listening socket is found, after smfi_opensocket(), as the one
 *	descriptor that listens (SO_ACCEPTCONN); its address is where the
 *	wake-up connections go (a wildcard address becomes the loopback
 *	address). Without one, stopping falls back to libmilter's own timing.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "stop.h"

#define STOP_DRAIN_SECONDS	10	/* longest wait for messages in flight */
#define STOP_WAKE_MS		20	/* between wake-up connections */
#define STOP_WAKE_TRIES		500	/* 10 s: libmilter's own 5 s poll ends it anyway */
#define STOP_MAX_FD		4096	/* descriptors searched for the listening socket */

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_idle;	/* on CLOCK_MONOTONIC; set up by stop_init */
static unsigned long in_flight;		/* messages between MAIL FROM and their end */
static int stopping;

static struct sockaddr_storage listen_addr;	/* where the wake-up connections go */
static socklen_t listen_len;			/* 0: no listening socket found */

/* loopback - a wildcard listening address becomes the loopback address */
static void
loopback(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			sin6->sin6_addr = in6addr_loopback;
	}
}

/* stop_init - set up; remember the address of the socket libmilter listens on */
void
stop_init(void)
{
	pthread_condattr_t ca;
	int fd, on;
	socklen_t len;
	long max = sysconf(_SC_OPEN_MAX);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&stop_idle, &ca);
	pthread_condattr_destroy(&ca);
	if (max < 0 || max > STOP_MAX_FD)
		max = STOP_MAX_FD;
	for (fd = 3; fd < max; fd++) {
		on = 0;
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			continue;
		len = sizeof(listen_addr);
		if (getsockname(fd, (struct sockaddr *)&listen_addr, &len) < 0)
			continue;
		listen_len = len;
		loopback(&listen_addr);
		return;
	}
	log_warnx("stop: no listening socket found; stopping may take 5 seconds");
}

/* stop_message_begin - may a new message start? 0 while stopping; else it counts */
int
stop_message_begin(void)
{
	int ok;

	pthread_mutex_lock(&stop_lock);
	ok = !stopping;
	if (ok)
		in_flight++;
	pthread_mutex_unlock(&stop_lock);
	return ok;
}

/* stop_message_end - a message counted by stop_message_begin has ended */
void
stop_message_end(void)
{
	pthread_mutex_lock(&stop_lock);
	if (in_flight > 0 && --in_flight == 0)
		pthread_cond_broadcast(&stop_idle);
	pthread_mutex_unlock(&stop_lock);
}

/* stop_wake - connect to the listening socket until it is closed */
static void *
stop_wake(void *arg)
{
	const struct timespec pause = { 0, STOP_WAKE_MS * 1000000L };
	int i, s, r;

	(void)arg;
	for (i = 0; i < STOP_WAKE_TRIES; i++) {
		if ((s = socket(listen_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return NULL;
		r = connect(s, (struct sockaddr *)&listen_addr, listen_len);
		close(s);
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return NULL;	/* closed: the listener has stopped */
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/*
 * stop_drain - SIGTERM: refuse new messages, wait (a bounded time) for
 * those in flight, then wake libmilter's listener once it is told to stop
 */
void
stop_drain(void)
{
	struct timespec until;
	pthread_attr_t attr;
	pthread_t t;

	pthread_mutex_lock(&stop_lock);
	stopping = 1;
	if (in_flight > 0)
		log_info("stopping: finishing %lu message(s) in flight; new ones are deferred",
		    in_flight);
	else
		log_info("stopping");
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += STOP_DRAIN_SECONDS;
	while (in_flight > 0)
		if (pthread_cond_timedwait(&stop_idle, &stop_lock, &until) == ETIMEDOUT)
			break;
	if (in_flight > 0)
		log_warnx("stopping: %lu message(s) not finished after %d seconds; the MTA "
		    "decides them (milter_default_action)", in_flight, STOP_DRAIN_SECONDS);
	pthread_mutex_unlock(&stop_lock);

	if (listen_len == 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, stop_wake, NULL) != 0)
		log_warnx("stop: cannot start the thread that wakes the listener");
	pthread_attr_destroy(&attr);
}
