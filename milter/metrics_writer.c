/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metrics_writer - write the metrics file on a timer
 * SYNOPSIS
 *	metrics_writer_start();	after the privilege drop
 *	metrics_writer_kick();	after a reload: write now, with the new settings
 *	metrics_writer_stop();	when smfi_main() returns: a last write
 * DESCRIPTION
 *	One thread writes metrics_file (lib/metrics.c) at once, then every
 *	metrics_interval seconds, and whenever a reload kicks it; it reads
 *	both settings from the policy in force each time, so a reload can
 *	turn the file on or off or move it (the old file is left as it is).
 *	With metrics_file empty it only waits.
 *
 *	The thread never touches a message: a write that fails costs the
 *	file, never mail. The failure is logged once, counted
 *	(ccguard_metrics_write_failures_total), and not logged again until
 *	a write has succeeded, which is logged too; so a full disk or a
 *	missing directory fills no log.
 *
 *	The thread blocks every signal: smfi_main() only blocks SIGTERM and
 *	SIGHUP in the threads it starts itself, and libmilter's signal
 *	thread (sighup.c) must be the one to receive them.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "metrics_writer.h"
#include "policy.h"

/* Seconds between two looks at the settings while no policy is in force. */
#define WRITER_IDLE_SECONDS	15

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t writer_cond;
static pthread_t writer_thread;
static int writer_running, writer_kicked, writer_stopping;

/* writer_once - write the file if one is set; log the first failure of a run */
static void
writer_once(int *failing, size_t *interval)
{
	struct policy *p = policy_current();
	char *path = NULL, err[512];

	if (p != NULL) {
		*interval = p->conf->metrics_interval;
		if (p->conf->metrics_file[0] != '\0' && (path = strdup(p->conf->metrics_file)) == NULL)
			log_warnx("metrics: out of memory");
		policy_unref(p);
	}
	if (path == NULL)
		return;
	if (metrics_write(path, err, sizeof(err)) < 0) {
		metrics_count_write_failure();
		if (!*failing)
			log_warnx("metrics: %s (not logged again until a write succeeds)", err);
		*failing = 1;
	} else if (*failing) {
		log_info("metrics: %s written again", path);
		*failing = 0;
	}
	free(path);
}

/* writer_main - the thread: write, wait for the interval, a kick or the stop */
static void *
writer_main(void *arg)
{
	struct timespec until;
	size_t interval = WRITER_IDLE_SECONDS;
	int failing = 0, stop;

	for (;;) {
		writer_once(&failing, &interval);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)interval;
		pthread_mutex_lock(&writer_lock);
		while (!writer_kicked && !writer_stopping &&
		    pthread_cond_timedwait(&writer_cond, &writer_lock, &until) != ETIMEDOUT)
			;
		writer_kicked = 0;
		stop = writer_stopping;
		pthread_mutex_unlock(&writer_lock);
		if (stop)
			break;
	}
	writer_once(&failing, &interval);	/* the counts at the stop */
	return NULL;
}

/* metrics_writer_start - start the writer thread (once); a failure is logged */
void
metrics_writer_start(void)
{
	pthread_condattr_t attr;
	sigset_t all, old;

	metrics_set_start_time(time(NULL));
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&writer_cond, &attr);
	pthread_condattr_destroy(&attr);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&writer_thread, NULL, writer_main, NULL) == 0)
		writer_running = 1;
	else
		log_warnx("metrics: cannot start the writer thread; metrics_file is not written");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* writer_wake - set one of the thread's flags and wake it */
static void
writer_wake(int *flag)
{
	pthread_mutex_lock(&writer_lock);
	*flag = 1;
	pthread_cond_signal(&writer_cond);
	pthread_mutex_unlock(&writer_lock);
}

/* metrics_writer_kick - write now (after a reload) */
void
metrics_writer_kick(void)
{
	if (writer_running)
		writer_wake(&writer_kicked);
}

/* metrics_writer_stop - a last write, then the thread ends */
void
metrics_writer_stop(void)
{
	if (!writer_running)
		return;
	writer_wake(&writer_stopping);
	pthread_join(writer_thread, NULL);
	writer_running = 0;
}
