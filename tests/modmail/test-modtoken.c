/*
 * test-modtoken.c - unit tests of moderation-by-mail tokens (modtoken.c)
 * and the command grammar, queue id syntax and Authentication-Results
 * check (modcmd.c).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modcmd.h"
#include "modtoken.h"
#include "testlib.h"

static const char key[] = "0123456789abcdef0123456789abcdef";
static const char key2[] = "fedcba9876543210fedcba9876543210";
#define NOW ((time_t)1800000000)

/* test_tokens - valid, expired, altered field, wrong key, other id, other action */
static void
test_tokens(void)
{
	char t[MODTOKEN_LEN + 1], t2[MODTOKEN_LEN + 1], alt[MODTOKEN_LEN + 1];
	time_t exp;
	size_t i;

	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL,
	    NOW + 3600, t) == 0, "make");
	CHECK(strlen(t) == MODTOKEN_LEN, "token length %zu", strlen(t));
	CHECK(strncmp(t, "6b49e010", 8) == 0, "expiry in the first 8 digits: %s", t);
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, t, NOW,
	    &exp) == MODTOKEN_OK && exp == NOW + 3600, "valid");
	/* Upper-case hex is the same token. */
	for (i = 0; i < MODTOKEN_LEN; i++)
		alt[i] = t[i] >= 'a' && t[i] <= 'f' ? (char)(t[i] - 32) : t[i];
	alt[MODTOKEN_LEN] = '\0';
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, alt, NOW,
	    NULL) == MODTOKEN_OK, "upper case accepted");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, t,
	    NOW + 3601, NULL) == MODTOKEN_EXPIRED, "expired");
	CHECK(modtoken_check(key2, strlen(key2), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "wrong key");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E4", MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "other queue id");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_DISCARD, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "other action");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", t, NOW, NULL) == MODTOKEN_BAD, "release token as release-without");
	/* Altered expiry (later): the MAC breaks, not "valid longer". */
	memcpy(alt, t, sizeof(alt));
	alt[7] = alt[7] == 'f' ? 'e' : 'f';
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, alt, NOW,
	    NULL) == MODTOKEN_BAD, "altered expiry");
	/* Every altered MAC digit is refused. */
	for (i = MODTOKEN_EXPIRY_HEX; i < MODTOKEN_LEN; i++) {
		memcpy(alt, t, sizeof(alt));
		alt[i] = alt[i] == '0' ? '1' : '0';
		CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, alt,
		    NOW, NULL) == MODTOKEN_BAD, "altered digit %zu", i);
	}
	/* An expired forgery is "bad", never "expired". */
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL,
	    "00000001000000000000000000000000deadbeef", NOW, NULL) == MODTOKEN_BAD,
	    "expired forgery");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL, "abc", NOW,
	    NULL) == MODTOKEN_MALFORMED, "short");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, NULL,
	    "zz49f710000000000000000000000000deadbeef", NOW, NULL) == MODTOKEN_MALFORMED,
	    "not hex");

	/* release-without: the list is part of the MAC. */
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", NOW + 60, t2) == 0, "make without");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", t2, NOW, NULL) == MODTOKEN_OK, "without: valid");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE_WITHOUT,
	    "kernel-security", t2, NOW, NULL) == MODTOKEN_BAD, "without: other list");
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE_WITHOUT, NULL,
	    NOW + 60, t2) < 0, "release-without needs a list");
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_RELEASE, "x", NOW + 60,
	    t2) < 0, "release takes no list");
}

