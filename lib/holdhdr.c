/*
 * NAME
 *	holdhdr - the hold header, written and read
 * SYNOPSIS
 *	holdhdr_format(verdict, msg, buf, size);	the daemon, on a hold
 *	holdhdr_parse(name, headers, n, &rule, &reason);	ccguardctl
 *	class = holdhdr_sender_class(reason);
 * DESCRIPTION
 *	The header (conf hold_header) that action.c adds to a held message:
 *	"rule=NAME; sender=WORD; [reason=TEXT; ]matched=ADDRESSES", printable
 *	ASCII and bounded. The sender's kind comes before anything taken from
 *	the message, so ccguardctl can read it to gate its notices; WORD is
 *	the kind without spaces (a header field has none).
 *
 *	holdhdr_parse takes the LAST such header (ccguard removes copies that
 *	came with the message, so the last is its own): the rule, and the rest
 *	as the reason, the MTA's folding after the ';' skipped.
 *	holdhdr_sender_class turns the reason's "sender=" back into the kind
 *	reply_sender_class() gives, or "unknown" (a message held by an older
 *	ccguard, or anything else: the caller assumes the worst).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "holdhdr.h"
#include "msg.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "verdict.h"

#define HOLDHDR_MAX		900		/* bytes of the header's value */
#define HOLDHDR_MATCHED_MAX	(64 * 1024)	/* bytes of the matched list built */

/* The header's words for the sender's kinds, and the kind each is. */
static const char *const sender_words[][2] = {
	{ "authenticated", "authenticated" },
	{ "local", "local" },
	{ "unauthenticated", "not authenticated" },
};
#define NSENDER_WORDS	(sizeof(sender_words) / sizeof(sender_words[0]))

/* sender_word - the header's word for a sender kind (the kind itself when it has none) */
static const char *
sender_word(const char *class)
{
	size_t i;

	for (i = 0; i < NSENDER_WORDS; i++)
		if (strcmp(sender_words[i][1], class) == 0)
			return sender_words[i][0];
	return class;
}

/* holdhdr_format - the hold header's value (printable ASCII, bounded) */
void
holdhdr_format(const struct verdict *v, const struct msg *m, char *buf, size_t size)
{
	struct strbuf sb, matched;

	strbuf_init(&sb, HOLDHDR_MAX);
	strbuf_init(&matched, HOLDHDR_MATCHED_MAX);
	reply_matched_text(v, &matched, 1);
	strbuf_printf(&sb, "rule=%s; ", v->rule != NULL ? v->rule->name :
	    v->origin == ORIGIN_LIMIT ? "limit" : "error");
	/* Before anything from the message: ccguardctl reads it to gate notices. */
	strbuf_printf(&sb, "sender=%s; ", sender_word(reply_sender_class(m)));
	if (v->origin != ORIGIN_RULES && v->reason != NULL)
		strbuf_printf(&sb, "reason=%s; ", v->reason);
	strbuf_puts(&sb, "matched=");
	if (strbuf_puts(&sb, strbuf_str(&matched)) != STRBUF_OK)
		strbuf_puts(&sb, "(too many to list)");
	snprintf(buf, size, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
	strbuf_free(&matched);
}

/* holdhdr_parse - rule and reason from the LAST hold header; malloc'd or NULL */
void
holdhdr_parse(const char *hold_header, const struct msg_header *h, size_t n, char **rule,
    char **reason)
{
	const char *last = NULL, *p, *e;
	size_t i;

	*rule = NULL;
	*reason = NULL;
	/* ccguard removes copies that came with the message; the last is its own. */
	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, hold_header) == 0)
			last = h[i].value;
	if (last == NULL)
		return;
	if (strncmp(last, "rule=", 5) == 0) {
		p = last + 5;
		e = p + strcspn(p, ";");
		*rule = strndup(p, (size_t)(e - p));
		p = *e == ';' ? e + 1 : e;
		/* The MTA may have folded the header after the ';'. */
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		*reason = strdup(p);
	} else
		*reason = strdup(last);
}

/* holdhdr_sender_class - "sender=" of a hold header's reason as a kind, or "unknown" */
const char *
holdhdr_sender_class(const char *reason)
{
	size_t i, len;

	if (reason == NULL || strncmp(reason, "sender=", 7) != 0)
		return "unknown";	/* held by an older ccguard: assume the worst */
	reason += 7;
	len = strcspn(reason, ";");
	for (i = 0; i < NSENDER_WORDS; i++)
		if (strlen(sender_words[i][0]) == len && strncmp(reason, sender_words[i][0], len) == 0)
			return sender_words[i][1];
	return "unknown";
}
