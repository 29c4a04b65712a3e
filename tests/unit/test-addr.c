/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-addr.c - unit tests of address extraction and normalisation.
 *
 * Table-driven: each row is a header (name and value, optionally a second
 * header) fed to msg_add_header() on a fresh struct msg, the canonical
 * addresses the message must then hold and the ones it must not. The rows
 * cover every form the matching policy names (addr.c, DESCRIPTION):
 * groups, quoted display names, encoded words, comments, folding, header
 * name case, source routes, trailing dots, case, quoted local parts,
 * +detail, IDNA / UTS #46 mapping, homoglyphs, lookalikes and damaged
 * headers. A second table drives addr_normalize() and addr_from_envelope()
 * with SMTP envelope forms.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "msg.h"
#include "strbuf.h"
#include "testlib.h"

/* Table rows leave trailing optional fields out on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MAXW 4

struct hdr_case {
	const char	*label;
	const char	*name;
	const char	*value;
	const char	*want[MAXW];	/* canonical addresses that must be found */
	const char	*reject[MAXW];	/* addresses that must not be found */
	int		 src;		/* ADDR_SRC_* each wanted address has; 0: any */
	int		 count;		/* exact number of addresses, or -1 */
	const char	*name2;		/* an optional second header */
	const char	*value2;
};

#define SEC	"security@kernel.org"
#define LD	"linux-distros@vs.openwall.org"
#define DI	"distros@vs.openwall.org"

