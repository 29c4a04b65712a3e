/*
 * NAME
 *	policy - load, validate and publish the configuration and rules
 * SYNOPSIS
 *	p = policy_load(conf_path, check_perms, diag);
 *	policy_install(p);		publish; the old one goes when unused
 *	p = policy_current();  ...  policy_unref(p);
 * DESCRIPTION
 *	policy_load() reads ccguard.conf, every rule file it names (in order),
 *	binds list names across files, applies the per-rule overrides, and runs
 *	every example of the rule files through the real evaluator (selftest.c).
 *	Any error anywhere means no policy: a broken file is never half loaded.
 *
 *	A policy is reference counted. Each message takes a reference when it
 *	starts (MAIL FROM) and drops it when it ends, so a reload (which only
 *	swaps the published pointer under policy_lock) never changes the rules
 *	under a message in flight. The reference is taken inside the lock.
 *
 *	With check_perms, rule files, lists and templates that are group or
 *	world writable are refused: whoever can write them can switch the
 *	filter off.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "diag.h"
#include "policy.h"
#include "rules_parse.h"
#include "ruleset.h"
#include "selftest.h"

static pthread_mutex_t policy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy *policy_published;

/* policy_check_file - refuse files others could change */
int
policy_check_file(const char *path, struct diag *d)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;	/* the reader reports a missing file */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(d, path, 0, "refusing a group or world writable file (chmod go-w)");
		return -1;
	}
	return 0;
}

/* policy_apply_overrides - "action.RULE = VALUE" from ccguard.conf */
static void
policy_apply_overrides(struct policy *p, struct diag *d)
{
	size_t i;

	for (i = 0; i < p->conf->noverrides; i++) {
		const struct conf_override *o = &p->conf->overrides[i];
		struct rule *r = ruleset_find_rule(p->rs, o->rule);
		enum action a;

		if (r == NULL) {
			diag_error(d, o->file, o->line, "action.%s: no rule named \"%s\"", o->rule, o->rule);
			continue;
		}
		if (strcmp(o->value, "off") == 0) {
			r->enabled = 0;
			continue;
		}
		if (action_from_name(o->value, &a) < 0 || a == ACTION_PASS) {
			diag_error(d, o->file, o->line, "action.%s: bad value \"%s\" (want reject, "
			    "tempfail, hold, notify, accept, monitor or off)", o->rule, o->value);
			continue;
		}
		r->enabled = 1;
		if (a == ACTION_MONITOR) {
			/* Keep what it would do, so the log can say so. */
			r->monitor = 1;
			continue;
		}
		r->monitor = 0;
		r->action = a;
		if (a == ACTION_REJECT && r->code[0] != '5') {
			memcpy(r->code, "550", 4);
			memcpy(r->dsn, "5.7.1", 6);
		} else if (a == ACTION_TEMPFAIL && r->code[0] != '4') {
			memcpy(r->code, "451", 4);
			memcpy(r->dsn, "4.7.1", 6);
		}
	}
}

/* policy_load - build a complete, checked policy, or NULL */
struct policy *
policy_load(const char *conf_path, int check_perms, struct diag *d)
{
	struct policy *p;
	size_t i;
	int errors = d->errors;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		diag_error(d, conf_path != NULL ? conf_path : "ccguard", 0, "out of memory");
		return NULL;
	}
	p->refcnt = 1;
	if (conf_path != NULL) {
		if (check_perms)
			policy_check_file(conf_path, d);
		p->conf = conf_load(conf_path, d);
	} else
		p->conf = conf_defaults();
	if (p->conf == NULL) {
		if (d->errors == errors)	/* conf_load() says why; conf_defaults() can not */
			diag_error(d, "ccguard", 0, "out of memory");
		goto fail;
	}
	if ((p->rs = ruleset_new()) == NULL) {
		diag_error(d, p->conf->path, 0, "out of memory");
		goto fail;
	}
	for (i = 0; i < p->conf->nrules; i++) {
		if (check_perms && policy_check_file(p->conf->rules[i], d) < 0)
			continue;
		rules_parse_file(p->rs, p->conf->rules[i], d);
	}
	if (d->errors > errors)
		goto fail;
	if (check_perms)
		for (i = 0; i < p->rs->nfiles; i++)
			policy_check_file(p->rs->files[i], d);
	rules_resolve(p->rs, d);
	if (d->errors > errors)
		goto fail;
	policy_apply_overrides(p, d);
	if (ruleset_finish(p->rs) < 0)
		diag_error(d, p->conf->path, 0, "out of memory preparing the rules");
	selftest_run(p->rs, d);
	selftest_lint(p->rs, d);
	if (d->errors > errors)
		goto fail;
	return p;
fail:
	p->refcnt = 1;
	return policy_unref(p);
}

/* policy_unref - drop a reference; the last one frees; returns NULL */
struct policy *
policy_unref(struct policy *p)
{
	int last;

	if (p == NULL)
		return NULL;
	pthread_mutex_lock(&policy_lock);
	last = --p->refcnt == 0;
	pthread_mutex_unlock(&policy_lock);
	if (last) {
		ruleset_free(p->rs);
		conf_free(p->conf);
		free(p);
	}
	return NULL;
}

/* policy_current - a new reference to the published policy (or NULL) */
struct policy *
policy_current(void)
{
	struct policy *p;

	pthread_mutex_lock(&policy_lock);
	if ((p = policy_published) != NULL)
		p->refcnt++;
	pthread_mutex_unlock(&policy_lock);
	return p;
}

/* policy_install - publish p (taking over the caller's reference) */
void
policy_install(struct policy *p)
{
	struct policy *old;

	pthread_mutex_lock(&policy_lock);
	old = policy_published;
	policy_published = p;
	pthread_mutex_unlock(&policy_lock);
	policy_unref(old);
}
