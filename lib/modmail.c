/*
 * NAME
 *	modmail - the two readings of a moderator's command message
 * SYNOPSIS
 *	modmail_read(text, len, conf->moderator, conf->command_authserv_id, &r);
 *	modmail_report_write(&r, &out);		(the unprivileged reader)
 *	modmail_report_parse(text, len, &r);	(the root half)
 * DESCRIPTION
 *	SPDX-License-Identifier: BSD-2-Clause
 *
 *	A command message comes from anyone. ccguardctl mail-process parses
 *	it in a child that gave up root (privdrop.c): modmail_read() reads
 *	the header block as the MTA does (hdrblock.c), the From mailbox and
 *	the text/plain parts with GMime (mailin.c), and the command lines
 *	(modcmd.c). What it found goes to the root half as a small report in
 *	a strict line format, which modmail_report_parse() reads without any
 *	MIME: every command travels as the canonical command line and is
 *	parsed again there with the same grammar; addresses and ids are
 *	checked character by character; anything else refuses the report.
 *
 *	The reader decides what gets no answer at all: an unreadable message,
 *	one of ccguard's own (MODMAIL_ANSWER_HEADER), automatic or list mail
 *	(mailout_suppress_reason), mail from <> (Return-Path), and mail whose
 *	one From header does not name exactly one configured moderator.
 *
 *	With command_authserv_id set, the only Authentication-Results field
 *	that counts is the topmost one carrying that authserv-id (RFC 8601:
 *	the receiving MTA prepends its own), read raw (no RFC 2047 decoding)
 *	under any name form the MTA takes for that header ("Authentication-
 *	Results :" included); it must show dkim=pass or spf=pass for the
 *	moderator's domain (modcmd_auth_pass).
 * SEE ALSO
 *	ctl_mail.c, modcmd.c, privdrop.c, doc/moderation.md
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdrblock.h"
#include "mailin.h"
#include "mailout.h"
#include "modmail.h"
#include "msg.h"
#include "sanitize.h"
#include "strbuf.h"

#define REPORT_MAGIC	"ccguard-modmail 1"

/* The words of the report for enum modmail_ignore and enum modmail_auth. */
static const char *const ignore_words[] = {
	[MODMAIL_READ] = "read",
	[MODMAIL_UNREADABLE] = "unreadable",
	[MODMAIL_OWN] = "own",
	[MODMAIL_AUTOMATIC] = "automatic",
	[MODMAIL_NULL_SENDER] = "null-sender",
	[MODMAIL_STRANGER] = "stranger",
};
static const char *const auth_words[] = {
	[MODMAIL_AUTH_OFF] = "off",
	[MODMAIL_AUTH_PASS] = "pass",
	[MODMAIL_AUTH_FAIL] = "fail",
};
/* What mailout_suppress_reason() may name. */
static const char *const suppress_names[] = {
	"Auto-Submitted", "Precedence", "List-Id", "List-Post",
};
#define NWORDS(v)	(sizeof(v) / sizeof((v)[0]))

/* modmail_ignore_text - why a message gets no answer, for the log */
const char *
modmail_ignore_text(enum modmail_ignore i)
{
	switch (i) {
	case MODMAIL_READ:
		return "read";
	case MODMAIL_UNREADABLE:
		return "not a readable message";
	case MODMAIL_OWN:
		return "one of ccguard's own messages";
	case MODMAIL_AUTOMATIC:
		return "automatic or list mail";
	case MODMAIL_NULL_SENDER:
		return "from the null sender";
	case MODMAIL_STRANGER:
		return "From is not one moderator";
	}
	return "?";
}

/* modmail_moderator - the configured moderator address that addr is (any case), malloc'd, or NULL */
char *
modmail_moderator(const char *moderators, const char *addr)
{
	char **mods, *match = NULL;
	size_t n, i;

	if (addr == NULL || *addr == '\0')
		return NULL;
	n = modcmd_moderators(moderators, &mods);
	for (i = 0; i < n && match == NULL; i++)
		if (strcasecmp(mods[i], addr) == 0)
			match = strdup(mods[i]);
	modcmd_moderators_free(mods, n);
	return match;
}

/* header_count - how many headers are called name; the first one's value in *first */
static size_t
header_count(const struct msg_header *h, size_t n, const char *name, const char **first)
{
	size_t i, count = 0;

	*first = NULL;
	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0 && count++ == 0)
			*first = h[i].value;
	return count;
}