static const struct hdr_case hdr_cases[] = {
	/* Plain forms. */
	{ "bare", "Cc", SEC, { SEC }, { 0 }, ADDR_SRC_CC, 1 },
	{ "angle brackets", "Cc", "<" SEC ">", { SEC }, { 0 }, ADDR_SRC_CC, 1 },
	{ "display name", "To", "Security Officers <" SEC ">", { SEC }, { 0 }, ADDR_SRC_TO, 1 },
	{ "two addresses", "Cc", SEC ", " LD, { SEC, LD }, { 0 }, ADDR_SRC_CC, 2 },
	{ "no space after comma", "Cc", SEC "," DI, { SEC, DI }, { 0 }, 0, 2 },
	{ "empty value", "Cc", "", { 0 }, { SEC }, 0, 0 },
	{ "null path in header", "Cc", "<>", { 0 }, { SEC }, 0, 0 },
	{ "domain literal", "Cc", "Security@[192.0.2.1]", { "security@[192.0.2.1]" }, { 0 }, 0, 1 },
	/* Display names with commas and quotes. */
	{ "quoted display name with comma", "Cc", "\"Doe, Jane\" <" SEC ">, " LD,
	    { SEC, LD }, { 0 }, 0, 2 },
	{ "quoted display name with escaped quote", "Cc",
	    "\"The \\\"Security\\\" Team, kernel\" <" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "address as quoted display name", "Cc", "\"" LD "\" <someone@example.org>",
	    { "someone@example.org" }, { LD }, 0, 1 },
	{ "address and comma in display name", "To",
	    "\"" SEC ", " LD "\" <a@example.org>", { "a@example.org" }, { SEC, LD }, 0, 1 },
	{ "single-quoted display name", "Cc", "'Security' <" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "8-bit display name", "Cc", "J\xc3\xbcrgen M\xc3\xbcller <" LD ">", { LD }, { 0 }, 0, 1 },
	/* Groups. */
	{ "group", "To", "Lists: " SEC ", " DI ";", { SEC, DI }, { 0 }, ADDR_SRC_TO, 2 },
	{ "empty group", "To", "undisclosed-recipients:;", { 0 }, { SEC }, 0, 0 },
	{ "empty group then address", "Cc", "undisclosed-recipients:;, " SEC, { SEC }, { 0 }, 0, 1 },
	{ "group with display names", "Cc",
	    "Team: \"A, B\" <" SEC ">, Distros <" LD ">;", { SEC, LD }, { 0 }, 0, 2 },
	{ "two groups", "Cc", "A: " SEC ";, B: " DI ";", { SEC, DI }, { 0 }, 0, 2 },
	{ "group name is an address-like word", "Cc", "security: a@example.org;",
	    { "a@example.org" }, { SEC }, 0, 1 },
	/* RFC 2047 encoded words. */
	{ "encoded display name", "Cc", "=?UTF-8?B?U2VjdXJpdHkgVGVhbQ==?= <" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "encoded word hides an address (Q)", "Cc",
	    "=?UTF-8?Q?linux-distros=40vs.openwall.org?= <someone@example.org>",
	    { "someone@example.org" }, { LD }, 0, 1 },
	{ "encoded word hides an address (B)", "Cc",
	    "=?utf-8?b?c2VjdXJpdHlAa2VybmVsLm9yZw==?= <someone@example.org>",
	    { "someone@example.org" }, { SEC }, 0, 1 },
	{ "encoded word in a group name", "To",
	    "=?UTF-8?Q?security=40kernel.org?=: a@example.org;", { "a@example.org" }, { SEC }, 0, 1 },
	{ "encoded word as the whole value", "Cc", "=?UTF-8?Q?security=40kernel.org?=",
	    { 0 }, { SEC }, 0, -1 },
	{ "encoded word with angle brackets", "Cc",
	    "=?UTF-8?Q?=3Csecurity=40kernel.org=3E?= <a@example.org>", { "a@example.org" }, { SEC }, 0, 1 },
	{ "encoded word then a bare address", "Cc",
	    "=?UTF-8?B?bGludXgtZGlzdHJvc0B2cy5vcGVud2FsbC5vcmc=?= a@example.org", { 0 }, { LD }, 0, -1 },
	/* Comments. */
	{ "trailing comment", "Cc", SEC " (Kernel Security)", { SEC }, { 0 }, 0, 1 },
	{ "leading comment", "Cc", "(kernel team) <" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "comment holds an address", "Cc", "someone@example.org (" LD ")",
	    { "someone@example.org" }, { LD }, 0, 1 },
	{ "nested comment holds an address", "Cc", "a@example.org (x (" SEC ") y)",
	    { "a@example.org" }, { SEC }, 0, 1 },
	{ "comment inside angle brackets", "Cc", "Sec <(c)" SEC "(d)>", { SEC }, { 0 }, 0, 1 },
	{ "comment around the at sign", "Cc", "security(c)@(d)kernel.org", { SEC }, { 0 }, 0, 1 },
	/* Folding and repetition. */
	{ "folded with CRLF", "Cc", "Security Team\r\n <" SEC ">,\r\n\t" DI, { SEC, DI }, { 0 }, 0, 2 },
	{ "folded with LF", "Cc", SEC ",\n\t" LD, { SEC, LD }, { 0 }, 0, 2 },
	{ "folded inside display name", "To", "\"Security\r\n Team\" <" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "repeated Cc", "Cc", SEC, { SEC, LD }, { 0 }, ADDR_SRC_CC, 2, "Cc", LD },
	{ "same address twice", "To", SEC, { SEC }, { 0 }, ADDR_SRC_TO | ADDR_SRC_CC, 1, "Cc", "<" SEC ">" },
	/* Header name case. */
	{ "lower-case cc", "cc", SEC, { SEC }, { 0 }, ADDR_SRC_CC, 1 },
	{ "upper-case CC", "CC", SEC, { SEC }, { 0 }, ADDR_SRC_CC, 1 },
	{ "mixed-case tO", "tO", SEC, { SEC }, { 0 }, ADDR_SRC_TO, 1 },
	{ "Resent-Cc", "Resent-Cc", LD, { LD }, { 0 }, ADDR_SRC_RESENT_CC, 1 },
	{ "RESENT-TO", "RESENT-TO", LD, { LD }, { 0 }, ADDR_SRC_RESENT_TO, 1 },
	{ "resent-cc", "resent-cc", SEC, { SEC }, { 0 }, ADDR_SRC_RESENT_CC, 1 },
	/* Headers that are not recipients never count. */
	{ "From", "From", SEC, { 0 }, { SEC }, 0, 0 },
	{ "Sender", "Sender", SEC, { 0 }, { SEC }, 0, 0 },
	{ "Reply-To", "Reply-To", "Team <" LD ">", { 0 }, { LD }, 0, 0 },
	{ "Subject", "Subject", "Cc " SEC " and " LD, { 0 }, { SEC, LD }, 0, 0 },
	{ "Resent-From", "Resent-From", SEC, { 0 }, { SEC }, 0, 0 },
	{ "header name with suffix", "Ccx", SEC, { 0 }, { SEC }, 0, 0 },
	/* Source routes. */
	{ "source route", "Cc", "<@relay.example:" SEC ">", { SEC }, { 0 }, 0, 1 },
	{ "source route, two hops", "Cc", "Sec <@a.example,@b.example:" LD ">", { LD }, { 0 }, 0, 1 },
	/* Canonical form. */
	{ "trailing dot on the domain", "Cc", "security@kernel.org.", { SEC }, { 0 }, 0, 1 },
	{ "upper-case domain", "Cc", "security@KERNEL.ORG", { SEC }, { 0 }, 0, 1 },
	{ "upper-case local part", "Cc", "SECURITY@Kernel.Org", { SEC }, { 0 }, 0, 1 },
	{ "quoted local part", "Cc", "\"security\"@kernel.org", { SEC }, { 0 }, 0, 1 },
	{ "quoted upper-case local part", "Cc", "Sec <\"Linux-Distros\"@VS.OpenWall.org>", { LD }, { 0 }, 0, 1 },
	{ "+detail", "Cc", "security+foo@kernel.org", { SEC }, { "security+foo@kernel.org" }, 0, 1 },
	{ "+detail on distros", "Cc", "Linux-Distros+CVE-1@vs.openwall.org", { LD }, { 0 }, 0, 1 },
	{ "-owner is another mailbox", "Cc", "linux-distros-owner@vs.openwall.org",
	    { "linux-distros-owner@vs.openwall.org" }, { LD }, 0, 1 },
	/* IDNA / UTS #46. */
	{ "full-width address", "Cc",
	    "\xef\xbd\x93\xef\xbd\x85\xef\xbd\x83\xef\xbd\x95\xef\xbd\x92\xef\xbd\x89\xef\xbd\x94\xef\xbd\x99"
	    "@\xef\xbd\x8b\xef\xbd\x85\xef\xbd\x92\xef\xbd\x8e\xef\xbd\x85\xef\xbd\x8c\xef\xbc\x8e\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x87",
	    { SEC }, { 0 }, 0, 1 },
	{ "ideographic full stop", "Cc", "security@kernel\xe3\x80\x82org", { SEC }, { 0 }, 0, 1 },
	{ "Kelvin sign in the domain", "Cc", "security@\xe2\x84\xaa" "ernel.org", { SEC }, { 0 }, 0, 1 },
	{ "full-width domain in angle brackets", "To",
	    "Distros <distros@\xef\xbd\x96\xef\xbd\x93.openwall.org>", { DI }, { 0 }, 0, 1 },
	{ "soft hyphen in the domain (UTS #46 ignores it)", "Cc", "security@ker\xc2\xad" "nel.org",
	    { SEC }, { 0 }, 0, 1 },
	{ "upper-case full-width domain", "Cc", "security@\xef\xbc\xab" "ERNEL.org", { SEC }, { 0 }, 0, 1 },
	{ "Cyrillic ie in the domain", "Cc", "security@kern\xd0\xb5l.org", { 0 }, { SEC }, 0, 1 },
	{ "Cyrillic ie in the local part", "Cc", "s\xd0\xb5" "curity@kernel.org", { 0 }, { SEC }, 0, 1 },
	{ "Greek omicron in the domain", "Cc", "security@kernel.\xce\xbfrg", { 0 }, { SEC }, 0, 1 },
	/* Lookalikes. */
	{ "longer domain", "Cc", "security@kernel.org.example", { "security@kernel.org.example" }, { SEC }, 0, 1 },
	{ "longer local part", "Cc", "notsecurity@kernel.org", { "notsecurity@kernel.org" }, { SEC }, 0, 1 },
	/* An address in the local part: a relay that strips its own domain routes it. */
	{ "two at signs", "Cc", "security@kernel.org@evil.example", { SEC }, { 0 }, 0, -1 },
	{ "two at signs among others", "Cc", "x@a.example, <security@kernel.org@evil.example>",
	    { "x@a.example", "security@kernel.org@evil.example", SEC }, { 0 }, 0, -1 },
	{ "quoted address as the local part", "Cc", "\"security@kernel.org\"@localhost",
	    { "security@kernel.org@localhost", SEC }, { 0 }, 0, 2 },
	{ "full-width local part, ASCII domain", "Cc",
	    "\xef\xbc\xb3" "ecurity+\xef\xbd\x98@kernel.org", { SEC }, { 0 }, 0, 1 },
	{ "domain with a suffix", "Cc", "security@kernel.orgx", { "security@kernel.orgx" }, { SEC }, 0, 1 },
	{ "subdomain", "Cc", "security@mail.kernel.org", { "security@mail.kernel.org" }, { SEC }, 0, 1 },
	{ "hyphen for dot", "Cc", "linux-distros@vs-openwall.org", { 0 }, { LD }, 0, 1 },
	/* Routing forms: also counted as the address a relay would use. */
	{ "percent hack", "Cc", "security%kernel.org@relay.example",
	    { "security%kernel.org@relay.example", SEC }, { 0 }, 0, 2 },
	{ "percent hack with +detail", "Cc", "security+x%kernel.org@relay.example", { SEC }, { 0 }, 0, -1 },
	{ "bang path", "Cc", "kernel.org!security@relay.example", { SEC }, { 0 }, 0, 2 },
	/* Damaged headers: whole tokens count. */
	{ "unbalanced quote", "Cc", "\"Security <" SEC ">, " LD, { SEC, LD }, { 0 }, 0, -1 },
	{ "unbalanced angle bracket", "Cc", "Security <" SEC ", " DI, { SEC, DI }, { 0 }, 0, -1 },
	{ "stray closing bracket", "Cc", SEC ">, " LD, { SEC, LD }, { 0 }, 0, -1 },
	{ "unbalanced comment", "Cc", "a@example.org (oops " LD, { LD }, { 0 }, 0, -1 },
	{ "semicolon as separator", "Cc", SEC "; " LD, { SEC, LD }, { 0 }, 0, -1 },
	{ "addresses separated by spaces", "Cc", SEC " " LD, { SEC, LD }, { 0 }, 0, -1 },
	{ "addresses separated by a tab", "Cc", SEC "\t" DI, { SEC, DI }, { 0 }, 0, -1 },
	{ "unquoted at sign in display name", "Cc", SEC " <someone@example.org>",
	    { SEC, "someone@example.org" }, { 0 }, 0, -1 },
	{ "damaged, address in quotes", "Cc", "\"" LD "\" <a@example.org", { LD }, { 0 }, 0, -1 },
	{ "damaged, lookalike stays different", "Cc", "<security@kernel.org.example, x",
	    { 0 }, { SEC }, 0, -1 },
	{ "damaged, longer local part", "Cc", "\"x <notsecurity@kernel.org>", { 0 }, { SEC }, 0, -1 },
	{ "damaged header is marked", "Cc", SEC "; a@example.org", { SEC }, { 0 }, 0, -1 },
	/* GMime leaked on these before addr.c closed the comment (sanitizer build). */
	{ "domain literal, unterminated comment", "Cc", SEC ", a@[192.0.2.1] (x " LD,
	    { SEC, "a@[192.0.2.1]", LD }, { 0 }, 0, -1 },
	{ "quote in a domain literal, unterminated comment", "Cc",
	    "\"x\\\"y\"@[1.\".3.4](, " SEC, { SEC }, { 0 }, 0, -1 },
	{ "nested group", "Cc", "A: B: " SEC ";;", { SEC }, { 0 }, 0, -1 },
	/* Read as the MTAs read them: no address vanishes. */
	{ "quoted domain", "Cc", "linux-distros@\"vs.openwall.org\"", { LD }, { 0 }, 0, -1 },
	{ "quoted domain in angle brackets", "Cc", "<linux-distros@\"vs.openwall.org\">",
	    { LD }, { 0 }, 0, -1 },
	{ "quoted label", "Cc", "Distros <linux-distros@vs.\"openwall\".org>", { LD }, { 0 }, 0, -1 },
	{ "quoted lookalike domain", "Cc", "security@\"kernel.org.example\"", { 0 }, { SEC }, 0, -1 },
	{ "name: prefix, Sendmail drops it", "To", "\"team x\":" SEC, { SEC }, { 0 }, 0, -1 },
	{ "trailing dots", "Cc", "security@kernel.org..., linux-distros@vs.openwall.org..",
	    { SEC, LD }, { 0 }, 0, 2 },
	{ "unterminated group", "To", "Lists: " SEC ", " LD, { SEC, LD }, { 0 }, 0, -1 },
};

