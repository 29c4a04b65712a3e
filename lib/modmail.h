/*
 * modmail.h - moderation by mail: what the unprivileged reader finds in
 * one command message, and the report that carries it to the root half.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef CCGUARD_MODMAIL_H
#define CCGUARD_MODMAIL_H

#include <stddef.h>

#include "modcmd.h"

struct strbuf;

/* The header that marks ccguard's own answers and digests: never acted on. */
#define MODMAIL_ANSWER_HEADER	"X-Ccguard-Answer"

#define MODMAIL_ADDR_MAX	254		/* longest From address reported */
#define MODMAIL_MSGID_MAX	250		/* longest Message-ID reported */
#define MODMAIL_REPORT_MAX	(64 * 1024)	/* bytes of a report */
#define MODMAIL_HEADER_MAX	(64 * 1024)	/* bytes of one header read */
#define MODMAIL_TEXT_MAX	(1024 * 1024)	/* bytes of text/plain read */

/* Why a message gets no answer at all. */
enum modmail_ignore {
	MODMAIL_READ,		/* a moderator's mail: read on */
	MODMAIL_UNREADABLE,	/* not a message the reader could parse */
	MODMAIL_OWN,		/* one of ccguard's own answers or digests */
	MODMAIL_AUTOMATIC,	/* automatic or list mail (suppress names the header) */
	MODMAIL_NULL_SENDER,	/* from <> */
	MODMAIL_STRANGER,	/* From is not exactly one configured moderator */
};

/* The Authentication-Results check (command_authserv_id). */
enum modmail_auth {
	MODMAIL_AUTH_OFF,	/* not asked for */
	MODMAIL_AUTH_PASS,	/* the topmost A-R of the authserv-id shows a pass */
	MODMAIL_AUTH_FAIL,
};

struct modmail_report {
	enum modmail_ignore ignore;
	const char	*suppress;	/* MODMAIL_AUTOMATIC: the header's name (fixed text) */
	char		 from[MODMAIL_ADDR_MAX + 1];	/* printable ASCII, or "" */
	char		 msgid[MODMAIL_MSGID_MAX + 1];	/* "<...>", or "" */
	enum modmail_auth auth;
	struct modcmd_scan scan;
	unsigned long	 uid, gid;	/* the reader's own ids */
	int		 no_new_privs;	/* the reader's no_new_privs flag */
};

void	modmail_read(const char *text, size_t len, const char *moderators,
	    const char *authserv_id, struct modmail_report *);
int	modmail_report_write(const struct modmail_report *, struct strbuf *);
int	modmail_report_parse(const char *text, size_t len, struct modmail_report *);
const char *modmail_ignore_text(enum modmail_ignore);
char	*modmail_moderator(const char *moderators, const char *addr);

#endif
