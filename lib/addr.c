/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	addr - find and normalise recipient addresses
 * SYNOPSIS
 *	addr_normalize(in, len, &out)	one address -> canonical "local@domain"
 *	addr_from_envelope(arg, sink, sinkarg)	an RCPT TO / MAIL FROM argument
 *	addr_from_header(value, sink, sinkarg)	a To/Cc/Resent-To/Resent-Cc value
 * DESCRIPTION
 *	Canonical form, applied identically to message addresses and to the
 *	literal entries of rule lists, so that comparison is plain byte
 *	equality:
 *	- white space, angle brackets and a source route (@a,@b:) are removed;
 *	- a quoted local part is unquoted ("security"@x is security@x);
 *	- a non-ASCII local part is mapped with Unicode NFKC (full-width
 *	  letters become ASCII; other scripts stay as they are);
 *	- the local part is folded to ASCII lower case and a "+detail" suffix is
 *	  removed (only '+' is a detail delimiter; '-' is part of the name);
 *	- the domain loses its trailing dots (Sendmail folds any number), and
 *	  is mapped with IDNA / UTS #46
 *	  (full-width letters, ideographic full stops and the Kelvin sign become
 *	  ASCII, as an MTA would route them); letters of other scripts become
 *	  punycode and so never equal an ASCII domain;
 *	- a domain literal ([192.0.2.1]) is kept as it is, lower-cased.
 *	Percent-hack (a%b@c) and bang-path (b!a@c) addresses are reported twice:
 *	as written, and in the form a relay could route them to (a@b), flagged
 *	ADDR_HOW_ROUTED; with a "+detail", the route is read both after and
 *	before the detail is removed. Counting all is the fail-safe reading.
 *
 *	Envelope paths and header values are also read as the MTAs read them
 *	(smtp_path.c: Postfix's RFC 822 parser, and Sendmail's dropping of an
 *	unbracketed "name:" prefix), and every such address is reported too:
 *	a pair counts when either MTA would deliver it, and a quoted domain
 *	or label (a@"b.example", a@b."example") reads as the MTA reads it.
 *
 *	Header values are parsed with GMime's RFC 5322 parser (groups, quoted
 *	display names, encoded words, comments, folding). A value counts as
 *	damaged when its quotes, brackets or comments do not balance, when ';'
 *	appears outside a group, when groups nest, or when the number of '@'
 *	outside quoted strings, comments and obsolete source routes differs
 *	from the number in the addresses GMime returned (so GMime dropped or
 *	merged something), or when part of it was too long for the MTAs'
 *	reading. Obsolete syntax that parses ("<@relay:a@b>") is no damage. A
 *	damaged value is additionally searched as text: every whole token
 *	(bounded by the start, the end, white space or one of <>,;:"()[]) that
 *	normalises to an address is reported with ADDR_HOW_DAMAGED. GMime cuts
 *	"a@b@c" short to "a@b"; such a prefix of a longer token is not
 *	reported (the MTAs' reading reports the whole address). A clean
 *	value is never searched as text, so display names and comments can not
 *	trigger a rule.
 * DIAGNOSTICS
 *	ADDR_INVALID for input that is no address, ADDR_NOMEM, or ADDR_STOP when
 *	the sink asks to stop.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <idn2.h>

#include "addr.h"
#include "smtp_path.h"
#include "strbuf.h"

/* Upper bound on percent/bang rewrites derived from one address. */
#define ADDR_MAX_ROUTE_HOPS	8

/* Upper bound on the groups GMime may open (and recurse into) per value. */
#define ADDR_MAX_GMIME_COLONS	1000

/* Longer values go to GMime piece by piece; see addr_gmime_pieces(). */
#define ADDR_GMIME_WHOLE	1024
#define ADDR_GMIME_PIECE_COMMAS	64

static const struct {
	const char	*name;
	int		 source;
} addr_headers[] = {
	{ "to",		ADDR_SRC_TO },
	{ "cc",		ADDR_SRC_CC },
	{ "resent-to",	ADDR_SRC_RESENT_TO },
	{ "resent-cc",	ADDR_SRC_RESENT_CC },
};

/* addr_init - nothing but GMime needs setting up; kept for symmetry */
void
addr_init(void)
{
	g_mime_init();
}

/* addr_source_from_header_name - ADDR_SRC_* bit for a recipient header, or 0 */
int
addr_source_from_header_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(addr_headers) / sizeof(addr_headers[0]); i++)
		if (strcasecmp(name, addr_headers[i].name) == 0)
			return addr_headers[i].source;
	return 0;
}

