/*
 * NAME
 *	modcmd - moderation by mail: command lines, queue ids, Authentication-Results
 * SYNOPSIS
 *	modcmd_scan_text(text, len, &scan);
 *	ok = modcmd_qid_ok(qid);
 *	pass = modcmd_auth_pass(header_value, authserv_id, domain);
 *	modcmd_render(rs, key, keylen, qid, rcpts, n, expiry, &out);
 *	n = modcmd_moderators(conf->moderator, &v);
 * DESCRIPTION
 *	A command line is, after any leading white space and up to
 *	MODCMD_QUOTE_MAX quote marks ('>'):
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
 *	may follow. A line that starts with the word "ccguard" but does not
 *	fit is counted as unreadable (so the answer can say so); any other
 *	line is not a command. Message text is hostile: every field is copied
 *	only after its syntax was checked, into fixed-size buffers.
 *
 *	modcmd_auth_pass() reads one Authentication-Results value (RFC 8601):
 *	only when its authserv-id is the configured one does it look for
 *	dkim=pass with header.d (or header.i) in the moderator's domain, or
 *	spf=pass with smtp.mailfrom in that domain. Comments are removed
 *	first; anything it can not read counts as no pass.
 *
 *	modcmd_render() writes the command block of a moderator notice or
 *	digest: release, one release-without for each list of the rules that
 *	holds some but not all of the envelope recipients, reject, discard,
 *	each with a fresh token.
 * SEE ALSO
 *	modtoken.c, ctl_mail.c, doc/moderation.md
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
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

/* modcmd_parse_line - 1: a command (in *c); 0: not a command line; -1: unreadable */
int
modcmd_parse_line(const char *line, size_t len, struct modcmd *c)
{
	const char *p = line, *end = line + len;
	char word[32];
	size_t quotes = 0, i, n;

	memset(c, 0, sizeof(*c));
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '>' && quotes < MODCMD_QUOTE_MAX) {
			p++;
			quotes++;
			continue;
		}
		break;
	}
	if ((size_t)(end - p) < 8 || strncasecmp(p, "ccguard", 7) != 0 ||
	    (p[7] != ' ' && p[7] != '\t'))
		return 0;
	if (len > MODCMD_LINE_MAX)
		return -1;
	p += 7;
	for (i = 0; p + i < end; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
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

/* modcmd_scan_text - every command line of a plain text */
void
modcmd_scan_text(const char *text, size_t len, struct modcmd_scan *s)
{
	const char *p = text, *end = text + len, *nl;
	struct modcmd c;
	size_t lineno = 0;
	int r;

	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((r = modcmd_parse_line(p, (size_t)(nl - p), &c)) > 0) {
			if (s->ncmds < MODCMD_MAX) {
				c.line = lineno;
				s->cmds[s->ncmds++] = c;
			} else
				s->too_many = 1;
		} else if (r < 0) {
			if (s->nbad < MODCMD_MAX)
				s->bad[s->nbad++] = lineno;
			else
				s->too_many = 1;
		}
		p = nl < end ? nl + 1 : end;
	}
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

/* struct list_hit - how many recipients one list holds */
struct list_hit {
	const struct ruleset *rs;
	int	 list;
	int	 found;
};

/* list_hit_sink - addr sink: note a member of the list */
static int
list_hit_sink(void *arg, const char *addr, int how)
{
	struct list_hit *h = arg;

	(void)how;
	if (eval_address_in_list(h->rs, addr, h->list) != 0)
		h->found = 1;
	return ADDR_OK;
}

/* render_one - one command line with its token; -1 when no token could be made */
static int
render_one(const char *key, size_t keylen, const char *qid, enum modtoken_action a,
    const char *list, time_t expiry, struct strbuf *out)
{
	char token[MODTOKEN_LEN + 1];

	if (modtoken_make(key, keylen, qid, a, list, expiry, token) < 0)
		return -1;
	strbuf_printf(out, "  ccguard %s%s%s %s %s\n", modtoken_action_name(a),
	    list != NULL ? " " : "", list != NULL ? list : "", qid, token);
	return 0;
}

/* modcmd_render - the command lines for one held message */
int
modcmd_render(const struct ruleset *rs, const char *key, size_t keylen, const char *qid,
    char *const *rcpts, size_t nrcpts, time_t expiry, struct strbuf *out)
{
	size_t l, k, in;

	if (!modcmd_qid_ok(qid) || render_one(key, keylen, qid, MODTOKEN_RELEASE, NULL,
	    expiry, out) < 0)
		return -1;
	for (l = 0; rs != NULL && l < rs->nlists; l++) {
		if (!modcmd_list_ok(rs->lists[l].name))
			continue;
		for (k = in = 0; k < nrcpts; k++) {
			struct list_hit h = { rs, (int)l, 0 };

			addr_from_envelope(rcpts[k], list_hit_sink, &h);
			in += h.found != 0;
		}
		if (in > 0 && in < nrcpts && render_one(key, keylen, qid,
		    MODTOKEN_RELEASE_WITHOUT, rs->lists[l].name, expiry, out) < 0)
			return -1;
	}
	if (render_one(key, keylen, qid, MODTOKEN_REJECT, NULL, expiry, out) < 0 ||
	    render_one(key, keylen, qid, MODTOKEN_DISCARD, NULL, expiry, out) < 0)
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