/* find_addr - the address entry of m with that canonical form, or NULL */
static const struct msg_addr *
find_addr(const struct msg *m, const char *a)
{
	size_t i;

	for (i = 0; i < m->naddrs; i++)
		if (strcmp(m->addrs[i].addr, a) == 0)
			return &m->addrs[i];
	return NULL;
}

/* addr_list_text - "a, b" for messages */
static const char *
addr_list_text(const struct msg *m, struct strbuf *sb)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < m->naddrs; i++)
		strbuf_printf(sb, "%s%s", i > 0 ? ", " : "", m->addrs[i].addr);
	if (m->naddrs == 0)
		strbuf_puts(sb, "(none)");
	return strbuf_str(sb);
}

/* run_header_cases - every header row through msg_add_header() */
static void
run_header_cases(void)
{
	static const struct msg_limits lim = { .max_header_bytes = 1 << 20, .max_addresses = 1000, .max_recipients = 1000 };
	struct strbuf sb;
	size_t i, j;

	strbuf_init(&sb, 0);
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		struct msg *m = msg_new(&lim);

		if (m == NULL) {
			CHECK(0, "%s: out of memory", c->label);
			continue;
		}
		msg_add_header(m, c->name, c->value);
		if (c->name2 != NULL)
			msg_add_header(m, c->name2, c->value2);
		CHECK(m->error == NULL && m->limit == NULL, "%s: got error %s / limit %s, want none",
		    c->label, m->error ? m->error : "-", m->limit ? m->limit : "-");
		for (j = 0; j < MAXW && c->want[j] != NULL; j++) {
			const struct msg_addr *a = find_addr(m, c->want[j]);

			CHECK(a != NULL, "%s: got %s, want %s among them", c->label,
			    addr_list_text(m, &sb), c->want[j]);
			if (a != NULL && c->src != 0)
				CHECK(a->sources == c->src, "%s: %s: got sources 0x%x, want 0x%x",
				    c->label, c->want[j], (unsigned)a->sources, (unsigned)c->src);
		}
		for (j = 0; j < MAXW && c->reject[j] != NULL; j++)
			CHECK(find_addr(m, c->reject[j]) == NULL, "%s: got %s, want no %s",
			    c->label, addr_list_text(m, &sb), c->reject[j]);
		if (c->count >= 0)
			CHECK(m->naddrs == (size_t)c->count, "%s: got %zu addresses (%s), want %d",
			    c->label, m->naddrs, addr_list_text(m, &sb), c->count);
		msg_free(m);
	}
	strbuf_free(&sb);
}

