/*
 * smtp_path.h - read an SMTP MAIL FROM / RCPT TO argument the way Postfix's
 * smtpd does with strict_rfc821_envelopes = no.
 *
 * Knows nothing of libmilter or GMime; addr.c turns the result into
 * canonical addresses.
 */
#ifndef CCGUARD_SMTP_PATH_H
#define CCGUARD_SMTP_PATH_H

#include <stddef.h>

/* Results of smtp_path_read(). */
#define SMTP_PATH_OK		0	/* exactly one address (or none: "<>") */
#define SMTP_PATH_AMBIGUOUS	(-1)	/* more than one address: smtpd says 501 */
#define SMTP_PATH_NOMEM		(-2)

int	smtp_path_read(const char *arg, char **internal);
size_t	smtp_path_token_count(const char *text, size_t stop);

#endif
