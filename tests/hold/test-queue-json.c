/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-queue-json.c - the postqueue -j reader (ctlq_parse_json_line in
 * ctl/ctl_queue.c): real Postfix output from tests/hold/postqueue-j.txt
 * decoded field by field, every cut of a real line refused, and hostile
 * or malformed lines (escapes, missing fields, wrong types, bytes that are
 * not UTF-8, oversized fields) decoded exactly or refused whole. And the
 * other side of ccguardctl's quiet use of postsuper and postqueue (their
 * chatter dropped, tests/hold/e2e_ctl.py): when the real programs fail,
 * here for a configuration directory without main.cf, their own last
 * line is the reason ccguardctl gives.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_queue.h"
#include "testlib.h"

struct want {
	const char *queue_name, *queue_id, *sender;
	long long size;
	size_t nrcpts;
	const char *rcpt[2];
};

/* What tests/hold/postqueue-j.txt holds, line by line. */
static const struct want fixture[] = {
	{ "deferred", "8D2CCA76183", "MAILER-DAEMON", 2149, 1,
	    { "\"q\\\"uote\"@example.org" } },
	{ "deferred", "80E23A76573", "raw??@example.org", 297, 2,
	    { "maintainer@example.com", "d\xc3\xb6st@example.net" } },
	{ "deferred", "7201FA7697A", "plain@example.org", 297, 2,
	    { "maintainer@example.com", "d\xc3\xb6st@example.net" } },
	{ "deferred", "74803A76978", "r\xc3\xa9ne@example.org", 297, 2,
	    { "maintainer@example.com", "d\xc3\xb6st@example.net" } },
	{ "hold", "88B68A76014", "\"q\\\"uote\"@example.org", 301, 2,
	    { "maintainer@example.com", "d\xc3\xb6st@example.net" } },
	{ "hold", "8C9D3A76153", "MAILER-DAEMON", 2139, 1, { "ctl??@example.org" } },
	{ "hold", "8AB30A76028", "MAILER-DAEMON", 2133, 1, { "plain@example.org" } },
};
#define NFIXTURE (sizeof(fixture) / sizeof(fixture[0]))

/* check_entry - e decoded as w says */
static void
check_entry(const struct ctlq_entry *e, const struct want *w, const char *where)
{
	size_t k;

	CHECK(e->queue_name != NULL && strcmp(e->queue_name, w->queue_name) == 0,
	    "%s: queue_name %s, want %s", where, e->queue_name ? e->queue_name : "(null)",
	    w->queue_name);
	CHECK(e->queue_id != NULL && strcmp(e->queue_id, w->queue_id) == 0,
	    "%s: queue_id %s, want %s", where, e->queue_id ? e->queue_id : "(null)", w->queue_id);
	CHECK(e->sender != NULL && strcmp(e->sender, w->sender) == 0,
	    "%s: sender [%s], want [%s]", where, e->sender ? e->sender : "(null)", w->sender);
	CHECK(e->size == w->size, "%s: size %lld, want %lld", where, e->size, w->size);
	CHECK(e->arrival == 1796083904, "%s: arrival %lld", where, (long long)e->arrival);
	CHECK(e->nrcpts == w->nrcpts, "%s: %zu recipients, want %zu", where, e->nrcpts, w->nrcpts);
	for (k = 0; k < e->nrcpts && k < w->nrcpts; k++)
		CHECK(strcmp(e->rcpts[k], w->rcpt[k]) == 0, "%s: recipient %zu [%s], want [%s]",
		    where, k, e->rcpts[k], w->rcpt[k]);
}

