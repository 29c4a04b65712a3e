/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-limits.c - the caps of ccguard.conf (max_recipients, max_addresses,
 * max_header_bytes) and the on_limit policy: a message past a cap is never
 * passed (tempfail 4.x.x by default, or what on_limit says), a message at
 * the cap is examined normally, and the one log line names the limit
 * ("limit=NAME"). Runs the shipped rules with small caps from a temporary
 * ccguard.conf.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/testlib.h"
#include "harness.h"

enum fill { FILL_RCPTS, FILL_ADDRS, FILL_HEADER_BYTES };

/* fill - put n units of one kind into m: recipients, addresses or bytes */
static void
fill(struct msg *m, enum fill kind, size_t n)
{
	struct strbuf sb;
	char a[64];
	size_t i;

	switch (kind) {
	case FILL_RCPTS:
		for (i = 0; i < n; i++) {
			snprintf(a, sizeof(a), "<user%zu@example.org>", i);
			msg_add_rcpt(m, a);
		}
		break;
	case FILL_ADDRS:
		strbuf_init(&sb, 0);
		for (i = 0; i < n; i++)
			strbuf_printf(&sb, "%suser%zu@example.org", i > 0 ? ", " : "", i);
		msg_add_header(m, "Cc", strbuf_str(&sb));
		strbuf_free(&sb);
		break;
	case FILL_HEADER_BYTES:
		/* One header of exactly n bytes as msg.c counts them (name + value + 2). */
		strbuf_init(&sb, 0);
		for (i = 0; i + strlen("X-Fill") + 2 < n; i++)
			strbuf_putc(&sb, 'x');
		msg_add_header(m, "X-Fill", strbuf_str(&sb));
		strbuf_free(&sb);
		break;
	}
}

struct lcase {
	const char	*label;
	const char	*conf;		/* extra ccguard.conf lines */
	enum fill	 kind;
	size_t		 n;
	const char	*want_action;
	const char	*want_limit;	/* NULL: no limit reached */
	char		 want_class;	/* first digit of the SMTP code, or 0 */
};

static const struct lcase cases[] = {
	{ "5 RCPT TO at max_recipients 5", "max_recipients = 5",
	    FILL_RCPTS, 5, "pass", NULL, 0 },
	{ "6 RCPT TO past max_recipients 5", "max_recipients = 5",
	    FILL_RCPTS, 6, "tempfail", "max_recipients", '4' },
	{ "10 addresses at max_addresses 10", "max_addresses = 10",
	    FILL_ADDRS, 10, "pass", NULL, 0 },
	{ "11 addresses past max_addresses 10", "max_addresses = 10",
	    FILL_ADDRS, 11, "tempfail", "max_addresses", '4' },
	{ "4096 header bytes at max_header_bytes 4096", "max_header_bytes = 4096",
	    FILL_HEADER_BYTES, 4096, "pass", NULL, 0 },
	{ "4097 header bytes past max_header_bytes 4096", "max_header_bytes = 4096",
	    FILL_HEADER_BYTES, 4097, "tempfail", "max_header_bytes", '4' },
	{ "past max_recipients with on_limit = hold", "max_recipients = 5\non_limit = hold",
	    FILL_RCPTS, 6, "hold", "max_recipients", 0 },
	{ "past max_addresses with on_limit = hold", "max_addresses = 10\non_limit = hold",
	    FILL_ADDRS, 50, "hold", "max_addresses", 0 },
	{ "past max_header_bytes with on_limit = reject",
	    "max_header_bytes = 4096\non_limit = reject",
	    FILL_HEADER_BYTES, 10000, "reject", "max_header_bytes", '5' },
	{ "past max_recipients with on_limit = tempfail spelled out",
	    "max_recipients = 1\non_limit = tempfail",
	    FILL_RCPTS, 2, "tempfail", "max_recipients", '4' },
};