/* addr_source_name - display name of one ADDR_SRC_* bit */
const char *
addr_source_name(int source_bit)
{
	switch (source_bit) {
	case ADDR_SRC_ENVELOPE:		return "envelope";
	case ADDR_SRC_TO:		return "To";
	case ADDR_SRC_CC:		return "Cc";
	case ADDR_SRC_RESENT_TO:	return "Resent-To";
	case ADDR_SRC_RESENT_CC:	return "Resent-Cc";
	default:			return "?";
	}
}

/* The wording of each style of addr_sources_format(). */
static const struct {
	const char	*sep, *damaged, *routed, *mta;
} sources_styles[] = {
	[ADDR_SOURCES_LOG] = { ",", ",malformed", ",routed", ",mta" },
	[ADDR_SOURCES_TEXT] = { ", ", ", in a malformed header", ", by a routing form",
	    ", as the MTA resolved it" },
	[ADDR_SOURCES_TRACE] = { ", ", " (malformed header)", " (routing form)", " (MTA's reading)" },
};

/* addr_sources_format - where an address was found, and how, in one style */
void
addr_sources_format(struct strbuf *out, int sources, int how, enum addr_sources_style style)
{
	static const int bits[] = {
		ADDR_SRC_ENVELOPE, ADDR_SRC_TO, ADDR_SRC_CC,
		ADDR_SRC_RESENT_TO, ADDR_SRC_RESENT_CC
	};
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(sources & bits[i]))
			continue;
		if (!first)
			strbuf_puts(out, sources_styles[style].sep);
		strbuf_puts(out, addr_source_name(bits[i]));
		first = 0;
	}
	if (how & ADDR_HOW_DAMAGED)
		strbuf_puts(out, sources_styles[style].damaged);
	if (how & ADDR_HOW_ROUTED)
		strbuf_puts(out, sources_styles[style].routed);
	if (how & ADDR_HOW_MTA)
		strbuf_puts(out, sources_styles[style].mta);
}

