/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-modtoken.c - unit tests of moderation-by-mail tokens (modtoken.c:
 * bound to the hold, old ones refused, the used-token file replaced whole)
 * and the command grammar, the scan and its one decision, queue id syntax
 * and the Authentication-Results check (modcmd.c); the unprivileged reader
 * of a command message and the report the root half reads (modmail.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "modcmd.h"
#include "modmail.h"
#include "modtoken.h"
#include "release.h"
#include "strbuf.h"
#include "testlib.h"

static const char key[] = "0123456789abcdef0123456789abcdef";
static const char key2[] = "fedcba9876543210fedcba9876543210";
#define NOW ((time_t)1800000000)
static const char hold[] = "00112233445566778899aabbccddeeff";
static const char hold2[] = "00112233445566778899aabbccddeef0";

/*
 * test_old_token - a token of the first kind (queue id, action, list,
 * expiry; no hold), made here as that version made it, is refused as old
 */
static void
test_old_token(void)
{
	char data[256], mac[MODTOKEN_MAC_HEX + 1], t[MODTOKEN_LEN + 1];
	unsigned long e = (unsigned long)NOW + 3600;

	snprintf(data, sizeof(data), "ccguard-command-1\n%s\n%s\n%s\n%08lx\n", "4F2A81C0E3",
	    "release", "", e);
	CHECK(release_hmac_hex(key, strlen(key), data, strlen(data), mac, MODTOKEN_MAC_HEX) == 0,
	    "old MAC");
	snprintf(t, sizeof(t), "%08lx%s", e, mac);
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_OLD, "an old token is recognised and refused");
	CHECK(strstr(modtoken_result_text(MODTOKEN_OLD), "older kind") != NULL, "and says why");
	CHECK(modtoken_check(key2, strlen(key2), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "an old token under another key is simply bad");
}

/* test_tokens - valid, expired, altered field, wrong key, other id, other action */
static void
test_tokens(void)
{
	char t[MODTOKEN_LEN + 1], t2[MODTOKEN_LEN + 1], alt[MODTOKEN_LEN + 1];
	time_t exp;
	size_t i;

	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL,
	    NOW + 3600, t) == 0, "make");
	CHECK(strlen(t) == MODTOKEN_LEN, "token length %zu", strlen(t));
	CHECK(strncmp(t, "6b49e010", 8) == 0, "expiry in the first 8 digits: %s", t);
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, t, NOW,
	    &exp) == MODTOKEN_OK && exp == NOW + 3600, "valid");
	/* Upper-case hex is the same token. */
	for (i = 0; i < MODTOKEN_LEN; i++)
		alt[i] = t[i] >= 'a' && t[i] <= 'f' ? (char)(t[i] - 32) : t[i];
	alt[MODTOKEN_LEN] = '\0';
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, alt, NOW,
	    NULL) == MODTOKEN_OK, "upper case accepted");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, t,
	    NOW + 3601, NULL) == MODTOKEN_EXPIRED, "expired");
	CHECK(modtoken_check(key2, strlen(key2), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "wrong key");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E4", hold, MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "other queue id");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_DISCARD, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "other action");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", t, NOW, NULL) == MODTOKEN_BAD, "release token as release-without");
	/* Altered expiry (later): the MAC breaks, not "valid longer". */
	memcpy(alt, t, sizeof(alt));
	alt[7] = alt[7] == 'f' ? 'e' : 'f';
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, alt, NOW,
	    NULL) == MODTOKEN_BAD, "altered expiry");
	/* Every altered MAC digit is refused. */
	for (i = MODTOKEN_EXPIRY_HEX; i < MODTOKEN_LEN; i++) {
		memcpy(alt, t, sizeof(alt));
		alt[i] = alt[i] == '0' ? '1' : '0';
		CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, alt,
		    NOW, NULL) == MODTOKEN_BAD, "altered digit %zu", i);
	}
	/* An expired forgery is "bad", never "expired". */
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL,
	    "00000001000000000000000000000000deadbeef", NOW, NULL) == MODTOKEN_BAD,
	    "expired forgery");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL, "abc", NOW,
	    NULL) == MODTOKEN_MALFORMED, "short");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, NULL,
	    "zz49f710000000000000000000000000deadbeef", NOW, NULL) == MODTOKEN_MALFORMED,
	    "not hex");

	/* release-without: the list is part of the MAC. */
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", NOW + 60, t2) == 0, "make without");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE_WITHOUT,
	    "openwall-distros", t2, NOW, NULL) == MODTOKEN_OK, "without: valid");
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE_WITHOUT,
	    "kernel-security", t2, NOW, NULL) == MODTOKEN_BAD, "without: other list");
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE_WITHOUT, NULL,
	    NOW + 60, t2) < 0, "release-without needs a list");
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_RELEASE, "x", NOW + 60,
	    t2) < 0, "release takes no list");

	/* The hold is part of the MAC: a recycled queue id has another hold. */
	CHECK(modtoken_check(key, strlen(key), "4F2A81C0E3", hold2, MODTOKEN_RELEASE, NULL, t, NOW,
	    NULL) == MODTOKEN_BAD, "same queue id, another hold: refused");
	CHECK(modtoken_make(key, strlen(key), "4F2A81C0E3", "", MODTOKEN_RELEASE, NULL, NOW + 60,
	    t2) < 0 && modtoken_make(key, strlen(key), "4F2A81C0E3", NULL, MODTOKEN_RELEASE, NULL,
	    NOW + 60, t2) < 0, "no token without a hold");
	test_old_token();
}

