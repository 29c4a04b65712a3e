/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	holdhdr - the hold header, written and read
 * SYNOPSIS
 *	holdhdr_format(verdict, msg, key, keylen, buf, size);	the daemon, on a hold
 *	holdhdr_parse(name, headers, n, &rule, &reason);	ccguardctl
 *	ok = holdhdr_verify(name, headers, n, qid, key, keylen, nonce);
 *	class = holdhdr_sender_class(reason);
 * DESCRIPTION
 *	The header (conf hold_header) that action.c adds to a held message:
 *	"rule=NAME; sender=WORD; [reason=TEXT; ]matched=ADDRESSES", printable
 *	ASCII and bounded. The sender's kind comes before anything taken from
 *	the message, so ccguardctl can read it to gate its notices; WORD is
 *	the kind without spaces (a header field has none).
 *
 *	With the release key and the MTA's queue id at hand, the daemon
 *	stamps the header: "; stamp=NONCE.MAC" ends the value, where NONCE is
 *	the message's msg_nonce() and MAC 128 bits of HMAC-SHA256 under the
 *	release key over "ccguard-hold-1", the queue id, the nonce and the
 *	rest of the value without white space (the MTA may fold it). Only a
 *	stamped hold is ccguard's own (holdhdr_verify): mail held by a
 *	header_checks HOLD or another filter, or that never passed ccguard
 *	and came with a header of this name, has no valid stamp, and
 *	ccguardctl, the digest and mail commands leave it alone. The nonce
 *	binds mail command tokens to this one hold (modtoken.c).
 *
 *	holdhdr_parse takes the LAST such header (ccguard removes copies that
 *	came with the message, so the last is its own): the rule, and the rest
 *	but the stamp as the reason, the MTA's folding after the ';' skipped.
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
#include "release.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "verdict.h"

#define HOLDHDR_MAX		900		/* bytes of the header's value before the stamp */
#define HOLDHDR_MAC_HEX		32		/* the stamp's MAC: 128 bits of HMAC-SHA256 */
#define HOLDHDR_STAMP		"; stamp="
/* ";stamp=NONCE.MAC", as it ends the value once white space is removed */
#define CANON_STAMP_LEN		(7 + MSG_NONCE_HEX + 1 + HOLDHDR_MAC_HEX)
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

/* canonical - the value without white space (the MTA may fold it anywhere) */
static void
canonical(const char *value, size_t len, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (value[i] != ' ' && value[i] != '\t' && value[i] != '\r' && value[i] != '\n')
			strbuf_putc(out, value[i]);
}

/* stamp_mac - the stamp's MAC of a hold header's body for qid and nonce; -1 on error */
static int
stamp_mac(const char *key, size_t keylen, const char *qid, const char *nonce,
    const char *body, size_t len, char mac[HOLDHDR_MAC_HEX + 1])
{
	struct strbuf sb;
	int r = -1;

	strbuf_init(&sb, HOLDHDR_MAX * 2);
	strbuf_printf(&sb, "ccguard-hold-1\n%s\n%s\n", qid, nonce);
	canonical(body, len, &sb);
	strbuf_putc(&sb, '\n');
	if (sb.error == STRBUF_OK)
		r = release_hmac_hex(key, keylen, sb.data, sb.len, mac, HOLDHDR_MAC_HEX);
	strbuf_free(&sb);
	return r;
}

/*
 * holdhdr_format - the hold header's value (printable ASCII, bounded); with
 * a key and the MTA's queue id, stamped: "; stamp=NONCE.MAC" at the end
 */
void
holdhdr_format(const struct verdict *v, const struct msg *m, const char *key, size_t keylen,
    char *buf, size_t size)
{
	struct strbuf sb, matched;
	char nonce[MSG_NONCE_HEX + 1], mac[HOLDHDR_MAC_HEX + 1];

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
	/* The stamp comes after the bounded body, whole or not at all. */
	if (key != NULL && m->queue_id != NULL && release_qid_ok(m->queue_id)) {
		msg_nonce(m, nonce);
		if (stamp_mac(key, keylen, m->queue_id, nonce, sb.data, sb.len, mac) == 0 &&
		    sb.len + sizeof(HOLDHDR_STAMP) + MSG_NONCE_HEX + 1 + HOLDHDR_MAC_HEX < size) {
			snprintf(buf, size, "%s%s%s.%s", strbuf_str(&sb), HOLDHDR_STAMP, nonce, mac);
			strbuf_free(&sb);
			strbuf_free(&matched);
			return;
		}
	}
	snprintf(buf, size, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
	strbuf_free(&matched);
}

/* hex_digits - are the n bytes at p lower-case hex digits? */
static int
hex_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* body_length - the length of a hold header's value without its stamp */
static size_t
body_length(const char *value)
{
	const char *s, *found = NULL;

	for (s = value; (s = strstr(s, "stamp=")) != NULL; s++)
		found = s;
	if (found == NULL)
		return strlen(value);
	/* Back over the white space and the ';' before it. */
	for (s = found; s > value && (s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\r' ||
	    s[-1] == '\n'); s--)
		;
	return s > value && s[-1] == ';' ? (size_t)(s - 1 - value) : strlen(value);
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
		*reason = strndup(p, body_length(p));
	} else
		*reason = strndup(last, body_length(last));
}

/*
 * holdhdr_verify - is this the hold header ccguard wrote on message qid?
 * Exactly one hold header, whose stamp's MAC (under key) covers qid, its
 * nonce and its body: then 1 and the nonce in nonce; else 0. A message held
 * by anything else (a header_checks HOLD, another filter, mail that never
 * passed ccguard) or before holds were stamped is not ccguard's.
 */
int
holdhdr_verify(const char *hold_header, const struct msg_header *h, size_t n, const char *qid,
    const char *key, size_t keylen, char *nonce)
{
	struct strbuf c;
	const char *value = NULL, *stamp;
	char mac[HOLDHDR_MAC_HEX + 1];
	size_t i, count = 0;
	unsigned diff = 0;
	int ok = 0;

	nonce[0] = '\0';
	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, hold_header) == 0) {
			value = h[i].value;
			count++;
		}
	if (count != 1 || key == NULL || qid == NULL || !release_qid_ok(qid))
		return 0;
	strbuf_init(&c, HOLDHDR_MAX * 2);
	canonical(value, strlen(value), &c);
	/* ";stamp=" + nonce + "." + MAC at the very end, white space removed. */
	stamp = c.error == STRBUF_OK && c.len > CANON_STAMP_LEN ?
	    c.data + c.len - CANON_STAMP_LEN : NULL;
	if (stamp != NULL && strncmp(stamp, ";stamp=", 7) == 0 &&
	    hex_digits(stamp + 7, MSG_NONCE_HEX) && stamp[7 + MSG_NONCE_HEX] == '.' &&
	    hex_digits(stamp + 8 + MSG_NONCE_HEX, HOLDHDR_MAC_HEX)) {
		memcpy(nonce, stamp + 7, MSG_NONCE_HEX);
		nonce[MSG_NONCE_HEX] = '\0';
		if (stamp_mac(key, keylen, qid, nonce, c.data, (size_t)(stamp - c.data), mac) == 0) {
			/* Constant time: the MAC is a secret until it matches. */
			for (i = 0; i < HOLDHDR_MAC_HEX; i++)
				diff |= (unsigned)(mac[i] ^ stamp[8 + MSG_NONCE_HEX + i]);
			ok = diff == 0;
			explicit_bzero(mac, sizeof(mac));
		}
	}
	strbuf_free(&c);
	if (!ok)
		nonce[0] = '\0';
	return ok;
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
