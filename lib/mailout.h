/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailout.h - messages ccguard writes itself (guidance, moderator and
 * rejection notices): built with GMime, submitted with sendmail or SMTP.
 */
#ifndef CCGUARD_MAILOUT_H
#define CCGUARD_MAILOUT_H

#include <stddef.h>

struct msg_header;

/* What to build; every string is UTF-8 and may be hostile except from. */
struct mailout_spec {
	const char	*from;		/* From: "addr" or "Name <addr>" */
	const char	*to;		/* recipient (also the envelope recipient) */
	const char	*subject;
	const char	*text;		/* the text/plain part */
	const char	*in_reply_to;	/* original Message-ID, or NULL */
	const char	*hostname;	/* right side of our Message-ID */
	const struct msg_header *headers; /* original headers, or NULL: text only */
	size_t		 nheaders;
	int		 keep_subject;	/* include Subject in the headers part */
	const char	*const *omit;	/* further header names to leave out, NULL-ended */
	const char	*reply_to;	/* Reply-To address, or NULL */
	const char	*mark_header;	/* a header name ccguard marks its answers with, or NULL */
	const char	*mark_value;
};

/* Where to submit. */
struct mailout_via {
	const char	*sendmail_path;	/* used when smtp is NULL or empty */
	const char	*postfix_config;	/* "-C DIR" for Postfix's sendmail, or NULL */
	const char	*smtp;		/* "host:port", or NULL */
	const char	*helo;
	const char	*envelope_from;	/* NULL or "": the null sender <> */
	int		 timeout;	/* seconds for the whole submission */
};

#define MAILOUT_MAX_HEADERS_PART	(64 * 1024)

char	*mailout_build(const struct mailout_spec *, size_t *len);
int	mailout_submit(const struct mailout_via *, char *const *rcpts, size_t nrcpts,
	    const char *data, size_t len, char *err, size_t errsize);
const char *mailout_suppress_reason(const struct msg_header *, size_t n);
int	mailout_address_ok(const char *addr);
char	*mailout_envelope_address(const char *raw);
int	mailout_msgid_ok(const char *id);

#endif