/* test_fixture - every real line decodes; every proper prefix of one is refused */
static void
test_fixture(void)
{
	char line[8192], where[64];
	struct ctlq_entry e;
	size_t n = 0, cut, len, refused, tried;
	FILE *f;

	f = fopen(test_path("tests/hold/postqueue-j.txt"), "r");
	CHECK(f != NULL, "open tests/hold/postqueue-j.txt");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		snprintf(where, sizeof(where), "postqueue-j.txt entry %zu", n + 1);
		CHECK(n < NFIXTURE, "%s: more lines than expected", where);
		if (n >= NFIXTURE)
			break;
		CHECK(ctlq_parse_json_line(line, &e) == 0, "%s: parsed", where);
		check_entry(&e, &fixture[n], where);
		ctlq_entry_clear(&e);
		/* A truncated line (a postqueue killed, output cut) is never taken. */
		len = strlen(line);
		refused = tried = 0;
		for (cut = 0; cut < len; cut++) {
			char saved = line[cut];

			line[cut] = '\0';
			tried++;
			if (ctlq_parse_json_line(line, &e) < 0)
				refused++;
			else
				ctlq_entry_clear(&e);
			CHECK(e.queue_id == NULL && e.nrcpts == 0 && e.rcpts == NULL,
			    "%s: a refused line leaves the entry empty", where);
			line[cut] = saved;
		}
		CHECK(refused == tried, "%s: %zu of %zu cuts refused", where, refused, tried);
		n++;
	}
	fclose(f);
	CHECK(n == NFIXTURE, "%zu fixture entries read, want %zu", n, NFIXTURE);
}

/* test_decoding - escapes and missing fields */
static void
test_decoding(void)
{
	struct ctlq_entry e;

	/* every escape JSON has, and a surrogate pair */
	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\", \"queue_id\": \"A1\", "
	    "\"sender\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00@x\", "
	    "\"recipients\": []}", &e) == 0, "escapes parsed");
	if (e.sender != NULL)
		CHECK_STR(e.sender, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80@x",
		    "escapes decoded");
	CHECK(e.nrcpts == 0, "empty recipient list");
	ctlq_entry_clear(&e);

	/* an escaped NUL must not cut the address short */
	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\", \"queue_id\": \"A1\", "
	    "\"sender\": \"evil\\u0000@example.org\", \"recipients\": [{\"address\": "
	    "\"security@kernel.org\\u0000x\"}]}", &e) == 0, "escaped NUL parsed");
	if (e.sender != NULL && e.nrcpts == 1) {
		CHECK_STR(e.sender, "evil?@example.org", "escaped NUL in sender");
		CHECK_STR(e.rcpts[0], "security@kernel.org?x", "escaped NUL in recipient");
	}
	ctlq_entry_clear(&e);

	/* no sender: the null sender; no recipients, or one without an address */
	CHECK(ctlq_parse_json_line("{\"queue_id\": \"B2\", \"queue_name\": \"active\"}", &e) == 0,
	    "minimal entry parsed");
	CHECK(e.sender != NULL && e.sender[0] == '\0' && e.nrcpts == 0 && e.size == 0 &&
	    e.arrival == 0, "missing fields read as empty");
	ctlq_entry_clear(&e);
	CHECK(ctlq_parse_json_line("{\"queue_id\": \"B2\", \"queue_name\": \"hold\", "
	    "\"recipients\": [{\"delay_reason\": \"x\"}, {\"address\": \"b@example.org\", "
	    "\"orig_address\": \"c@example.org\"}]}", &e) == 0 && e.nrcpts == 1 &&
	    strcmp(e.rcpts[0], "b@example.org") == 0, "recipient without address skipped");
	ctlq_entry_clear(&e);
	/* white space around the object, and unknown members of any kind */
	CHECK(ctlq_parse_json_line(" \t{\"queue_id\": \"C3\", \"queue_name\": \"hold\", "
	    "\"new\": {\"a\": [1, 2.5, true, null, \"s\"]}}\r", &e) == 0 &&
	    strcmp(e.queue_id, "C3") == 0, "unknown members passed over");
	ctlq_entry_clear(&e);
}

