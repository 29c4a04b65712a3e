/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-rules.c - libFuzzer target for the rule language (rules_parse.c,
 * ruleset.c, selftest.c): the input is a rule file. It is parsed, resolved,
 * finished and its examples run exactly as policy_load() does; a rule set
 * that loads is then used to evaluate a few fixed messages. Properties:
 * no crash, no leak, no hang (PCRE2 match limits), and a loaded rule set
 * gives every message a verdict.
 *
 * Rule files name other files (reply templates, list files). The target
 * must not read the host's files, so it is linked with -Wl,--wrap=fopen:
 * while an input is being processed, fopen() serves two fixed in-memory
 * files, "fuzz.reply" and "fuzz.list" (in any directory), and nothing else.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "eval.h"
#include "fuzz.h"
#include "msg.h"
#include "rules_parse.h"
#include "ruleset_impl.h"
#include "selftest.h"

FILE	*__real_fopen(const char *, const char *);
FILE	*__wrap_fopen(const char *, const char *);

static int sandboxed;

static const char fuzz_reply[] = "Refused by ${rule}: ${matched}.\nSender ${sender}\n";
static const char fuzz_list[] =
    "# a list file\nsecurity@kernel.org\n@vs.openwall.org\n/^x[0-9]+@example\\.org$/i\n";

/* __wrap_fopen - inside an input, only the two in-memory files exist */
FILE *
__wrap_fopen(const char *path, const char *mode)
{
	const char *base;

	if (!sandboxed)
		return __real_fopen(path, mode);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (strcmp(mode, "r") == 0 && strcmp(base, "fuzz.reply") == 0)
		return fmemopen((void *)fuzz_reply, sizeof(fuzz_reply) - 1, "r");
	if (strcmp(mode, "r") == 0 && strcmp(base, "fuzz.list") == 0)
		return fmemopen((void *)fuzz_list, sizeof(fuzz_list) - 1, "r");
	errno = ENOENT;
	return NULL;
}

/* try_message - evaluate one fixed message under a loaded rule set */
static void
try_message(const struct ruleset *rs, const char *to, const char *cc, const char *irt)
{
	static const struct msg_limits limits = { .max_header_bytes = 1 << 20, .max_addresses = 1000, .max_recipients = 1000 };
	const struct eval_opts opts = { ACTION_TEMPFAIL, ACTION_TEMPFAIL, 0 };
	struct verdict v;
	struct msg *m;

	if ((m = msg_new(&limits)) == NULL)
		return;
	msg_set_sender(m, "<reporter@example.org>");
	msg_add_rcpt(m, to);
	msg_add_header(m, "To", to);
	msg_add_header(m, "Cc", cc);
	msg_add_header(m, "Subject", "[vs] x");
	if (irt != NULL)
		msg_add_header(m, "In-Reply-To", irt);
	msg_set_string(m, &m->auth, "user");
	m->body_flags = 0x7;
	eval_message(rs, m, &opts, &v);
	FUZZ_CHECK(v.action <= ACTION_TEMPFAIL, "verdict out of range");
	FUZZ_CHECK(v.rule != NULL || v.nmatches == 0, "matches without a rule");
	verdict_clear(&v);
	msg_free(m);
}

/* LLVMFuzzerTestOneInput - one rule file, loaded as policy_load() would */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct ruleset *rs;
	struct diag d;
	char *text;

	if (!initialised) {
		addr_init();
		initialised = 1;
	}
	if ((text = strndup((const char *)data, size)) == NULL)
		return 0;
	if ((rs = ruleset_new()) == NULL) {
		free(text);
		return 0;
	}
	sandboxed = 1;
	diag_init(&d);
	/* The same steps, in the same order, as policy_load(). */
	rules_parse_text(rs, text, "fuzz.rules", "/fuzz", &d);
	if (d.errors == 0)
		rules_resolve(rs, &d);
	if (d.errors == 0) {
		ruleset_finish(rs);
		selftest_run(rs, &d);
		selftest_lint(rs, &d);
	}
	if (d.errors == 0) {
		try_message(rs, "security@kernel.org", "linux-distros@vs.openwall.org", NULL);
		try_message(rs, "security@kernel.org", "distros@vs.openwall.org", "<a@b>");
		try_message(rs, "x1@example.org", "\"a\" <b@c>, g:;", NULL);
	}
	sandboxed = 0;
	diag_free(&d);
	ruleset_free(rs);
	free(text);
	return 0;
}
