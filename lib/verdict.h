/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict.h - what evaluation decided about one message.
 */
#ifndef CCGUARD_VERDICT_H
#define CCGUARD_VERDICT_H

#include <stddef.h>

enum action {
	ACTION_PASS,		/* no rule decided: deliver */
	ACTION_ACCEPT,		/* a rule said deliver, stop evaluating */
	ACTION_MONITOR,		/* log what would have happened, deliver */
	ACTION_NOTIFY,		/* deliver, and advise the sender */
	ACTION_HOLD,		/* quarantine in the MTA's hold queue */
	ACTION_REJECT,		/* 5xx */
	ACTION_TEMPFAIL,	/* 4xx */
};

/* One address that made a rule fire, and every place it was found. */
struct verdict_match {
	const char	*addr;		/* borrowed from struct msg */
	int		 sources;	/* ADDR_SRC_* */
	int		 how;		/* ADDR_HOW_* */
};

/* Why a verdict is not a rule's: */
enum verdict_origin {
	ORIGIN_RULES,		/* a rule (or no rule) decided */
	ORIGIN_LIMIT,		/* a limit stopped the examination */
	ORIGIN_ERROR,		/* an internal error */
	ORIGIN_RELEASED,	/* a moderator-released message */
};

#define VERDICT_MAX_MONITORED 8
#define VERDICT_CODE_SIZE	4	/* "550" and its NUL */
#define VERDICT_DSN_SIZE	12	/* "5.7.1", room for longer ones */

/* The default SMTP replies (verdict.c). */
#define SMTP_REJECT_CODE	"550"
#define SMTP_REJECT_DSN		"5.7.1"
#define SMTP_TEMPFAIL_CODE	"451"
#define SMTP_TEMPFAIL_DSN	"4.7.1"
#define SMTP_INTERNAL_DSN	"4.3.0"	/* ccguard failed or hit a limit */

struct verdict {
	enum action	 action;
	enum verdict_origin origin;
	const struct rule *rule;	/* the deciding rule, or NULL */
	const char	*reason;	/* limit or error name, or NULL */
	char		 code[VERDICT_CODE_SIZE];
	char		 dsn[VERDICT_DSN_SIZE];
	struct verdict_match *matches;	/* owned by the verdict */
	size_t		 nmatches;
	const struct rule *monitored[VERDICT_MAX_MONITORED]; /* monitor hits */
	enum action	 monitored_would[VERDICT_MAX_MONITORED];
	size_t		 nmonitored;
};

const char *action_name(enum action);
int	action_from_name(const char *, enum action *);
void	verdict_clear(struct verdict *);
void	verdict_default_code(int temporary, int internal, char code[VERDICT_CODE_SIZE],
	    char dsn[VERDICT_DSN_SIZE]);
const char *verdict_default_dsn(const char *code);

#endif