/* is_ascii - 1 when s has no 8-bit byte */
static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* ascii_lower - lower-case the ASCII letters of s in place */
static void
ascii_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/* addr_domain - canonical domain in *out (malloc'd), or ADDR_INVALID */
static int
addr_domain(const char *in, size_t len, char **out)
{
	char *raw, *mapped = NULL;
	size_t n;
	int r;

	if ((raw = strndup(in, len)) == NULL)
		return ADDR_NOMEM;
	n = strlen(raw);	/* an embedded NUL shortens; never overruns */
	/* Sendmail folds any number of trailing dots (Postfix refuses two). */
	while (n > 0 && raw[n - 1] == '.')
		raw[--n] = '\0';
	if (n == 0 || raw[0] == '.') {
		free(raw);
		return ADDR_INVALID;
	}
	if (raw[0] == '[' || is_ascii(raw)) {
		ascii_lower(raw);
		*out = raw;
		return ADDR_OK;
	}
	/* Out of memory is an error, not "no valid IDN": it must not change the result. */
	if ((r = idn2_to_ascii_8z(raw, &mapped, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)) != IDN2_OK &&
	    r != IDN2_MALLOC)
		r = idn2_to_ascii_8z(raw, &mapped, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
	if (r == IDN2_MALLOC) {
		free(raw);
		return ADDR_NOMEM;
	}
	if (r != IDN2_OK) {
		/*
		 * Not a valid IDN. Keep the raw bytes: they can never equal an
		 * ASCII list entry, and no MTA would route them to one either.
		 */
		mapped = NULL;
		ascii_lower(raw);
		*out = raw;
		return ADDR_OK;
	}
	free(raw);
	/* Mapping may have turned a trailing ideographic full stop into '.'. */
	n = strlen(mapped);
	while (n > 0 && mapped[n - 1] == '.')
		mapped[--n] = '\0';
	if (n == 0) {
		idn2_free(mapped);
		return ADDR_INVALID;
	}
	*out = strdup(mapped);
	idn2_free(mapped);
	if (*out == NULL)
		return ADDR_NOMEM;
	ascii_lower(*out);
	return ADDR_OK;
}

/*
 * addr_local_compat - map a non-ASCII local part with Unicode NFKC, then
 * fold ASCII case, so that full-width or other compatibility forms of
 * letters ("\xef\xbd\x93ecurity") equal their ASCII names, as the
 * domain's UTS #46 mapping does. Other scripts stay as they are (a
 * Cyrillic letter never becomes a Latin one). A mapping that would
 * create an '@' (from a full-width at sign) is not applied: a local part
 * must not grow a domain.
 */
static int
addr_local_compat(struct strbuf *local)
{
	gchar *mapped;
	size_t n;

	if (is_ascii(local->data) || !g_utf8_validate(local->data, (gssize)local->len, NULL))
		return ADDR_OK;
	if ((mapped = g_utf8_normalize(local->data, (gssize)local->len,
	    G_NORMALIZE_NFKC)) == NULL)
		return ADDR_OK;
	if (strchr(mapped, '@') != NULL) {
		g_free(mapped);
		return ADDR_OK;
	}
	n = strlen(mapped);
	strbuf_reset(local);
	if (strbuf_append(local, mapped, n) != STRBUF_OK) {
		g_free(mapped);
		return ADDR_NOMEM;
	}
	g_free(mapped);
	ascii_lower(local->data);
	return ADDR_OK;
}

/* How addr_canon() reads its input. */
#define CANON_QUOTED	0	/* external form: quotes and backslashes quote */
#define CANON_INTERNAL	1	/* Postfix's internal form: nothing is quoted */

static int addr_canon(const char *, size_t, char **, int, int);

/* last_unquoted_at - the last '@' in [p, end) outside quotes, or NULL */
static const char *
last_unquoted_at(const char *p, const char *end, int form)
{
	const char *at = NULL;
	int inquote = 0;

	for (; p < end; p++) {
		if (form == CANON_INTERNAL) {
			if (*p == '@')
				at = p;
		} else if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			inquote = !inquote;
		else if (*p == '@' && !inquote)
			at = p;
	}
	return at;
}

/* backslashes_before - how many backslashes directly precede q (not before p) */
static size_t
backslashes_before(const char *p, const char *q)
{
	size_t n = 0;

	while (q > p && q[-1] == '\\') {
		q--;
		n++;
	}
	return n;
}

/* addr_normalize - canonical form of one address; *out is malloc'd */
int
addr_normalize(const char *in, size_t len, char **out)
{
	return addr_canon(in, len, out, 0, CANON_QUOTED);
}

/*
 * addr_canon - addr_normalize(), optionally keeping a "+detail" suffix.
 * In CANON_INTERNAL form the input is unquoted (smtp_path_read()'s
 * result): it is split at its last '@', as Postfix's resolver splits it.
 * An empty domain ("security@kernel.org@") is dropped with its '@': what
 * is left is read as the address.
 */
static int
addr_canon(const char *in, size_t len, char **out, int keep_detail, int form)
{
	const char *p = in, *end = in + len, *at = NULL, *q;
	struct strbuf local;
	char *domain = NULL;
	int r;

	*out = NULL;
	while (p < end && (isspace((unsigned char)*p) || *p == '<'))
		p++;
	while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '>'))
		end--;
	/* Source route: "@relay1,@relay2:local@domain". */
	if (p < end && *p == '@') {
		for (q = p; q < end && *q != ':'; q++)
			;
		if (q == end)
			return ADDR_INVALID;
		p = q + 1;
	}
	at = last_unquoted_at(p, end, form);
	if (at != NULL && at + 1 == end && at > p) {
		/* Trailing '@' signs: the run ends the value, unquoted. */
		for (q = at; q > p && q[-1] == '@'; q--)
			;
		if (form == CANON_QUOTED && backslashes_before(p, q) % 2 == 1)
			q++;	/* the run's first '@' is escaped */
		if (q > p) {
			end = q;
			at = last_unquoted_at(p, end, form);
		}
	}
	if (p == end || at == p)
		return ADDR_INVALID;

	/* Local part: unquote, fold ASCII case, drop "+detail". */
	strbuf_init(&local, 0);
	for (q = p; q < (at != NULL ? at : end); q++) {
		char c = *q;

		if (form == CANON_QUOTED && c == '"')
			continue;
		if (form == CANON_QUOTED && c == '\\' && q + 1 < end)
			c = *++q;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (strbuf_putc(&local, c) != STRBUF_OK) {
			strbuf_free(&local);
			return ADDR_NOMEM;
		}
	}
	if (local.len == 0 || memchr(local.data, '\0', local.len) != NULL) {
		strbuf_free(&local);
		return ADDR_INVALID;
	}
	if ((r = addr_local_compat(&local)) != ADDR_OK) {
		strbuf_free(&local);
		return r;
	}
	if (!keep_detail && (q = strchr(local.data, '+')) != NULL && q != local.data) {
		local.len = (size_t)(q - local.data);
		local.data[local.len] = '\0';
	}
	if (at == NULL) {
		*out = strbuf_steal(&local);
		return ADDR_OK;
	}
	if ((r = addr_domain(at + 1, (size_t)(end - at - 1), &domain)) != ADDR_OK) {
		strbuf_free(&local);
		return r;
	}
	if (strbuf_putc(&local, '@') != STRBUF_OK ||
	    strbuf_puts(&local, domain) != STRBUF_OK) {
		free(domain);
		strbuf_free(&local);
		return ADDR_NOMEM;
	}
	free(domain);
	*out = strbuf_steal(&local);
	return ADDR_OK;
}

