/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	modcmd - moderation by mail: command lines, queue ids, Authentication-Results
 * SYNOPSIS
 *	modcmd_scan_text(text, len, &scan);  cmd = modcmd_decision(&scan, &why);
 *	ok = modcmd_qid_ok(qid);
 *	pass = modcmd_auth_pass(header_value, authserv_id, domain);
 *	modcmd_render(rs, key, keylen, qid, hold, rcpts, n, expiry, &out);
 *	n = modcmd_moderators(conf->moderator, &v);
 * DESCRIPTION
 *	A command line is, after any leading white space and quote marks
 *	('>', any number of them):
 *
 *		ccguard release QUEUEID TOKEN
 *		ccguard release-without LIST QUEUEID TOKEN
 *		ccguard reject QUEUEID TOKEN [REASON]
 *		ccguard discard QUEUEID TOKEN
 *
 *	words separated by spaces or tabs; "ccguard" and the action in any
 *	case; QUEUEID in Postfix's queue id syntax (modcmd_qid_ok); LIST
 *	letters, digits, '.', '_' and '-'; TOKEN 40 hex digits (modtoken.c);
 *	REASON printable ASCII, at most MODCMD_REASON_MAX bytes. Nothing else
 *	may follow. Message text is hostile: every field is copied only after
 *	its syntax was checked, into fixed-size buffers.
 *
 *	Every line that begins with the word "ccguard" is a command line,
 *	readable or not; so is a line with "ccguard" and an action word
 *	further on (a mail program re-wrapped the text and joined lines), and
 *	a line ending in "ccguard" when the next begins with an action word
 *	(a command cut in two). Such lines are never readable. A reply decides
 *	only when it is unambiguous (modcmd_decision): one decision (the same
 *	line quoted and written again counts once), no unreadable command
 *	line, at most MODCMD_MAX command lines. A quoted digest or notice, or
 *	one re-wrapped by a mail program, decides nothing.

 *	modcmd_auth_pass() reads one Authentication-Results value (RFC 8601):
 *	only when its authserv-id is the configured one does it look for
 *	dkim=pass with header.d (or header.i) in the moderator's domain, or
 *	spf=pass with smtp.mailfrom in that domain. Comments are removed
 *	first; anything it can not read counts as no pass. The value must be
 *	the raw one (RFC 2047 encoded words are not decoded: a header that
 *	needs decoding to show the authserv-id does not carry it), and only
 *	one value counts: the topmost of the MTA's authserv-id
 *	(modcmd_auth_is_ours picks it; modmail.c).
 *
 *	modcmd_render() writes the command block of a moderator notice or
 *	digest: release, one release-without for each list of the rules that
 *	holds some but not all of the envelope recipients, reject, discard,
 *	each with a fresh token bound to the hold stamp (hold).
 * SEE ALSO
 *	modtoken.c, ctl_mail.c, doc/moderation.md
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "modcmd.h"
#include "ruleset_impl.h"

#define AUTH_VALUE_MAX	8192	/* longer Authentication-Results values are not read */
#define ADDR_MAX	254