/* The ADDR_HOW_* marks: damaged values and routing forms say so. */
static void
run_how_cases(void)
{
	static const struct msg_limits lim = { .max_header_bytes = 1 << 20, .max_addresses = 1000, .max_recipients = 1000 };
	const struct msg_addr *a;
	struct strbuf sb;
	struct msg *m;
	size_t n, i;

	m = msg_new(&lim);
	msg_add_header(m, "Cc", SEC "; " LD);
	a = find_addr(m, SEC);
	CHECK(a != NULL && (a->how & ADDR_HOW_DAMAGED), "damaged mark: got %d, want ADDR_HOW_DAMAGED",
	    a != NULL ? a->how : -1);
	msg_free(m);

	m = msg_new(&lim);
	msg_add_header(m, "Cc", "Security <" SEC ">");
	a = find_addr(m, SEC);
	CHECK(a != NULL && a->how == 0, "clean header: got how %d, want 0", a != NULL ? a->how : -1);
	msg_free(m);

	m = msg_new(&lim);
	msg_add_header(m, "Cc", "security%kernel.org@relay.example");
	a = find_addr(m, SEC);
	CHECK(a != NULL && (a->how & ADDR_HOW_ROUTED), "percent hack: got how %d, want ADDR_HOW_ROUTED",
	    a != NULL ? a->how : -1);
	msg_free(m);

	/* A group is clean whatever its size (a long value goes to GMime in pieces). */
	for (n = 10; n <= 200; n *= 2) {
		strbuf_init(&sb, 0);
		strbuf_puts(&sb, "Team: ");
		for (i = 0; i < n; i++)
			strbuf_printf(&sb, "member%zu@example.org, ", i);
		strbuf_puts(&sb, LD ";, \"Kernel Security <" SEC ">\" <ops@example.com>");
		m = msg_new(&lim);
		msg_add_header(m, "Cc", strbuf_str(&sb));
		a = find_addr(m, LD);
		CHECK(a != NULL && a->how == 0 && find_addr(m, SEC) == NULL &&
		    m->naddrs == n + 2, "group of %zu members: got how %d, %zu addresses, %s; want a "
		    "clean header, %zu addresses, no %s", n + 1, a != NULL ? a->how : -1, m->naddrs,
		    find_addr(m, SEC) != NULL ? SEC : "-", n + 2, SEC);
		msg_free(m);
		strbuf_free(&sb);
	}
}