/*
 * route_next - the address a relay could route addr to, in *next
 * (malloc'd), or NULL when addr is no route. The local part is read,
 * in this order: an '@' in it ("security@kernel.org@relay", from a
 * quoted local part) goes to the local part itself, as a relay does
 * that strips its own domain; "a%b" goes to a@b (rightmost '%');
 * "h!u" goes to u@h (first '!').
 */
static int
route_next(const char *addr, char **next)
{
	const char *at = strrchr(addr, '@'), *pct, *bang, *inner;
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	int n;

	*next = NULL;
	inner = memrchr(addr, '@', llen);
	pct = memrchr(addr, '%', llen);
	bang = memchr(addr, '!', llen);
	/* A hop needs a mailbox and a host: "a%@b" and "!a@b" lead nowhere. */
	if (pct != NULL && (pct == addr || pct + 1 == addr + llen))
		pct = NULL;
	if (bang != NULL && (bang == addr || bang + 1 == addr + llen))
		bang = NULL;
	if (inner != NULL)
		n = asprintf(next, "%.*s", (int)llen, addr);
	else if (pct != NULL)
		n = asprintf(next, "%.*s@%.*s", (int)(pct - addr), addr,
		    (int)(llen - (size_t)(pct - addr) - 1), pct + 1);
	else if (bang != NULL)
		n = asprintf(next, "%.*s@%.*s", (int)(llen - (size_t)(bang - addr) - 1),
		    bang + 1, (int)(bang - addr), addr);
	else
		return ADDR_OK;
	if (n < 0) {
		*next = NULL;
		return ADDR_NOMEM;
	}
	return ADDR_OK;
}

/*
 * addr_emit_routed - report every address a relay could route addr to,
 * hop by hop (see route_next()), flagged ADDR_HOW_ROUTED. With
 * keep_detail, addr still has its "+detail" and so does each next hop:
 * a relay may apply the route before it removes a detail, and
 * "security+x%kernel.org@relay" then goes to security+x@kernel.org.
 * A chain longer than ADDR_MAX_ROUTE_HOPS is not followed further: its
 * last address is reported once more with ADDR_HOW_CUT, so that the
 * caller can treat the rest as not examined (a limit, never a pass).
 */
static int
addr_emit_routed(const char *addr, addr_sink_fn sink, void *arg, int how, int keep_detail)
{
	char *cur = NULL, *alt = NULL, *canon = NULL, *next = NULL;
	const char *from = addr;
	int depth, r = ADDR_OK;

	for (depth = 0; ; depth++) {
		if ((r = route_next(from, &alt)) != ADDR_OK || alt == NULL)
			break;
		if (depth >= ADDR_MAX_ROUTE_HOPS) {
			r = sink(arg, from, how | ADDR_HOW_ROUTED | ADDR_HOW_CUT);
			break;
		}
		r = addr_canon(alt, strlen(alt), &canon, 0, CANON_INTERNAL);
		if (r == ADDR_OK && keep_detail)
			r = addr_canon(alt, strlen(alt), &next, 1, CANON_INTERNAL);
		free(alt);
		alt = NULL;
		if (r == ADDR_INVALID) {
			r = ADDR_OK;
			break;
		}
		if (r != ADDR_OK)
			break;
		if ((r = sink(arg, canon, how | ADDR_HOW_ROUTED)) != ADDR_OK)
			break;
		free(cur);
		if (next != NULL) {
			cur = next;
			free(canon);
		} else
			cur = canon;
		canon = next = NULL;
		from = cur;
	}
	free(alt);
	free(canon);
	free(next);
	free(cur);
	return r;
}

/*
 * addr_emit_form - normalise one candidate and hand it to the sink, with the
 * addresses its routes lead to; form is CANON_QUOTED or CANON_INTERNAL.
 */
static int
addr_emit_form(const char *s, size_t len, addr_sink_fn sink, void *arg, int how, int form)
{
	char *canon, *full = NULL;
	int r;

	r = addr_canon(s, len, &canon, 0, form);
	if (r == ADDR_INVALID)
		return ADDR_OK;
	if (r != ADDR_OK)
		return r;
	r = sink(arg, canon, how);
	if (r == ADDR_OK)
		r = addr_emit_routed(canon, sink, arg, how, 0);
	/* The same route read before the detail is removed (see above). */
	if (r == ADDR_OK && memchr(s, '+', len) != NULL &&
	    (r = addr_canon(s, len, &full, 1, form)) == ADDR_OK &&
	    strcmp(full, canon) != 0)
		r = addr_emit_routed(full, sink, arg, how, 1);
	if (r == ADDR_INVALID)
		r = ADDR_OK;
	free(full);
	free(canon);
	return r;
}