/* Postfix's long queue id alphabet: digits and consonants, 'z' separates. */
static const char long_qid_chars[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";

/* modcmd_qid_ok - a Postfix queue id, short (hex) or long form */
int
modcmd_qid_ok(const char *qid)
{
	size_t n = strlen(qid), i, z = 0, zpos = 0;

	if (n < 6 || n > MODCMD_QID_MAX)
		return 0;
	/* Short form: microseconds (5 hex digits) then the inode number, in hex. */
	for (i = 0; i < n; i++)
		if (!((qid[i] >= '0' && qid[i] <= '9') || (qid[i] >= 'A' && qid[i] <= 'F')))
			break;
	if (i == n)
		return 1;
	/* Long form: seconds (6+) and microseconds (4) in base 52, 'z', the inode. */
	for (i = 0; i < n; i++) {
		if (qid[i] == 'z') {
			z++;
			zpos = i;
		} else if (strchr(long_qid_chars, qid[i]) == NULL)
			return 0;
	}
	return z == 1 && zpos >= 10 && zpos + 1 < n;
}

/* modcmd_list_ok - a list name as the rules write it */
int
modcmd_list_ok(const char *list)
{
	size_t n;

	for (n = 0; list[n] != '\0'; n++)
		if (!isalnum((unsigned char)list[n]) && list[n] != '.' && list[n] != '_' &&
		    list[n] != '-')
			return 0;
	return n > 0 && n <= MODTOKEN_LIST_MAX;
}

/* next_word - the next word of s (spaces and tabs between); its length */
static size_t
next_word(const char **s, const char *end)
{
	const char *p = *s;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	*s = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return (size_t)(p - *s);
}

/* take_word - copy the next word into buf (size bytes); -1 if none or too long */
static int
take_word(const char **s, const char *end, char *buf, size_t size)
{
	size_t n = next_word(s, end);

	if (n == 0 || n >= size)
		return -1;
	memcpy(buf, *s, n);
	buf[n] = '\0';
	*s += n;
	return 0;
}

/* skip_quotes - past leading white space and quote marks, any number of them */
static const char *
skip_quotes(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '>'))
		p++;
	return p;
}

/* word_char - may this byte be part of a word next to "ccguard" (an address, a name)? */
static int
word_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' || c == '/' || c >= 0x80;
}

/*
 * is_command_word - does the word "ccguard" (any case) start at p: not
 * part of a longer word ("ccguardctl", "ccguard-moderate@...")?
 */
static int
is_command_word(const char *start, const char *p, const char *end)
{
	return end - p >= 7 && strncasecmp(p, "ccguard", 7) == 0 &&
	    (p == start || !word_char((unsigned char)p[-1])) &&
	    (p + 7 == end || !word_char((unsigned char)p[7]));
}

/* is_action_word - is the word at p (up to white space) an action name, any case? */
static int
is_action_word(const char *p, const char *end)
{
	enum modtoken_action a;
	char word[32];
	size_t i;

	for (i = 0; p + i < end && p[i] != ' ' && p[i] != '\t' && p[i] != '\r'; i++) {
		if (i + 1 >= sizeof(word))
			return 0;
		word[i] = (char)tolower((unsigned char)p[i]);
	}
	word[i] = '\0';
	return modtoken_action_from_name(word, &a) == 0;
}

/*
 * command_inside - a command run into other text: "ccguard" then an action
 * word somewhere past the line's start (a mail program joined lines)
 */
static int
command_inside(const char *line, const char *from, const char *end)
{
	const char *p, *w;

	for (p = from; p < end; p++) {
		if (!is_command_word(line, p, end))
			continue;
		for (w = p + 7; w < end && (*w == ' ' || *w == '\t'); w++)
			;
		if (w > p + 7 && w < end && is_action_word(w, end))
			return 1;
	}
	return 0;
}

/* ends_with_command_word - is the line's last word "ccguard" (a command cut after it)? */
static int
ends_with_command_word(const char *line, size_t len)
{
	const char *end = line + len;

	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end - line >= 7 && is_command_word(line, end - 7, end);
}

/* starts_with_action_word - does the line begin (past quotes) with an action name? */
static int
starts_with_action_word(const char *line, size_t len)
{
	const char *end = line + len, *p = skip_quotes(line, end);

	return p < end && is_action_word(p, end);
}

/*
 * modcmd_parse_line - 1: a command (in *c); 0: not a command line; -1: a
 * command line that can not be read. A command line begins, past white
 * space and any number of quote marks, with the word "ccguard"; a line
 * that has "ccguard" and an action word further on is a command line too
 * (a mail program joined it with others), and never readable.
 */
