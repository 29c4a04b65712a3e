/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-fault.c - allocation failure during a message evaluation: for every
 * N, the Nth allocation of the evaluation (msg_* filling the message state
 * as the milter does, then eval_message) fails, and then the Nth one of
 * action_apply. Properties, for every N: no crash (and, in the sanitizer
 * build, no leak); the verdict is either the one the message gets without
 * failures when a rule already stopped it, or the on_error verdict
 * (tempfail 451 4.3.0, origin "error"); a message that would pass never
 * passes after a failure; the MTA is told exactly what the verdict says.
 * The shipped rules are loaded before the failures are armed.
 *
 * Then loading: the Nth allocation of policy_load() fails, for every N,
 * while a policy is in force (see sweep_load()).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/testlib.h"
#include "../hostile/harness.h"
#include "fault.h"
#include "strmap.h"
#include "template.h"

/* MTA operations that record without allocating. */
struct rec {
	int	 replied, quarantined, added;
	char	 code[4];
	char	 header[1024];
};

/* rec_setreply - record the reply code */
static int
rec_setreply(void *ctx, const char *code, const char *dsn, char *const *lines)
{
	struct rec *r = ctx;

	r->replied = 1;
	snprintf(r->code, sizeof(r->code), "%s", code);
	return 0;
}

/* rec_addheader - record the hold header */
static int
rec_addheader(void *ctx, const char *name, const char *value)
{
	struct rec *r = ctx;

	r->added = 1;
	snprintf(r->header, sizeof(r->header), "%s", value);
	return 0;
}

/* rec_delheader - accept a header deletion */
static int
rec_delheader(void *ctx, const char *name, int index)
{
	return 0;
}

/* rec_quarantine - record the quarantine */
static int
rec_quarantine(void *ctx, const char *reason)
{
	((struct rec *)ctx)->quarantined = 1;
	return 0;
}

static const struct mta_ops rec_ops = { rec_setreply, rec_addheader, rec_delheader, rec_quarantine };

struct fcase {
	const char	*label;
	const char	*want;		/* verdict without failures */
	const char	*sender;
	const char	*rcpts[4];
	const char	*headers[8][2];
};

static const struct fcase cases[] = {
	{ "reject: the pair in headers, in many forms", "reject", "<Reporter+x@Example.ORG>",
	    { "<maintainer@example.org>", NULL },
	    { { "To", "Security Officers <security@ｋｅｒｎｅｌ.org>, g: a@b, c@d;" },
	      { "Cc", "\"x@y\" <linux-distros%vs.openwall.org@relay.example>, (c) e@f" },
	      { "Subject", "[vs] bug" }, { "Message-ID", "<1@example.org>" }, { NULL, NULL } } },
	{ "reject: the pair in the envelope", "reject", "<reporter@example.org>",
	    { "<security@kernel.org>", "<linux-distros@vs.openwall.org>", NULL },
	    { { "To", "maintainer@example.org" }, { NULL, NULL } } },
	{ "hold: a reply, damaged header", "hold", "<m@example.org>",
	    { "<security@kernel.org>", NULL },
	    { { "In-Reply-To", "<x@example.org>" },
	      { "Cc", "\"unbalanced <distros@vs.openwall.org>, kernel.org!x@y (open" },
	      { NULL, NULL } } },
	{ "pass: S with maintainers, IDN and routing forms", "pass", "<reporter@example.org>",
	    { "<security@kernel.org>", "<a%b@c.example>", NULL },
	    { { "To", "M <m@bücher.example>, x!y@z.example, \"q\"@example.org" },
	      { "Cc", "list: a@example.org, b@example.org;" },
	      { "Subject", "a bug" }, { NULL, NULL } } },
};

/* fill - the message state, as the milter builds it */
static struct msg *
fill(const struct policy *p, const struct fcase *c)
{
	struct msg *m;
	size_t i;

	if ((m = msg_new(&p->conf->limits)) == NULL)
		return NULL;
	msg_set_sender(m, c->sender);
	for (i = 0; c->rcpts[i] != NULL; i++)
		msg_add_rcpt(m, c->rcpts[i]);
	for (i = 0; c->headers[i][0] != NULL; i++)
		msg_add_header(m, c->headers[i][0], c->headers[i][1]);
	/* A forged hold header, so applying the verdict also removes one. */
	msg_add_header(m, p->conf->hold_header, "rule=forged");
	msg_set_string(m, &m->queue_id, "FAULT");
	return m;
}