/* addr_emit - addr_emit_form() for a quoted (external) address */
static int
addr_emit(const char *s, size_t len, addr_sink_fn sink, void *arg, int how)
{
	return addr_emit_form(s, len, sink, arg, how, CANON_QUOTED);
}

static int addr_search_tokens(const char *, addr_sink_fn, void *);

/* What an smtp_path_fn hands on to an address sink. */
struct addr_reading {
	addr_sink_fn	 sink;
	void		*arg;
	int		 r;		/* the first result that stopped it */
};

/* addr_reading_emit - smtp_path_fn: one internal-form address to the sink */
static int
addr_reading_emit(void *arg, const char *internal, int reading)
{
	struct addr_reading *rd = arg;

	(void)reading;	/* every MTA's reading counts alike */
	rd->r = addr_emit_form(internal, strlen(internal), rd->sink, rd->arg, 0, CANON_INTERNAL);
	return rd->r != ADDR_OK;
}

/* addr_reading_result - the ADDR_* result of an smtp_path read */
static int
addr_reading_result(const struct addr_reading *rd, int r)
{
	return r == SMTP_PATH_STOPPED ? rd->r : r == SMTP_PATH_NOMEM ? ADDR_NOMEM : ADDR_OK;
}

/*
 * addr_from_envelope - one SMTP path ("<a@b>", "a@b", "<>"), read as
 * Postfix's smtpd and Sendmail read it (smtp_path.c). A path that holds
 * more than one address (Postfix answers 501; another MTA may not) is
 * read both as one address and as damaged text.
 */
int
addr_from_envelope(const char *arg, addr_sink_fn sink, void *sinkarg)
{
	struct addr_reading rd = { sink, sinkarg, ADDR_OK };
	int r = smtp_path_read(arg, addr_reading_emit, &rd);

	if (r != SMTP_PATH_AMBIGUOUS)
		return addr_reading_result(&rd, r);
	if ((r = addr_emit(arg, strlen(arg), sink, sinkarg, 0)) != ADDR_OK)
		return r;
	return addr_search_tokens(arg, sink, sinkarg);
}

/*
 * addr_header_is_clean - lexical sanity of an address-list header value.
 * Sets *at_count to the '@' signs outside quoted strings, comments and
 * domain literals. Returns 1 when quotes, comments, angle brackets and
 * brackets balance and groups are well formed.
 */
int
addr_header_is_clean(const char *v, size_t *at_count)
{
	int comment = 0, angle = 0, literal = 0, group = 0;
	size_t ats = 0, angle_ats = 0;

	for (; *v != '\0'; v++) {
		if (*v == '\\') {
			if (v[1] == '\0')
				return 0;
			v++;
			continue;
		}
		if (comment > 0) {
			if (*v == '(')
				comment++;
			else if (*v == ')')
				comment--;
			continue;
		}
		if (literal) {
			if (*v == ']')
				literal = 0;
			else if (*v == '[')
				return 0;
			continue;
		}
		switch (*v) {
		case '"':
			for (v++; *v != '"'; v++) {
				if (*v == '\0')
					return 0;
				if (*v == '\\' && *++v == '\0')
					return 0;
			}
			break;
		case '(':
			comment = 1;
			break;
		case ')':
			return 0;
		case '[':
			literal = 1;
			break;
		case ']':
			return 0;
		case '<':
			if (angle)
				return 0;
			angle = 1;
			angle_ats = 0;
			break;
		case '>':
			if (!angle)
				return 0;
			angle = 0;
			ats += angle_ats;
			break;
		case ':':
			/*
			 * Inside <> a ':' ends an obsolete source route
			 * ("<@relay:a@b>"): its '@' signs are the route's,
			 * which the parser drops, not lost addresses.
			 */
			if (angle)
				angle_ats = 0;
			else {
				if (group)
					return 0;
				group = 1;
			}
			break;
		case ';':
			if (angle || !group)
				return 0;
			group = 0;
			break;
		case '@':
			if (angle)
				angle_ats++;
			else
				ats++;
			break;
		}
	}
	*at_count = ats;
	return comment == 0 && !angle && !literal && !group;
}