/* null_path - a Return-Path that names the null sender: "<>", or pipe(8)'s MAILER-DAEMON */
static int
null_path(const char *v)
{
	char buf[32];
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n' || *v == '<' || *v == '>')
			continue;
		if (n + 1 >= sizeof(buf))
			return 0;
		buf[n++] = *v;
	}
	buf[n] = '\0';
	return n == 0 || strcasecmp(buf, "MAILER-DAEMON") == 0;
}

/* token_ok - printable ASCII without white space, 1 to max bytes */
static int
token_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* msgid_ok - "<...>", printable ASCII, no white space, bounded */
static int
msgid_ok(const char *s, size_t len)
{
	return token_ok(s, len, MODMAIL_MSGID_MAX) && len >= 3 && s[0] == '<' && s[len - 1] == '>';
}

/* copy_msgid - the Message-ID, trimmed, when it is fit to answer to */
static void
copy_msgid(const char *v, char *out)
{
	size_t len;

	out[0] = '\0';
	if (v == NULL)
		return;
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	for (len = strlen(v); len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
	    v[len - 1] == '\n' || v[len - 1] == '\r'); len--)
		;
	if (msgid_ok(v, len)) {
		memcpy(out, v, len);
		out[len] = '\0';
	}
}

/* auth_result - the topmost Authentication-Results of our authserv-id, judged */
static enum modmail_auth
auth_result(const struct msg_header *h, size_t n, const char *authserv_id, const char *from)
{
	const char *domain = strrchr(from, '@');
	size_t i;

	if (authserv_id == NULL || *authserv_id == '\0')
		return MODMAIL_AUTH_OFF;
	for (i = 0; domain != NULL && i < n; i++)
		if (strcasecmp(h[i].name, "Authentication-Results") == 0 &&
		    modcmd_auth_is_ours(h[i].value, authserv_id))
			return modcmd_auth_pass(h[i].value, authserv_id, domain + 1) ?
			    MODMAIL_AUTH_PASS : MODMAIL_AUTH_FAIL;
	return MODMAIL_AUTH_FAIL;
}

/* modmail_read - what the command message text (len bytes) holds, into r */
void
modmail_read(const char *text, size_t len, const char *moderators, const char *authserv_id,
    struct modmail_report *r)
{
	struct msg_header *h = NULL;
	struct mailin *msg = NULL;
	struct strbuf body;
	const char *v, *addr;
	char *mod = NULL;
	size_t n = 0, i;

	memset(r, 0, sizeof(*r));
	r->ignore = MODMAIL_UNREADABLE;
	strbuf_init(&body, MODMAIL_TEXT_MAX + 1);
	if (hdrblock_parse_mail(text, len, MODMAIL_HEADER_MAX, &h, &n) < 0 ||
	    (msg = mailin_parse(text, len)) == NULL)
		goto out;
	r->ignore = MODMAIL_OWN;
	if (header_count(h, n, MODMAIL_ANSWER_HEADER, &v) > 0)
		goto out;
	r->ignore = MODMAIL_AUTOMATIC;
	if ((r->suppress = mailout_suppress_reason(h, n)) != NULL)
		goto out;
	r->ignore = MODMAIL_NULL_SENDER;
	if (header_count(h, n, "Return-Path", &v) > 0 && null_path(v))
		goto out;
	r->ignore = MODMAIL_STRANGER;
	if ((addr = mailin_from_mailbox(msg)) != NULL) {
		/* For the log and the root half: printable, one word. */
		for (i = 0; addr[i] != '\0' && i < MODMAIL_ADDR_MAX; i++)
			r->from[i] = (unsigned char)addr[i] <= 0x20 || (unsigned char)addr[i] >= 0x7f ?
			    '?' : addr[i];
		r->from[i] = '\0';
		if (strchr(r->from, '@') == NULL)
			r->from[0] = '\0';	/* no address to compare or log */
	}
	if (header_count(h, n, "From", &v) != 1 || addr == NULL || strlen(addr) > MODMAIL_ADDR_MAX ||
	    strcmp(addr, r->from) != 0 || (mod = modmail_moderator(moderators, r->from)) == NULL)
		goto out;
	r->ignore = MODMAIL_READ;
	header_count(h, n, "Message-ID", &v);
	copy_msgid(v, r->msgid);
	r->auth = auth_result(h, n, authserv_id, r->from);
	mailin_text(msg, &body, MODMAIL_TEXT_MAX);
	modcmd_scan_text(body.data != NULL ? body.data : "", body.len, &r->scan);
out:
	free(mod);
	mailin_free(msg);
	hdrblock_headers_free(h, n);
	strbuf_free(&body);
}