struct env_case {
	const char	*label;
	const char	*in;
	int		 rv;		/* addr_normalize() result */
	const char	*canon;		/* its output, when ADDR_OK */
	const char	*routed;	/* also reported by addr_from_envelope, flagged ROUTED */
	const char	*envelope;	/* addr_from_envelope's first, when not canon */
	const char	*sendmail;	/* also reported: the address as Sendmail reads it */
};

static const struct env_case env_cases[] = {
	{ "null path", "<>", ADDR_INVALID, NULL, NULL },
	{ "empty", "", ADDR_INVALID, NULL, NULL },
	{ "angle brackets", "<security@kernel.org>", ADDR_OK, SEC, NULL },
	{ "bare", "security@kernel.org", ADDR_OK, SEC, NULL },
	{ "spaces and case", " <Security@Kernel.ORG> ", ADDR_OK, SEC, NULL },
	{ "quoted local part", "<\"security\"@kernel.org>", ADDR_OK, SEC, NULL },
	{ "quoted local part with space", "<\"a b\"@Example.org>", ADDR_OK, "a b@example.org", NULL },
	{ "quoted at sign", "<\"a@b\"@example.org>", ADDR_OK, "a@b@example.org", "a@b" },
	{ "quoted address through the relay", "<\"security@kernel.org\"@localhost>", ADDR_OK,
	    "security@kernel.org@localhost", SEC },
	{ "address through the relay", "<security@kernel.org@[127.0.0.1]>", ADDR_OK,
	    "security@kernel.org@[127.0.0.1]", SEC },
	/* Postfix's smtpd reads a path with its RFC 822 parser (strict_rfc821_envelopes = no). */
	{ "comment in the local part", "<security(x)@kernel.org>", ADDR_OK, NULL, NULL, SEC },
	{ "spaces around at and dots", "<security @ kernel . org>", ADDR_OK, NULL, NULL, SEC },
	{ "quoted domain", "<security@\"kernel.org\">", ADDR_OK, NULL, NULL, SEC },
	{ "quoted label", "<security@kernel.\"org\">", ADDR_OK, NULL, NULL, SEC },
	{ "trailing semicolon", "<security@kernel.org;>", ADDR_OK, NULL, NULL, SEC },
	{ "trailing comma", "<security@kernel.org,>", ADDR_OK, NULL, NULL, SEC },
	{ "trailing at sign", "<security@kernel.org@>", ADDR_OK, SEC, NULL },
	{ "phrase inside the brackets", "<Security Team <security@kernel.org>>", ADDR_OK, NULL, NULL, SEC },
	{ "source route and a comment", "<@relay.example:security@kernel.org (x)>", ADDR_OK, NULL, NULL, SEC },
	{ "comment between words", "<linux-distros (a) @vs.openwall.org>", ADDR_OK, NULL, NULL, LD },
	{ "escaped local part", "<sec\\urity@kernel.org>", ADDR_OK, SEC, NULL },
	{ "source route", "<@relay.example:security@kernel.org>", ADDR_OK, SEC, NULL },
	{ "source route, two hops", "<@a.example,@b.example:Linux-Distros@vs.openwall.org>", ADDR_OK, LD, NULL },
	{ "source route without mailbox", "<@relay.example>", ADDR_INVALID, NULL, NULL },
	{ "trailing dot", "<security@kernel.org.>", ADDR_OK, SEC, NULL },
	{ "+detail", "<security+report-1@kernel.org>", ADDR_OK, SEC, NULL },
	{ "leading + is no detail", "<+x@example.org>", ADDR_OK, "+x@example.org", NULL },
	{ "no domain", "<postmaster>", ADDR_OK, "postmaster", NULL },
	{ "empty local part", "<@kernel.org>", ADDR_INVALID, NULL, NULL },
	{ "empty domain", "<security@>", ADDR_OK, "security", NULL },
	{ "domain literal", "<a@[192.0.2.1]>", ADDR_OK, "a@[192.0.2.1]", NULL },
	{ "IDNA domain", "<security@\xef\xbd\x8b\xef\xbd\x85\xef\xbd\x92\xef\xbd\x8e\xef\xbd\x85\xef\xbd\x8c\xe3\x80\x82org>",
	    ADDR_OK, SEC, NULL },
	{ "percent hack", "<security%kernel.org@relay.example>", ADDR_OK,
	    "security%kernel.org@relay.example", SEC },
	{ "percent hack, two hops", "<security%kernel.org%b.example@relay.example>", ADDR_OK,
	    "security%kernel.org%b.example@relay.example", SEC },
	{ "percent hack with +detail", "<security+x%kernel.org@relay.example>", ADDR_OK,
	    "security@relay.example", SEC },
	{ "percent hack, +detail after the route", "<linux-distros%vs.openwall.org+x@relay.example>",
	    ADDR_OK, "linux-distros%vs.openwall.org@relay.example", LD },
	{ "bang path with +detail", "<vs.openwall.org!linux-distros+y@relay.example>", ADDR_OK,
	    "vs.openwall.org!linux-distros@relay.example", LD },
	{ "bang path", "<kernel.org!security@relay.example>", ADDR_OK,
	    "kernel.org!security@relay.example", SEC },
	{ "bang path without domain", "<vs.openwall.org!linux-distros>", ADDR_OK,
	    "vs.openwall.org!linux-distros", LD },
	/* Sendmail folds trailing dots, and drops an unbracketed "name:" prefix. */
	{ "two trailing dots", "<security@kernel.org..>", ADDR_OK, SEC, NULL },
	{ "three trailing dots, no brackets", "security@kernel.org...", ADDR_OK, SEC, NULL },
	{ "name: prefix without brackets", "team:security@kernel.org", ADDR_OK,
	    "team:security@kernel.org", NULL, NULL, SEC },
	{ "empty name: prefix without brackets", ":security@kernel.org", ADDR_OK,
	    ":security@kernel.org", NULL, NULL, SEC },
	{ "quoted name: prefix without brackets", "\"team x\":security@kernel.org", ADDR_OK,
	    NULL, NULL, "team x:security@kernel.org", SEC },
	{ "mailto: without brackets", "mailto:Linux-Distros@vs.openwall.org", ADDR_OK,
	    "mailto:linux-distros@vs.openwall.org", NULL, NULL, LD },
	{ "name: prefix inside brackets stays", "<team:security@kernel.org>", ADDR_OK,
	    "team:security@kernel.org", NULL },
	{ "colon inside a quoted local part", "\"team:security\"@kernel.org", ADDR_OK,
	    "team:security@kernel.org", NULL },
	{ "source route is no name: prefix", "@relay.example:security@kernel.org", ADDR_OK, SEC, NULL },
};

