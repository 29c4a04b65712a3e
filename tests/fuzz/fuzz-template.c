/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-template.c - libFuzzer target for templates and SMTP replies
 * (template.c, reply.c). The input is a template text, a NUL byte, then a
 * hostile value that every variable (and the matched address, sender,
 * Subject and Message-ID) takes. Properties: a value never adds a line;
 * the SMTP reply has at most REPLY_MAX_LINES lines of printable ASCII with
 * every '%' doubled (libmilter's format), and no line is longer than the
 * wrap width allows.
 */
#include "config.h"

#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "msg.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "template.h"
#include "verdict.h"

static const char *fuzz_value;

/* value_var - every variable has the hostile value */
static const char *
value_var(void *arg, const char *name)
{
	return fuzz_value;
}

/* count_lf - line breaks in s */
static size_t
count_lf(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* check_reply - SMTP-safe lines */
static void
check_reply(const struct reply *r)
{
	const char *p;
	size_t i;

	FUZZ_CHECK(r->nlines <= REPLY_MAX_LINES, "too many reply lines");
	FUZZ_CHECK(r->lines[r->nlines] == NULL, "reply lines not NULL-terminated");
	for (i = 0; i < r->nlines; i++) {
		FUZZ_CHECK(strlen(r->lines[i]) <= 2 * REPLY_LINE_WIDTH, "reply line too long");
		for (p = r->lines[i]; *p != '\0'; p++) {
			FUZZ_CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			    "non-printable byte in a reply line");
			if (*p == '%') {
				FUZZ_CHECK(p[1] == '%', "undoubled '%' in a reply line");
				p++;
			}
		}
	}
}

/* LLVMFuzzerTestOneInput - one template and value, rendered and made a reply */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct msg_limits limits = { .max_header_bytes = 1 << 20, .max_addresses = 64, .max_recipients = 64 };
	struct verdict_match match;
	struct template *t;
	struct reply_vars rv;
	struct strbuf out;
	struct verdict v;
	struct reply r;
	struct diag d;
	struct msg *m;
	const uint8_t *nul;
	char *text, *value;
	size_t tlen;

	nul = memchr(data, '\0', size);
	tlen = nul != NULL ? (size_t)(nul - data) : size;
	if ((text = strndup((const char *)data, tlen)) == NULL)
		return 0;
	value = nul != NULL ? strndup((const char *)nul + 1, size - tlen - 1) : strdup("");
	if (value == NULL) {
		free(text);
		return 0;
	}
	diag_init(&d);
	if ((t = template_from_text(text, "fuzz.reply", &d)) == NULL)
		goto out;

	/* A value never adds a line to the rendered text. */
	fuzz_value = value;
	strbuf_init(&out, 1 << 20);
	if (template_render(t, value_var, NULL, &out) == STRBUF_OK)
		FUZZ_CHECK(count_lf(strbuf_str(&out)) <= count_lf(text),
		    "a value added a line break");
	strbuf_free(&out);

	/* The whole SMTP reply, with the value everywhere a message can put it. */
	memset(&v, 0, sizeof(v));
	v.action = ACTION_REJECT;
	match.addr = value;
	match.sources = 0x1f;
	match.how = 0x3;
	v.matches = &match;
	v.nmatches = 1;
	if ((m = msg_new(&limits)) != NULL) {
		msg_set_string(m, &m->sender, value);
		msg_set_string(m, &m->queue_id, value);
		msg_add_header(m, "Subject", value);
		msg_add_header(m, "Message-ID", value);
		reply_vars_init(&rv, &v, m, value);
		rv.subject_allowed = 1;
		rv.reason = value;
		rv.commands = value;
		if (reply_smtp(t, &rv, &r) == 0) {
			check_reply(&r);
			reply_free(&r);
		}
		reply_vars_free(&rv);
		msg_free(m);
	}
	template_free(t);
out:
	diag_free(&d);
	free(text);
	free(value);
	return 0;
}