/* run - one case through eval and action, with the log captured */
static void
run(const struct lcase *c)
{
	struct policy *p = harness_policy(c->conf);
	struct harness_capture cap;
	struct harness_rec rec;
	struct eval_opts opts;
	struct verdict v;
	struct msg *m;
	char want_log[128], *log;

	CHECK(p != NULL, "%s: the configuration loads", c->label);
	if (p == NULL)
		return;
	opts = harness_opts(p);
	m = msg_new(&p->conf->limits);
	msg_set_sender(m, "<reporter@example.org>");
	fill(m, c->kind, c->n);
	/* Past a cap, the pair arrives: it must not be able to turn into a pass. */
	if (c->want_limit != NULL) {
		msg_add_rcpt(m, "<security@kernel.org>");
		msg_add_header(m, "To", "later@example.org");
	}
	eval_message(p->rs, m, &opts, &v);

	CHECK_STR(action_name(v.action), c->want_action, c->label);
	if (c->want_limit != NULL) {
		CHECK(v.origin == ORIGIN_LIMIT, "%s: origin %d, want ORIGIN_LIMIT", c->label, v.origin);
		CHECK(v.reason != NULL && strcmp(v.reason, c->want_limit) == 0,
		    "%s: limit %s, want %s", c->label, v.reason ? v.reason : "(none)", c->want_limit);
	} else
		CHECK(m->limit == NULL, "%s: limit %s reached, want none", c->label, m->limit);
	if (c->want_class != 0)
		CHECK(v.code[0] == c->want_class && v.dsn[0] == c->want_class,
		    "%s: code %s %s, want %cxx %c.x.x", c->label, v.code, v.dsn,
		    c->want_class, c->want_class);

	memset(&rec, 0, sizeof(rec));
	harness_capture_begin(&cap);
	action_apply(p, &v, m, &harness_ops, &rec);
	log = harness_capture_end(&cap);
	if (c->want_limit != NULL) {
		snprintf(want_log, sizeof(want_log), " limit=%s ", c->want_limit);
		CHECK(strstr(log, want_log) != NULL, "%s: log line \"%s\" lacks \"%s\"",
		    c->label, log, want_log);
		CHECK(strstr(log, "action=pass") == NULL && strstr(log, "action=accept") == NULL,
		    "%s: past a cap but logged as delivered: %s", c->label, log);
	}
	CHECK(strchr(log, '\n') == strrchr(log, '\n'), "%s: one log line, got \"%s\"", c->label, log);
	if (v.action == ACTION_HOLD) {
		CHECK(rec.quarantined, "%s: held without quarantine", c->label);
		CHECK(rec.hdr_value != NULL && c->want_limit != NULL &&
		    strstr(rec.hdr_value, c->want_limit) != NULL,
		    "%s: hold header \"%s\" does not name the limit", c->label,
		    rec.hdr_value ? rec.hdr_value : "(none)");
	}
	if (v.action == ACTION_TEMPFAIL || v.action == ACTION_REJECT)
		CHECK(rec.nlines > 0 && rec.code[0] == v.code[0], "%s: reply %s with %d lines",
		    c->label, rec.code, rec.nlines);
	free(log);
	harness_rec_free(&rec);
	verdict_clear(&v);
	msg_free(m);
	policy_unref(p);
}

/* test_bad_values - caps outside their range are configuration errors */
static void
test_bad_values(void)
{
	static const char *const bad[] = {
		"max_recipients = 0", "max_addresses = 9", "max_header_bytes = 100",
		"max_header_bytes = 2g", "max_recipients = -1", "on_limit = pass",
		"on_limit = notify", NULL
	};
	struct harness_capture cap;
	struct policy *p;
	char *out;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		harness_capture_begin(&cap);
		p = harness_policy(bad[i]);
		out = harness_capture_end(&cap);
		CHECK(p == NULL, "\"%s\" was accepted", bad[i]);
		CHECK(strstr(out, "bad value") != NULL, "\"%s\": diagnostic \"%s\"", bad[i], out);
		free(out);
		policy_unref(p);
	}
}

/* test_defaults - the shipped defaults: caps set, on_limit tempfail */
static void
test_defaults(void)
{
	struct policy *p = harness_policy(NULL);

	CHECK(p != NULL, "defaults load");
	if (p == NULL)
		return;
	CHECK(p->conf->on_limit == ACTION_TEMPFAIL, "default on_limit %s, want tempfail",
	    action_name(p->conf->on_limit));
	CHECK(p->conf->on_error == ACTION_TEMPFAIL, "default on_error %s, want tempfail",
	    action_name(p->conf->on_error));
	CHECK(p->conf->limits.max_recipients > 0 && p->conf->limits.max_addresses > 0 &&
	    p->conf->limits.max_header_bytes > 0, "caps are set");
	policy_unref(p);
}

/* main - defaults, bad values, then every case */
int
main(void)
{
	size_t i;

	addr_init();
	log_init("ccguard", 1, 0, 0);
	test_defaults();
	test_bad_values();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
	return test_exit("test-limits");
}