/* check_effects - the MTA was told what the verdict says */
static void
check_effects(const struct fcase *c, unsigned long n, const struct verdict *v,
    enum action_result res, const struct rec *r)
{
	switch (v->action) {
	case ACTION_REJECT:
		CHECK(res == RESULT_REJECT, "%s: N=%lu: reject verdict, result %d", c->label, n, res);
		CHECK(!r->replied || r->code[0] == '5', "%s: N=%lu: reply code %s", c->label, n, r->code);
		break;
	case ACTION_TEMPFAIL:
		CHECK(res == RESULT_TEMPFAIL, "%s: N=%lu: tempfail verdict, result %d", c->label, n, res);
		CHECK(!r->replied || r->code[0] == '4', "%s: N=%lu: reply code %s", c->label, n, r->code);
		break;
	case ACTION_HOLD:
		CHECK(res == RESULT_TEMPFAIL || (res == RESULT_ACCEPT && r->quarantined),
		    "%s: N=%lu: hold verdict, result %d, quarantined %d", c->label, n, res,
		    r->quarantined);
		CHECK(!harness_has_ctl(r->header), "%s: N=%lu: hold header", c->label, n);
		break;
	default:
		CHECK(res == RESULT_ACCEPT, "%s: N=%lu: result %d", c->label, n, res);
		break;
	}
}

/* sweep - fail each allocation of the evaluation, then of the action */
static void
sweep(const struct policy *p, const struct fcase *c)
{
	const struct eval_opts opts = harness_opts(p);
	unsigned long n, total_eval, total_action;
	enum action_result res;
	struct verdict v;
	struct rec r;
	struct msg *m;

	/* Without failures: the expected verdict, and how many allocations. */
	fault_arm(0);
	m = fill(p, c);
	eval_message(p->rs, m, &opts, &v);
	total_eval = fault_disarm();
	CHECK_STR(action_name(v.action), c->want, c->label);
	fault_arm(0);
	memset(&r, 0, sizeof(r));
	action_apply(p, &v, m, &rec_ops, &r);
	total_action = fault_disarm();
	verdict_clear(&v);
	msg_free(m);
	CHECK(total_eval > 10, "%s: only %lu allocations counted", c->label, total_eval);

	for (n = 1; n <= total_eval; n++) {
		fault_arm(n);
		m = fill(p, c);
		if (m != NULL)
			eval_message(p->rs, m, &opts, &v);
		fault_disarm();
		CHECK(fault_hit(), "%s: N=%lu: the failure did not happen", c->label, n);
		if (m == NULL)
			continue;	/* msg_new failed: the milter answers tempfail */
		if (strcmp(action_name(v.action), c->want) != 0 || strcmp(c->want, "pass") == 0) {
			CHECK(v.action == p->conf->on_error && v.origin == ORIGIN_ERROR,
			    "%s: N=%lu: got %s (origin %d), want %s or on_error %s", c->label, n,
			    action_name(v.action), v.origin, c->want, action_name(p->conf->on_error));
			CHECK(strcmp(v.code, "451") == 0 && strcmp(v.dsn, "4.3.0") == 0,
			    "%s: N=%lu: code %s %s, want 451 4.3.0", c->label, n, v.code, v.dsn);
		}
		CHECK(v.action != ACTION_PASS && v.action != ACTION_ACCEPT,
		    "%s: N=%lu: passed after an allocation failure", c->label, n);
		memset(&r, 0, sizeof(r));
		res = action_apply(p, &v, m, &rec_ops, &r);
		check_effects(c, n, &v, res, &r);
		verdict_clear(&v);
		msg_free(m);
	}

	/* The verdict stands; applying it runs out of memory at each step. */
	for (n = 1; n <= total_action; n++) {
		m = fill(p, c);
		eval_message(p->rs, m, &opts, &v);
		memset(&r, 0, sizeof(r));
		fault_arm(n);
		res = action_apply(p, &v, m, &rec_ops, &r);
		fault_disarm();
		check_effects(c, n, &v, res, &r);
		verdict_clear(&v);
		msg_free(m);
	}
	printf("%s: %lu evaluation and %lu action allocations failed in turn\n",
	    c->label, total_eval, total_action);
}

/* dump_setting - conf_dump callback: "name = value" lines */
static void
dump_setting(void *arg, const char *name, const char *value)
{
	strbuf_printf(arg, "%s = %s\n", name, value);
}