int
modcmd_parse_line(const char *line, size_t len, struct modcmd *c)
{
	const char *p = line, *end = line + len;
	char word[32];
	size_t i, n;

	memset(c, 0, sizeof(*c));
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	p = skip_quotes(p, end);
	if (!is_command_word(line, p, end))
		return command_inside(line, p, end) ? -1 : 0;
	if (len > MODCMD_LINE_MAX || end - p < 8 || (p[7] != ' ' && p[7] != '\t'))
		return -1;
	p += 7;
	for (i = 0; p + i < end; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return -1;
	if (command_inside(line, p, end))
		return -1;
	if (take_word(&p, end, word, sizeof(word)) < 0)
		return -1;
	for (i = 0; word[i] != '\0'; i++)
		word[i] = (char)tolower((unsigned char)word[i]);
	if (modtoken_action_from_name(word, &c->action) < 0)
		return -1;
	if (c->action == MODTOKEN_RELEASE_WITHOUT &&
	    (take_word(&p, end, c->list, sizeof(c->list)) < 0 || !modcmd_list_ok(c->list)))
		return -1;
	if (take_word(&p, end, c->qid, sizeof(c->qid)) < 0 || !modcmd_qid_ok(c->qid))
		return -1;
	if (take_word(&p, end, c->token, sizeof(c->token)) < 0 || strlen(c->token) != MODTOKEN_LEN)
		return -1;
	for (i = 0; i < MODTOKEN_LEN; i++)
		if (!isxdigit((unsigned char)c->token[i]))
			return -1;
	if (next_word(&p, end) == 0)
		return 1;
	/* Only reject takes more: the reason, printable ASCII. */
	n = (size_t)(end - p);
	if (c->action != MODTOKEN_REJECT || n > MODCMD_REASON_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\t')
			ch = ' ';
		if (ch < 0x20 || ch >= 0x7f)
			return -1;
		c->reason[i] = (char)ch;
	}
	c->reason[n] = '\0';
	return 1;
}

/* scan_note - count one command line of the scan, keeping what fits */
static void
scan_note(struct modcmd_scan *s, int r, const struct modcmd *c, size_t lineno)
{
	s->nlines++;
	if (s->nlines > MODCMD_MAX)
		s->too_many = 1;
	if (r > 0 && s->ncmds < MODCMD_MAX) {
		s->cmds[s->ncmds] = *c;
		s->cmds[s->ncmds++].line = lineno;
	} else if (r < 0 && s->nbad < MODCMD_MAX)
		s->bad[s->nbad++] = lineno;
}

/*
 * modcmd_scan_text - every command line of a plain text, readable or not.
 * A line that ends in the word "ccguard" while the next begins with an
 * action word is an unreadable command line too (a command cut in two).
 */
void
modcmd_scan_text(const char *text, size_t len, struct modcmd_scan *s)
{
	const char *p = text, *end = text + len, *nl, *next;
	struct modcmd c;
	size_t lineno = 0, ll;
	int r;

	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ll = (size_t)(nl - p);
		next = nl < end ? nl + 1 : end;
		if ((r = modcmd_parse_line(p, ll, &c)) == 0 && ends_with_command_word(p, ll) &&
		    next < end) {
			const char *nnl = memchr(next, '\n', (size_t)(end - next));

			if (starts_with_action_word(next, nnl != NULL ? (size_t)(nnl - next) :
			    (size_t)(end - next)))
				r = -1;
		}
		if (r != 0)
			scan_note(s, r, &c, lineno);
		p = next;
	}
}

/*
 * modcmd_decision - the one decision of a scan, or NULL and why not: a
 * reply decides only when it is unambiguous. Identical lines (the line
 * quoted and written again) count once; anything else, any unreadable
 * command line, or more command lines than MODCMD_MAX: nothing.
 */
const struct modcmd *
modcmd_decision(const struct modcmd_scan *s, enum modcmd_ambiguity *why)
{
	size_t i;

	*why = MODCMD_NONE;
	if (s->nlines == 0)
		return NULL;
	*why = MODCMD_TOO_MANY;
	if (s->too_many)
		return NULL;
	*why = MODCMD_UNREADABLE;
	if (s->nbad > 0)
		return NULL;
	*why = MODCMD_SEVERAL;
	for (i = 1; i < s->ncmds; i++)
		if (s->cmds[i].action != s->cmds[0].action ||
		    strcmp(s->cmds[i].list, s->cmds[0].list) != 0 ||
		    strcmp(s->cmds[i].qid, s->cmds[0].qid) != 0 ||
		    strcasecmp(s->cmds[i].token, s->cmds[0].token) != 0 ||
		    strcmp(s->cmds[i].reason, s->cmds[0].reason) != 0)
			return NULL;
	*why = MODCMD_DECIDED;
	return &s->cmds[0];
}