/* state_text - the state file's content */
static void
state_text(const char *path, char *buf, size_t size)
{
	ssize_t n = 0;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* test_state - a token is used once; expired entries are dropped */
static void
test_state(void)
{
	char path[] = "/tmp/ccguard-tokens-XXXXXX", t1[MODTOKEN_LEN + 1], t2[MODTOKEN_LEN + 1];
	char buf[512], lock[64];
	struct modtoken_state *st;
	struct stat sb;
	int tmp;

	CHECK((tmp = mkstemp(path)) >= 0, "mkstemp");
	close(tmp);
	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_REJECT, NULL, NOW + 10, t1);
	modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_DISCARD, NULL, NOW + 1000, t2);
	CHECK((st = modtoken_state_open(path)) != NULL, "open state");
	CHECK(modtoken_state_use(st, t1, NOW) == 0, "first use");
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "state mode 0600");
	CHECK(stat(lock, &sb) == 0 && (sb.st_mode & 0777) == 0600, "lock mode 0600");
	CHECK(modtoken_state_use(st, t1, NOW) == 1, "second use refused");
	CHECK(modtoken_state_use(st, t2, NOW) == 0, "other token");
	modtoken_state_close(st);
	CHECK((st = modtoken_state_open(path)) != NULL, "reopen");
	CHECK(modtoken_state_use(st, t1, NOW) == 1, "used, after reopening");
	/* Later, t1 has expired: it is dropped from the file, t2 stays. */
	CHECK(modtoken_state_use(st, t2, NOW + 100) == 1, "t2 still used");
	state_text(path, buf, sizeof(buf));
	CHECK(strstr(buf, t1) == NULL && strstr(buf, t2) != NULL, "pruned: %s", buf);
	modtoken_state_close(st);
	chmod(path, 0644);
	CHECK(modtoken_state_open(path) == NULL && errno == EPERM,
	    "a state file others can read is refused");
	unlink(path);
	unlink(lock);
}

/*
 * test_state_write_fails - a use whose new list can not be written is
 * refused, and every token used before stays used: the file is replaced
 * whole or not at all (here the write fails at a file size limit, in a
 * child, as it would on a full disk)
 */
