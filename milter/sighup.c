/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sighup - make SIGHUP reload the policy under libmilter, and SIGTERM
 *	finish the messages in flight before libmilter stops
 * DESCRIPTION
 *	smfi_main() blocks SIGHUP, SIGTERM and SIGINT in every thread and
 *	starts a thread that waits for them with sigwait(3); it treats SIGHUP
 *	like SIGTERM and stops the filter. Operators and systemd's ExecReload
 *	expect SIGHUP to mean "re-read the configuration", and a second thread
 *	waiting for the same signal would race libmilter's for it.
 *
 *	So ccguard defines sigwait() itself. Being in the executable, this
 *	definition is the one libmilter's call binds to. It waits with
 *	sigwaitinfo(2); a SIGHUP runs the reload handler (in libmilter's signal
 *	thread, where nothing else runs) and goes back to waiting. SIGTERM and
 *	SIGINT first run the stop handler (stop.c: finish the messages in
 *	flight, then make libmilter's listener notice at once), and are then
 *	returned to libmilter, which stops the filter as before; any other
 *	signal is returned as it is. Nothing else in ccguard calls sigwait().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "sighup.h"

static void (*sighup_handler)(void);
static void (*stop_handler)(void);

/* sighup_set_handler - the function run on SIGHUP (a reload) */
void
sighup_set_handler(void (*fn)(void))
{
	sighup_handler = fn;
}

/* sighup_set_stop_handler - the function run on SIGTERM or SIGINT, before libmilter stops */
void
sighup_set_stop_handler(void (*fn)(void))
{
	stop_handler = fn;
}

/* sigwait - libmilter's signal wait, running the SIGHUP handler instead of returning */
int
sigwait(const sigset_t *set, int *sig)
{
	int s;

	for (;;) {
		s = sigwaitinfo(set, NULL);
		if (s < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP && sighup_handler != NULL) {
			sighup_handler();
			continue;
		}
		if ((s == SIGTERM || s == SIGINT) && stop_handler != NULL)
			stop_handler();
		*sig = s;
		return 0;
	}
}
