/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strbuf.h - growable, NUL-terminated byte buffers with a hard size cap.
 */
#ifndef CCGUARD_STRBUF_H
#define CCGUARD_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*data;		/* always NUL-terminated when non-NULL */
	size_t	 len;		/* bytes used, excluding the NUL */
	size_t	 cap;		/* bytes allocated */
	size_t	 max;		/* refuse to grow beyond this (0 = SIZE_MAX/2) */
	int	 error;		/* first failed append since init/reset, or STRBUF_OK */
};

/* Return values of the append functions. */
#define STRBUF_OK	0
#define STRBUF_NOMEM	(-1)	/* allocation failed; buffer unchanged */
#define STRBUF_FULL	(-2)	/* the cap would be exceeded; buffer unchanged */

void	strbuf_init(struct strbuf *, size_t max);
int	strbuf_append(struct strbuf *, const char *, size_t);
int	strbuf_puts(struct strbuf *, const char *);
int	strbuf_putc(struct strbuf *, char);
int	strbuf_printf(struct strbuf *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
void	strbuf_reset(struct strbuf *);
void	strbuf_free(struct strbuf *);
char	*strbuf_steal(struct strbuf *);
const char *strbuf_str(const struct strbuf *);

#endif