/* same_cond - two condition trees say the same thing, lists bound alike */
static int
same_cond(const struct cond *a, const struct cond *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || a->list != b->list || a->scope != b->scope ||
	    a->body_flags != b->body_flags || (a->re == NULL) != (b->re == NULL) ||
	    (a->header == NULL) != (b->header == NULL) ||
	    (a->listname == NULL) != (b->listname == NULL))
		return 0;
	if ((a->header != NULL && strcmp(a->header, b->header) != 0) ||
	    (a->listname != NULL && strcmp(a->listname, b->listname) != 0))
		return 0;
	return same_cond(a->left, b->left) && same_cond(a->right, b->right);
}

struct map_cmp {
	struct strmap	*other;
	int		 differ;
};

/* same_listset - strmap_foreach callback: the key is in other with the same lists */
static void
same_listset(const char *key, void *value, void *arg)
{
	struct map_cmp *mc = arg;
	const struct listset *a = value, *b = strmap_get(mc->other, key);

	if (b == NULL || a->n != b->n || memcmp(a->ids, b->ids, a->n * sizeof(a->ids[0])) != 0)
		mc->differ = 1;
}

/* same_map - two list maps hold the same keys with the same lists */
static int
same_map(struct strmap *a, struct strmap *b)
{
	struct strmap_stats sa, sb;
	struct map_cmp mc = { b, 0 };

	strmap_stats(a, &sa);
	strmap_stats(b, &sb);
	if (sa.count != sb.count)
		return 0;
	strmap_foreach(a, same_listset, &mc);
	return !mc.differ;
}

/* policy_diff - what differs between a policy and the reference, or NULL */
static const char *
policy_diff(const struct policy *ref, const struct policy *p)
{
	const struct ruleset *a = ref->rs, *b = p->rs;
	struct strbuf ca, cb;
	size_t i;
	int same;

	strbuf_init(&ca, 0);
	strbuf_init(&cb, 0);
	conf_dump(ref->conf, dump_setting, &ca);
	conf_dump(p->conf, dump_setting, &cb);
	same = ca.error == STRBUF_OK && cb.error == STRBUF_OK &&
	    strcmp(strbuf_str(&ca), strbuf_str(&cb)) == 0;
	strbuf_free(&ca);
	strbuf_free(&cb);
	if (!same || ref->conf->noverrides != p->conf->noverrides)
		return "settings";
	if (a->nlists != b->nlists || a->nrules != b->nrules || a->nexamples != b->nexamples)
		return "number of lists, rules or examples";
	for (i = 0; i < a->nlists; i++) {
		const struct addrlist *la = &a->lists[i], *lb = &b->lists[i];

		if (strcmp(la->name, lb->name) != 0 || la->nliterals != lb->nliterals ||
		    la->ndomains != lb->ndomains || la->npatterns != lb->npatterns ||
		    la->used != lb->used || la->optional != lb->optional)
			return "a list";
	}
	if (!same_map(a->literals, b->literals) || !same_map(a->domains, b->domains))
		return "list entries";
	for (i = 0; i < a->nrules; i++) {
		const struct rule *ra = &a->rules[i], *rb = &b->rules[i];

		if (strcmp(ra->name, rb->name) != 0 || ra->action != rb->action ||
		    ra->file_action != rb->file_action || ra->monitor != rb->monitor ||
		    ra->enabled != rb->enabled || strcmp(ra->code, rb->code) != 0 ||
		    strcmp(ra->dsn, rb->dsn) != 0 || (ra->reply == NULL) != (rb->reply == NULL) ||
		    (ra->guidance == NULL) != (rb->guidance == NULL) ||
		    (ra->reply != NULL && strcmp(ra->reply->text, rb->reply->text) != 0) ||
		    (ra->guidance != NULL && strcmp(ra->guidance->text, rb->guidance->text) != 0))
			return "a rule";
		if (!same_cond(ra->when, rb->when))
			return "a rule's condition";
	}
	for (i = 0; i < a->nexamples; i++) {
		const struct example *ea = &a->examples[i], *eb = &b->examples[i];

		if (ea->nrcpts != eb->nrcpts || ea->nheaders != eb->nheaders ||
		    (ea->sender == NULL) != (eb->sender == NULL) ||
		    (ea->auth == NULL) != (eb->auth == NULL) ||
		    (ea->expect_rule == NULL) != (eb->expect_rule == NULL))
			return "an example";
	}
	if (a->nheaders != b->nheaders || a->needs_body != b->needs_body)
		return "the headers or body the rules need";
	for (i = 0; i < a->nheaders; i++)
		if (!ruleset_needs_header(b, a->headers[i]))
			return "the headers the rules need";
	return NULL;
}