struct addr_walk {
	const char	*value;		/* the raw header value */
	addr_sink_fn	 sink;
	void		*arg;
	size_t		 ats;		/* '@' in the addresses GMime returned */
	int		 warned;	/* GMime reported an invalid list */
	int		 error;
};

/* addr_gmime_warning - GMime's parser warning callback: the header did not parse cleanly */
static void
addr_gmime_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer data)
{
	struct addr_walk *w = data;

	if (code == GMIME_WARN_INVALID_ADDRESS_LIST)
		w->warned = 1;
}

/* count_unquoted_at - the number of '@' outside quoted strings */
static size_t
count_unquoted_at(const char *s)
{
	size_t n = 0;
	int inquote = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			inquote = !inquote;
		else if (*s == '@' && !inquote)
			n++;
	}
	return n;
}

static int is_token_delim(unsigned char);

/*
 * addr_gmime_cut - did GMime return a prefix of a longer token? True when
 * the raw value holds a, never as a whole token, but followed by an '@'
 * ("security@kernel.org@evil.example" parses as "security@kernel.org").
 */
static int
addr_gmime_cut(const char *value, const char *a)
{
	const char *p;
	size_t n = strlen(a);
	int cut = 0;

	for (p = value; (p = strstr(p, a)) != NULL; p++) {
		if ((p == value || is_token_delim((unsigned char)p[-1])) &&
		    is_token_delim((unsigned char)p[n]))
			return 0;
		if (p[n] == '@')
			cut = 1;
	}
	return cut;
}

/* addr_walk_list - report every mailbox of a parsed list, flattening groups */
static int
addr_walk_list(InternetAddressList *list, struct addr_walk *w, int depth)
{
	int i, n, r;

	n = internet_address_list_length(list);
	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *members =
			    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));

			if (depth > 0)
				w->warned = 1;	/* nested groups are not RFC 5322 */
			if (members != NULL &&
			    (r = addr_walk_list(members, w, depth + 1)) != ADDR_OK)
				return r;
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *a = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));

			if (a == NULL || *a == '\0')
				continue;
			w->ats += count_unquoted_at(a);
			if (addr_gmime_cut(w->value, a))
				continue;
			if ((r = addr_emit(a, strlen(a), w->sink, w->arg, 0)) != ADDR_OK)
				return r;
		}
	}
	return ADDR_OK;
}

/* is_token_delim - does c end a bare address token? */
static int
is_token_delim(unsigned char c)
{
	return c == '\0' || isspace(c) || c < 0x20 || c == 0x7f ||
	    strchr("<>,;:\"()[]", c) != NULL;
}

/* quoted_close - for '"' at p, its closing quote, or NULL */
static const char *
quoted_close(const char *p)
{
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p == '"' ? p : NULL;
}

/*
 * addr_search_tokens - the fail-safe text search of a damaged value:
 * every whole token that holds an '@', and every quoted local part with
 * the domain that follows it ("security"@kernel.org), which a damaged
 * value may hide from the parser. Quoted strings are looked at from left
 * to right and never again, so the search stays linear.
 */
static int
addr_search_tokens(const char *v, addr_sink_fn sink, void *arg)
{
	const char *p = v, *start, *close, *qlimit = v;
	int r;

	while (*p != '\0') {
		if (*p == '"' && p >= qlimit) {
			if ((close = quoted_close(p)) == NULL)
				qlimit = p + strlen(p);
			else {
				qlimit = close + 1;
				if (close[1] == '@') {
					start = p;
					for (p = close + 1; *p != '\0' &&
					    !is_token_delim((unsigned char)*p); p++)
						;
					if ((r = addr_emit(start, (size_t)(p - start), sink, arg,
					    ADDR_HOW_DAMAGED)) != ADDR_OK)
						return r;
					continue;
				}
			}
		}
		if (is_token_delim((unsigned char)*p)) {
			p++;
			continue;
		}
		start = p;
		while (*p != '\0' && !is_token_delim((unsigned char)*p))
			p++;
		if (memchr(start, '@', (size_t)(p - start)) != NULL &&
		    (r = addr_emit(start, (size_t)(p - start), sink, arg,
		    ADDR_HOW_DAMAGED)) != ADDR_OK)
			return r;
	}
	return ADDR_OK;
}

/* count_char - occurrences of c in s */
static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/* count_char_n - occurrences of c in the len bytes at s */
static size_t
count_char_n(const char *s, size_t len, char c)
{
	size_t n = 0;

	for (; len > 0; s++, len--)
		n += *s == c;
	return n;
}

