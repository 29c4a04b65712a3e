/*
 * fuzz-modmail.c - libFuzzer target for the two readings of a moderator's
 * command message (modmail.c). The input is read twice:
 * - as a whole hostile message by the unprivileged reader (modmail_read:
 *   header block, From, Authentication-Results, MIME text, command lines);
 *   its report must be accepted by the root half's reader unchanged, name
 *   a configured moderator when it is read, and carry only commands that
 *   parse;
 * - as a report, by the root half's reader (modmail_report_parse), which
 *   must never crash and accept only what it would write again the same.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "addr.h"
#include "fuzz.h"
#include "modmail.h"
#include "strbuf.h"

static const char moderators[] = "mod@example.org, other@example.net";

/* same_report - do two reports say the same? */
static int
same_report(const struct modmail_report *a, const struct modmail_report *b)
{
	size_t i;

	if (a->ignore != b->ignore || a->auth != b->auth || strcmp(a->from, b->from) != 0 ||
	    strcmp(a->msgid, b->msgid) != 0 || a->uid != b->uid || a->gid != b->gid ||
	    a->no_new_privs != b->no_new_privs || a->scan.nlines != b->scan.nlines ||
	    a->scan.ncmds != b->scan.ncmds || a->scan.nbad != b->scan.nbad ||
	    a->scan.too_many != b->scan.too_many ||
	    (a->suppress == NULL) != (b->suppress == NULL) ||
	    (a->suppress != NULL && strcmp(a->suppress, b->suppress) != 0))
		return 0;
	for (i = 0; i < a->scan.ncmds; i++)
		if (a->scan.cmds[i].action != b->scan.cmds[i].action ||
		    a->scan.cmds[i].line != b->scan.cmds[i].line ||
		    strcmp(a->scan.cmds[i].qid, b->scan.cmds[i].qid) != 0 ||
		    strcmp(a->scan.cmds[i].list, b->scan.cmds[i].list) != 0 ||
		    strcmp(a->scan.cmds[i].token, b->scan.cmds[i].token) != 0 ||
		    strcmp(a->scan.cmds[i].reason, b->scan.cmds[i].reason) != 0)
			return 0;
	for (i = 0; i < a->scan.nbad; i++)
		if (a->scan.bad[i] != b->scan.bad[i])
			return 0;
	return 1;
}

/* LLVMFuzzerTestOneInput - one input, as a message and as a report */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static struct modmail_report r, again;
	struct strbuf out, out2;
	char *mod;

	if (!ready) {
		addr_init();
		ready = 1;
	}
	/* The unprivileged reader, then the root half on its report. */
	modmail_read((const char *)data, size, moderators, "mx.example.org", &r);
	r.uid = 65534;
	r.gid = 65534;
	r.no_new_privs = 1;
	strbuf_init(&out, MODMAIL_REPORT_MAX);
	FUZZ_CHECK(modmail_report_write(&r, &out) == 0, "a report does not fit");
	FUZZ_CHECK(modmail_report_parse(out.data, out.len, &again) == 0,
	    "the root half refuses a report the reader wrote");
	FUZZ_CHECK(same_report(&r, &again), "the report changed on the way");
	if (r.ignore == MODMAIL_READ) {
		FUZZ_CHECK((mod = modmail_moderator(moderators, r.from)) != NULL,
		    "a message read for a stranger");
		free(mod);
	} else
		FUZZ_CHECK(r.scan.nlines == 0, "command lines read from an ignored message");
	strbuf_free(&out);

	/* The root half on a hostile report: accepted only if it writes back the same. */
	if (modmail_report_parse((const char *)data, size, &r) == 0) {
		strbuf_init(&out, MODMAIL_REPORT_MAX);
		strbuf_init(&out2, MODMAIL_REPORT_MAX);
		FUZZ_CHECK(modmail_report_write(&r, &out) == 0 &&
		    modmail_report_parse(out.data, out.len, &again) == 0 &&
		    same_report(&r, &again) && modmail_report_write(&again, &out2) == 0 &&
		    out.len == out2.len && memcmp(out.data, out2.data, out.len) == 0,
		    "an accepted report does not round-trip");
		strbuf_free(&out);
		strbuf_free(&out2);
	}
	return 0;
}