struct collect {
	char	*addrs[16];
	int	 how[16];
	size_t	 n;
};

/* collect_sink - an address sink that keeps what it is given */
static int
collect_sink(void *arg, const char *addr, int how)
{
	struct collect *c = arg;

	if (c->n < 16) {
		c->addrs[c->n] = strdup(addr);
		c->how[c->n++] = how;
	}
	return ADDR_OK;
}

/* run_envelope_cases - addr_normalize() and addr_from_envelope() on SMTP paths */
static void
run_envelope_cases(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(env_cases) / sizeof(env_cases[0]); i++) {
		const struct env_case *c = &env_cases[i];
		struct collect col;
		char *out = NULL;
		int r, found_routed = 0, found_sendmail = 0;

		r = addr_normalize(c->in, strlen(c->in), &out);
		CHECK(r == c->rv, "%s: addr_normalize got %d, want %d", c->label, r, c->rv);
		if (r == ADDR_OK && c->canon != NULL)
			CHECK_STR(out != NULL ? out : "(null)", c->canon, c->label);
		if (r != ADDR_OK)
			CHECK(out == NULL, "%s: got output \"%s\" on error, want NULL", c->label, out);
		free(out);

		memset(&col, 0, sizeof(col));
		r = addr_from_envelope(c->in, collect_sink, &col);
		CHECK(r == ADDR_OK, "%s: addr_from_envelope got %d, want ADDR_OK", c->label, r);
		if (c->rv != ADDR_OK)
			CHECK(col.n == 0, "%s: got %zu addresses, want none", c->label, col.n);
		else {
			const char *first = c->envelope != NULL ? c->envelope : c->canon;

			CHECK(col.n >= 1 && strcmp(col.addrs[0], first) == 0 && col.how[0] == 0,
			    "%s: got first \"%s\" how %d, want \"%s\" how 0", c->label,
			    col.n > 0 ? col.addrs[0] : "(none)", col.n > 0 ? col.how[0] : -1, first);
		}
		for (j = 0; j < col.n; j++) {
			if (c->routed != NULL && strcmp(col.addrs[j], c->routed) == 0 &&
			    (col.how[j] & ADDR_HOW_ROUTED))
				found_routed = 1;
			if (c->sendmail != NULL && strcmp(col.addrs[j], c->sendmail) == 0 &&
			    col.how[j] == 0)
				found_sendmail = 1;
			free(col.addrs[j]);
		}
		if (c->routed != NULL)
			CHECK(found_routed, "%s: got no routed %s, want it flagged ADDR_HOW_ROUTED",
			    c->label, c->routed);
		else if (c->sendmail != NULL)
			CHECK(found_sendmail && col.n == 2, "%s: got %zu addresses, want 2, %s among them",
			    c->label, col.n, c->sendmail);
		else if (c->rv == ADDR_OK)
			CHECK(col.n == 1, "%s: got %zu addresses, want 1", c->label, col.n);
	}
}

