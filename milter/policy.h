/*
 * policy.h - configuration plus rules: the unit that is loaded, checked,
 * swapped on reload and held by each message while it is evaluated.
 */
#ifndef CCGUARD_POLICY_H
#define CCGUARD_POLICY_H

struct conf;
struct ruleset;
struct diag;

struct policy {
	struct conf	*conf;
	struct ruleset	*rs;
	int		 refcnt;	/* under policy_lock */
};

struct policy *policy_load(const char *conf_path, int check_perms, struct diag *);
struct policy *policy_unref(struct policy *);
struct policy *policy_current(void);
void	policy_install(struct policy *);
int	policy_check_file(const char *path, struct diag *);

#endif