/* modmail_report_write - the report's text; 0, or -1 when it did not fit */
int
modmail_report_write(const struct modmail_report *r, struct strbuf *out)
{
	const struct modcmd *c;
	size_t i;

	strbuf_printf(out, "%s\nreader uid=%lu gid=%lu nnp=%d\nignore %s", REPORT_MAGIC,
	    r->uid, r->gid, r->no_new_privs != 0, ignore_words[r->ignore]);
	if (r->ignore == MODMAIL_AUTOMATIC && r->suppress != NULL)
		strbuf_printf(out, " %s", r->suppress);
	strbuf_putc(out, '\n');
	if (r->from[0] != '\0')
		strbuf_printf(out, "from %s\n", r->from);
	if (r->msgid[0] != '\0')
		strbuf_printf(out, "msgid %s\n", r->msgid);
	strbuf_printf(out, "auth %s\nlines %zu\n", auth_words[r->auth], r->scan.nlines);
	for (i = 0; i < r->scan.ncmds; i++) {
		c = &r->scan.cmds[i];
		strbuf_printf(out, "cmd %zu ccguard %s%s%s %s %s%s%s\n", c->line,
		    modtoken_action_name(c->action), c->list[0] != '\0' ? " " : "", c->list,
		    c->qid, c->token, c->reason[0] != '\0' ? " " : "", c->reason);
	}
	for (i = 0; i < r->scan.nbad; i++)
		strbuf_printf(out, "bad %zu\n", r->scan.bad[i]);
	strbuf_puts(out, "end\n");
	return out->error == STRBUF_OK ? 0 : -1;
}

/* word_index - the index of word (len bytes) in words, or -1 */
static int
word_index(const char *const *words, size_t nwords, const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < nwords; i++)
		if (words[i] != NULL && strlen(words[i]) == len && strncmp(words[i], word, len) == 0)
			return (int)i;
	return -1;
}

/* number - a decimal number of 1 to 9 digits that is all of s (len bytes); -1 if not */
static long
number(const char *s, size_t len)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* field - "NAME=DIGITS" at *s (then a space or the end): the number, or -1 */
static long
field(const char **s, const char *end, const char *name)
{
	size_t nl = strlen(name);
	const char *v, *e;

	if ((size_t)(end - *s) <= nl || strncmp(*s, name, nl) != 0 || (*s)[nl] != '=')
		return -1;
	v = *s + nl + 1;
	for (e = v; e < end && *e != ' '; e++)
		;
	*s = e < end ? e + 1 : e;
	return number(v, (size_t)(e - v));
}

/* parse_reader - "uid=N gid=N nnp=0|1" */
static int
parse_reader(const char *s, size_t len, struct modmail_report *r)
{
	const char *end = s + len;
	long uid, gid, nnp;

	if ((uid = field(&s, end, "uid")) < 0 || (gid = field(&s, end, "gid")) < 0 ||
	    (nnp = field(&s, end, "nnp")) < 0 || nnp > 1 || s != end || end[-1] == ' ')
		return -1;
	r->uid = (unsigned long)uid;
	r->gid = (unsigned long)gid;
	r->no_new_privs = (int)nnp;
	return 0;
}

