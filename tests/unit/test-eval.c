/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-eval.c - unit tests of the evaluator with the shipped rules.
 *
 * rules/kernel-security.rules is loaded through policy_load() on a
 * temporary ccguard.conf, and a table of messages (envelope and headers)
 * is evaluated: the verdict's action, rule, and matched addresses with
 * their sources must be the expected ones. Then: SMTP reply text stays
 * within 78 printable ASCII characters per line whatever the addresses
 * hold; limits give the operator's on_limit verdict (origin LIMIT) unless
 * a rule already stopped the message; action.RULE overrides from
 * ccguard.conf (hold, monitor, off, tempfail) change the verdict; the
 * rules and the notice's ${thread} agree on what is inside a thread; and
 * eval_body_matters() says the body is needed exactly when a rule's
 * outcome (or what monitor mode logs) can depend on it, which is when the
 * milter may decide at end of headers, before the body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "diag.h"
#include "eval.h"
#include "mime.h"
#include "msg.h"
#include "policy.h"
#include "reply.h"
#include "rules_parse.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "template.h"
#include "testlib.h"

/* Table rows leave trailing optional fields out on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SEC	"security@kernel.org"
#define LD	"linux-distros@vs.openwall.org"
#define DI	"distros@vs.openwall.org"
#define NEW	"kernel-and-distros"
#define REPLY	"kernel-and-distros-reply"

#define ENV	ADDR_SRC_ENVELOPE
#define TO	ADDR_SRC_TO
#define CC	ADDR_SRC_CC
#define RTO	ADDR_SRC_RESENT_TO
#define RCC	ADDR_SRC_RESENT_CC

struct want_match {
	const char	*addr;
	int		 sources;
};

struct eval_case {
	const char	*label;
	const char	*sender;
	const char	*rcpts[6];
	const char	*headers[6];	/* "Name: value" */
	enum action	 action;
	const char	*rule;		/* NULL: no rule */
	struct want_match matches[4];	/* in message order; all of them */
};

static const struct eval_case eval_cases[] = {
	{ "pair in RCPT TO only", "reporter@example.org", { SEC, LD },
	    { "Subject: bug" }, ACTION_REJECT, NEW, { { SEC, ENV }, { LD, ENV } } },
	{ "pair in the headers only", "reporter@example.org", { "maintainer@example.org" },
	    { "To: Security <" SEC ">", "Cc: Distros <" DI ">" }, ACTION_REJECT, NEW,
	    { { SEC, TO }, { DI, CC } } },
	{ "split across envelope and Cc", "reporter@example.org", { SEC },
	    { "To: " SEC, "Cc: " LD }, ACTION_REJECT, NEW, { { SEC, ENV | TO }, { LD, CC } } },
	{ "Resent-To and Resent-Cc", "fwd@example.org", { "someone@example.org" },
	    { "Resent-To: " SEC, "Resent-Cc: " LD }, ACTION_REJECT, NEW,
	    { { SEC, RTO }, { LD, RCC } } },
	{ "Bcc: distros only in the envelope", "reporter@example.org", { SEC, LD },
	    { "To: " SEC }, ACTION_REJECT, NEW, { { SEC, ENV | TO }, { LD, ENV } } },
	{ "both distros lists", "<reporter@example.org>", { "<" SEC ">", "<" LD ">", "<" DI ">" },
	    { 0 }, ACTION_REJECT, NEW, { { SEC, ENV }, { LD, ENV }, { DI, ENV } } },
	{ "other recipients are not listed", "reporter@example.org",
	    { "maintainer@example.org", SEC, "dev@example.org" }, { "Cc: " DI ", list@example.org" },
	    ACTION_REJECT, NEW, { { SEC, ENV }, { DI, CC } } },
	{ "case, +detail, trailing dot, quotes", "reporter@example.org",
	    { "<Security+report@KERNEL.org.>" }, { "Cc: \"Linux-Distros\"@VS.openwall.org" },
	    ACTION_REJECT, NEW, { { SEC, ENV }, { LD, CC } } },
	{ "full-width and ideographic full stop", "reporter@example.org",
	    { "\xef\xbd\x93\xef\xbd\x85\xef\xbd\x83\xef\xbd\x95\xef\xbd\x92\xef\xbd\x89\xef\xbd\x94\xef\xbd\x99"
	      "@kernel\xe3\x80\x82org" },
	    { "Cc: linux-distros@vs.openwall\xe3\x80\x82org" }, ACTION_REJECT, NEW,
	    { { SEC, ENV }, { LD, CC } } },
	{ "damaged Cc still counts", "reporter@example.org", { SEC },
	    { "Cc: \"Distros <" LD ">, x@example.org" }, ACTION_REJECT, NEW,
	    { { SEC, ENV }, { LD, CC } } },
	{ "percent hack in the envelope", "reporter@example.org",
	    { "<security%kernel.org@relay.example>", LD }, { 0 }, ACTION_REJECT, NEW,
	    { { SEC, ENV }, { LD, ENV } } },
	{ "reply: In-Reply-To", "maintainer@example.org", { SEC, LD },
	    { "In-Reply-To: <r1@example.org>" }, ACTION_HOLD, REPLY, { { SEC, ENV }, { LD, ENV } } },
	{ "reply: References", "maintainer@example.org", { SEC },
	    { "Cc: " DI, "references: <r1@example.org>" }, ACTION_HOLD, REPLY,
	    { { SEC, ENV }, { DI, CC } } },
	{ "the security team alone", "reporter@example.org", { SEC, "maintainer@example.org" },
	    { "To: " SEC, "Cc: maintainer@example.org" }, ACTION_PASS, NULL },
	{ "linux-distros alone", "reporter@example.org", { LD },
	    { "Subject: [vs] fixed, disclosure 2026-12-01" }, ACTION_PASS, NULL },
	{ "distros alone", "reporter@example.org", { DI }, { "To: " DI, "Subject: [vs] fixed bug" },
	    ACTION_PASS, NULL },
	{ "distros address only in a display name", "reporter@example.org", { SEC },
	    { "Cc: \"" LD "\" <someone@example.org>" }, ACTION_PASS, NULL },
	{ "distros address only in a comment", "reporter@example.org", { SEC },
	    { "Cc: someone@example.org (" DI ")" }, ACTION_PASS, NULL },
	{ "distros address only in From and Reply-To", LD, { SEC },
	    { "From: " LD, "Reply-To: " DI, "Subject: cc " LD }, ACTION_PASS, NULL },
	{ "encoded word hides the address", "reporter@example.org", { SEC },
	    { "Cc: =?UTF-8?Q?linux-distros=40vs.openwall.org?= <a@example.org>" }, ACTION_PASS, NULL },
	{ "linux-distros-owner is another mailbox", "reporter@example.org",
	    { SEC, "linux-distros-owner@vs.openwall.org" }, { 0 }, ACTION_PASS, NULL },
	{ "homoglyph domain", "reporter@example.org", { SEC },
	    { "Cc: linux-distros@vs.\xd0\xbepenwall.org" }, ACTION_PASS, NULL },
	{ "lookalike domain", "reporter@example.org", { "security@kernel.org.example", LD },
	    { "Subject: [vs] fixed bug" }, ACTION_PASS, NULL },
	{ "null sender, pair", "<>", { SEC, LD }, { 0 }, ACTION_REJECT, NEW,
	    { { SEC, ENV }, { LD, ENV } } },
};

