/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h - configuration plus rules: the unit that is loaded, checked,
 * swapped on reload and held by each message while it is evaluated.
 */
#ifndef CCGUARD_POLICY_H
#define CCGUARD_POLICY_H

struct conf;
struct ruleset;
struct diag;
struct eval_opts;
struct release_key;

struct template;
struct rule;

/* Texts for moderators that belong to one rule (RULE.notice, RULE.rejected). */
struct policy_texts {
	const struct template *notice;	/* advice in the moderator notice, or NULL */
	const struct template *rejected;	/* to the sender of a refused hold */
};

struct policy {
	struct conf	*conf;
	struct ruleset	*rs;
	struct release_key *release;	/* release_key, read once (release.c) */
	struct policy_texts *texts;	/* per rule, same index; templates borrowed */
	int		 refcnt;	/* under policy_lock */
};

struct policy *policy_load(const char *conf_path, int check_perms, struct diag *);
struct policy *policy_unref(struct policy *);
struct policy *policy_current(void);
void	policy_install(struct policy *);
int	policy_check_file(const char *path, struct diag *);
void	policy_eval_opts(const struct policy *, struct eval_opts *);
void	policy_warn_notify(const struct policy *, struct diag *);
const struct policy_texts *policy_rule_texts(const struct policy *, const struct rule *);
void	policy_dump_rules(const struct policy *, void (*)(void *, const char *, const char *),
	    void *);

#endif
