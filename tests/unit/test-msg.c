/*
 * test-msg.c - the message state's two readings of a recipient
 * (lib/msg.c): ccguard's own reading of the RCPT argument and the address
 * the MTA resolved it to, and the MTA's name for the server.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "msg.h"
#include "strbuf.h"
#include "verdict.h"
#include "testlib.h"

static const struct msg_limits limits = {
	.max_header_bytes = 1 << 20,
	.max_addresses = 100,
	.max_recipients = 100,
};

/* One RCPT and what the MTA said of it; want: the addresses, in order. */
struct rcpt_case {
	const char	*arg;
	const char	*mailer, *host, *addr;	/* all NULL: no macros */
	const char	*want;		/* "addr[/mta]" joined with ", " */
	int		 differs;	/* the MTA's reading adds an address */
};

static const struct rcpt_case cases[] = {
	/* Postfix with myorigin = kernel.org: the bare user is resolved. */
	{ "<security>", "smtp", "[192.0.2.25]:25", "security@kernel.org",
	    "security, security@kernel.org/mta", 1 },
	/* The same reading: nothing added, nothing shown. */
	{ "<Security+x@Kernel.ORG>", "smtp", "[192.0.2.25]:25", "security@kernel.org",
	    "security@kernel.org", 0 },
	/* Sendmail's local mailer: the user in the domain the client wrote. */
	{ "<sec-team@kernel.org>", "local", "", "security",
	    "sec-team@kernel.org, security@kernel.org/mta", 1 },
	/* A local user and no domain to put it in: the own reading alone. */
	{ "<root>", "local", "", "root", "root", 0 },
	/* Postfix's virtual alias domain: transport error, and delivered. */
	{ "<security@kernel.org>", "error", "5.1.1 User unknown in virtual alias table",
	    "security@kernel.org", "security@kernel.org", 0 },
	{ "<alias@kernel.org>", "error", "5.1.1 User unknown in virtual alias table",
	    "security@kernel.org", "alias@kernel.org, security@kernel.org/mta", 1 },
	/* A refusal's text (error mailer) is no address. */
	{ "<nosuch@kernel.org>", "error", "5.1.1", "550 5.1.1 User unknown",
	    "nosuch@kernel.org", 0 },
	/* Routing forms the MTA resolved: every reading counts. */
	{ "<x@example.org>", "esmtp", "[127.0.0.1]", "security%kernel.org@relay.example",
	    "x@example.org, security%kernel.org@relay.example/mta, "
	    "security@kernel.org/mta,routed", 1 },
	/* No macros, or empty ones: the own reading alone. */
	{ "<security>", NULL, NULL, NULL, "security", 0 },
	{ "<security>", "", "", "", "security", 0 },
};

/* addrs_text - "a, b/mta,routed": the message's addresses and their flags */
static const char *
addrs_text(const struct msg *m, struct strbuf *sb)
{
	size_t i;

	strbuf_reset(sb);
	strbuf_puts(sb, "");
	for (i = 0; i < m->naddrs; i++) {
		int how = m->addrs[i].how;

		strbuf_printf(sb, "%s%s", i > 0 ? ", " : "", m->addrs[i].addr);
		if (how & (ADDR_HOW_MTA | ADDR_HOW_ROUTED))
			strbuf_printf(sb, "/%s%s%s", how & ADDR_HOW_MTA ? "mta" : "",
			    (how & ADDR_HOW_MTA) && (how & ADDR_HOW_ROUTED) ? "," : "",
			    how & ADDR_HOW_ROUTED ? "routed" : "");
	}
	return strbuf_str(sb);
}

/* test_cases - each RCPT alone in a message */
static void
test_cases(void)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcpt_case *c = &cases[i];
		struct msg_resolved res = { c->mailer, c->host, c->addr };
		struct msg *m = msg_new(&limits);

		msg_add_rcpt_resolved(m, c->arg, &res);
		CHECK_STR(addrs_text(m, &sb), c->want, c->arg);
		CHECK(m->error == NULL && m->limit == NULL, "%s: error %s, limit %s", c->arg,
		    m->error ? m->error : "-", m->limit ? m->limit : "-");
		CHECK(m->nkept == 1 && m->nrcpts == 1, "%s: %zu kept of %zu", c->arg, m->nkept,
		    m->nrcpts);
		CHECK(m->ndiffer == (size_t)c->differs && (m->rcpts[0].mta != 0) == c->differs,
		    "%s: differs %zu, want %d", c->arg, m->ndiffer, c->differs);
		CHECK(m->rcpts[0].own == 1 && strcmp(m->rcpts[0].arg, c->arg) == 0,
		    "%s: own reading %zu, argument kept as %s", c->arg, m->rcpts[0].own,
		    m->rcpts[0].arg);
		CHECK((c->addr == NULL) == (m->rcpts[0].addr == NULL) &&
		    (c->addr == NULL || strcmp(m->rcpts[0].addr, c->addr) == 0),
		    "%s: {rcpt_addr} kept as %s", c->arg, m->rcpts[0].addr ? m->rcpts[0].addr : "NULL");
		msg_free(m);
	}
	strbuf_free(&sb);
}