static char conf_path[] = "/tmp/ccguard-test-eval-XXXXXX";

/* load_policy - the shipped rules with extra conf lines, or NULL */
static struct policy *
load_policy(const char *extra)
{
	struct policy *p;
	struct diag d;
	FILE *fp;

	if ((fp = fopen(conf_path, "w")) == NULL) {
		perror(conf_path);
		exit(99);
	}
	fprintf(fp, "user =\nrules = %s\n%s", test_path("rules/kernel-security.rules"), extra);
	fclose(fp);
	diag_init(&d);
	p = policy_load(conf_path, 0, &d);
	CHECK(p != NULL && d.errors == 0 && d.warnings == 0, "loading the shipped rules with "
	    "\"%s\": got %d errors, %d warnings:\n%s", extra, d.errors, d.warnings,
	    strbuf_str(&d.text) ? strbuf_str(&d.text) : "");
	diag_free(&d);
	return p;
}

/* build_msg - a message from an envelope and "Name: value" headers */
static struct msg *
build_msg(const struct msg_limits *lim, const char *sender, const char *const *rcpts,
    size_t nrcpts, const char *const *headers, size_t nheaders)
{
	struct msg *m = msg_new(lim);
	size_t i;

	if (m == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(99);
	}
	msg_set_sender(m, sender);
	for (i = 0; i < nrcpts && rcpts[i] != NULL; i++)
		msg_add_rcpt(m, rcpts[i]);
	for (i = 0; i < nheaders && headers[i] != NULL; i++) {
		const char *colon = strchr(headers[i], ':');
		char *name = strndup(headers[i], (size_t)(colon - headers[i]));

		msg_add_header(m, name, colon + 1 + strspn(colon + 1, " "));
		free(name);
	}
	return m;
}

/* matches_text - "a (0x1), b (0x4)" for messages */
static const char *
matches_text(const struct verdict *v, struct strbuf *sb)
{
	size_t i;

	strbuf_reset(sb);
	strbuf_puts(sb, "");
	for (i = 0; i < v->nmatches; i++)
		strbuf_printf(sb, "%s%s (0x%x)", i > 0 ? ", " : "", v->matches[i].addr,
		    (unsigned)v->matches[i].sources);
	return strbuf_str(sb);
}

/*
 * same_verdict - a and b agree on action, rule, origin and the matched
 * addresses with their sources
 */
static int
same_verdict(const struct verdict *a, const struct verdict *b)
{
	size_t i;

	if (a->action != b->action || a->rule != b->rule || a->origin != b->origin ||
	    a->nmatches != b->nmatches || a->nmonitored != b->nmonitored)
		return 0;
	for (i = 0; i < a->nmatches; i++)
		if (strcmp(a->matches[i].addr, b->matches[i].addr) != 0 ||
		    a->matches[i].sources != b->matches[i].sources)
			return 0;
	return 1;
}

/*
 * check_cached - what the milter does with one connection's cache: the
 * body question, then the verdict, twice (end of headers, end of
 * message), on lookups made once; the same verdict as a fresh evaluation
 */
static void
check_cached(const struct policy *p, const struct msg *m, struct eval_cache *ec,
    const struct verdict *want, const char *label)
{
	const struct eval_opts opts = { p->conf->on_limit, p->conf->on_error, 0 };
	struct verdict v1, v2;

	eval_cache_reset(ec);
	CHECK(eval_body_matters_cached(p->rs, m, ec) == eval_body_matters(p->rs, m),
	    "%s: cached body question differs", label);
	eval_message_cached(p->rs, m, &opts, &v1, ec);
	eval_message_cached(p->rs, m, &opts, &v2, ec);
	CHECK(same_verdict(&v1, want), "%s: cached verdict %s differs from a fresh one (%s)",
	    label, action_name(v1.action), action_name(want->action));
	CHECK(same_verdict(&v2, want), "%s: second cached verdict %s differs", label,
	    action_name(v2.action));
	verdict_clear(&v1);
	verdict_clear(&v2);
}

/* test_table - every message row against the shipped rules */
static void
test_table(const struct policy *p)
{
	const struct eval_opts opts = { p->conf->on_limit, p->conf->on_error, 0 };
	struct eval_cache *ec = eval_cache_new();
	struct strbuf sb;
	size_t i, j, nwant;

	CHECK(ec != NULL, "eval_cache_new failed");
	strbuf_init(&sb, 0);
	for (i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++) {
		const struct eval_case *c = &eval_cases[i];
		struct verdict v;
		struct msg *m;
		int rv;

		m = build_msg(&p->conf->limits, c->sender, c->rcpts, 6, c->headers, 6);
		rv = eval_message(p->rs, m, &opts, &v);
		/* One cache for every row, as one connection carries many messages. */
		if (ec != NULL)
			check_cached(p, m, ec, &v, c->label);
		CHECK(rv == 0 && v.origin == ORIGIN_RULES, "%s: got rv %d origin %d, want 0, rules",
		    c->label, rv, (int)v.origin);
		CHECK(v.action == c->action, "%s: got %s, want %s", c->label, action_name(v.action),
		    action_name(c->action));
		CHECK((v.rule == NULL && c->rule == NULL) ||
		    (v.rule != NULL && c->rule != NULL && strcmp(v.rule->name, c->rule) == 0),
		    "%s: got rule %s, want %s", c->label, v.rule ? v.rule->name : "(none)",
		    c->rule ? c->rule : "(none)");
		for (nwant = 0; nwant < 4 && c->matches[nwant].addr != NULL; nwant++)
			;
		CHECK(v.nmatches == nwant, "%s: got matches %s, want %zu of them", c->label,
		    matches_text(&v, &sb), nwant);
		for (j = 0; j < nwant && j < v.nmatches; j++)
			CHECK(strcmp(v.matches[j].addr, c->matches[j].addr) == 0 &&
			    v.matches[j].sources == c->matches[j].sources,
			    "%s: match %zu: got %s, want %s (0x%x)", c->label, j, matches_text(&v, &sb),
			    c->matches[j].addr, (unsigned)c->matches[j].sources);
		if (c->action == ACTION_REJECT) {
			CHECK_STR(v.code, "550", c->label);
			CHECK_STR(v.dsn, "5.7.1", c->label);
		}
		verdict_clear(&v);
		msg_free(m);
	}
	strbuf_free(&sb);
	eval_cache_free(ec);
}

