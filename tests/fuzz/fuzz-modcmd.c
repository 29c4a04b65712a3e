/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-modcmd.c - libFuzzer target for moderation by mail: the command
 * line scanner (modcmd_scan_text), the Authentication-Results reader
 * (modcmd_auth_pass) and token checks (modtoken_check). The input is the
 * text of a hostile mail. Properties: at most MODCMD_MAX commands kept,
 * every command line counted; a decision only from an unambiguous text;
 * every command has a valid action, a Postfix queue id, a 40-hex token, a list
 * only for release-without and a printable reason only for reject; it
 * prints back to a line that parses to the same command; a token from the
 * input is accepted only if it is the one modtoken_make gives; a "pass"
 * needs the configured authserv-id and domain in the input.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "modcmd.h"
#include "modtoken.h"

static const char fuzz_key[] = "fuzz-key-0123456789abcdef";
static const char fuzz_hold[] = "0123456789abcdef0123456789abcdef";

/* check_cmd - the properties of one parsed command */
static void
check_cmd(const struct modcmd *c)
{
	struct modcmd again;
	char line[MODCMD_LINE_MAX + 1], made[MODTOKEN_LEN + 1];
	enum modtoken_action a;
	time_t expiry;
	size_t i;
	int n;

	FUZZ_CHECK(modtoken_action_from_name(modtoken_action_name(c->action), &a) == 0 &&
	    a == c->action, "unknown action");
	FUZZ_CHECK(modcmd_qid_ok(c->qid), "queue id not in Postfix syntax");
	FUZZ_CHECK(strlen(c->token) == MODTOKEN_LEN, "token length");
	for (i = 0; i < MODTOKEN_LEN; i++)
		FUZZ_CHECK(isxdigit((unsigned char)c->token[i]), "token not hex");
	FUZZ_CHECK((c->action == MODTOKEN_RELEASE_WITHOUT) == (c->list[0] != '\0'),
	    "list only with release-without");
	FUZZ_CHECK(c->list[0] == '\0' || modcmd_list_ok(c->list), "bad list name");
	FUZZ_CHECK(c->action == MODTOKEN_REJECT || c->reason[0] == '\0', "reason only with reject");
	for (i = 0; c->reason[i] != '\0'; i++)
		FUZZ_CHECK(c->reason[i] >= 0x20 && c->reason[i] < 0x7f, "reason not printable");
	n = snprintf(line, sizeof(line), "ccguard %s%s%s %s %s%s%s", modtoken_action_name(c->action),
	    c->list[0] != '\0' ? " " : "", c->list, c->qid, c->token,
	    c->reason[0] != '\0' ? " " : "", c->reason);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(line), "command does not print");
	FUZZ_CHECK(modcmd_parse_line(line, (size_t)n, &again) == 1, "printed command does not parse");
	FUZZ_CHECK(again.action == c->action && strcmp(again.qid, c->qid) == 0 &&
	    strcmp(again.list, c->list) == 0 && strcmp(again.token, c->token) == 0,
	    "round trip changed the command");
	/* The reason may lose trailing blanks only. */
	FUZZ_CHECK(strncmp(again.reason, c->reason, strlen(again.reason)) == 0, "reason changed");
	if (modtoken_check(fuzz_key, strlen(fuzz_key), c->qid, fuzz_hold, c->action,
	    c->list[0] != '\0' ? c->list : NULL, c->token, 0, &expiry) == MODTOKEN_OK) {
		FUZZ_CHECK(modtoken_make(fuzz_key, strlen(fuzz_key), c->qid, fuzz_hold, c->action,
		    c->list[0] != '\0' ? c->list : NULL, expiry, made) == 0 &&
		    strcasecmp(made, c->token) == 0, "a token accepted that was not made");
	}
}

/*
 * check_decision - a scan decides only when it is unambiguous: one command
 * line or the same line again, nothing unreadable, not too many
 */
static void
check_decision(const struct modcmd_scan *s)
{
	enum modcmd_ambiguity why;
	const struct modcmd *d = modcmd_decision(s, &why);
	size_t i;

	FUZZ_CHECK((d != NULL) == (why == MODCMD_DECIDED), "decision and reason disagree");
	if (d == NULL)
		return;
	FUZZ_CHECK(s->nbad == 0 && !s->too_many && s->nlines == s->ncmds && s->ncmds >= 1,
	    "a decision from an ambiguous text");
	for (i = 0; i < s->ncmds; i++)
		FUZZ_CHECK(s->cmds[i].action == d->action && strcmp(s->cmds[i].qid, d->qid) == 0 &&
		    strcmp(s->cmds[i].list, d->list) == 0 &&
		    strcasecmp(s->cmds[i].token, d->token) == 0 &&
		    strcmp(s->cmds[i].reason, d->reason) == 0, "a decision among several");
}

/* contains_ci - does the data contain s, in any case? */
static int
contains_ci(const char *data, const char *s)
{
	size_t n = strlen(s);

	for (; *data != '\0'; data++)
		if (strncasecmp(data, s, n) == 0)
			return 1;
	return 0;
}

/* LLVMFuzzerTestOneInput - one hostile mail text through scanner, reader and checks */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modcmd_scan s;
	char *text;
	size_t i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&s, 0, sizeof(s));
	modcmd_scan_text(text, size, &s);
	FUZZ_CHECK(s.ncmds <= MODCMD_MAX && s.nbad <= MODCMD_MAX, "too many commands kept");
	FUZZ_CHECK(s.nlines >= s.ncmds + s.nbad && s.too_many == (s.nlines > MODCMD_MAX),
	    "command lines miscounted");
	for (i = 0; i < s.ncmds; i++)
		check_cmd(&s.cmds[i]);
	check_decision(&s);
	if (modcmd_auth_pass(text, "mx.example", "example.org"))
		FUZZ_CHECK(contains_ci(text, "mx.example") && contains_ci(text, "example.org") &&
		    contains_ci(text, "pass"), "a pass without authserv-id, domain or pass");
	(void)modcmd_qid_ok(text);
	free(text);
	return 0;
}
