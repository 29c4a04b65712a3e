/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * modcmd.h - moderation by mail: the command-line grammar, Postfix queue
 * id syntax, the Authentication-Results check and the command block.
 */
#ifndef CCGUARD_MODCMD_H
#define CCGUARD_MODCMD_H

#include <stddef.h>
#include <time.h>

#include "modtoken.h"
#include "strbuf.h"

struct ruleset;

#define MODCMD_MAX		16	/* command lines read from one message */
#define MODCMD_QID_MAX		32	/* longest queue id accepted */
#define MODCMD_REASON_MAX	200	/* longest reject reason */
#define MODCMD_LINE_MAX		1000	/* longer lines are not commands */

/* One command line: "ccguard ACTION [LIST] QUEUEID TOKEN [REASON]". */
struct modcmd {
	enum modtoken_action action;
	char	list[MODTOKEN_LIST_MAX + 1];	/* release-without only */
	char	qid[MODCMD_QID_MAX + 1];
	char	token[MODTOKEN_LEN + 1];
	char	reason[MODCMD_REASON_MAX + 1];	/* reject only, may be empty */
	size_t	line;				/* line number in the text */
};

/* The command lines of one text: readable ones, unreadable ones, how many in all. */
struct modcmd_scan {
	struct modcmd	cmds[MODCMD_MAX];
	size_t		ncmds;
	size_t		bad[MODCMD_MAX];	/* line numbers of unreadable command lines */
	size_t		nbad;
	size_t		nlines;			/* command lines, readable or not */
	int		too_many;		/* more than MODCMD_MAX of them */
};

/* Why a scan decides nothing (modcmd_decision). */
enum modcmd_ambiguity {
	MODCMD_DECIDED,		/* exactly one decision */
	MODCMD_NONE,		/* no command line at all */
	MODCMD_TOO_MANY,	/* more than MODCMD_MAX command lines */
	MODCMD_UNREADABLE,	/* a command line that can not be read */
	MODCMD_SEVERAL,		/* lines for more than one decision */
};

int	modcmd_qid_ok(const char *qid);
int	modcmd_list_ok(const char *list);
int	modcmd_parse_line(const char *line, size_t len, struct modcmd *);
void	modcmd_scan_text(const char *text, size_t len, struct modcmd_scan *);
const struct modcmd *modcmd_decision(const struct modcmd_scan *, enum modcmd_ambiguity *);
int	modcmd_auth_is_ours(const char *value, const char *authserv_id);
int	modcmd_auth_pass(const char *value, const char *authserv_id, const char *domain);
int	modcmd_render(const struct ruleset *, const char *key, size_t keylen, const char *qid,
	    const char *hold, char *const *rcpts, size_t nrcpts, time_t expiry,
	    struct strbuf *out);
size_t	modcmd_moderators(const char *setting, char ***out);
void	modcmd_moderators_free(char **, size_t);

#endif