/*
 * test_thread_reading - the shipped rules and reply_in_thread() (the
 * moderator notice's ${thread}) read "inside a thread" alike: In-Reply-To
 * or References names a message, <id@host>; the Subject does not count
 */
static void
test_thread_reading(const struct policy *p)
{
	static const struct {
		const char	*headers[3];
		int		 in_thread;
		const char	*thread;	/* start of reply_thread() */
	} cases[] = {
		{ { "Subject: [vs] foo" }, 0, "a new message" },
		{ { "Subject: [PATCH 0/3] foo" }, 0, "a patch posting that starts" },
		{ { "Subject: Re: [vs] foo" }, 0, "a new message" },
		{ { "In-Reply-To:" }, 0, "a new message" },
		{ { "References:", "In-Reply-To: " }, 0, "a new message" },
		{ { "In-Reply-To: report-1@example.org" }, 0, "a new message" },
		{ { "In-Reply-To: <report-1>" }, 0, "a new message" },
		{ { "In-Reply-To: <@example.org>", "References: <a@>" }, 0, "a new message" },
		{ { "References: <a@b@c>" }, 0, "a new message" },
		{ { "References: <a @b>" }, 0, "a new message" },
		{ { "In-Reply-To: <<a@b>" }, 1, "a reply" },
		{ { "In-Reply-To: <r@example.org>" }, 1, "a reply" },
		{ { "References: <x> <r@example.org>" }, 1, "a reply" },
		{ { "References: <r@[192.0.2.1]>" }, 1, "a reply" },
		{ { "In-Reply-To: <r@example.org> (Reporter's message)" }, 1, "a reply" },
		{ { "In-Reply-To: <c@example.org>", "Subject: [PATCH 2/3] foo" }, 1,
		  "a patch posting inside" },
	};
	const struct eval_opts opts = { p->conf->on_limit, p->conf->on_error, 0 };
	static const char *const pair[] = { SEC, LD };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg *m = build_msg(&p->conf->limits, "r@example.org", pair, 2,
		    cases[i].headers, 3);
		const char *name = cases[i].in_thread ? REPLY : NEW;
		struct verdict v;

		eval_message(p->rs, m, &opts, &v);
		CHECK(v.rule != NULL && strcmp(v.rule->name, name) == 0,
		    "thread case %zu (%s): rule %s, want %s", i, cases[i].headers[0],
		    v.rule != NULL ? v.rule->name : "(none)", name);
		CHECK(reply_in_thread(m) == cases[i].in_thread,
		    "thread case %zu (%s): reply_in_thread %d, want %d", i, cases[i].headers[0],
		    reply_in_thread(m), cases[i].in_thread);
		CHECK(strncmp(reply_thread(m), cases[i].thread, strlen(cases[i].thread)) == 0,
		    "thread case %zu: ${thread} \"%s\", want \"%s...\"", i, reply_thread(m),
		    cases[i].thread);
		verdict_clear(&v);
		msg_free(m);
	}
}

/*
 * check_reply_lines - every line printable ASCII, '%' only doubled (as
 * libmilter requires), at most 78 characters once "%%" is read as '%'.
 */
static void
check_reply_lines(const struct reply *r, const char *label)
{
	size_t i;

	CHECK(r->nlines >= 1 && r->nlines <= REPLY_MAX_LINES, "%s: got %zu lines, want 1..%d",
	    label, r->nlines, REPLY_MAX_LINES);
	CHECK(r->lines[r->nlines] == NULL, "%s: line list not NULL-terminated", label);
	for (i = 0; i < r->nlines; i++) {
		const char *s = r->lines[i];
		size_t width = 0;
		int ok = 1;

		for (; *s != '\0'; s++, width++) {
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				ok = 0;
			if (*s == '%') {
				if (s[1] != '%')
					ok = 0;
				else
					s++;
			}
		}
		CHECK(ok, "%s: line %zu: got \"%s\", want printable ASCII with %%%% only", label, i,
		    r->lines[i]);
		CHECK(width <= REPLY_LINE_WIDTH, "%s: line %zu: got %zu characters, want <= %d: \"%s\"",
		    label, i, width, REPLY_LINE_WIDTH, r->lines[i]);
	}
}

/* render - the SMTP reply for a verdict, checked; returns the joined text */
static char *
render(const struct template *t, const struct verdict *v, const struct msg *m,
    const char *label, size_t *nlines)
{
	struct reply_vars rv;
	struct reply r;
	struct strbuf all;
	size_t i;

	reply_vars_init(&rv, v, m, "mx.example.org");
	CHECK(reply_smtp(t, &rv, &r) == 0, "%s: reply_smtp failed", label);
	check_reply_lines(&r, label);
	strbuf_init(&all, 0);
	strbuf_puts(&all, "");
	for (i = 0; i < r.nlines; i++)
		strbuf_printf(&all, "%s\n", r.lines[i]);
	CHECK(r.nlines > 0, "%s: got no lines", label);
	*nlines = r.nlines;
	reply_free(&r);
	reply_vars_free(&rv);
	return strbuf_steal(&all);
}

/* The shipped reply text, for a message with the pair found in three places. */
static void
test_shipped_reply(const struct policy *p)
{
	static const char *const rcpts[] = { SEC, LD };
	static const char *const hdrs[] = { "To: " SEC, "Cc: " DI ", " LD };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
	struct verdict v;
	struct msg *m;
	size_t n, i;
	char *text;

	m = build_msg(&p->conf->limits, "reporter@example.org", rcpts, 2, hdrs, 2);
	eval_message(p->rs, m, &opts, &v);
	CHECK(v.rule != NULL && v.rule->reply != NULL, "shipped rule: want a reply template");
	if (v.rule != NULL) {
		text = render(v.rule->reply, &v, m, "shipped reply", &n);
		/* Read the wrapped lines as one text. */
		for (i = 0; text[i] != '\0'; i++)
			if (text[i] == '\n')
				text[i] = ' ';
		CHECK(strstr(text, "security@kernel.org (envelope, To), "
		    "linux-distros@vs.openwall.org (envelope, Cc) and distros@vs.openwall.org (Cc)")
		    != NULL && n >= 2,
		    "shipped reply: got %zu lines\n%s\n--- want the matched addresses and their "
		    "sources", n, text);
		free(text);
	}
	verdict_clear(&v);
	msg_free(m);
}