/*
 * addr_gmime_copy - the text GMime should parse instead of value, in *out
 * (malloc'd), or NULL in *out to parse value itself. Two defects of GMime
 * 3.2 are kept away from it:
 * - it leaks memory on every parse of an address followed by an
 *   unterminated comment ("a@[1](x"), which a sender could repeat in every
 *   header. Its parser reads an open comment to the end anyway, so closing
 *   every comment that may be open (after a space, in case the value ends
 *   in a backslash) gives the same addresses without the leak. GMime
 *   does not always read quotes and literals the way
 *   addr_header_is_clean() does, so this is done unless the value is
 *   clean, its parentheses pair up and it has no backslash.
 * - it recurses once for each group it opens, so "g:g:g:..." (40,000 of
 *   them, 80 KB) overflows an 8 MiB stack and kills the daemon. Past
 *   ADDR_MAX_GMIME_COLONS, ':' becomes ' ' (not ',', which would feed
 *   the quadratic case of addr_gmime_pieces()). Such a value is damaged
 *   (groups can not nest), so the text search reads it as well.
 * The clean/damaged test and the text search still read the value as
 * received.
 */
static int
addr_gmime_copy(const char *value, int clean, char **out)
{
	size_t open = count_char(value, '('), colons = 0, len, i;
	char *c;

	*out = NULL;
	/* Only when no lexer could see every comment closed. */
	if (clean && open == count_char(value, ')') && strchr(value, '\\') == NULL)
		open = 0;
	if (open == 0 && count_char(value, ':') <= ADDR_MAX_GMIME_COLONS)
		return ADDR_OK;
	len = strlen(value);
	if ((c = malloc(len + open + 2)) == NULL)
		return ADDR_NOMEM;
	for (i = 0; i < len; i++)
		c[i] = value[i] == ':' && ++colons > ADDR_MAX_GMIME_COLONS ? ' ' : value[i];
	c[len] = ' ';
	memset(c + len + 1, ')', open);
	c[len + 1 + open] = '\0';
	*out = c;
	return ADDR_OK;
}

/* addr_gmime_parse - one text through GMime, reporting its mailboxes */
static int
addr_gmime_parse(const char *text, int clean, GMimeParserOptions *opts,
    struct addr_walk *w)
{
	InternetAddressList *list;
	char *copy;
	int r = ADDR_OK;

	if (addr_gmime_copy(text, clean, &copy) != ADDR_OK)
		return ADDR_NOMEM;
	list = internet_address_list_parse(opts, copy != NULL ? copy : text);
	free(copy);
	if (list != NULL) {
		r = addr_walk_list(list, w, 0);
		g_object_unref(list);
	}
	return r;
}

/*
 * addr_gmime_pieces - a long value through GMime one list element at a
 * time. GMime's list parser takes time quadratic in the number of
 * elements without a domain ("x,x,x,..."): 400 KB of them kept a thread
 * busy for minutes, and 8 KB take 30 ms, which 4 MiB of headers repeat
 * 500 times. So a value longer than ADDR_GMIME_WHOLE is cut at
 * the commas outside quoted strings, comments and (in a clean value)
 * angle brackets. In a clean value, a group's "name:" and its closing ';'
 * (which addr_header_is_clean() found well placed) are left out too, so
 * that each piece is a plain mailbox and a group of any size reads as
 * its members. A piece without '@' holds no address and is skipped.
 * Should GMime read quotes or comments differently, a piece could still
 * hold many elements for it; one with more than ADDR_GMIME_PIECE_COMMAS
 * commas is skipped too, which leaves its '@' uncounted, so the whole
 * value is then searched as text.
 */
static int
addr_gmime_pieces(const char *v, int clean, GMimeParserOptions *opts, struct addr_walk *w)
{
	const char *p, *start = v;
	size_t comment = 0;
	int quoted = 0, angle = 0, r;
	char *piece;

	for (p = v; ; p++) {
		int outside = !quoted && comment == 0 && !angle;

		if (*p == '\0' || (outside && (*p == ',' || (clean && *p == ';')))) {
			size_t len = (size_t)(p - start);

			if (memchr(start, '@', len) != NULL &&
			    count_char_n(start, len, ',') <= ADDR_GMIME_PIECE_COMMAS) {
				if ((piece = strndup(start, len)) == NULL)
					return ADDR_NOMEM;
				r = addr_gmime_parse(piece, clean, opts, w);
				free(piece);
				if (r != ADDR_OK)
					return r;
			}
			if (*p == '\0')
				return ADDR_OK;
			start = p + 1;
		} else if (clean && outside && *p == ':')
			start = p + 1;		/* a group's name is no address */
		else if (*p == '\\' && p[1] != '\0')
			p++;
		else if (comment > 0)
			comment += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		else if (quoted)
			quoted = *p != '"';
		else if (*p == '"')
			quoted = 1;
		else if (*p == '(')
			comment = 1;
		else if (clean && *p == '<')
			angle = 1;
		else if (clean && *p == '>')
			angle = 0;
	}
}

