/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	reply - text made from a verdict
 * SYNOPSIS
 *	reply_vars_init(&vars, verdict, msg, hostname); ... reply_vars_free(&vars);
 *	reply_smtp(template, &vars, &reply)	lines for smfi_setmlreply()
 *	reply_matched_text(verdict, &buf, ascii)	"a (Cc) and b (envelope)"
 *	reply_sender_class(msg), reply_thread(msg)	facts for texts and gates
 *	reply_in_thread(msg)	In-Reply-To or References names a message
 * DESCRIPTION
 *	SMTP reply lines are what libmilter and RFC 5321 allow: printable
 *	US-ASCII only (other bytes become '?', control characters spaces, so
 *	neither CR nor LF can reach the reply), '%' doubled as libmilter
 *	requires, at most REPLY_LINE_WIDTH characters per line (longer lines
 *	are wrapped at spaces) and at most REPLY_MAX_LINES lines. The
 *	template's own line breaks are kept; values can not add lines
 *	(template.c turns their control characters into spaces).
 *
 *	The variables describe facts (where an address was found, what the
 *	body scan saw, whether the message starts a thread or is inside one,
 *	and whether it is a patch posting);
 *	what to make of them is the templates' business, in rules/.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "mime.h"
#include "msg.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "sanitize.h"
#include "template.h"
#include "verdict.h"

static const char default_reply[] =
    "Message refused by policy rule ${rule}.\n"
    "Addresses found: ${matched}.\n";

/* reply_vars_init - variables for templates about verdict v on message m */
void
reply_vars_init(struct reply_vars *rv, const struct verdict *v, const struct msg *m,
    const char *hostname)
{
	size_t i;

	memset(rv, 0, sizeof(*rv));
	rv->v = v;
	rv->m = m;
	rv->hostname = hostname;
	for (i = 0; i < sizeof(rv->scratch) / sizeof(rv->scratch[0]); i++)
		strbuf_init(&rv->scratch[i], 64 * 1024);
}

/* reply_vars_free - free the scratch buffers */
void
reply_vars_free(struct reply_vars *rv)
{
	size_t i;

	for (i = 0; i < sizeof(rv->scratch) / sizeof(rv->scratch[0]); i++)
		strbuf_free(&rv->scratch[i]);
}

/* reply_matched_text - "a (Cc) and b (envelope, To)" */
int
reply_matched_text(const struct verdict *v, struct strbuf *out, int ascii_only)
{
	size_t i;

	for (i = 0; i < v->nmatches; i++) {
		if (i > 0)
			strbuf_puts(out, i + 1 == v->nmatches ? " and " : ", ");
		if (ascii_only)
			sanitize_append(out, v->matches[i].addr, 254, SANITIZE_ASCII);
		else
			strbuf_puts(out, v->matches[i].addr);
		strbuf_puts(out, " (");
		addr_sources_format(out, v->matches[i].sources, v->matches[i].how,
		    ADDR_SOURCES_TEXT);
		strbuf_putc(out, ')');
	}
	if (v->nmatches == 0)
		strbuf_puts(out, "(none)");
	return 0;
}

/* reply_sender_class - "authenticated", "local" or "not authenticated" */
const char *
reply_sender_class(const struct msg *m)
{
	const char *open, *close;
	size_t len;

	if (m->auth != NULL)
		return "authenticated";
	if (m->client != NULL && (open = strrchr(m->client, '[')) != NULL &&
	    (close = strchr(open, ']')) != NULL) {
		open++;
		len = (size_t)(close - open);
		if (len > 5 && strncasecmp(open, "IPv6:", 5) == 0) {
			open += 5;
			len -= 5;
		}
		if ((len == 9 && strncmp(open, "127.0.0.1", 9) == 0) ||
		    (len == 3 && strncmp(open, "::1", 3) == 0))
			return "local";
	}
	return "not authenticated";
}

/*
 * names_message - value holds a msg-id, "<id@host>" without white space
 * (the reading of the shipped rules' "inside a thread": an empty or
 * garbled In-Reply-To or References names no message)
 */
static int
names_message(const char *v)
{
	const char *p;
	int at;

	for (; (v = strchr(v, '<')) != NULL; v = p) {
		at = 0;
		for (p = v + 1; *p != '\0' && *p != '>' && *p != '<' &&
		    strchr(" \t\r\n\v\f", *p) == NULL; p++)
			if (*p == '@') {
				/* Exactly one '@', with something on either side. */
				if (at != 0 || p == v + 1 || p[1] == '>')
					break;
				at = 1;
			}
		if (*p == '>' && at)
			return 1;
	}
	return 0;
}