/*
 * Hostile addresses: CR/LF, '%', 8-bit bytes and very long local parts in
 * matched addresses and in the sender can not add reply lines, break the
 * width or reach the reply as anything but printable ASCII.
 */
static void
test_hostile_reply(void)
{
	static const char rules[] =
	    "list k { @kernel.org }\n"
	    "list d { @vs.openwall.org }\n"
	    "rule pair {\n\twhen recipient in k and recipient in d\n\taction reject\n}\n";
	static const char tmpl_text[] =
	    "Line one: ${rule}.\n"
	    "Matched: ${matched}\n"
	    "Addresses: ${addresses}\n"
	    "Sender: ${sender}\n"
	    "Subject: ${subject}\n"
	    "Last line.\n";
	static const struct msg_limits lim = { .max_header_bytes = 1 << 20, .max_addresses = 1000, .max_recipients = 1000 };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
	struct ruleset *rs = ruleset_new();
	struct template *t;
	struct diag d;
	struct verdict v;
	struct msg *m;
	char longlocal[600], *text, rcpt[700];
	size_t n;

	diag_init(&d);
	CHECK(rules_parse_text(rs, rules, "hostile.rules", NULL, &d) == 0 &&
	    rules_resolve(rs, &d) == 0, "hostile.rules: got errors:\n%s",
	    strbuf_str(&d.text) ? strbuf_str(&d.text) : "");
	ruleset_finish(rs);
	t = template_from_text(tmpl_text, "hostile.reply", &d);
	CHECK(t != NULL, "hostile.reply: got no template");

	memset(longlocal, 'x', sizeof(longlocal) - 1);
	longlocal[sizeof(longlocal) - 1] = '\0';
	snprintf(rcpt, sizeof(rcpt), "<%s@vs.openwall.org>", longlocal);
	m = msg_new(&lim);
	msg_set_sender(m, "<\"evil\r\n550 5.7.1 spoofed%n%s\"@example.org>");
	msg_add_rcpt(m, "<\"a\r\n250 2.0.0 ok\r\n%s%%\xff\xfe\"@kernel.org>");
	msg_add_rcpt(m, rcpt);
	msg_add_header(m, "Cc", "\"b\\\r\n.\r\n\"@vs.openwall.org, =?utf-8?q?x?= <c@kernel.org>");
	msg_add_header(m, "Subject", "hi\r\n550 injected\r\n%s");
	eval_message(rs, m, &opts, &v);
	CHECK(v.action == ACTION_REJECT && v.nmatches >= 3, "hostile: got %s with %zu matches, "
	    "want reject with >= 3", action_name(v.action), v.nmatches);
	if (t != NULL) {
		struct reply_vars rv;
		struct reply r;

		text = render(t, &v, m, "hostile reply", &n);
		/* Six template lines; only wrapping of long values may add more. */
		CHECK(strncmp(text, "Line one: pair.\n", 16) == 0, "hostile: got first line\n%s", text);
		CHECK(strstr(text, "\nLast line.\n") != NULL, "hostile: got\n%s--- want it to end "
		    "with the template's last line", text);
		CHECK(strstr(text, "\n250 ") == NULL && strstr(text, "\n550 ") == NULL &&
		    strstr(text, "\n.\n") == NULL, "hostile: a value started a line:\n%s", text);
		free(text);
		/* Without the long address, no wrapping: exactly the template's lines. */
		reply_vars_init(&rv, &v, m, "mx.example.org");
		v.nmatches = 1;
		CHECK(reply_smtp(t, &rv, &r) == 0 && r.nlines == 6, "hostile, one match: got %zu "
		    "lines, want 6", r.nlines);
		check_reply_lines(&r, "hostile, one match");
		/* The '%' of a value arrives doubled, so printf-like use is inert. */
		CHECK(strstr(r.lines[3], "spoofed%%n%%s@example.org") != NULL,
		    "hostile: got sender line \"%s\", want %%%% doubled", r.nlines > 3 ? r.lines[3] : "");
		reply_free(&r);
		reply_vars_free(&rv);
	}
	verdict_clear(&v);
	msg_free(m);
	template_free(t);
	diag_free(&d);
	ruleset_free(rs);
}

/* Reply formatting limits: line count, hard cuts, empty text, '%'. */
static void
test_reply_format(void)
{
	struct verdict v;
	struct reply_vars rv;
	struct reply r;
	struct template *t;
	struct diag d;
	struct strbuf sb;
	struct msg *m;
	static const struct msg_limits lim = { .max_header_bytes = 4096, .max_addresses = 10, .max_recipients = 10 };
	size_t i;

	memset(&v, 0, sizeof(v));
	m = msg_new(&lim);
	diag_init(&d);
	strbuf_init(&sb, 0);

	/* 40 lines: cut to REPLY_MAX_LINES, the last one saying so. */
	for (i = 0; i < 40; i++)
		strbuf_printf(&sb, "line %zu\n", i);
	t = template_from_text(strbuf_str(&sb), "long.reply", &d);
	reply_vars_init(&rv, &v, m, NULL);
	CHECK(t != NULL && reply_smtp(t, &rv, &r) == 0, "long.reply: no reply");
	CHECK(r.nlines == REPLY_MAX_LINES && r.lines[REPLY_MAX_LINES] == NULL,
	    "long.reply: got %zu lines, want %d", r.nlines, REPLY_MAX_LINES);
	CHECK(r.nlines > 0 && strcmp(r.lines[r.nlines - 1], "(reply text shortened)") == 0,
	    "long.reply: got last line \"%s\", want the shortened mark",
	    r.nlines > 0 ? r.lines[r.nlines - 1] : "");
	check_reply_lines(&r, "long.reply");
	reply_free(&r);
	reply_vars_free(&rv);
	template_free(t);

	/* One word longer than a line is cut hard; words wrap at spaces. */
	strbuf_reset(&sb);
	for (i = 0; i < 100; i++)
		strbuf_putc(&sb, 'w');
	strbuf_puts(&sb, " short");
	for (i = 0; i < 30; i++)
		strbuf_puts(&sb, " word");
	strbuf_puts(&sb, " 100% sure\n\n\n");
	t = template_from_text(strbuf_str(&sb), "wide.reply", &d);
	reply_vars_init(&rv, &v, m, NULL);
	CHECK(t != NULL && reply_smtp(t, &rv, &r) == 0, "wide.reply: no reply");
	check_reply_lines(&r, "wide.reply");
	CHECK(r.nlines == 4 && strlen(r.lines[0]) == REPLY_LINE_WIDTH && r.lines[1][0] == 'w' &&
	    strstr(r.lines[r.nlines - 1], "100%% sure") != NULL,
	    "wide.reply: got %zu lines (\"%s\" ... \"%s\"), want 4 ending in \"100%%%% sure\"",
	    r.nlines, r.nlines ? r.lines[0] : "", r.nlines ? r.lines[r.nlines - 1] : "");
	reply_free(&r);
	reply_vars_free(&rv);
	template_free(t);

	/* The built-in text when a rule has no reply file. */
	reply_vars_init(&rv, &v, m, NULL);
	CHECK(reply_smtp(NULL, &rv, &r) == 0 && r.nlines == 2 &&
	    strcmp(r.lines[0], "Message refused by policy rule (none).") == 0 &&
	    strcmp(r.lines[1], "Addresses found: (none).") == 0,
	    "built-in reply: got %zu lines: \"%s\"", r.nlines, r.nlines ? r.lines[0] : "");
	reply_free(&r);
	reply_vars_free(&rv);

	strbuf_free(&sb);
	diag_free(&d);
	msg_free(m);
}