/* verdicts - the action and rule each case gets under p, as one line */
static void
verdicts(const struct policy *p, struct strbuf *out)
{
	const struct eval_opts opts = harness_opts(p);
	struct verdict v;
	struct msg *m;
	size_t i;

	strbuf_reset(out);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if ((m = fill(p, &cases[i])) == NULL) {
			strbuf_puts(out, "(no memory) ");
			continue;
		}
		eval_message(p->rs, m, &opts, &v);
		strbuf_printf(out, "%s/%s ", action_name(v.action),
		    v.rule != NULL ? v.rule->name : "-");
		verdict_clear(&v);
		msg_free(m);
	}
}

/*
 * sweep_load - fail each allocation of policy_load (reading the conf and
 * rule files, compiling, running the examples) in turn, as a SIGHUP
 * reload under memory pressure would: the load fails with a diagnostic,
 * or gives a policy identical to the one loaded without failures; the
 * policy in force is then the new one, or still the old one, and either
 * gives every case the same verdict.
 */
static void
sweep_load(const char *label, const char *rules, const char *extra)
{
	char conf[] = "/tmp/ccguard-fault-XXXXXX";
	unsigned long n, total, failed = 0, survived = 0;
	struct policy *ref, *p, *cur;
	struct strbuf want, got;
	struct diag d;
	const char *why;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(conf)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		CHECK(0, "%s: cannot write a conf", label);
		return;
	}
	fprintf(fp, "rules = %s\nuser =\n%s\n", rules, extra);
	fclose(fp);
	diag_init(&d);
	ref = policy_load(conf, 0, &d);
	CHECK(ref != NULL, "%s: does not load without failures:\n%s", label, strbuf_str(&d.text));
	diag_free(&d);
	if (ref == NULL) {
		unlink(conf);
		return;
	}
	strbuf_init(&want, 0);
	strbuf_init(&got, 0);
	verdicts(ref, &want);

	/* Without failures: how many allocations a load makes. */
	diag_init(&d);
	fault_arm(0);
	p = policy_load(conf, 0, &d);
	total = fault_disarm();
	diag_free(&d);
	CHECK(p != NULL && policy_diff(ref, p) == NULL, "%s: a second load differs", label);
	CHECK(total > 100, "%s: only %lu allocations counted", label, total);
	policy_install(p);

	for (n = 1; n <= total; n++) {
		cur = policy_current();
		diag_init(&d);
		fault_arm(n);
		p = policy_load(conf, 0, &d);
		fault_disarm();
		CHECK(fault_hit(), "%s: N=%lu: the failure did not happen", label, n);
		if (p == NULL) {
			CHECK(d.errors > 0, "%s: N=%lu: no policy, and no error said why", label, n);
			failed++;
		} else if ((why = policy_diff(ref, p)) != NULL) {
			CHECK(0, "%s: N=%lu: loaded, but %s differ(s):\n%s", label, n, why,
			    strbuf_str(&d.text));
			p = policy_unref(p);
		} else
			survived++;
		diag_free(&d);
		/* The reload: a new policy replaces the old, a failed one leaves it. */
		if (p != NULL)
			policy_install(p);
		policy_unref(cur);
		cur = policy_current();
		CHECK(cur != NULL && (p == NULL || cur == p), "%s: N=%lu: policy in force", label, n);
		if (cur == NULL)
			break;
		verdicts(cur, &got);
		CHECK(strcmp(strbuf_str(&got), strbuf_str(&want)) == 0,
		    "%s: N=%lu: verdicts %s, want %s", label, n, strbuf_str(&got), strbuf_str(&want));
		policy_unref(cur);
	}
	printf("%s: %lu load allocations failed in turn: %lu loads refused, %lu complete anyway\n",
	    label, total, failed, survived);
	policy_install(NULL);
	policy_unref(ref);
	strbuf_free(&want);
	strbuf_free(&got);
	unlink(conf);
}

/* main - sweep every case under the shipped rules, then loading rules */
int
main(void)
{
	struct policy *p;
	char *rules;
	size_t i;

	addr_init();
	log_init("ccguard", 0, 0, 0);	/* the log lines are not under test here */
	if ((p = harness_policy(NULL)) == NULL)
		return 99;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sweep(p, &cases[i]);
	policy_unref(p);

	/* Every construct of the rule language, with overrides in the conf. */
	sweep_load("load valid-all.rules", test_path("tests/rules/valid-all.rules"),
	    "action.pair-reply = reject\naction.watch-public = off\n"
	    "moderator = moderator@example.org\n");
	if ((rules = harness_rules_path()) == NULL)
		return 99;
	sweep_load("load the shipped rules", rules, "action.kernel-and-distros-reply = monitor\n");
	free(rules);
	return test_exit("test-fault");
}
