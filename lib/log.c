/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	log - ccguard's single logging channel
 * SYNOPSIS
 *	log_init(ident, to_stderr, to_syslog, verbose);
 *	log_info(fmt, ...); log_debug(...);
 *	log_warnx(fmt, ...);	warning
 *	log_warn(fmt, ...);	warning with ": strerror(errno)" appended
 *	fatal(fmt, ...); fatalx(fmt, ...);	startup errors only: exit(EX_CONFIG)
 * DESCRIPTION
 *	Every message goes to syslog (facility mail) and, when the daemon runs
 *	in the foreground or as a command-line tool, to stderr as well. The
 *	functions are thread safe: syslog(3) is, and each stderr line is written
 *	with one stdio call under the stream's lock.
 *
 *	Callers never pass message content through the format string; values
 *	taken from mail are sanitised by the caller (see logfmt_value()).
 *	fatal() must not be called from a milter callback thread: a callback
 *	turns failures into the operator's on_error policy instead.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>

#include "log.h"

static int log_to_stderr = 1;
static int log_to_syslog;
static int log_verbosity;
static const char *log_ident = "ccguard";

/* log_init - choose destinations; may be called again after daemon setup */
void
log_init(const char *ident, int to_stderr, int to_syslog, int verbose)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_verbosity = verbose;
	if (to_syslog && !log_to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_to_syslog = to_syslog;
}

/* log_emit - the one place that writes a log line; a longer one is cut, and says so */
static void
log_emit(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[LOG_LINE_MAX + 1];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n > LOG_LINE_MAX)
		memcpy(line + LOG_LINE_MAX - strlen(LOG_CUT_MARK), LOG_CUT_MARK,
		    strlen(LOG_CUT_MARK) + 1);
	if (log_to_syslog)
		syslog(prio, "%s%s", line, suffix);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s%s\n", log_ident, line, suffix);
}

#define LOG_BODY(prio, suffix) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	log_emit((prio), fmt, ap, (suffix));	\
	va_end(ap);				\
} while (0)

/* log_info - log an informational line */
void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, "");
}

/* log_debug - log a line only when verbose */
void
log_debug(const char *fmt, ...)
{
	if (log_verbosity > 0)
		LOG_BODY(LOG_DEBUG, "");
}

/* log_warnx - log a warning */
void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, "");
}

/* log_warn - log a warning with errno's text appended */
void
log_warn(const char *fmt, ...)
{
	char suffix[256];

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	LOG_BODY(LOG_WARNING, suffix);
}

/* fatal - log an error with errno's text and exit (startup only) */
void
fatal(const char *fmt, ...)
{
	char suffix[256];

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	LOG_BODY(LOG_ERR, suffix);
	exit(EX_OSERR);
}

/* fatalx - log an error and exit with EX_CONFIG (startup only) */
void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, "");
	exit(EX_CONFIG);
}