/*
 * A pattern that backtracks without end hits the match limit: the verdict
 * is on_error (origin ERROR), never a silent pass and never a stall.
 */
static void
test_match_limit(void)
{
	static const char rules[] =
	    "list slow { /^(a+)+$/ }\n"
	    "rule r {\n\twhen recipient in slow\n\taction reject\n}\n";
	static const struct msg_limits lim = { .max_header_bytes = 4096, .max_addresses = 10, .max_recipients = 10 };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
	struct ruleset *rs = ruleset_new();
	struct verdict v;
	struct diag d;
	struct msg *m;
	char rcpt[128];
	int rv;

	diag_init(&d);
	CHECK(rules_parse_text(rs, rules, "slow.rules", NULL, &d) == 0 && rules_resolve(rs, &d) == 0,
	    "slow.rules: got errors:\n%s", strbuf_str(&d.text));
	ruleset_finish(rs);
	memset(rcpt, 'a', 60);
	strcpy(rcpt + 60, "b@example.org");
	m = msg_new(&lim);
	msg_add_rcpt(m, rcpt);
	rv = eval_message(rs, m, &opts, &v);
	CHECK(rv == -1 && v.action == ACTION_TEMPFAIL && v.origin == ORIGIN_ERROR &&
	    strcmp(v.code, "451") == 0 && strcmp(v.dsn, "4.3.0") == 0,
	    "match limit: got rv %d, %s origin %d %s %s; want -1, tempfail, error, 451 4.3.0",
	    rv, action_name(v.action), (int)v.origin, v.code, v.dsn);
	verdict_clear(&v);
	msg_free(m);
	diag_free(&d);
	ruleset_free(rs);
}

/* msg_reset: one message's state never leaks into the next. */
static void
test_msg_reset(void)
{
	static const struct msg_limits lim = { .max_header_bytes = 4096, .max_addresses = 10, .max_recipients = 2 };
	struct msg *m = msg_new(&lim);

	msg_set_string(m, &m->client, "mx.example[192.0.2.1]");
	msg_set_sender(m, "<a@example.org>");
	msg_add_rcpt(m, SEC);
	msg_add_rcpt(m, LD);
	msg_add_rcpt(m, DI);
	msg_add_header(m, "Cc", "x@example.org");
	msg_set_string(m, &m->auth, "alice");
	CHECK(m->limit != NULL && strcmp(m->limit, "max_recipients") == 0,
	    "third RCPT: got limit %s, want max_recipients", m->limit ? m->limit : "(none)");
	msg_reset(m);
	CHECK(m->naddrs == 0 && m->nheaders == 0 && m->nrcpts == 0 && m->sender == NULL &&
	    m->auth == NULL && m->limit == NULL && m->error == NULL && m->header_bytes == 0,
	    "msg_reset: got %zu addresses, %zu headers, limit %s; want an empty message",
	    m->naddrs, m->nheaders, m->limit ? m->limit : "(none)");
	CHECK(m->client != NULL && strcmp(m->client, "mx.example[192.0.2.1]") == 0 &&
	    m->limits.max_recipients == 2, "msg_reset: the connection's client and limits must stay");
	msg_set_sender(m, "<>");
	CHECK(m->sender == NULL, "null sender: got \"%s\", want NULL", m->sender);
	msg_add_rcpt(m, "<Security@Kernel.org>");
	CHECK(m->naddrs == 1 && strcmp(m->addrs[0].addr, SEC) == 0 &&
	    m->addrs[0].sources == ADDR_SRC_ENVELOPE, "after reset: got %zu addresses", m->naddrs);
	CHECK(msg_header(m, "Cc", 0) == NULL, "after reset: the old Cc is still there");
	msg_free(m);
}

struct limit_case {
	const char	*label;
	struct msg_limits lim;
	const char	*rcpts[6];
	const char	*headers[3];
	size_t		 big_header;	/* add a Comments header this long */
	enum action	 action;
	enum verdict_origin origin;
	const char	*reason;	/* NULL: none */
};