/*
 * addr_simple_element - one element of a simple list: "local@domain" or
 * "phrase <local@domain>"; sets *a and *alen, or returns -1 when it is neither.
 */
static int
addr_simple_element(const char *p, const char *end, const char **a, size_t *alen)
{
	const char *lt, *q;

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p == end)
		return -1;
	if ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		/* The phrase holds no '@' and the brackets close at the end. */
		if (end[-1] != '>' || memchr(p, '@', (size_t)(lt - p)) != NULL)
			return -1;
		p = lt + 1;
		end--;
	}
	for (q = p; q < end; q++)
		if (isspace((unsigned char)*q) || *q == '<' || *q == '>')
			return -1;
	if (p == end || count_char_n(p, (size_t)(end - p), '@') != 1 || *p == '@' || end[-1] == '@')
		return -1;
	/* Two dots in a row ("kernel.org..") are no dot-atom: GMime's to judge. */
	if (memmem(p, (size_t)(end - p), "..", 2) != NULL)
		return -1;
	*a = p;
	*alen = (size_t)(end - p);
	return 0;
}

/*
 * addr_simple_list - the common case without GMime: a comma-separated list
 * of plain ASCII "local@domain" or "phrase <local@domain>" with no quotes,
 * comments, groups, encoded words, escapes or literals. For such a value
 * RFC 5322 leaves no room for interpretation, and GMime returns the same
 * addresses (the unit tests compare the two on every table row). Returns
 * ADDR_INVALID, having reported nothing, when the value is not that simple.
 */
int
addr_simple_list(const char *value, addr_sink_fn sink, void *sinkarg)
{
	const char *p, *start, *a;
	size_t alen, n = 0;
	int r;

	for (p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80 || strchr("\"()\\:;[]", c) != NULL ||
		    (c == '=' && p[1] == '?') || (c < 0x20 && !isspace(c)))
			return ADDR_INVALID;
	}
	/* Check every element before reporting any. */
	for (start = p = value; ; p++) {
		if (*p == ',' || *p == '\0') {
			if (addr_simple_element(start, p, &a, &alen) < 0)
				return ADDR_INVALID;
			n++;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	for (start = p = value; ; p++) {
		if (*p == ',' || *p == '\0') {
			(void)addr_simple_element(start, p, &a, &alen);
			if ((r = addr_emit(a, alen, sink, sinkarg, 0)) != ADDR_OK)
				return r;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return n > 0 ? ADDR_OK : ADDR_INVALID;
}

/* addr_from_header - report the recipients in one header value */
int
addr_from_header(const char *value, addr_sink_fn sink, void *sinkarg)
{
	int r = addr_simple_list(value, sink, sinkarg);

	return r != ADDR_INVALID ? r : addr_rfc5322_list(value, sink, sinkarg);
}

/*
 * addr_rfc5322_list - any value, through GMime's RFC 5322 parser and the
 * MTAs' own reading (smtp_list_read()), with the damage checks and the
 * fail-safe text search described above.
 */
int
addr_rfc5322_list(const char *value, addr_sink_fn sink, void *sinkarg)
{
	struct addr_walk w = { value, sink, sinkarg, 0, 0, 0 };
	struct addr_reading rd = { sink, sinkarg, ADDR_OK };
	GMimeParserOptions *opts;
	size_t ats = 0;
	int clean, r, mta_read = SMTP_PATH_OK;

	clean = addr_header_is_clean(value, &ats);
	opts = g_mime_parser_options_new();
	if (opts == NULL)
		return ADDR_NOMEM;
	g_mime_parser_options_set_warning_callback(opts, addr_gmime_warning, &w);
	if (strlen(value) <= ADDR_GMIME_WHOLE)
		r = addr_gmime_parse(value, clean, opts, &w);
	else
		r = addr_gmime_pieces(value, clean, opts, &w);
	g_mime_parser_options_free(opts);
	if (r == ADDR_OK && (mta_read = smtp_list_read(value, addr_reading_emit, &rd)) !=
	    SMTP_PATH_TOOLONG)
		r = addr_reading_result(&rd, mta_read);
	/* What the MTAs' reading could not take is searched as text. */
	if (r == ADDR_OK && (!clean || w.warned || w.ats != ats || mta_read == SMTP_PATH_TOOLONG))
		r = addr_search_tokens(value, sink, sinkarg);
	return r;
}