static void
test_state_write_fails(void)
{
	char path[] = "/tmp/ccguard-tokens-XXXXXX", t[MODTOKEN_LEN + 1], lock[64];
	struct modtoken_state *st;
	struct rlimit rl;
	pid_t pid;
	int tmp, status, i, lost = 0;

	CHECK((tmp = mkstemp(path)) >= 0, "mkstemp");
	close(tmp);
	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CHECK((st = modtoken_state_open(path)) != NULL, "open state");
	for (i = 0; i < 50; i++) {
		modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_DISCARD, NULL,
		    NOW + 1000 + i, t);
		CHECK(modtoken_state_use(st, t, NOW) == 0, "use %d", i);
	}
	modtoken_state_close(st);
	if ((pid = fork()) == 0) {
		/* 50 tokens are 2050 bytes: the new list of 51 can not be written. */
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = 1000;
		rl.rlim_max = RLIM_INFINITY;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || (st = modtoken_state_open(path)) == NULL)
			_exit(2);
		modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_REJECT, NULL,
		    NOW + 5000, t);
		_exit(modtoken_state_use(st, t, NOW) == -1 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "a use that could not be written is refused (%d)",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK((st = modtoken_state_open(path)) != NULL, "reopen");
	for (i = 0; i < 50; i++) {
		modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_DISCARD, NULL,
		    NOW + 1000 + i, t);
		lost += modtoken_state_use(st, t, NOW) != 1;
	}
	CHECK(lost == 0, "every token used before is still used after the failed write "
	    "(%d forgotten)", lost);
	modtoken_make(key, strlen(key), "4F2A81C0E3", hold, MODTOKEN_REJECT, NULL, NOW + 5000, t);
	CHECK(modtoken_state_use(st, t, NOW) == 0, "the refused token was not marked used");
	modtoken_state_close(st);
	unlink(path);
	unlink(lock);
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
		{ "please ccguard release 4F2A81C0E3 %s", -1, 0, "", "" },
		{ "ccguardrelease 4F2A81C0E3 %s", 0, 0, "", "" },
		{ "> > > > > > > > > ccguard release 4F2A81C0E3 %s", 1, MODTOKEN_RELEASE, "", "" },
		{ ">>>>>>>>>>>>>>>>>>>>ccguard release 4F2A81C0E3 %s", 1, MODTOKEN_RELEASE, "", "" },
		{ "> ccguard", -1, 0, "", "" },
		{ "ccguard: held by a rule", -1, 0, "", "" },
		{ "CCGuard release-without", -1, 0, "", "" },
		{ "> To: ccguard-moderate@mx.example.org: ccguard release 4F2A81C0E3 %s", -1, 0,
		  "", "" },
		{ "4F2A81C0E3 %s ccguard  Discard 4F2A81C0E3 %s", -1, 0, "", "" },
		{ "ccguard release 4F2A81C0E3 %s ccguard discard 4F2A81C0E3", -1, 0, "", "" },
		{ "This message was held by ccguard on mx.example.org.", 0, 0, "", "" },
		{ "send it to ccguard-moderate@mx.example.org:", 0, 0, "", "" },
		{ "Run ccguardctl held release 4F2A81C0E3", 0, 0, "", "" },
	};
	struct modcmd c;
	char line[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *src = cases[i].line, *pct;
		size_t o = 0;

		/* Every %s is the token. */
		while ((pct = strstr(src, "%s")) != NULL && o + (size_t)(pct - src) + 41 < sizeof(line)) {
			memcpy(line + o, src, (size_t)(pct - src));
			o += (size_t)(pct - src);
			memcpy(line + o, tok, strlen(tok));
			o += strlen(tok);
			src = pct + 2;
		}
		snprintf(line + o, sizeof(line) - o, "%s", src);
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
	/* A command cut after its first word by a mail program. */
	static const char cut[] =
	    "> send it to ccguard-moderate@mx.example.org: ccguard\n"
	    "> release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\n"
	    "> This was held by ccguard\n"
	    "> on mx.example.org.\n";
	struct modcmd_scan s;
	struct strbuf many;
	size_t i;

	memset(&s, 0, sizeof(s));
	modcmd_scan_text(text, strlen(text), &s);
	CHECK(s.ncmds == 2 && s.cmds[0].line == 2 && s.cmds[1].line == 4 &&
	    strcmp(s.cmds[1].qid, "4F2A81C0E4") == 0, "two commands, lines 2 and 4");
	CHECK(s.nbad == 1 && s.bad[0] == 3, "line 3 unreadable");
	CHECK(s.nlines == 3 && !s.too_many, "three command lines, not too many");

	memset(&s, 0, sizeof(s));
	modcmd_scan_text(cut, strlen(cut), &s);
	CHECK(s.ncmds == 0 && s.nbad == 1 && s.bad[0] == 1 && s.nlines == 1,
	    "a command cut after \"ccguard\" is one unreadable line (got %zu/%zu)", s.ncmds,
	    s.nbad);

	/* Every command line counts, past MODCMD_MAX too. */
	strbuf_init(&many, 0);
	for (i = 0; i < MODCMD_MAX + 4; i++)
		strbuf_printf(&many, "> ccguard reject 4F2A81C0E3 %040zx\n", i);
	memset(&s, 0, sizeof(s));
	modcmd_scan_text(many.data, many.len, &s);
	CHECK(s.nlines == MODCMD_MAX + 4 && s.too_many && s.ncmds == MODCMD_MAX,
	    "%d command lines counted, too many", MODCMD_MAX + 4);
	strbuf_free(&many);
}

/* scan_of - the scan of a text */
static const struct modcmd *
decision_of(const char *text, struct modcmd_scan *s, enum modcmd_ambiguity *why)
{
	memset(s, 0, sizeof(*s));
	modcmd_scan_text(text, strlen(text), s);
	return modcmd_decision(s, why);
}