/* uncomment - copy v without RFC 5322 comments; -1 if too long or unbalanced */
static int
uncomment(const char *v, char *out, size_t size)
{
	size_t o = 0;
	int depth = 0, quoted = 0;

	for (; *v != '\0'; v++) {
		char ch = *v;

		if (o + 2 >= size)
			return -1;
		if (ch == '\\' && v[1] != '\0' && (depth > 0 || quoted)) {
			if (depth == 0) {
				out[o++] = ch;
				out[o++] = v[1];
			}
			v++;
			continue;
		}
		if (!quoted && ch == '(') {
			depth++;
			continue;
		}
		if (!quoted && ch == ')' && depth > 0) {
			if (--depth == 0)
				out[o++] = ' ';
			continue;
		}
		if (depth > 0)
			continue;
		if (ch == '"')
			quoted = !quoted;
		out[o++] = (unsigned char)ch < 0x20 ? ' ' : ch;
	}
	out[o] = '\0';
	return depth == 0 && !quoted ? 0 : -1;
}

/* domain_is - does an address or domain value name exactly this domain? */
static int
domain_is(const char *value, size_t len, const char *domain)
{
	const char *at;

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	}
	for (at = value + len; at > value && at[-1] != '@'; at--)
		;
	len -= (size_t)(at - value);
	return len > 0 && len == strlen(domain) && strncasecmp(at, domain, len) == 0;
}

