/* SPDX-License-Identifier: BSD-2-Clause */
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
 *
 *	Texts follow the site profile (conf.c): for every template a rule
 *	names, and for the per-rule moderator texts RULE.notice and
 *	RULE.rejected (looked for next to the rule file; rejected.txt there is
 *	the fallback), the first existing variant named by "texts" is used,
 *	then the file itself. policy_warn_notify() (ccguard -n) warns when a
 *	rule can hold mail but nobody would be told.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "strmap.h"
#include "template.h"
#include "diag.h"
#include "eval.h"
#include "policy.h"
#include "release.h"
#include "rules_parse.h"
#include "ruleset_impl.h"
#include "selftest.h"
#include "strbuf.h"

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
		if (a == ACTION_REJECT && r->code[0] != '5')
			verdict_default_code(0, 0, r->code, r->dsn);
		else if (a == ACTION_TEMPFAIL && r->code[0] != '4')
			verdict_default_code(1, 0, r->code, r->dsn);
	}
}

/* policy_template - the template at path (variants first), loaded once; NULL if none */
static struct template *
policy_template(struct policy *p, const char *path, int check_perms, struct diag *d)
{
	char variant[4096];
	const char *use = NULL, *display;
	struct template *t;
	size_t i;

	for (i = 0; use == NULL &&
	    conf_text_variant(p->conf, i, path, variant, sizeof(variant)) == 0; i++)
		if (access(variant, F_OK) == 0)
			use = variant;
	if (use == NULL) {
		if (access(path, F_OK) != 0)
			return NULL;
		use = path;
	}
	if ((t = strmap_get(p->rs->templates, use)) != NULL)
		return t;
	if (check_perms && policy_check_file(use, d) < 0)
		return NULL;
	display = ruleset_intern_file(p->rs, use);
	if ((t = template_load(use, display != NULL ? display : use, d)) == NULL)
		return NULL;
	/* The ruleset owns every template, as it owns those the parser loaded. */
	if (strmap_put(p->rs->templates, use, t, NULL) < 0) {
		diag_error(d, use, 0, "out of memory");
		return template_free(t);
	}
	return t;
}

