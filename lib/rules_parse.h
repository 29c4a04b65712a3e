/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules_parse.h - read rule files into a ruleset.
 */
#ifndef CCGUARD_RULES_PARSE_H
#define CCGUARD_RULES_PARSE_H

struct ruleset;
struct diag;

int	rules_parse_file(struct ruleset *, const char *path, struct diag *);
int	rules_parse_text(struct ruleset *, const char *text, const char *display,
	    const char *basedir, struct diag *);
int	rules_resolve(struct ruleset *, struct diag *);

#endif
