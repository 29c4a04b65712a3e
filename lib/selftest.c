/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	selftest - rule files that test themselves
 * SYNOPSIS
 *	selftest_run(rs, diag)	every example through eval_message()
 *	selftest_lint(rs, diag)	warnings about rules that can not be right
 * DESCRIPTION
 *	An example is a small message (envelope, header lines, facts about the
 *	body) and the verdict the rule files must give it. Examples are
 *	evaluated with the rules exactly as written in the files (ignoring
 *	ccguard.conf overrides, which change outcomes on purpose), through the
 *	same msg and eval code the milter uses. A different verdict is an error
 *	at the example's file:line.
 *
 *	Lint findings are warnings: an empty list (unless it reads an optional
 *	"file?", empty by design until the operator writes it), an address
 *	that is on both sides of a pair (the rule would fire on that one
 *	address alone), and a rule that can never fire because an earlier rule
 *	with the same or an "always" condition decides first.
 */
#include "config.h"

#include <string.h>

#include "diag.h"
#include "eval.h"
#include "msg.h"
#include "ruleset_impl.h"
#include "selftest.h"
#include "strmap.h"

/* selftest_example_msg - the message an example describes */
static struct msg *
selftest_example_msg(const struct example *ex)
{
	static const struct msg_limits limits = { .max_header_bytes = 1 << 20, .max_addresses = 10000, .max_recipients = 10000 };
	struct msg *m;
	size_t i;

	if ((m = msg_new(&limits)) == NULL)
		return NULL;
	msg_set_sender(m, ex->sender != NULL ? ex->sender : "<>");
	for (i = 0; i < ex->nrcpts; i++)
		msg_add_rcpt(m, ex->rcpts[i]);
	for (i = 0; i < ex->nheaders; i++)
		msg_add_header(m, ex->headers[i].name, ex->headers[i].value);
	if (ex->auth != NULL)
		msg_set_string(m, &m->auth, ex->auth);
	m->body_flags = ex->body_flags;
	return m;
}

/* selftest_run - check every rule's examples against the rules; failures diagnosed */
int
selftest_run(const struct ruleset *rs, struct diag *d)
{
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 1 };
	size_t i, j;
	int failed = 0;

	for (i = 0; i < rs->nexamples; i++) {
		const struct example *ex = &rs->examples[i];
		const char *got_rule;
		struct verdict v;
		struct msg *m;
		enum action got;
		int ok;

		if ((m = selftest_example_msg(ex)) == NULL) {
			diag_error(d, ex->file, ex->line, "out of memory");
			return -1;
		}
		eval_message(rs, m, &opts, &v);
		got = v.action;
		got_rule = v.rule != NULL ? v.rule->name : NULL;
		if (ex->expect_action == ACTION_MONITOR) {
			/* Monitored rules do not decide; look them up. */
			ok = 0;
			for (j = 0; j < v.nmonitored; j++)
				if (ex->expect_rule == NULL ||
				    strcmp(v.monitored[j]->name, ex->expect_rule) == 0)
					ok = 1;
			if (ok) {
				got = ACTION_MONITOR;
				got_rule = ex->expect_rule;
			} else if (v.nmonitored > 0) {
				got = ACTION_MONITOR;
				got_rule = v.monitored[0]->name;
			}
		}
		ok = got == ex->expect_action &&
		    (ex->expect_rule == NULL ||
		    (got_rule != NULL && strcmp(got_rule, ex->expect_rule) == 0));
		if (!ok) {
			diag_error(d, ex->file, ex->line,
			    "example expects %s%s%s, but the rules give %s%s%s%s%s",
			    action_name(ex->expect_action),
			    ex->expect_rule != NULL ? " by rule " : "",
			    ex->expect_rule != NULL ? ex->expect_rule : "",
			    action_name(got),
			    got_rule != NULL ? " by rule " : "",
			    got_rule != NULL ? got_rule : "",
			    v.reason != NULL ? ": " : "",
			    v.reason != NULL ? v.reason : "");
			failed++;
		}
		verdict_clear(&v);
		msg_free(m);
	}
	return failed > 0 ? -1 : 0;
}

/* cond_equal - structurally identical conditions */
static int
cond_equal(const struct cond *a, const struct cond *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || a->list != b->list || a->scope != b->scope ||
	    a->body_flags != b->body_flags)
		return 0;
	if ((a->header == NULL) != (b->header == NULL) ||
	    (a->header != NULL && strcasecmp(a->header, b->header) != 0))
		return 0;
	if (a->re != NULL || b->re != NULL)
		return 0;	/* patterns: do not guess */
	return cond_equal(a->left, b->left) && cond_equal(a->right, b->right);
}

/* collect_pair_lists - lists of "recipient in" tests ANDed at the top */
static void
collect_pair_lists(const struct cond *c, int *ids, size_t *n, size_t max)
{
	if (c == NULL)
		return;
	if (c->kind == COND_AND) {
		collect_pair_lists(c->left, ids, n, max);
		collect_pair_lists(c->right, ids, n, max);
	} else if (c->kind == COND_RCPT_IN && *n < max)
		ids[(*n)++] = c->list;
}

struct overlap_ctx {
	int		 a, b;
	const char	*found;
};

/* find_overlap - strmap_foreach callback: the least key in both lists */
static void
find_overlap(const char *key, void *value, void *arg)
{
	struct overlap_ctx *oc = arg;
	const struct listset *ls = value;
	size_t i;
	int ina = 0, inb = 0;

	for (i = 0; i < ls->n; i++) {
		ina |= ls->ids[i] == oc->a;
		inb |= ls->ids[i] == oc->b;
	}
	/* The first in byte order: the map's own order changes per process. */
	if (ina && inb && (oc->found == NULL || strcmp(key, oc->found) < 0))
		oc->found = key;
}

/* selftest_lint - warn about rules that can never fire or shadow others */
void
selftest_lint(const struct ruleset *rs, struct diag *d)
{
	size_t i, j, k, n;
	int ids[16];

	for (i = 0; i < rs->nlists; i++) {
		const struct addrlist *l = &rs->lists[i];

		if (l->nliterals + l->ndomains + l->npatterns == 0 && !l->optional)
			diag_warning(d, l->file, l->line, "list \"%s\" is empty", l->name);
	}
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		n = 0;
		collect_pair_lists(r->when, ids, &n, sizeof(ids) / sizeof(ids[0]));
		for (j = 0; j < n; j++) {
			for (k = j + 1; k < n; k++) {
				struct overlap_ctx oc = { ids[j], ids[k], NULL };

				if (ids[j] == ids[k] || ids[j] < 0 || ids[k] < 0)
					continue;
				strmap_foreach(rs->literals, find_overlap, &oc);
				if (oc.found == NULL)
					strmap_foreach(rs->domains, find_overlap, &oc);
				if (oc.found != NULL)
					diag_warning(d, r->file, r->line,
					    "rule \"%s\": %s is in both \"%s\" and \"%s\", so it "
					    "alone makes the rule fire", r->name, oc.found,
					    rs->lists[ids[j]].name, rs->lists[ids[k]].name);
			}
		}
		for (j = 0; j < i; j++) {
			const struct rule *e = &rs->rules[j];

			if (!e->enabled || e->monitor || e->file_action == ACTION_MONITOR)
				continue;
			if (e->when->kind == COND_TRUE || cond_equal(e->when, r->when)) {
				diag_warning(d, r->file, r->line,
				    "rule \"%s\" can never fire: rule \"%s\" (%s:%d) always decides first",
				    r->name, e->name, e->file, e->line);
				break;
			}
		}
	}
}