/* test_state - a token is used once; expired entries are dropped */
static void
test_state(void)
{
	char path[] = "/tmp/ccguard-tokens-XXXXXX", t1[MODTOKEN_LEN + 1], t2[MODTOKEN_LEN + 1];
	char buf[512];
	struct stat st;
	ssize_t n = 0;
	int fd, tmp;

	CHECK((tmp = mkstemp(path)) >= 0, "mkstemp");
	close(tmp);
	unlink(path);
	modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_REJECT, NULL, NOW + 10, t1);
	modtoken_make(key, strlen(key), "4F2A81C0E3", MODTOKEN_DISCARD, NULL, NOW + 1000, t2);
	CHECK((fd = modtoken_state_open(path)) >= 0, "open state");
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "state mode 0600");
	CHECK(modtoken_state_use(fd, t1, NOW) == 0, "first use");
	CHECK(modtoken_state_use(fd, t1, NOW) == 1, "second use refused");
	CHECK(modtoken_state_use(fd, t2, NOW) == 0, "other token");
	close(fd);
	CHECK((fd = modtoken_state_open(path)) >= 0, "reopen");
	CHECK(modtoken_state_use(fd, t1, NOW) == 1, "used, after reopening");
	/* Later, t1 has expired: it is dropped from the file, t2 stays. */
	CHECK(modtoken_state_use(fd, t2, NOW + 100) == 1, "t2 still used");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0, "read");
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, t1) == NULL && strstr(buf, t2) != NULL, "pruned: %s", buf);
	close(fd);
	chmod(path, 0644);
	CHECK(modtoken_state_open(path) < 0, "a state file others can read is refused");
	unlink(path);
}