/* test_across - readings of different RCPTs, limits, bounds, reset */
static void
test_across(void)
{
	struct msg_limits lim = limits;
	struct msg_resolved res = { "smtp", "[192.0.2.25]:25", "security@kernel.org" };
	struct strbuf sb;
	struct msg *m;
	char *big;
	size_t i;

	strbuf_init(&sb, 0);
	/* Another RCPT's own reading is not this one's: it is shown, flagged. */
	m = msg_new(&limits);
	msg_add_rcpt(m, "<security@kernel.org>");
	msg_add_rcpt_resolved(m, "<security>", &res);
	CHECK_STR(addrs_text(m, &sb), "security@kernel.org/mta, security", "across RCPTs");
	CHECK(m->ndiffer == 1 && m->rcpts[0].mta == 0 && m->rcpts[1].mta == 1,
	    "across RCPTs: the second differs (%zu)", m->ndiffer);
	/* A reset forgets the RCPTs and keeps the connection's server name. */
	CHECK(msg_set_server_name(m, "mx.example.net") == 0, "server name kept");
	msg_reset(m);
	CHECK(m->nkept == 0 && m->ndiffer == 0 && m->rcpts == NULL && m->naddrs == 0,
	    "reset: %zu RCPTs, %zu addresses", m->nkept, m->naddrs);
	CHECK(m->server_name != NULL && strcmp(m->server_name, "mx.example.net") == 0,
	    "reset keeps the server name");
	msg_free(m);

	/* RCPTs past max_recipients are not kept (the limit is reached). */
	lim.max_recipients = 3;
	m = msg_new(&lim);
	for (i = 0; i < 5; i++)
		msg_add_rcpt_resolved(m, "<security>", &res);
	CHECK(m->nkept == 3 && m->nrcpts == 5 && m->limit_id == MSG_LIMIT_RECIPIENTS,
	    "max_recipients: %zu kept of %zu", m->nkept, m->nrcpts);
	msg_free(m);

	/* An {rcpt_addr} longer than any MTA sends is an error, never cut. */
	big = malloc(MSG_MTA_ADDR_MAX + 32);
	memset(big, 'a', MSG_MTA_ADDR_MAX + 20);
	strcpy(big + MSG_MTA_ADDR_MAX + 20, "@kernel.org");
	res.addr = big;
	m = msg_new(&limits);
	msg_add_rcpt_resolved(m, "<security>", &res);
	CHECK(m->error != NULL && m->naddrs == 1 && m->ndiffer == 0,
	    "over-long {rcpt_addr}: error %s, %zu addresses", m->error ? m->error : "none",
	    m->naddrs);
	CHECK(strlen(m->rcpts[0].addr) == MSG_MTA_ADDR_MAX, "kept cut for the log: %zu bytes",
	    strlen(m->rcpts[0].addr));
	msg_free(m);
	free(big);
	strbuf_free(&sb);
}

/* test_server_name - macro j is used only when it is a host name */
static void
test_server_name(void)
{
	static const struct {
		const char *name;
		int ok;
	} names[] = {
		{ "mx.example.org", 1 }, { "relay_7.e2e-test.example", 1 }, { "vm", 1 },
		{ "", 0 }, { "a b", 0 }, { "mx.example.org\r\n250 ok", 0 }, { "-x.example", 0 },
		{ ".example", 0 }, { "[192.0.2.1]", 0 }, { "mx.ex\xc3\xa4mple.org", 0 },
	};
	char long_name[MSG_MTA_NAME_MAX + 2];
	struct msg *m = msg_new(&limits);
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int r = msg_set_server_name(m, names[i].name);

		CHECK((r == 0) == names[i].ok && (m->server_name != NULL) == names[i].ok,
		    "server name \"%s\": %d", names[i].name, r);
	}
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(msg_set_server_name(m, long_name) < 0 && m->server_name == NULL,
	    "a server name of %zu bytes", strlen(long_name));
	long_name[MSG_MTA_NAME_MAX] = '\0';
	CHECK(msg_set_server_name(m, long_name) == 0, "a server name of %d bytes",
	    MSG_MTA_NAME_MAX);
	CHECK(msg_set_server_name(m, NULL) < 0 && m->server_name == NULL, "no server name");
	msg_free(m);
}

int
main(void)
{
	addr_init();
	test_cases();
	test_across();
	test_server_name();
	return test_exit("test-msg");
}