/* test_refused - lines that are not one whole, well-formed postqueue -j object */
static void
test_refused(void)
{
	static const char *const bad[] = {
		"",
		"   ",
		"{\"queue_name\": \"hold\"}",				/* no queue id */
		"{\"queue_id\": \"A\"}",				/* no queue name */
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\"",	/* truncated */
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\"} x",	/* trailing junk */
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\"} {}",	/* two objects */
		"[{\"queue_name\": \"hold\", \"queue_id\": \"A\"}]",	/* not an object */
		"{'queue_name': 'hold', 'queue_id': 'A'}",		/* not JSON quotes */
		"/**/{\"queue_name\": \"hold\", \"queue_id\": \"A\"}",	/* comment */
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\",}",	/* trailing comma */
		"{\"queue_name\": \"hold\", \"queue_id\": 17}",		/* wrong type */
		"{\"queue_name\": \"hold\", \"queue_id\": null}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": false}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"arrival_time\": \"1\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"message_size\": 1.5}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"message_size\": 1e99999}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"recipients\": {}}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"recipients\": [\"a@b\"]}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"recipients\": [{\"address\": 1}]}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"queue_id\": \"B\"}", /* duplicate */
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"a\\qb\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"a\\u00g1\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"\\ud800@x\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"a\tb\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"\xff@x\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"\xc3@x\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"\xc0\xaf@x\"}",
		"{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"\xed\xa0\x80@x\"}",
	};
	struct ctlq_entry e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(ctlq_parse_json_line(bad[i], &e) < 0, "refused: %s", bad[i]);
		CHECK(e.queue_id == NULL && e.queue_name == NULL && e.sender == NULL &&
		    e.rcpts == NULL && e.nrcpts == 0, "nothing kept from: %s", bad[i]);
	}
}

/* test_oversized - a field over the limit is refused, not cut */
static void
test_oversized(void)
{
	static const char head[] = "{\"queue_name\": \"hold\", \"queue_id\": \"A\", \"sender\": \"";
	static const char tail[] = "@example.org\"}";
	size_t fill[] = { 1024 * 1024 - 12, 1024 * 1024 - 11 };	/* at, then over 1 MiB */
	struct ctlq_entry e;
	char *line;
	size_t i;
	int r;

	for (i = 0; i < 2; i++) {
		line = malloc(sizeof(head) + fill[i] + sizeof(tail));
		CHECK(line != NULL, "malloc");
		if (line == NULL)
			return;
		memcpy(line, head, sizeof(head) - 1);
		memset(line + sizeof(head) - 1, 'a', fill[i]);
		memcpy(line + sizeof(head) - 1 + fill[i], tail, sizeof(tail));
		r = ctlq_parse_json_line(line, &e);
		if (i == 0)
			CHECK(r == 0 && e.sender != NULL && strlen(e.sender) == 1024 * 1024,
			    "a sender of 1 MiB is taken whole");
		else
			CHECK(r < 0 && e.sender == NULL, "a sender over 1 MiB is refused");
		ctlq_entry_clear(&e);
		free(line);
	}
}

/* test_tool_errors - the real postsuper and postqueue fail: their fatal line is the reason */
static void
test_tool_errors(void)
{
	char dir[] = "/tmp/ccguard-noconf.XXXXXX", err[512];
	char sbin[] = "/usr/sbin";
	struct ctlq q;

	if (access("/usr/sbin/postsuper", X_OK) != 0 || access("/usr/sbin/postqueue", X_OK) != 0) {
		printf("note: Postfix is not installed; its programs' errors not checked\n");
		return;
	}
	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp failed");
		return;
	}
	memset(&q, 0, sizeof(q));
	q.config = dir;
	q.command_dir = sbin;
	err[0] = '\0';
	CHECK(ctlq_super(&q, "-d", "ABCDEF1234", err, sizeof(err)) < 0,
	    "postsuper without main.cf succeeded");
	CHECK(strncmp(err, "postsuper: fatal: ", 18) == 0 && strstr(err, "main.cf") != NULL,
	    "postsuper's error [%s], want its own fatal line", err);
	err[0] = '\0';
	CHECK(ctlq_deliver(&q, "ABCDEF1234", err, sizeof(err)) < 0,
	    "postqueue -i without main.cf succeeded");
	CHECK(strncmp(err, "postqueue: fatal: ", 18) == 0 && strstr(err, "main.cf") != NULL,
	    "postqueue's error [%s], want its own fatal line", err);
	rmdir(dir);
}

/* main - run the postqueue -j reader tests */
int
main(void)
{
	test_fixture();
	test_decoding();
	test_refused();
	test_oversized();
	test_tool_errors();
	return test_exit("test-queue-json");
}