/* reply_in_thread - In-Reply-To or References (any instance) names a message */
int
reply_in_thread(const struct msg *m)
{
	static const char *const names[] = { "In-Reply-To", "References" };
	const char *v;
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (n = 0; (v = msg_header(m, names[i], n)) != NULL; n++)
			if (names_message(v))
				return 1;
	return 0;
}

/* reply_thread - what the message is in its thread: new (it starts one) or inside one */
const char *
reply_thread(const struct msg *m)
{
	const char *s = msg_header(m, "Subject", 0), *e;
	int patch = 0;

	if (s != NULL) {
		while (*s == ' ' || *s == '\t')
			s++;
		/* "[PATCH 2/5]", "[RFC PATCH net]": git send-email's form. */
		if (*s == '[' && (e = strchr(s, ']')) != NULL) {
			const char *p;

			for (p = s; p + 5 <= e && !patch; p++)
				patch = strncasecmp(p, "PATCH", 5) == 0;
		}
	}
	if (reply_in_thread(m))
		return patch ? "a patch posting inside a thread (Subject [PATCH ...], "
		    "In-Reply-To or References names a message)" :
		    "a reply (In-Reply-To or References names a message)";
	return patch ? "a patch posting that starts a thread (Subject [PATCH ...], "
	    "no In-Reply-To or References naming a message)" :
	    "a new message (it starts a thread: no In-Reply-To or References "
	    "naming a message)";
}

/* body_text - the MIME facts of a message, in words */
static void
body_text(struct strbuf *out, int flags)
{
	static const struct {
		int		 flag;
		const char	*words;
	} facts[] = {
		{ MIME_HTML_ONLY, "an HTML body and no plain-text part" },
		{ MIME_HTML_ALTERNATIVE, "an HTML copy of its text" },
		{ MIME_MARKUP, "a Markdown, RST or HTML document" },
		{ MIME_EXECUTABLE, "a program as an attachment" },
		{ MIME_ATTACHMENT, "an attachment" },
	};
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!(flags & facts[i].flag))
			continue;
		/* A program attachment is an attachment: say it once. */
		if (facts[i].flag == MIME_ATTACHMENT && (flags & MIME_EXECUTABLE))
			continue;
		if (n++ > 0)
			strbuf_puts(out, ", ");
		strbuf_puts(out, facts[i].words);
	}
	if (n == 0)
		strbuf_puts(out, "nothing the body scan flags");
}