/* parse_line - one line of a report (keyword, rest); -1 refuses the report */
static int
parse_line(const char *key, size_t klen, const char *rest, size_t rlen,
    struct modmail_report *r, unsigned *seen)
{
	struct modcmd c;
	const char *sp;
	long num;
	int w;

#define ONCE(bit)	do { if (*seen & (bit)) return -1; *seen |= (bit); } while (0)
	if (klen == 6 && strncmp(key, "reader", 6) == 0) {
		ONCE(1);
		return parse_reader(rest, rlen, r);
	}
	if (klen == 6 && strncmp(key, "ignore", 6) == 0) {
		ONCE(2);
		sp = memchr(rest, ' ', rlen);
		if ((w = word_index(ignore_words, NWORDS(ignore_words), rest,
		    sp != NULL ? (size_t)(sp - rest) : rlen)) < 0)
			return -1;
		r->ignore = (enum modmail_ignore)w;
		if (sp == NULL)
			return r->ignore == MODMAIL_AUTOMATIC ? -1 : 0;
		if (r->ignore != MODMAIL_AUTOMATIC || (w = word_index(suppress_names,
		    NWORDS(suppress_names), sp + 1, rlen - (size_t)(sp + 1 - rest))) < 0)
			return -1;
		r->suppress = suppress_names[w];
		return 0;
	}
	if (klen == 4 && strncmp(key, "from", 4) == 0) {
		ONCE(4);
		if (!token_ok(rest, rlen, MODMAIL_ADDR_MAX) || memchr(rest, '@', rlen) == NULL)
			return -1;
		memcpy(r->from, rest, rlen);
		r->from[rlen] = '\0';
		return 0;
	}
	if (klen == 5 && strncmp(key, "msgid", 5) == 0) {
		ONCE(8);
		if (!msgid_ok(rest, rlen))
			return -1;
		memcpy(r->msgid, rest, rlen);
		r->msgid[rlen] = '\0';
		return 0;
	}
	if (klen == 4 && strncmp(key, "auth", 4) == 0) {
		ONCE(16);
		if ((w = word_index(auth_words, NWORDS(auth_words), rest, rlen)) < 0)
			return -1;
		r->auth = (enum modmail_auth)w;
		return 0;
	}
	if (klen == 5 && strncmp(key, "lines", 5) == 0) {
		ONCE(32);
		if ((num = number(rest, rlen)) < 0)
			return -1;
		r->scan.nlines = (size_t)num;
		r->scan.too_many = r->scan.nlines > MODCMD_MAX;
		return 0;
	}
	if (klen == 3 && strncmp(key, "cmd", 3) == 0) {
		/* "cmd LINE ccguard ...": the command is parsed again, here. */
		if ((sp = memchr(rest, ' ', rlen)) == NULL ||
		    (num = number(rest, (size_t)(sp - rest))) <= 0 || r->scan.ncmds >= MODCMD_MAX ||
		    modcmd_parse_line(sp + 1, rlen - (size_t)(sp + 1 - rest), &c) != 1)
			return -1;
		c.line = (size_t)num;
		r->scan.cmds[r->scan.ncmds++] = c;
		return 0;
	}
	if (klen == 3 && strncmp(key, "bad", 3) == 0) {
		if ((num = number(rest, rlen)) <= 0 || r->scan.nbad >= MODCMD_MAX)
			return -1;
		r->scan.bad[r->scan.nbad++] = (size_t)num;
		return 0;
	}
#undef ONCE
	return -1;
}

/*
 * modmail_report_parse - the root half's reading of a reader's report
 * (len bytes) into r; 0, or -1 when it is not exactly a report
 */
int
modmail_report_parse(const char *text, size_t len, struct modmail_report *r)
{
	const char *p = text, *end = text + len, *nl, *sp;
	unsigned seen = 0;
	size_t ll, i;
	int first = 1;

	memset(r, 0, sizeof(*r));
	if (len > MODMAIL_REPORT_MAX || memchr(text, '\0', len) != NULL)
		return -1;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;	/* every line ends in a newline */
		ll = (size_t)(nl - p);
		for (i = 0; i < ll; i++)
			if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
				return -1;
		if (first) {
			if (ll != strlen(REPORT_MAGIC) || strncmp(p, REPORT_MAGIC, ll) != 0)
				return -1;
			first = 0;
		} else if (ll == 3 && strncmp(p, "end", 3) == 0) {
			/* The end, and nothing after it; every part that must be there was. */
			if (nl + 1 != end || (seen & (1 | 2 | 16 | 32)) != (1 | 2 | 16 | 32) ||
			    r->scan.nlines < r->scan.ncmds + r->scan.nbad ||
			    (r->ignore != MODMAIL_READ && (r->scan.nlines > 0 || r->msgid[0] != '\0')))
				return -1;
			return 0;
		} else if ((sp = memchr(p, ' ', ll)) == NULL ||
		    parse_line(p, (size_t)(sp - p), sp + 1, ll - (size_t)(sp + 1 - p), r, &seen) < 0)
			return -1;
		p = nl + 1;
	}
	return -1;
}