static const struct limit_case limit_cases[] = {
	{ "max_addresses, no rule fired", { 1 << 20, 10, 1000 },
	    { "a@example.org", "b@example.org", SEC },
	    { "Cc: c@example.org, d@example.org, e@example.org, f@example.org, g@example.org, "
	      "h@example.org, i@example.org, j@example.org, k@example.org, " LD },
	    0, ACTION_TEMPFAIL, ORIGIN_LIMIT, "max_addresses" },
	{ "max_addresses after the pair", { 1 << 20, 10, 1000 }, { SEC, LD },
	    { "Cc: c@example.org, d@example.org, e@example.org, f@example.org, g@example.org, "
	      "h@example.org, i@example.org, j@example.org, k@example.org" },
	    0, ACTION_REJECT, ORIGIN_RULES, NULL },
	{ "max_addresses after the pair, reply", { 1 << 20, 10, 1000 }, { SEC, LD },
	    { "In-Reply-To: <x@example.org>",
	      "Cc: c@example.org, d@example.org, e@example.org, f@example.org, g@example.org, "
	      "h@example.org, i@example.org, j@example.org, k@example.org" },
	    0, ACTION_HOLD, ORIGIN_RULES, NULL },
	{ "max_recipients hides the pair", { 1 << 20, 1000, 2 },
	    { SEC, "a@example.org", LD }, { 0 }, 0, ACTION_TEMPFAIL, ORIGIN_LIMIT, "max_recipients" },
	{ "max_recipients after the pair", { 1 << 20, 1000, 2 },
	    { SEC, LD, "a@example.org" }, { 0 }, 0, ACTION_REJECT, ORIGIN_RULES, NULL },
	{ "max_header_bytes, no rule fired", { 4096, 1000, 1000 }, { SEC },
	    { "Cc: a@example.org" }, 5000, ACTION_TEMPFAIL, ORIGIN_LIMIT, "max_header_bytes" },
	{ "max_header_bytes hides a later Cc", { 4096, 1000, 1000 }, { SEC },
	    { "Cc: a@example.org" }, 4050, ACTION_TEMPFAIL, ORIGIN_LIMIT, "max_header_bytes" },
	{ "max_header_bytes after the pair", { 4096, 1000, 1000 }, { SEC, DI },
	    { "Subject: x" }, 5000, ACTION_REJECT, ORIGIN_RULES, NULL },
	{ "within every limit", { 4096, 10, 2 }, { SEC, "a@example.org" },
	    { "Cc: b@example.org" }, 0, ACTION_PASS, ORIGIN_RULES, NULL },
};

/* test_limits - each limit, with on_limit as given */
static void
test_limits(const struct policy *p, enum action on_limit)
{
	const struct eval_opts opts = { on_limit, ACTION_TEMPFAIL, 0 };
	struct strbuf big;
	size_t i;

	strbuf_init(&big, 0);
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct limit_case *c = &limit_cases[i];
		enum action want = c->origin == ORIGIN_LIMIT ? on_limit : c->action;
		struct verdict v;
		struct msg *m;

		m = build_msg(&c->lim, "reporter@example.org", c->rcpts, 6, c->headers, 3);
		if (c->big_header > 0) {
			strbuf_reset(&big);
			while (big.len < c->big_header)
				strbuf_puts(&big, "padding ");
			msg_add_header(m, "Comments", strbuf_str(&big));
			/* What lies beyond the limit is not examined. */
			msg_add_header(m, "Cc", LD);
		}
		eval_message(p->rs, m, &opts, &v);
		CHECK(v.action == want && v.origin == c->origin, "%s (on_limit %s): got %s origin %d, "
		    "want %s origin %d", c->label, action_name(on_limit), action_name(v.action),
		    (int)v.origin, action_name(want), (int)c->origin);
		CHECK((c->reason == NULL && v.reason == NULL) ||
		    (c->reason != NULL && v.reason != NULL && strcmp(v.reason, c->reason) == 0),
		    "%s: got reason %s, want %s", c->label, v.reason ? v.reason : "(none)",
		    c->reason ? c->reason : "(none)");
		if (c->origin == ORIGIN_LIMIT && on_limit == ACTION_TEMPFAIL) {
			CHECK_STR(v.code, "451", c->label);
			CHECK_STR(v.dsn, "4.3.0", c->label);
		}
		verdict_clear(&v);
		msg_free(m);
	}
	strbuf_free(&big);
}

/* An internal error recorded in the message gives on_error, never pass. */
static void
test_error(const struct policy *p)
{
	static const char *const rcpts[] = { SEC };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_HOLD, 0 };
	struct verdict v;
	struct msg *m;
	int rv;

	m = build_msg(&p->conf->limits, "a@example.org", rcpts, 1, NULL, 0);
	m->error = "out of memory";
	rv = eval_message(p->rs, m, &opts, &v);
	CHECK(rv == -1 && v.action == ACTION_HOLD && v.origin == ORIGIN_ERROR,
	    "m->error: got rv %d, %s origin %d, want -1, hold, error", rv, action_name(v.action),
	    (int)v.origin);
	verdict_clear(&v);
	msg_free(m);
}

struct override_case {
	const char	*label;
	const char	*conf;		/* extra conf lines */
	int		 reply;		/* add In-Reply-To */
	enum action	 action;
	const char	*rule;
	const char	*monitored;	/* a monitored rule, or NULL */
	enum action	 would;		/* what it would have done */
	const char	*code;
};

static const struct override_case override_cases[] = {
	{ "no override", "", 0, ACTION_REJECT, NEW, NULL, 0, "550" },
	{ "hold", "action." NEW " = hold\n", 0, ACTION_HOLD, NEW, NULL, 0, NULL },
	{ "monitor records and continues", "action." NEW " = monitor\n", 0, ACTION_HOLD, REPLY,
	    NEW, ACTION_REJECT, NULL },
	{ "both monitored", "action." NEW " = monitor\naction." REPLY " = monitor\n", 0,
	    ACTION_PASS, NULL, NEW, ACTION_REJECT, NULL },
	{ "off", "action." NEW " = off\n", 0, ACTION_HOLD, REPLY, NULL, 0, NULL },
	{ "both off", "action." NEW " = off\naction." REPLY " = off\n", 0, ACTION_PASS, NULL,
	    NULL, 0, NULL },
	{ "tempfail", "action." NEW " = tempfail\n", 0, ACTION_TEMPFAIL, NEW, NULL, 0, "451" },
	{ "reply rule to reject", "action." REPLY " = reject\n", 1, ACTION_REJECT, REPLY, NULL, 0,
	    "550" },
	{ "reply rule to notify", "action." REPLY " = notify\n", 1, ACTION_NOTIFY, REPLY, NULL, 0,
	    NULL },
	{ "reply rule to accept", "action." REPLY " = accept\n", 1, ACTION_ACCEPT, REPLY, NULL, 0,
	    NULL },
};