/* reply_var - the template variable lookup over a struct reply_vars */
const char *
reply_var(void *arg, const char *name)
{
	struct reply_vars *rv = arg;
	const struct verdict *v = rv->v;
	const struct msg *m = rv->m;
	size_t i;

	if (strcmp(name, "rule") == 0)
		return v->rule != NULL ? v->rule->name : "(none)";
	if (strcmp(name, "action") == 0)
		return action_name(v->action);
	if (strcmp(name, "matched") == 0) {
		strbuf_reset(&rv->scratch[0]);
		reply_matched_text(v, &rv->scratch[0], 0);
		return strbuf_str(&rv->scratch[0]);
	}
	if (strcmp(name, "addresses") == 0) {
		strbuf_reset(&rv->scratch[1]);
		for (i = 0; i < v->nmatches; i++) {
			if (i > 0)
				strbuf_puts(&rv->scratch[1], ", ");
			strbuf_puts(&rv->scratch[1], v->matches[i].addr);
		}
		return strbuf_str(&rv->scratch[1]);
	}
	if (strcmp(name, "sender") == 0)
		return m->sender != NULL ? m->sender : "<>";
	if (strcmp(name, "queue_id") == 0)
		return m->queue_id != NULL ? m->queue_id : "unknown";
	if (strcmp(name, "hostname") == 0)
		return rv->hostname != NULL ? rv->hostname : "localhost";
	if (strcmp(name, "subject") == 0) {
		const char *s = msg_header(m, "Subject", 0);

		if (!rv->subject_allowed)
			return "(withheld)";
		return s != NULL ? s : "(none)";
	}
	if (strcmp(name, "message_id") == 0) {
		const char *s = msg_header(m, "Message-ID", 0);

		return s != NULL ? s : "(none)";
	}
	if (strcmp(name, "date") == 0) {
		time_t now = time(NULL);
		struct tm tm;
		char buf[64];

		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		strbuf_reset(&rv->scratch[2]);
		strbuf_puts(&rv->scratch[2], buf);
		return strbuf_str(&rv->scratch[2]);
	}
	if (strcmp(name, "reason") == 0)
		return rv->reason != NULL ? rv->reason : "";
	if (strcmp(name, "commands") == 0)
		return rv->commands != NULL ? rv->commands : "";
	if (strcmp(name, "mail_commands") == 0)
		return rv->mail_commands != NULL ? rv->mail_commands : "";
	if (strcmp(name, "command_address") == 0)
		return rv->command_address != NULL ? rv->command_address : "";
	if (strcmp(name, "recipients") == 0) {
		strbuf_reset(&rv->scratch[3]);
		for (i = 0; i < m->naddrs; i++) {
			if (!(m->addrs[i].sources & ADDR_SRC_ENVELOPE))
				continue;
			if (rv->scratch[3].len > 0)
				strbuf_puts(&rv->scratch[3], ", ");
			strbuf_puts(&rv->scratch[3], m->addrs[i].addr);
		}
		if (rv->scratch[3].len == 0)
			strbuf_puts(&rv->scratch[3], "(none)");
		return strbuf_str(&rv->scratch[3]);
	}
	if (strcmp(name, "body") == 0) {
		strbuf_reset(&rv->scratch[4]);
		body_text(&rv->scratch[4], m->body_flags);
		return strbuf_str(&rv->scratch[4]);
	}
	if (strcmp(name, "thread") == 0)
		return reply_thread(m);
	if (strcmp(name, "sender_class") == 0)
		return reply_sender_class(m);
	if (strcmp(name, "guidance") == 0)
		return rv->guidance != NULL ? rv->guidance : "";
	if (strcmp(name, "advice") == 0)
		return rv->advice != NULL ? rv->advice : "";
	if (strcmp(name, "site") == 0)
		return rv->site != NULL ? rv->site : "";
	return NULL;
}

/* reply_add_line - one SMTP-safe line; returns -1 when full */
static int
reply_add_line(struct reply *r, const char *s, size_t len)
{
	struct strbuf line;
	size_t i;

	if (r->nlines >= REPLY_MAX_LINES)
		return -1;
	strbuf_init(&line, 1024);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%')
			strbuf_puts(&line, "%%");
		else
			strbuf_putc(&line, sanitize_char(SANITIZE_ASCII, c));
	}
	r->lines[r->nlines++] = strbuf_steal(&line);
	r->lines[r->nlines] = NULL;
	return 0;
}

/* reply_smtp - render a template (or the default) into reply lines */
int
reply_smtp(const struct template *t, struct reply_vars *rv, struct reply *r)
{
	struct template fallback = { "built-in", (char *)default_reply };
	struct strbuf text;
	const char *p, *nl;

	memset(r, 0, sizeof(*r));
	strbuf_init(&text, 256 * 1024);
	if (template_render(t != NULL ? t : &fallback, reply_var, rv, &text) != STRBUF_OK) {
		strbuf_free(&text);
		return -1;
	}
	/* Drop trailing blank lines. */
	while (text.len > 0 && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == ' '))
		text.data[--text.len] = '\0';
	for (p = strbuf_str(&text); *p != '\0' || p == strbuf_str(&text); p = nl + 1) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		/* Wrap long lines at the last space within the width. */
		while (len > REPLY_LINE_WIDTH) {
			size_t cut = REPLY_LINE_WIDTH;

			while (cut > REPLY_LINE_WIDTH / 2 && p[cut] != ' ')
				cut--;
			if (p[cut] != ' ')
				cut = REPLY_LINE_WIDTH;
			if (reply_add_line(r, p, cut) < 0)
				goto full;
			p += cut;
			len -= cut;
			while (len > 0 && *p == ' ') {
				p++;
				len--;
			}
		}
		if (reply_add_line(r, p, len) < 0)
			goto full;
		if (nl == NULL)
			break;
	}
	strbuf_free(&text);
	return 0;
full:
	/* Mark the cut so a reader knows the text was longer. */
	free(r->lines[r->nlines - 1]);
	r->lines[r->nlines - 1] = strdup("(reply text shortened)");
	strbuf_free(&text);
	return 0;
}

/* reply_free - free the reply lines */
void
reply_free(struct reply *r)
{
	size_t i;

	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	memset(r, 0, sizeof(*r));
}
