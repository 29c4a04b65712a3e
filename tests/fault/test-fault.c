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
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/testlib.h"
#include "../hostile/harness.h"
#include "fault.h"

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

/* main - sweep every case under the shipped rules */
int
main(void)
{
	struct policy *p;
	size_t i;

	addr_init();
	log_init("ccguard", 0, 0, 0);	/* the log lines are not under test here */
	if ((p = harness_policy(NULL)) == NULL)
		return 99;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		sweep(p, &cases[i]);
	policy_unref(p);
	return test_exit("test-fault");
}