/* Names and sources. */
static void
run_source_names(void)
{
	CHECK(addr_source_from_header_name("RESENT-CC") == ADDR_SRC_RESENT_CC, "RESENT-CC source");
	CHECK(addr_source_from_header_name("Bcc") == 0, "Bcc is not examined: got %d, want 0",
	    addr_source_from_header_name("Bcc"));
	CHECK(addr_source_from_header_name("Reply-To") == 0, "Reply-To: got %d, want 0",
	    addr_source_from_header_name("Reply-To"));
	CHECK_STR(addr_source_name(ADDR_SRC_RESENT_TO), "Resent-To", "source name");
	CHECK_STR(addr_source_name(ADDR_SRC_ENVELOPE), "envelope", "source name");
}

/*
 * collect - a sink that appends "<addr/how>" to a strbuf, once: the full
 * path reads a value both with GMime and as the MTAs do, and reports an
 * address each reading finds.
 */
static int
collect(void *arg, const char *addr, int how)
{
	struct strbuf *sb = arg;
	char *entry;

	if (asprintf(&entry, "<%s/%d>", addr, how) < 0)
		return ADDR_NOMEM;
	if (strstr(strbuf_str(sb), entry) == NULL)
		strbuf_puts(sb, entry);
	free(entry);
	return ADDR_OK;
}

