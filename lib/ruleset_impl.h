/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ruleset_impl.h - the compiled, immutable policy: address lists, rules,
 * examples; lib/ only (the daemon and the tool use ruleset.h).
 *
 * Built by rules_parse.c, read by eval.c; shared read-only between threads.
 * Knows nothing of libmilter.
 */
#ifndef CCGUARD_RULESET_IMPL_H
#define CCGUARD_RULESET_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8

/* The work one pattern match may do (PCRE2's match and depth limits). */
#define RULESET_PCRE2_MATCH_LIMIT	100000
#define RULESET_PCRE2_DEPTH_LIMIT	1000
#include <pcre2.h>
#include <stddef.h>

#include "ruleset.h"
#include "verdict.h"

struct strmap;
struct template;

/* A named address list. */
struct addrlist {
	char		*name;
	const char	*file;		/* where it was defined */
	int		 line;
	size_t		 nliterals;	/* exact addresses (in ruleset->literals) */
	size_t		 ndomains;	/* "@domain" entries (in ruleset->domains) */
	pcre2_code	**patterns;	/* matched against the canonical address */
	char		**pattern_srcs;	/* "(?flags:source)", or NULL: unsafe to combine */
	size_t		 npatterns;
	int		 used;		/* referenced by some rule */
	int		 optional;	/* has a "file?" entry: may be empty */
};

enum cond_kind {
	COND_AND,
	COND_OR,
	COND_NOT,
	COND_TRUE,
	COND_RCPT_IN,		/* a recipient (in scope) is in list */
	COND_SENDER_IN,		/* the envelope sender is in list */
	COND_HEADER_MATCHES,	/* some instance of header matches re */
	COND_HEADER_EXISTS,
	COND_AUTHENTICATED,	/* the SMTP client authenticated */
	COND_BODY,		/* a MIME property of the message (see mime.h) */
};

struct cond {
	enum cond_kind	 kind;
	struct cond	*left, *right;	/* AND, OR; NOT uses left */
	int		 list;		/* RCPT_IN, SENDER_IN: list index */
	char		*listname;	/* as written; resolved after all files */
	const char	*file;		/* where the condition was written */
	int		 line;
	int		 scope;		/* RCPT_IN: ADDR_SRC_* mask */
	char		*header;	/* HEADER_*: header name */
	pcre2_code	*re;		/* HEADER_MATCHES */
	int		 body_flags;	/* BODY: MIME_* mask, any of which */
};

struct rule {
	char		*name;
	const char	*file;
	int		 line;
	struct cond	*when;
	enum action	 file_action;	/* as written in the rule file */
	enum action	 action;	/* in force (ccguard.conf may override) */
	int		 monitor;	/* log only, deliver (from file or conf) */
	char		 code[VERDICT_CODE_SIZE];	/* reject/tempfail SMTP code */
	char		 dsn[VERDICT_DSN_SIZE];	/* enhanced status code */
	struct template	*reply;		/* SMTP reply text; NULL: built-in */
	struct template	*guidance;	/* hold/notify message; NULL: none */
	int		 enabled;	/* "off" in ccguard.conf clears this */
};

/* An example: a message and the verdict the rule set must give it. */
struct example_header {
	char		*name;
	char		*value;
};

struct example {
	const char	*file;
	int		 line;
	char		*sender;	/* NULL: null sender */
	char		**rcpts;
	size_t		 nrcpts;
	struct example_header *headers;
	size_t		 nheaders;
	char		*auth;		/* authenticated user, or NULL */
	int		 body_flags;	/* MIME_* facts the example's body has */
	enum action	 expect_action;
	char		*expect_rule;	/* NULL: any (or none, for pass) */
};

struct ruleset {
	struct addrlist	*lists;
	size_t		 nlists;
	struct rule	*rules;
	size_t		 nrules;
	struct example	*examples;
	size_t		 nexamples;
	struct strmap	*literals;	/* address -> struct listset * */
	struct strmap	*domains;	/* domain -> struct listset * */
	struct strmap	*templates;	/* path -> struct template * (owner) */
	char		**files;	/* every file read, owns the strings */
	size_t		 nfiles;
	char		**headers;	/* header names some rule inspects */
	size_t		 nheaders;
	int		 needs_body;	/* some enabled rule looks at the body */
	pcre2_match_context *mctx;	/* match limits, shared read-only */
	struct prefilter *prefilters;	/* the used lists' patterns, in chunks */
	size_t		 nprefilters;
};

/*
 * A run of list patterns (in list order, used lists only) and one pattern
 * that matches whenever any of them does; re NULL: no combined pattern,
 * try each. eval.c skips a run whose combined pattern does not match.
 */
struct prefilter {
	pcre2_code	*re;
	size_t		 n;
	int		*list;		/* per pattern: its list */
	const pcre2_code **code;	/* per pattern: borrowed from its list */
};

/* The lists one literal or domain belongs to. */
struct listset {
	size_t		 n;
	int		 ids[];
};

const char *ruleset_intern_file(struct ruleset *, const char *path);
int	ruleset_needs_header(const struct ruleset *, const char *name);
size_t	ruleset_rule_lists(const struct ruleset *, const struct rule *, int *lists, size_t max);
int	ruleset_finish(struct ruleset *);
void	ruleset_cond_free(struct cond *);

#endif
