/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * diag.h - collected "file:line: message" diagnostics for configuration input.
 */
#ifndef CCGUARD_DIAG_H
#define CCGUARD_DIAG_H

#include "strbuf.h"

struct diag {
	struct strbuf	text;		/* one diagnostic per line */
	int		errors;
	int		warnings;
};

void	diag_init(struct diag *);
void	diag_error(struct diag *, const char *file, int line, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 4, 5)));
void	diag_warning(struct diag *, const char *file, int line, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 4, 5)));
void	diag_free(struct diag *);

/* A one-line error into a caller's buffer (the err, errsize convention). */
void	diag_set(char *err, size_t size, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

#endif
