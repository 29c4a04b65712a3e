/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.h - run a program by absolute path, without a shell, with its
 * standard input and output as the caller says, within a deadline.
 */
#ifndef CCGUARD_RUN_H
#define CCGUARD_RUN_H

#include <stddef.h>
#include <time.h>

struct strbuf;

/* The fixed environment every program gets. */
#define RUN_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct run_io {
	const char	*in;		/* written to its stdin; NULL: /dev/null */
	size_t		 inlen;
	struct strbuf	*out;		/* its stdout is appended; NULL: /dev/null */
	int		 err_to_out;	/* its stderr goes to out too (else it is ours) */
	const struct timespec *deadline; /* CLOCK_MONOTONIC; NULL: none */
};

enum run_result {
	RUN_DONE = 0,		/* it ran and ended: see the status */
	RUN_NOT_RUN = -1,	/* it could not be started or waited for: see err */
	RUN_TIMEOUT = -2,	/* the deadline passed: it was killed */
};

enum run_result run_program(const char *const *argv, const struct run_io *,
	    int *status, int *write_errno, char *err, size_t errsize);
int	run_ms_left(const struct timespec *deadline);

#endif