/*
 * run_fast_path_cases - wherever addr_simple_list() takes a value, it must
 * report exactly the addresses the full path (addr_rfc5322_list) does, in
 * order of first appearance.
 */
static void
run_fast_path_cases(void)
{
	static const char *const extra[] = {
		"security@kernel.org",
		"Security Officers <security@kernel.org>, linux-distros <linux-distros@vs.openwall.org>",
		"<security@kernel.org>,<distros@vs.openwall.org>",
		" a@example.org ,\n\tb@example.org, J. Doe <j.doe+x@Example.ORG.>",
		"Security+team@KERNEL.org",
		"a%b@c.example, h!u@relay.example",
	};
	struct strbuf fast, slow;
	size_t i, taken = 0, n = sizeof(hdr_cases) / sizeof(hdr_cases[0]);

	strbuf_init(&fast, 0);
	strbuf_init(&slow, 0);
	for (i = 0; i < n + sizeof(extra) / sizeof(extra[0]); i++) {
		const char *v = i < n ? hdr_cases[i].value : extra[i - n];

		strbuf_reset(&fast);
		strbuf_reset(&slow);
		if (addr_simple_list(v, collect, &fast) != ADDR_OK)
			continue;
		taken++;
		addr_rfc5322_list(v, collect, &slow);
		CHECK_STR(strbuf_str(&fast), strbuf_str(&slow), v);
	}
	CHECK(taken >= 10, "the fast path took only %zu values", taken);
	strbuf_free(&fast);
	strbuf_free(&slow);
}

int
main(void)
{
	addr_init();
	CHECK(sizeof(hdr_cases) / sizeof(hdr_cases[0]) >= 70, "header table has %zu rows, want 70",
	    sizeof(hdr_cases) / sizeof(hdr_cases[0]));
	run_header_cases();
	run_how_cases();
	run_envelope_cases();
	run_source_names();
	run_fast_path_cases();
	return test_exit("test-addr");
}
