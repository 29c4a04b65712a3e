/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - the one way ccguard reports: syslog, and stderr in the foreground.
 */
#ifndef CCGUARD_LOG_H
#define CCGUARD_LOG_H

#include <stdarg.h>

/* The longest log line; a longer one ends in LOG_CUT_MARK instead. */
#define LOG_LINE_MAX	8192
#define LOG_CUT_MARK	"... [cut]"

#define LOG_PRINTF(a, b) __attribute__((__format__(__printf__, a, b)))

void	log_init(const char *ident, int to_stderr, int to_syslog, int verbose);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((__noreturn__));
void	fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((__noreturn__));

#endif