/* test_decision - one decision or nothing */
static void
test_decision(void)
{
	struct modcmd_scan s;
	enum modcmd_ambiguity why;
	const struct modcmd *c;

	c = decision_of("ok\n> ccguard release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\n"
	    "ccguard release 4F2A81C0E3 6B49F7100123456789ABCDEF0123456789ABCDEF\n", &s, &why);
	CHECK(c != NULL && why == MODCMD_DECIDED && c->action == MODTOKEN_RELEASE,
	    "the same line twice (quoted, retyped) is one decision");
	c = decision_of("Thanks.\n", &s, &why);
	CHECK(c == NULL && why == MODCMD_NONE, "no command line");
	c = decision_of("ccguard release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\n"
	    "ccguard discard 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcde0\n", &s, &why);
	CHECK(c == NULL && why == MODCMD_SEVERAL, "two decisions about one message");
	c = decision_of("ccguard release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\n"
	    "ccguard release 4F2A81C0E4 6b49f7100123456789abcdef0123456789abcde0\n", &s, &why);
	CHECK(c == NULL && why == MODCMD_SEVERAL, "two decisions about two messages");
	c = decision_of("ccguard reject 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef a\n"
	    "ccguard reject 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef b\n", &s, &why);
	CHECK(c == NULL && why == MODCMD_SEVERAL, "one reject with two reasons");
	c = decision_of("> ccguard release-without openwall-distros 4F2A81C0E3\n"
	    "> 6b49f7100123456789abcdef0123456789abcdef\n"
	    "> ccguard reject 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef\n", &s, &why);
	CHECK(c == NULL && why == MODCMD_UNREADABLE, "one line survived re-wrapping: nothing");
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
	CHECK(modcmd_auth_is_ours("(x) mx.e2e.test; none", "mx.e2e.test") &&
	    !modcmd_auth_is_ours("=?us-ascii?q?mx=2Ee2e=2Etest=3B_dkim=3Dpass?=", "mx.e2e.test") &&
	    !modcmd_auth_is_ours("mx.e2e.test.evil; none", "mx.e2e.test"), "authserv-id is ours");
	CHECK(!modcmd_auth_pass("=?us-ascii?q?mx=2Ee2e=2Etest=3B_dkim=3Dpass_header=2Ed=3Dexample=2Eorg?=",
	    "mx.e2e.test", "example.org"), "an encoded word is not decoded");
}

/* read_msg - the reader's report on a message (moderator mod@example.org, mx.e2e.test) */
static void
read_msg(const char *text, struct modmail_report *r)
{
	modmail_read(text, strlen(text), "mod@example.org", "mx.e2e.test", r);
}

#define CMDLINE	"ccguard release 4F2A81C0E3 6b49f7100123456789abcdef0123456789abcdef"

/*
 * test_reader - the unprivileged reader: who gets no answer, the one
 * Authentication-Results that counts (topmost of ours, raw, any name form),
 * format=flowed lines joined
 */