/* test_qid - Postfix's queue id forms */
static void
test_qid(void)
{
	static const struct { const char *qid; int ok; } cases[] = {
		{ "4F2A81C0E3", 1 }, { "3F4A5", 0 }, { "ABCDEF", 1 }, { "4f2a81c0e3", 0 },
		{ "4W9wJt1Qb4zJvTf", 1 }, { "4W9wJt1Qb4zz", 0 }, { "4W9wJt1Qbz", 0 },
		{ "4W9wJt1Qb4z", 0 }, { "4W9wJt1Qa4zJvTf", 0 }, { "-d", 0 }, { "", 0 },
		{ "0123456789ABCDEF0123456789ABCDEF0", 0 }, { "4F2A81C0E3 ", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(modcmd_qid_ok(cases[i].qid) == cases[i].ok, "qid \"%s\": want %d",
		    cases[i].qid, cases[i].ok);
}

/* test_grammar - command lines, strict */
static void
test_grammar(void)
{
	static const char tok[] = "6b49f7100123456789abcdef0123456789abcdef";
	static const struct { const char *line; int r; int action; const char *list, *reason; }
	    cases[] = {
		{ "ccguard release 4F2A81C0E3 %s", 1, MODTOKEN_RELEASE, "", "" },
		{ "> > ccguard release 4F2A81C0E3 %s  \r", 1, MODTOKEN_RELEASE, "", "" },
		{ "  CCGUARD Discard 4F2A81C0E3 %s", 1, MODTOKEN_DISCARD, "", "" },
		{ "ccguard release-without openwall-distros 4F2A81C0E3 %s", 1,
		  MODTOKEN_RELEASE_WITHOUT, "openwall-distros", "" },
		{ "ccguard reject 4F2A81C0E3 %s Send it to security@ alone.", 1,
		  MODTOKEN_REJECT, "", "Send it to security@ alone." },
		{ "ccguard release 4F2A81C0E3 %s extra", -1, 0, "", "" },
		{ "ccguard release-without 4F2A81C0E3 %s", -1, 0, "", "" },
		{ "ccguard release-without a;b 4F2A81C0E3 %s", -1, 0, "", "" },
		{ "ccguard frobnicate 4F2A81C0E3 %s", -1, 0, "", "" },
		{ "ccguard release -d %s", -1, 0, "", "" },
		{ "ccguard release 4F2A81C0E3 %s\x01", -1, 0, "", "" },
		{ "ccguard release 4F2A81C0E3", -1, 0, "", "" },
		{ "ccguard reject 4F2A81C0E3 %s caf\xc3\xa9", -1, 0, "", "" },
		{ "please ccguard release 4F2A81C0E3 %s", 0, 0, "", "" },
		{ "ccguardrelease 4F2A81C0E3 %s", 0, 0, "", "" },
		{ "> > > > > > > > > ccguard release 4F2A81C0E3 %s", 0, 0, "", "" },
	};
	struct modcmd c;
	char line[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *pct = strstr(cases[i].line, "%s");

		if (pct != NULL)
			snprintf(line, sizeof(line), "%.*s%s%s", (int)(pct - cases[i].line),
			    cases[i].line, tok, pct + 2);
		else
			snprintf(line, sizeof(line), "%s", cases[i].line);
		r = modcmd_parse_line(line, strlen(line), &c);
		CHECK(r == cases[i].r, "\"%s\": got %d, want %d", line, r, cases[i].r);
		if (r == 1 && cases[i].r == 1) {
			CHECK((int)c.action == cases[i].action, "\"%s\": action", line);
			CHECK_STR(c.list, cases[i].list, line);
			CHECK_STR(c.reason, cases[i].reason, line);
			CHECK_STR(c.qid, "4F2A81C0E3", line);
			CHECK_STR(c.token, tok, line);
		}
	}
}

/* test_scan - lines of a text, numbered; unreadable ones noted */
static void
test_scan(void)
{
	static const char text[] =
	    "Hello,\r\n"
	    "> ccguard release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\r\n"
	    "ccguard discard 4F2A81C0E3 nottoken\r\n"
	    "ccguard discard 4F2A81C0E4 6b49f7100123456789abcdef0123456789abcdef";
	struct modcmd_scan s;

	memset(&s, 0, sizeof(s));
	modcmd_scan_text(text, strlen(text), &s);
	CHECK(s.ncmds == 2 && s.cmds[0].line == 2 && s.cmds[1].line == 4 &&
	    strcmp(s.cmds[1].qid, "4F2A81C0E4") == 0, "two commands, lines 2 and 4");
	CHECK(s.nbad == 1 && s.bad[0] == 3, "line 3 unreadable");
	CHECK(!s.too_many, "not too many");
}

/* test_auth - Authentication-Results from our own MTA only, pass for the domain */
static void
test_auth(void)
{
	static const struct { const char *v; int pass; } cases[] = {
		{ "mx.e2e.test; dkim=pass header.d=example.org header.s=sel", 1 },
		{ "mx.e2e.test 1; spf=pass smtp.mailfrom=mod@example.org", 1 },
		{ "mx.e2e.test; spf = pass (sender SPF authorized) smtp.mailfrom=example.org", 1 },
		{ "MX.E2E.TEST; dkim=pass header.i=@Example.ORG", 1 },
		{ "mx.e2e.test; dkim=fail header.d=example.org; spf=pass smtp.mailfrom=x@evil.test", 0 },
		{ "mx.e2e.test; dkim=pass header.d=sub.example.org", 0 },
		{ "mx.e2e.test; dkim=pass header.d=example.org.evil.test", 0 },
		{ "evil.test; dkim=pass header.d=example.org", 0 },
		{ "mx.e2e.test.evil; dkim=pass header.d=example.org", 0 },
		{ "mx.e2e.test; none", 0 },
		{ "mx.e2e.test; dkim=pass (header.d=example.org) header.d=evil.test", 0 },
		{ "mx.e2e.test; dkim=pass header.d=example.org (unbalanced", 0 },
		{ "mx.e2e.test; dkim=neutral header.d=example.org", 0 },
		{ "mx.e2e.test; arc=pass header.d=example.org", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(modcmd_auth_pass(cases[i].v, "mx.e2e.test", "example.org") == cases[i].pass,
		    "\"%s\": want %d", cases[i].v, cases[i].pass);
	CHECK(!modcmd_auth_pass(cases[0].v, "", "example.org"), "no authserv-id: no pass");
}

/* test_moderators - the moderator setting as a list */
static void
test_moderators(void)
{
	char **v;
	size_t n;

	n = modcmd_moderators(" a@example.org, b@example.net c@x.test,,bad<x>@y ", &v);
	CHECK(n == 3 && strcmp(v[0], "a@example.org") == 0 && strcmp(v[2], "c@x.test") == 0,
	    "three moderators, the bad one left out (got %zu)", n);
	modcmd_moderators_free(v, n);
	CHECK(modcmd_moderators("", &v) == 0 && v == NULL, "none");
}

/* main - every group of checks; the automake exit status */
int
main(void)
{
	test_tokens();
	test_state();
	test_qid();
	test_grammar();
	test_scan();
	test_auth();
	test_moderators();
	return test_exit("test-modtoken");
}
