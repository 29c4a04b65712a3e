/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-message.c - libFuzzer target for a whole message through the
 * shipped rules (rules/kernel-security.rules), by the path ccguard -t
 * takes: null sender, RCPT TO arguments, the message file through
 * msgfile_read() (headers to msg_add_header(), body to the MIME scanner),
 * the sender from the envelope or Return-Path, eval_message(), then
 * action_apply() through a recording struct mta_ops.
 *
 * Input: envelope lines (the first is the MAIL FROM argument, the others
 * RCPT TO arguments), a line "%%", then the message. Without a "%%" line
 * the whole input is the message. Properties: no crash or leak; a message
 * that hit a limit or an internal error is never passed; nothing handed to
 * the MTA (reply lines, hold header) carries a control character.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "../hostile/harness.h"
#include "holdhdr.h"
#include "mime_scan.h"

#ifndef FUZZ_TOP_SRCDIR
#define FUZZ_TOP_SRCDIR "."
#endif

static struct policy *policy;

/* next_line - the line at *p (without its LF) as a new string */
static char *
next_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl != NULL ? nl : end;
	char *s = strndup(*p, (size_t)(e - *p));

	*p = nl != NULL ? nl + 1 : end;
	return s;
}

/* LLVMFuzzerTestOneInput - one envelope and message through msg, eval and action */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *sep, *from = NULL;
	struct mime_scan *scan;
	struct harness_rec rec;
	struct eval_opts opts;
	struct verdict v;
	struct msg *m;
	char err[128], *envfrom = NULL, *line, hold[1024];
	const char *problem;
	FILE *fp;

	if (policy == NULL) {
		addr_init();
		log_init("fuzz-message", 0, 0, 0);	/* no log output */
		if (getenv("top_srcdir") == NULL)
			setenv("top_srcdir", FUZZ_TOP_SRCDIR, 1);
		if ((policy = harness_policy(NULL)) == NULL)
			abort();
	}
	opts = harness_opts(policy);
	if ((m = msg_new(&policy->conf->limits)) == NULL)
		return 0;
	msg_set_sender(m, "<>");

	/* The envelope, when there is a "%%" line. */
	sep = size >= 3 && memcmp(p, "%%\n", 3) == 0 ? p : memmem(p, size, "\n%%\n", 4);
	if (sep != NULL) {
		const char *eend = sep == p ? p : sep + 1;

		if (p < eend)
			envfrom = next_line(&p, eend);
		while (p < eend) {
			if ((line = next_line(&p, eend)) == NULL)
				break;
			msg_add_rcpt(m, line);
			free(line);
		}
		p = eend + 3;
	}

	scan = mime_scan_new();
	if (p < end && (fp = fmemopen((void *)p, (size_t)(end - p), "r")) != NULL) {
		(void)msgfile_read(fp, m, scan, MSGFILE_NUL_ENDS_VALUE, err, sizeof(err));
		fclose(fp);
	}
	if (scan != NULL)
		m->body_flags = mime_scan_finish(scan);
	scan = mime_scan_free(scan);
	from = envfrom != NULL ? envfrom : msg_header(m, "Return-Path", 0);
	msg_set_sender(m, from != NULL ? from : "<>");
	msg_set_string(m, &m->queue_id, "FUZZ");

	eval_message(policy->rs, m, &opts, &v);
	if (m->limit != NULL || m->error != NULL)
		FUZZ_CHECK(v.action != ACTION_PASS && v.action != ACTION_ACCEPT,
		    "a message that was not fully examined was passed");
	memset(&rec, 0, sizeof(rec));
	action_apply(policy, &v, m, &harness_ops, &rec);
	problem = harness_check_effects(&rec);
	FUZZ_CHECK(problem == NULL, problem);
	if (v.action == ACTION_HOLD) {
		static const char key[] = "fuzz-hold-key-0123456789";
		struct msg_header h = { (char *)"X-Ccguard-Hold", hold };
		char nonce[MSG_NONCE_HEX + 1], want[MSG_NONCE_HEX + 1];

		holdhdr_format(&v, m, key, strlen(key), hold, sizeof(hold));
		FUZZ_CHECK(!harness_has_ctl(hold), "control character in the hold header");
		/* ccguard's own stamp always verifies, for this queue id only. */
		msg_nonce(m, want);
		FUZZ_CHECK(holdhdr_verify("X-Ccguard-Hold", &h, 1, "FUZZ", key, strlen(key),
		    nonce) == 1 && strcmp(nonce, want) == 0, "the stamp does not verify");
		FUZZ_CHECK(holdhdr_verify("X-Ccguard-Hold", &h, 1, "FUZZ2", key, strlen(key),
		    nonce) == 0, "the stamp verifies for another queue id");
	}
	harness_rec_free(&rec);
	verdict_clear(&v);
	msg_free(m);
	free(envfrom);
	return 0;
}