static void
test_reader(void)
{
	struct modmail_report r;

	read_msg("From: mod@example.org\nMessage-ID: <a@b>\n\n> " CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_READ && strcmp(r.from, "mod@example.org") == 0 &&
	    strcmp(r.msgid, "<a@b>") == 0 && r.scan.ncmds == 1 && r.auth == MODMAIL_AUTH_FAIL,
	    "a moderator's reply, no A-R: read, auth fails");
	read_msg("From: Mod <MOD@Example.ORG>\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_READ, "the moderator's address in another case");
	read_msg("From: mod@example.org\nFrom: x@evil.test\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_STRANGER && r.scan.nlines == 0, "two From headers: stranger");
	read_msg("From: x@evil.test\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_STRANGER && strcmp(r.from, "x@evil.test") == 0, "a stranger");
	read_msg("From: mod@example.org\nPrecedence: bulk\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_AUTOMATIC && strcmp(r.suppress, "Precedence") == 0, "bulk");
	read_msg("Return-Path: <>\nFrom: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_NULL_SENDER, "from <>");
	read_msg("X-Ccguard-Answer: answer\nFrom: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.ignore == MODMAIL_OWN, "our own answer");

	/* Only the topmost A-R of our authserv-id counts. */
	read_msg("Authentication-Results: mx.e2e.test; dkim=pass header.d=example.org\n"
	    "Authentication-Results: mx.e2e.test; dkim=fail header.d=example.org\n"
	    "From: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.auth == MODMAIL_AUTH_PASS, "the topmost one passes");
	read_msg("Authentication-Results: other.test; dkim=pass header.d=example.org\n"
	    "Authentication-Results: mx.e2e.test; spf=none smtp.mailfrom=example.org\n"
	    "Authentication-Results: mx.e2e.test; dkim=pass header.d=example.org\n"
	    "From: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.auth == MODMAIL_AUTH_FAIL, "a pass below the topmost of ours does not count");
	read_msg("Authentication-Results : mx.e2e.test; dkim=fail header.d=example.org\n"
	    "Authentication-Results: mx.e2e.test; dkim=pass header.d=example.org\n"
	    "From: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.auth == MODMAIL_AUTH_FAIL, "\"Authentication-Results :\" is that header too");
	read_msg("Authentication-Results: =?us-ascii?q?mx=2Ee2e=2Etest=3B_dkim=3Dpass_header=2Ed="
	    "3Dexample=2Eorg?=\nFrom: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.auth == MODMAIL_AUTH_FAIL, "an encoded word is not decoded");
	read_msg("Authentication-Results: mx.e2e.test;\n\tdkim=pass header.d=example.org\n"
	    "From: mod@example.org\n\n" CMDLINE "\n", &r);
	CHECK(r.auth == MODMAIL_AUTH_PASS, "a folded value is read");

	/* format=flowed: a command wrapped with a soft break is one line again. */
	read_msg("From: mod@example.org\nMIME-Version: 1.0\nContent-Type: text/plain; "
	    "format=flowed\n\n> ccguard release 4F2A81C0E3 \n> "
	    "6b49f7100123456789abcdef0123456789abcdef\n", &r);
	CHECK(r.scan.ncmds == 1 && r.scan.nbad == 0, "a flowed command is joined (%zu/%zu)",
	    r.scan.ncmds, r.scan.nbad);
	read_msg("From: mod@example.org\nMIME-Version: 1.0\nContent-Type: text/plain; "
	    "format=flowed; delsp=yes\n\nccguard release 4F2A81C0E3 6b49f710012345678 \n"
	    "9abcdef0123456789abcdef\n", &r);
	CHECK(r.scan.ncmds == 1 && strcmp(r.scan.cmds[0].token,
	    "6b49f7100123456789abcdef0123456789abcdef") == 0, "DelSp=yes removes the space");
	read_msg("From: mod@example.org\nMIME-Version: 1.0\nContent-Type: text/plain\n\n"
	    "> ccguard release 4F2A81C0E3 \n> 6b49f7100123456789abcdef0123456789abcdef\n", &r);
	CHECK(r.scan.ncmds == 0 && r.scan.nbad == 1, "without format=flowed it stays cut");
}

/* test_report - the root half reads only a well-formed report */
static void
test_report(void)
{
	static const char *const bad[] = {
		"",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore read\nauth off\nlines 0\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore read\nauth off\nlines 0\nend\nx\n",
		"ccguard-modmail 1\nreader uid=-1 gid=1 nnp=1\nignore read\nauth off\nlines 0\nend\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore read\nauth off\nlines 0\n"
		    "cmd 1 ccguard release 4F2A81C0E3 nottoken\nend\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore read\nfrom a b@c\nauth off\n"
		    "lines 0\nend\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore stranger\nauth off\nlines 1\n"
		    "bad 1\nend\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore read\nignore read\nauth off\n"
		    "lines 0\nend\n",
		"ccguard-modmail 1\nreader uid=1 gid=1 nnp=1\nignore automatic X-Evil\nauth off\n"
		    "lines 0\nend\n",
	};
	struct modmail_report r, back;
	struct strbuf out;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(modmail_report_parse(bad[i], strlen(bad[i]), &r) < 0, "bad report %zu refused", i);
	read_msg("Authentication-Results: mx.e2e.test; dkim=pass header.d=example.org\n"
	    "From: mod@example.org\nMessage-ID: <m@x>\n\n" CMDLINE " \nccguard what\n", &r);
	r.uid = 65534;
	r.gid = 65534;
	r.no_new_privs = 1;
	strbuf_init(&out, 0);
	CHECK(modmail_report_write(&r, &out) == 0 &&
	    modmail_report_parse(out.data, out.len, &back) == 0, "a written report is read");
	CHECK(back.ignore == MODMAIL_READ && back.auth == MODMAIL_AUTH_PASS &&
	    strcmp(back.from, "mod@example.org") == 0 && strcmp(back.msgid, "<m@x>") == 0 &&
	    back.scan.ncmds == 1 && back.scan.nbad == 1 && back.scan.bad[0] == 2 &&
	    back.scan.nlines == 2 && back.uid == 65534 && back.no_new_privs == 1,
	    "and says the same: %s", out.data);
	strbuf_free(&out);
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
	addr_init();	/* GMime, for the reader */
	test_tokens();
	test_state();
	test_state_write_fails();
	test_qid();
	test_grammar();
	test_scan();
	test_decision();
	test_reader();
	test_report();
	test_auth();
	test_moderators();
	return test_exit("test-modtoken");
}
