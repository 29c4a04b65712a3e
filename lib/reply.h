/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reply.h - turn a verdict into text: SMTP reply lines, the hold header,
 * the quarantine reason, and the variables templates see.
 */
#ifndef CCGUARD_REPLY_H
#define CCGUARD_REPLY_H

#include <stddef.h>

#include "strbuf.h"

struct verdict;
struct msg;
struct template;

#define REPLY_MAX_LINES		30	/* libmilter takes 32 */
#define REPLY_LINE_WIDTH	78	/* text per line, before "550-5.7.1 " */

struct reply_vars {
	const struct verdict *v;
	const struct msg *m;
	const char	*hostname;
	int		 subject_allowed;
	const char	*reason;	/* moderator's reason, or NULL */
	const char	*commands;	/* moderator commands, or NULL */
	const char	*mail_commands;	/* command lines for mail, or NULL */
	const char	*command_address;	/* where they go, or NULL */
	const char	*guidance;	/* moderator notice: guidance sent or why not */
	const char	*advice;	/* moderator notice: the rule's advice */
	const char	*site;		/* the site profile, or NULL */
	struct strbuf	 scratch[5];	/* owned; reply_vars_free() */
};

struct reply {
	char	*lines[REPLY_MAX_LINES + 1];	/* NULL-terminated */
	size_t	 nlines;
};

void	reply_vars_init(struct reply_vars *, const struct verdict *, const struct msg *,
	    const char *hostname);
void	reply_vars_free(struct reply_vars *);
const char *reply_var(void *reply_vars, const char *name);
int	reply_smtp(const struct template *, struct reply_vars *, struct reply *);
void	reply_free(struct reply *);
int	reply_matched_text(const struct verdict *, struct strbuf *, int ascii_only);
const char *reply_sender_class(const struct msg *);
const char *reply_thread(const struct msg *);
int	reply_in_thread(const struct msg *);

#endif