/* test_overrides - action.RULE lines in ccguard.conf change the verdict */
static void
test_overrides(void)
{
	static const char *const rcpts[] = { SEC, LD };
	/* A proper distros Subject, so that only the pair rules are in play. */
	static const char *const hdrs[] = { "Subject: [vs] report", "In-Reply-To: <x@example.org>" };
	size_t i;

	for (i = 0; i < sizeof(override_cases) / sizeof(override_cases[0]); i++) {
		const struct override_case *c = &override_cases[i];
		struct policy *p = load_policy(c->conf);
		struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
		struct verdict v;
		struct msg *m;

		if (p == NULL)
			continue;
		m = build_msg(&p->conf->limits, "reporter@example.org", rcpts, 2, hdrs,
		    c->reply ? 2 : 1);
		eval_message(p->rs, m, &opts, &v);
		CHECK(v.action == c->action, "%s: got %s, want %s", c->label, action_name(v.action),
		    action_name(c->action));
		CHECK((v.rule == NULL && c->rule == NULL) ||
		    (v.rule != NULL && c->rule != NULL && strcmp(v.rule->name, c->rule) == 0),
		    "%s: got rule %s, want %s", c->label, v.rule ? v.rule->name : "(none)",
		    c->rule ? c->rule : "(none)");
		if (c->monitored != NULL)
			CHECK(v.nmonitored >= 1 && strcmp(v.monitored[0]->name, c->monitored) == 0 &&
			    v.monitored_would[0] == c->would, "%s: got %zu monitored (%s would %s), "
			    "want %s would %s", c->label, v.nmonitored,
			    v.nmonitored ? v.monitored[0]->name : "-",
			    v.nmonitored ? action_name(v.monitored_would[0]) : "-", c->monitored,
			    action_name(c->would));
		else
			CHECK(v.nmonitored == 0, "%s: got %zu monitored, want none", c->label,
			    v.nmonitored);
		if (c->rule != NULL)
			CHECK(v.nmatches == 2, "%s: got %zu matches, want 2", c->label, v.nmatches);
		if (c->code != NULL)
			CHECK_STR(v.code, c->code, c->label);
		verdict_clear(&v);

		/* Examples see the rules as written, whatever the overrides. */
		opts.file_actions = 1;
		eval_message(p->rs, m, &opts, &v);
		CHECK(v.action == (c->reply ? ACTION_HOLD : ACTION_REJECT),
		    "%s, file actions: got %s", c->label, action_name(v.action));
		verdict_clear(&v);
		msg_free(m);
		policy_unref(p);
	}
}

struct body_case {
	const char	*label;
	const char	*conf;		/* extra ccguard.conf lines, shipped rules */
	const char	*rules;		/* NULL: the shipped rules; else these alone */
	const char	*rcpts[4];
	const char	*headers[3];	/* "Name: value" */
	int		 want;		/* eval_body_matters() */
};

#define BODY_LIST	"list k { " SEC " }\n"
#define MIME_ALL	(MIME_HTML_ONLY | MIME_HTML_ALTERNATIVE | MIME_MARKUP | \
			 MIME_ATTACHMENT | MIME_EXECUTABLE)

static const struct body_case body_cases[] = {
	/* The shipped rules: kernel-plain-text is the one body rule. */
	{ "security team alone", "", NULL, { SEC }, { "Subject: bug" }, 1 },
	{ "security team and a maintainer", "", NULL, { "maintainer@example.org", SEC },
	    { "To: " SEC }, 1 },
	{ "someone else", "", NULL, { "friend@example.net" }, { "Content-Type: text/html" }, 0 },
	{ "security team only in Cc (the rule reads the envelope)", "", NULL,
	    { "maintainer@example.org" }, { "Cc: " SEC }, 0 },
	{ "distros list alone, tagged", "", NULL, { LD }, { "Subject: [vs] bug" }, 0 },
	{ "new report to both: kernel-and-distros rejects first", "", NULL, { SEC, LD },
	    { "Subject: [vs] bug" }, 0 },
	{ "reply to both: kernel-and-distros-reply holds first", "", NULL, { SEC, DI },
	    { "In-Reply-To: <r1@example.org>", "Subject: Re: [vs] bug" }, 0 },
	{ "security team and a public list: kernel-and-public holds first", "", NULL,
	    { SEC, "netdev@vger.kernel.org" }, { 0 }, 0 },
	{ "list-delivered copy: accepted first", "", NULL, { SEC },
	    { "List-Id: <netdev.vger.kernel.org>" }, 0 },
	{ "pair rules off: kernel-plain-text decides", "action." NEW " = off\naction." REPLY
	    " = off\n", NULL, { SEC, LD }, { "Subject: [vs] bug" }, 1 },
	{ "kernel-plain-text off: no body rule", "action.kernel-plain-text = off\n", NULL,
	    { SEC }, { 0 }, 0 },
	{ "kernel-plain-text monitored: what it logs depends on the body",
	    "action.kernel-plain-text = monitor\n", NULL, { SEC }, { 0 }, 1 },
	{ "kernel-plain-text monitored, an earlier rule decides",
	    "action.kernel-plain-text = monitor\n", NULL, { SEC, LD }, { 0 }, 0 },
	{ "kernel-plain-text set to hold", "action.kernel-plain-text = hold\n", NULL,
	    { SEC }, { 0 }, 1 },
	/* Rule texts of their own. */
	{ "no body rules", "", BODY_LIST "rule r {\n\twhen recipient in k\n\taction reject\n}\n",
	    { SEC }, { 0 }, 0 },
	{ "monitored body rule before a deciding rule", "", BODY_LIST
	    "rule m {\n\twhen recipient in k and body attachment\n\taction monitor\n}\n"
	    "rule r {\n\twhen recipient in k\n\taction reject\n}\n", { SEC }, { 0 }, 1 },
	{ "monitored body rule, nobody it is about", "", BODY_LIST
	    "rule m {\n\twhen recipient in k and body attachment\n\taction monitor\n}\n",
	    { "friend@example.net" }, { 0 }, 0 },
	{ "a monitored rule that holds does not decide", "", BODY_LIST
	    "rule m {\n\twhen recipient in k\n\taction monitor\n}\n"
	    "rule b {\n\twhen recipient in k and body html-only\n\taction hold\n}\n",
	    { SEC }, { 0 }, 1 },
	{ "or with a side that holds", "", BODY_LIST
	    "rule b {\n\twhen recipient in k or body attachment\n\taction hold\n}\n",
	    { SEC }, { 0 }, 0 },
	{ "or with a side that fails", "", BODY_LIST
	    "rule b {\n\twhen recipient in k or body attachment\n\taction hold\n}\n",
	    { "friend@example.net" }, { 0 }, 1 },
	{ "not body", "", BODY_LIST
	    "rule b {\n\twhen recipient in k and not body attachment\n\taction reject\n}\n",
	    { SEC }, { 0 }, 1 },
	{ "a header decides before the body rule", "", BODY_LIST
	    "rule h {\n\twhen header X-Report exists\n\taction accept\n}\n"
	    "rule b {\n\twhen recipient in k and body html-only\n\taction hold\n}\n",
	    { SEC }, { "X-Report: yes" }, 0 },
};

