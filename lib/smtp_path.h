/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * smtp_path.h - read an SMTP MAIL FROM / RCPT TO argument, or the
 * addresses of a header value, the way Postfix (its RFC 822 parser) and
 * Sendmail (ruleset 3's "name:" prefix) read them.
 *
 * Knows nothing of libmilter or GMime; addr.c turns the results into
 * canonical addresses.
 */
#ifndef CCGUARD_SMTP_PATH_H
#define CCGUARD_SMTP_PATH_H

#include <stddef.h>

/* Results of smtp_path_read() and smtp_list_read(). */
#define SMTP_PATH_OK		0	/* every address handed over (or none: "<>") */
#define SMTP_PATH_AMBIGUOUS	(-1)	/* a path with more than one address: smtpd says 501 */
#define SMTP_PATH_NOMEM		(-2)
#define SMTP_PATH_STOPPED	(-3)	/* the callback returned nonzero */
#define SMTP_PATH_TOOLONG	(-4)	/* part of a header value was too long to read */

/* Which MTA's reading an address is, for smtp_path_fn. */
#define SMTP_READING_POSTFIX	0	/* the RFC 822 parser's address */
#define SMTP_READING_SENDMAIL	1	/* the same without an unbracketed "name:" */

/*
 * Gets each address found, unquoted (Postfix's internal form), and the
 * reading it comes from; returns 0 to go on.
 */
typedef int (*smtp_path_fn)(void *arg, const char *internal, int reading);

int	smtp_path_read(const char *arg, smtp_path_fn, void *fnarg);
int	smtp_list_read(const char *value, smtp_path_fn, void *fnarg);
size_t	smtp_path_token_count(const char *text, size_t stop);

#endif