/* resinfo_pass - one "method=result prop=value ..." clause: a pass for domain? */
static int
resinfo_pass(char *r, const char *domain)
{
	char *w, *save = NULL, *eq;
	int dkim = 0, spf = 0, first = 1, pass = 0;

	/* "a = b" is "a=b": drop white space around '='. */
	for (w = r; (eq = strchr(w, '=')) != NULL; w = eq + 1) {
		char *a = eq, *b = eq + 1;

		while (a > r && (a[-1] == ' ' || a[-1] == '\t'))
			a--;
		while (*b == ' ' || *b == '\t')
			b++;
		if (a != eq || b != eq + 1) {
			*a = '=';
			memmove(a + 1, b, strlen(b) + 1);
			eq = a;
		}
	}
	for (w = strtok_r(r, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if ((eq = strchr(w, '=')) == NULL)
			continue;
		if (first) {
			first = 0;
			if (strcasecmp(eq + 1, "pass") != 0)
				return 0;
			if ((size_t)(eq - w) == 4 && strncasecmp(w, "dkim", 4) == 0)
				dkim = 1;
			else if ((size_t)(eq - w) == 3 && strncasecmp(w, "spf", 3) == 0)
				spf = 1;
			else
				return 0;
			continue;
		}
		if (dkim && (((size_t)(eq - w) == 8 && strncasecmp(w, "header.d", 8) == 0) ||
		    ((size_t)(eq - w) == 8 && strncasecmp(w, "header.i", 8) == 0)))
			pass |= domain_is(eq + 1, strlen(eq + 1), domain);
		if (spf && (size_t)(eq - w) == 13 && strncasecmp(w, "smtp.mailfrom", 13) == 0)
			pass |= domain_is(eq + 1, strlen(eq + 1), domain);
	}
	return pass;
}

/* modcmd_auth_is_ours - does this Authentication-Results value carry the authserv-id? */
int
modcmd_auth_is_ours(const char *value, const char *authserv_id)
{
	char buf[AUTH_VALUE_MAX + 1], *p;
	size_t n;

	if (value == NULL || authserv_id == NULL || *authserv_id == '\0' ||
	    strlen(value) > AUTH_VALUE_MAX || uncomment(value, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	n = strcspn(p, " \t;");
	return n == strlen(authserv_id) && strncasecmp(p, authserv_id, n) == 0;
}

/* modcmd_auth_pass - does this Authentication-Results value show a pass for domain? */
int
modcmd_auth_pass(const char *value, const char *authserv_id, const char *domain)
{
	char buf[AUTH_VALUE_MAX + 1], *p, *semi, *id;
	size_t n;
	int pass = 0;

	if (value == NULL || authserv_id == NULL || *authserv_id == '\0' || domain == NULL ||
	    *domain == '\0' || strlen(value) > AUTH_VALUE_MAX ||
	    uncomment(value, buf, sizeof(buf)) < 0)
		return 0;
	p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	id = p;
	n = strcspn(p, " \t;");
	if (n != strlen(authserv_id) || strncasecmp(id, authserv_id, n) != 0)
		return 0;
	if ((semi = strchr(p + n, ';')) == NULL)
		return 0;
	for (p = semi + 1; p != NULL; p = semi != NULL ? semi + 1 : NULL) {
		if ((semi = strchr(p, ';')) != NULL)
			*semi = '\0';
		pass |= resinfo_pass(p, domain);
	}
	return pass;
}

/* render_one - one command line with its token; -1 when no token could be made */
static int
render_one(const char *key, size_t keylen, const char *qid, const char *hold,
    enum modtoken_action a, const char *list, time_t expiry, struct strbuf *out)
{
	char token[MODTOKEN_LEN + 1];

	if (modtoken_make(key, keylen, qid, hold, a, list, expiry, token) < 0)
		return -1;
	strbuf_printf(out, "  ccguard %s%s%s %s %s\n", modtoken_action_name(a),
	    list != NULL ? " " : "", list != NULL ? list : "", qid, token);
	return 0;
}

/* modcmd_render - the command lines for one held message */
int
modcmd_render(const struct ruleset *rs, const char *key, size_t keylen, const char *qid,
    const char *hold, char *const *rcpts, size_t nrcpts, time_t expiry, struct strbuf *out)
{
	size_t l, k, in;

	if (!modcmd_qid_ok(qid) || render_one(key, keylen, qid, hold, MODTOKEN_RELEASE, NULL,
	    expiry, out) < 0)
		return -1;
	for (l = 0; rs != NULL && l < rs->nlists; l++) {
		if (!modcmd_list_ok(rs->lists[l].name))
			continue;
		for (k = in = 0; k < nrcpts; k++)
			in += eval_envelope_in_list(rs, rcpts[k], (int)l) != 0;
		if (in > 0 && in < nrcpts && render_one(key, keylen, qid, hold,
		    MODTOKEN_RELEASE_WITHOUT, rs->lists[l].name, expiry, out) < 0)
			return -1;
	}
	if (render_one(key, keylen, qid, hold, MODTOKEN_REJECT, NULL, expiry, out) < 0 ||
	    render_one(key, keylen, qid, hold, MODTOKEN_DISCARD, NULL, expiry, out) < 0)
		return -1;
	return out->error == STRBUF_OK ? 0 : -1;
}

/* modcmd_moderators - the addresses of the "moderator" setting; their count */
size_t
modcmd_moderators(const char *setting, char ***out)
{
	const char *p = setting, *s;
	char **v = NULL, **nv;
	size_t n = 0, len, i;

	*out = NULL;
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (s = p; *p != '\0' && *p != ' ' && *p != '\t' && *p != ','; p++)
			;
		if ((len = (size_t)(p - s)) == 0)
			break;
		/* Only plain addresses: fit for an argv and an SMTP command. */
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
			    strchr("<>()[];:\"\\", s[i]) != NULL)
				break;
		if (i < len || len > ADDR_MAX || memchr(s, '@', len) == NULL)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*nv))) == NULL ||
		    (nv[n] = strndup(s, len)) == NULL) {
			if (nv != NULL)
				v = nv;
			modcmd_moderators_free(v, n);
			return 0;
		}
		v = nv;
		n++;
	}
	*out = v;
	return n;
}

/* modcmd_moderators_free - free modcmd_moderators()'s array */
void
modcmd_moderators_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