/* rules_from_text - a ruleset from rule text, or NULL */
static struct ruleset *
rules_from_text(const char *text, const char *label)
{
	struct ruleset *rs = ruleset_new();
	struct diag d;
	int ok;

	diag_init(&d);
	ok = rs != NULL && rules_parse_text(rs, text, label, NULL, &d) == 0 &&
	    rules_resolve(rs, &d) == 0 && d.errors == 0;
	CHECK(ok, "%s: got errors:\n%s", label, strbuf_str(&d.text) ? strbuf_str(&d.text) : "");
	diag_free(&d);
	if (!ok)
		return ruleset_free(rs);
	ruleset_finish(rs);
	return rs;
}

/*
 * test_body_matters - eval_body_matters() per row; and whenever it says
 * the body does not matter, the verdict is indeed the same with no body
 * fact and with every one (what the milter relies on when it decides at
 * end of headers).
 */
static void
test_body_matters(void)
{
	static const struct msg_limits lim = { .max_header_bytes = 4096, .max_addresses = 100, .max_recipients = 100 };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
	size_t i;

	for (i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const struct body_case *c = &body_cases[i];
		struct policy *p = NULL;
		const struct ruleset *rs;
		struct ruleset *own = NULL;
		struct verdict none, all;
		struct msg *m;
		int got;

		if (c->rules != NULL) {
			if ((own = rules_from_text(c->rules, c->label)) == NULL)
				continue;
			rs = own;
		} else {
			if ((p = load_policy(c->conf)) == NULL)
				continue;
			rs = p->rs;
		}
		m = build_msg(&lim, "reporter@example.org", c->rcpts, 4, c->headers, 3);
		got = eval_body_matters(rs, m);
		CHECK(got == c->want, "%s: body matters: got %d, want %d", c->label, got, c->want);
		if (got == 0) {
			m->body_flags = 0;
			eval_message(rs, m, &opts, &none);
			m->body_flags = MIME_ALL;
			eval_message(rs, m, &opts, &all);
			CHECK(none.action == all.action && none.rule == all.rule &&
			    none.nmonitored == all.nmonitored, "%s: the body was said not to "
			    "matter, but no body facts give %s (%s, %zu monitored) and all of "
			    "them %s (%s, %zu monitored)", c->label, action_name(none.action),
			    none.rule ? none.rule->name : "no rule", none.nmonitored,
			    action_name(all.action), all.rule ? all.rule->name : "no rule",
			    all.nmonitored);
			verdict_clear(&none);
			verdict_clear(&all);
		}
		msg_free(m);
		ruleset_free(own);
		if (p != NULL)
			policy_unref(p);
	}
}

/* main - load the shipped rules once and run every test */
/*
 * run_prefilter_cases - the combined pattern (ruleset.c) only ever skips
 * addresses that no list pattern matches: membership is the same with it,
 * including x-mode patterns with comments; a pattern with a back reference
 * can not be combined, so the rule set then has no prefilter at all.
 */
static void
run_prefilter_cases(void)
{
	static const char safe[] =
	    "list a { /^sec[a-z]*@kernel\\.org$/ /@vger\\.kernel\\.org$/i }\n"
	    "list b { /^(linux-)?distros@vs\\.openwall\\.org$/x /^nobody-else@ # a comment/x }\n"
	    "list c { /@example\\.(com|net)$/ }\n"
	    "rule r { when recipient in a or recipient in b or recipient in c action hold }\n";
	static const char unsafe[] =
	    "list a { /^(a)\\1@example\\.org$/ /@vger\\.kernel\\.org$/ }\n"
	    "rule r { when recipient in a action hold }\n";
	static const struct {
		const char	*addr;
		int		 in_a, in_b, in_c;
	} cases[] = {
		{ "security@kernel.org",		1, 0, 0 },
		{ "netdev@vger.kernel.org",		1, 0, 0 },
		{ "linux-distros@vs.openwall.org",	0, 1, 0 },
		{ "distros@vs.openwall.org",		0, 1, 0 },
		{ "x@example.net",			0, 0, 1 },
		{ "nobody@example.org",			0, 0, 0 },
		{ "security@kernel.org.example",	0, 0, 0 },
	};
	struct ruleset *rs = ruleset_new();
	struct diag d;
	size_t i;

	diag_init(&d);
	CHECK(rules_parse_text(rs, safe, "prefilter.rules", NULL, &d) == 0 &&
	    rules_resolve(rs, &d) == 0, "prefilter rules: %s", strbuf_str(&d.text));
	ruleset_finish(rs);
	CHECK(rs->nprefilters == 1 && rs->prefilters[0].re != NULL,
	    "five combinable patterns: want one combined pattern");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(eval_address_in_list(rs, cases[i].addr, 0) == cases[i].in_a,
		    "%s in list a: got %d, want %d", cases[i].addr,
		    eval_address_in_list(rs, cases[i].addr, 0), cases[i].in_a);
		CHECK(eval_address_in_list(rs, cases[i].addr, 1) == cases[i].in_b,
		    "%s in list b: want %d", cases[i].addr, cases[i].in_b);
		CHECK(eval_address_in_list(rs, cases[i].addr, 2) == cases[i].in_c,
		    "%s in list c: want %d", cases[i].addr, cases[i].in_c);
	}
	ruleset_free(rs);
	diag_free(&d);

	rs = ruleset_new();
	diag_init(&d);
	CHECK(rules_parse_text(rs, unsafe, "backref.rules", NULL, &d) == 0 &&
	    rules_resolve(rs, &d) == 0, "backref rules: %s", strbuf_str(&d.text));
	ruleset_finish(rs);
	CHECK(rs->nprefilters == 1 && rs->prefilters[0].re == NULL,
	    "a back reference: want a run without a combined pattern");
	CHECK(eval_address_in_list(rs, "aa@example.org", 0) == 1, "backref pattern still matches");
	CHECK(eval_address_in_list(rs, "ab@example.org", 0) == 0, "backref pattern still rejects");
	ruleset_free(rs);
	diag_free(&d);
}

int
main(void)
{
	struct policy *p;
	int fd;

	addr_init();
	if ((fd = mkstemp(conf_path)) < 0) {
		perror("mkstemp");
		return 99;
	}
	close(fd);
	if ((p = load_policy("")) == NULL) {
		unlink(conf_path);
		return test_exit("test-eval");
	}
	test_table(p);
	test_shipped_reply(p);
	test_thread_reading(p);
	test_hostile_reply();
	test_reply_format();
	test_msg_reset();
	test_match_limit();
	test_limits(p, ACTION_TEMPFAIL);
	test_limits(p, ACTION_REJECT);
	test_error(p);
	test_overrides();
	test_body_matters();
	run_prefilter_cases();
	policy_unref(p);
	unlink(conf_path);
	return test_exit("test-eval");
}
