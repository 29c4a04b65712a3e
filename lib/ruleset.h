/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ruleset.h - the compiled rules as the daemon and the tool see them:
 * opaque, read through these functions. lib/ruleset_impl.h has the
 * structures, for lib/ alone.
 */
#ifndef CCGUARD_RULESET_H
#define CCGUARD_RULESET_H

#include <stddef.h>

struct ruleset;
struct rule;
struct template;

struct ruleset *ruleset_new(void);
struct ruleset *ruleset_free(struct ruleset *);
int	ruleset_find_list(const struct ruleset *, const char *name);
struct rule *ruleset_find_rule(const struct ruleset *, const char *name);
size_t	ruleset_nrules(const struct ruleset *);
size_t	ruleset_nlists(const struct ruleset *);
size_t	ruleset_nexamples(const struct ruleset *);
int	ruleset_needs_body(const struct ruleset *);
const char *ruleset_list_name(const struct ruleset *, size_t list);
int	ruleset_list_used(const struct ruleset *, size_t list);

const char *rule_name(const struct rule *);
const char *rule_file(const struct rule *);
int	rule_line(const struct rule *);
const struct template *rule_reply(const struct rule *);
const struct template *rule_guidance(const struct rule *);

#endif