/* policy_rule_path - "DIR/NAME" with DIR the directory of the rule's file */
static int
policy_rule_path(const struct rule *r, const char *name, char *out, size_t size)
{
	const char *slash = strrchr(r->file, '/');
	int n;

	if (slash == NULL)
		n = snprintf(out, size, "%s", name);
	else
		n = snprintf(out, size, "%.*s/%s", (int)(slash - r->file), r->file, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* policy_apply_texts - the site's variants of reply and guidance, and the moderator texts */
static void
policy_apply_texts(struct policy *p, int check_perms, struct diag *d)
{
	char path[4096], name[512];
	struct template *t;
	size_t i;

	if ((p->texts = calloc(p->rs->nrules + 1, sizeof(*p->texts))) == NULL) {
		diag_error(d, p->conf->path, 0, "out of memory");
		return;
	}
	for (i = 0; i < p->rs->nrules; i++) {
		struct rule *r = &p->rs->rules[i];

		if (r->reply != NULL && (t = policy_template(p, r->reply->file, check_perms, d)) != NULL)
			r->reply = t;
		if (r->guidance != NULL &&
		    (t = policy_template(p, r->guidance->file, check_perms, d)) != NULL)
			r->guidance = t;
		snprintf(name, sizeof(name), "%.400s.notice", r->name);
		if (policy_rule_path(r, name, path, sizeof(path)) == 0)
			p->texts[i].notice = policy_template(p, path, check_perms, d);
		snprintf(name, sizeof(name), "%.400s.rejected", r->name);
		if (policy_rule_path(r, name, path, sizeof(path)) == 0)
			p->texts[i].rejected = policy_template(p, path, check_perms, d);
		if (p->texts[i].rejected == NULL &&
		    policy_rule_path(r, "rejected.txt", path, sizeof(path)) == 0)
			p->texts[i].rejected = policy_template(p, path, check_perms, d);
	}
}

/* policy_rule_texts - the moderator texts of rule r (never NULL) */
const struct policy_texts *
policy_rule_texts(const struct policy *p, const struct rule *r)
{
	static const struct policy_texts none;

	if (p == NULL || p->texts == NULL || r == NULL || r < p->rs->rules ||
	    r >= p->rs->rules + p->rs->nrules)
		return &none;
	return &p->texts[r - p->rs->rules];
}

/* policy_warn_notify - warn when rules can hold mail that nobody will hear of (-n) */
void
policy_warn_notify(const struct policy *p, struct diag *d)
{
	const struct conf *c = p->conf;
	struct strbuf names;
	size_t i, n = 0;

	if (c->moderator[0] != '\0' && c->notify_smtp[0] != '\0')
		return;
	/* One warning names every rule that holds. */
	strbuf_init(&names, 64 * 1024);
	for (i = 0; i < p->rs->nrules; i++) {
		const struct rule *r = &p->rs->rules[i];

		if (!r->enabled || r->monitor || r->action != ACTION_HOLD)
			continue;
		strbuf_puts(&names, n++ == 0 ? "" : ", ");
		strbuf_puts(&names, r->name);
	}
	if (n > 0 && c->moderator[0] == '\0')
		diag_warning(d, c->path, 0, "%s %s hold%s mail, but \"moderator\" is empty: "
		    "nobody will be told of held messages (remove the empty \"moderator =\" "
		    "line for the default, postmaster@%s)", n == 1 ? "rule" : "rules",
		    strbuf_str(&names), n == 1 ? "s" : "", c->hostname);
	else if (n > 0)
		diag_warning(d, c->path, 0, "%s %s hold%s mail and moderator notices go "
		    "through %s; under the shipped systemd unit (NoNewPrivileges, read-only "
		    "/var) Postfix's sendmail can not queue mail: set notify_smtp "
		    "(e.g. 127.0.0.1:25)", n == 1 ? "rule" : "rules", strbuf_str(&names),
		    n == 1 ? "s" : "", c->sendmail_path);
	strbuf_free(&names);
}

/* dump_text - "rule NAME.KIND = file" for a text in force */
static void
dump_text(void (*out)(void *, const char *, const char *), void *arg, const char *rule,
    const char *kind, const struct template *t)
{
	char name[512];

	if (t == NULL)
		return;
	snprintf(name, sizeof(name), "rule %.400s.%s", rule, kind);
	out(arg, name, t->file);
}

/* policy_dump_rules - each rule's action in force and where it was decided */
void
policy_dump_rules(const struct policy *p, void (*out)(void *, const char *, const char *),
    void *arg)
{
	char name[512], value[1024], from[600];
	size_t i, j;

	out(arg, "site profile", p->conf->site_file[0] != '\0' ? p->conf->site_file :
	    "(none: the rule files as written)");
	for (i = 0; i < p->rs->nrules; i++) {
		const struct rule *r = &p->rs->rules[i];

		snprintf(from, sizeof(from), "%s:%d", r->file, r->line);
		for (j = 0; j < p->conf->noverrides; j++) {
			const struct conf_override *o = &p->conf->overrides[j];

			if (strcmp(o->rule, r->name) == 0)
				snprintf(from, sizeof(from), "%s:%d", o->file, o->line);
		}
		snprintf(name, sizeof(name), "rule %.400s", r->name);
		if (!r->enabled)
			snprintf(value, sizeof(value), "off (%s)", from);
		else if (r->monitor)
			snprintf(value, sizeof(value), "monitor, would %s (%s)",
			    action_name(r->action), from);
		else
			snprintf(value, sizeof(value), "%s (%s)", action_name(r->action), from);
		out(arg, name, value);
		/* Which text each reader gets, after the site's variants. */
		dump_text(out, arg, r->name, "reply", r->reply);
		dump_text(out, arg, r->name, "guidance", r->guidance);
		dump_text(out, arg, r->name, "notice", policy_rule_texts(p, r)->notice);
		dump_text(out, arg, r->name, "rejected", policy_rule_texts(p, r)->rejected);
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
		/* A site profile changes actions: guard it as ccguard.conf. */
		if (check_perms && p->conf != NULL && p->conf->site_file[0] != '\0')
			policy_check_file(p->conf->site_file, d);
	} else
		p->conf = conf_defaults();
	if (p->conf == NULL) {
		if (d->errors == errors)	/* conf_load() says why; conf_defaults() can not */
			diag_error(d, "ccguard", 0, "out of memory");
		goto fail;
	}
	if ((p->release = release_key_open(p->conf->release_key, p->conf->user, d)) == NULL) {
		diag_error(d, p->conf->path, 0, "out of memory");
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
	policy_apply_texts(p, check_perms, d);
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

/* policy_eval_opts - the evaluation options this policy's settings give */
void
policy_eval_opts(const struct policy *p, struct eval_opts *opts)
{
	opts->on_limit = p->conf->on_limit;
	opts->on_error = p->conf->on_error;
	opts->file_actions = 0;
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
		release_key_free(p->release);
		conf_free(p->conf);
		free(p->texts);
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
