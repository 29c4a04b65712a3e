/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	smtp_path - the addresses an MTA takes from an SMTP path or a header
 * SYNOPSIS
 *	r = smtp_path_read("<security(x)@kernel.org>", fn, arg);
 *	r = smtp_list_read("Team: a@example.org, b@example.org;", fn, arg);
 * DESCRIPTION
 *	With strict_rfc821_envelopes = no (the default), Postfix's smtpd does
 *	not read "<local@domain>" by RFC 5321: it reads the argument of MAIL
 *	FROM and RCPT TO with its RFC 822 address parser and keeps whatever
 *	single address that parser finds. Its sendmail -t and its cleanup
 *	read the addresses of a header with the same parser. A milter is
 *	handed the argument and the header as the client sent them, so
 *	ccguard must repeat that reading, or forms such as
 *	"<security (x) @ kernel . org>" or "linux-distros@\"vs.openwall.org\""
 *	would reach their mailbox unseen.
 *
 *	The reading, step by step:
 *	- for a path, one pair of angle brackets around the whole argument
 *	  is removed, and then a leading source route ("@relay:" up to the
 *	  first ':');
 *	- the rest is cut into RFC 822 tokens: atoms, quoted strings, domain
 *	  literals, comments (which are dropped) and one-character operators
 *	  (the RFC 822 specials plus '%', '!' and '|'); white space separates
 *	  tokens and is otherwise dropped;
 *	- the tokens are grouped into addresses from right to left: a
 *	  "<...>" route address is one address and the phrase in front of it
 *	  is no address; ',' and ';' end an address; a ':' after a ';' opens
 *	  a group; two words with no operator between them are two addresses
 *	  (a comma is taken as missing);
 *	- a path must hold exactly one address (more is a 501 reply, which
 *	  never reaches the milter); a header may hold any number (a bare
 *	  word, without '@', '%' or '!', names a local user of the MTA's
 *	  own domain and is left out);
 *	- each address is its tokens concatenated without quotes or white
 *	  space: Postfix's internal form, e.g. "security@kernel.org@localhost"
 *	  for "\"security@kernel.org\"@localhost". It is unquoted: an '@'
 *	  inside it may come from a quoted local part. addr.c splits it at
 *	  the last '@', as Postfix's address resolver does.
 *
 *	Sendmail reads the same text with its ruleset 3, which drops
 *	everything up to the first ':' of an address written without angle
 *	brackets ("team:security@kernel.org", ":security@kernel.org",
 *	"\"team x\":security@kernel.org", "mailto:security@kernel.org"), with
 *	or without a closing ';'; inside "<...>" the prefix stays. Such an
 *	address is handed over twice: as Postfix reads it, then without the
 *	prefix (SMTP_READING_SENDMAIL). A ':' inside a quoted string or a
 *	domain literal is no operator, and a source route keeps its ':'.
 *	Either MTA may be the one that delivers, so both readings count.
 * DIAGNOSTICS
 *	SMTP_PATH_OK when every address went to fn, SMTP_PATH_AMBIGUOUS
 *	(nothing handed over) when a path holds more than one address,
 *	SMTP_PATH_TOOLONG when part of a header value was too long to read
 *	(see smtp_list_read()), SMTP_PATH_STOPPED when fn returned nonzero,
 *	SMTP_PATH_NOMEM.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "smtp_path.h"

/* Token types beyond the single-character operators. */
#define TOK_ATOM	256
#define TOK_QUOTED	257
#define TOK_LITERAL	258

/*
 * A header value is read in pieces of at least this many bytes (cut at a
 * comma between addresses); a piece longer than the second without such a
 * comma is not read.
 */
#define SMTP_LIST_PIECE		4096
#define SMTP_LIST_PIECE_MAX	65536

/* State bits of the right-to-left grouping. */
#define WANT_WORD	0x01	/* a word here starts no new address */
#define IN_GROUP	0x02	/* a ';' was seen: ':' opens a group */

struct token {
	int	 type;		/* TOK_* or the operator character */
	size_t	 off, len;	/* value in the token text buffer */
};

struct path_tokens {
	struct token *tok;
	size_t	 n;
	char	*text;		/* token values, unquoted */
	size_t	 used;
};

/* is_path_space - white space between tokens (Postfix's set) */
static int
is_path_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_operator - a one-character token: RFC 822 specials, '%', '!', '|' */
static int
is_operator(unsigned char c)
{
	return c != '\0' && c != '\\' && strchr("|%!()<>@,;:\".[]", c) != NULL;
}

/*
 * collect - read a word from s up to the first character for which
 * stop() is true (or the end): a backslash takes the next character
 * literally. With t, the value goes to the text buffer, white space as
 * one space each. Returns the first character after the word.
 */
static const char *
collect(struct path_tokens *pt, struct token *t, const char *s,
    int (*stop)(unsigned char, unsigned char), unsigned char close)
{
	if (t != NULL)
		t->off = pt->used;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\') {
			if (s[1] == '\0') {
				s++;	/* a trailing backslash escapes nothing */
				break;
			}
			c = (unsigned char)*++s;
		} else if (stop(c, close))
			break;
		if (t != NULL)
			pt->text[pt->used++] = is_path_space(c) ? ' ' : (char)c;
	}
	if (t != NULL)
		t->len = pt->used - t->off;
	return s;
}

/* atom_stop - does c end an atom? */
static int
atom_stop(unsigned char c, unsigned char unused)
{
	(void)unused;
	return is_path_space(c) || is_operator(c);
}

/* close_stop - does c close the bracket being read? */
static int
close_stop(unsigned char c, unsigned char close)
{
	return c == close;
}

/* skip_comment - for s just past '(', the first character after the comment */
static const char *
skip_comment(const char *s)
{
	size_t depth = 1;

	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			if (s[1] == '\0')
				return s + 1;
			s++;
		} else if (*s == '(')
			depth++;
		else if (*s == ')' && --depth == 0)
			return s + 1;
	}
	return s;
}

/*
 * scan_token - the one reader of Postfix's RFC 822 tokens. For s at
 * white space or a token: the token's type in *type (0 for a comment) and
 * the character after it, or NULL at the end of the text. With t, a word's
 * value goes to pt's text buffer.
 */
static const char *
scan_token(const char *s, struct path_tokens *pt, struct token *t, int *type)
{
	unsigned char c;

	while (is_path_space((unsigned char)*s))
		s++;
	if ((c = (unsigned char)*s) == '\0')
		return NULL;
	if (c == '(') {
		*type = 0;
		return skip_comment(s + 1);
	}
	if (c == '"' || c == '[') {
		*type = c == '"' ? TOK_QUOTED : TOK_LITERAL;
		s = collect(pt, t, s + 1, close_stop, c == '"' ? '"' : ']');
		return *s != '\0' ? s + 1 : s;	/* past the closing quote or bracket */
	}
	if (is_operator(c)) {
		*type = c;
		if (t != NULL)
			t->off = t->len = 0;
		return s + 1;
	}
	*type = TOK_ATOM;
	return collect(pt, t, s, atom_stop, 0);
}

/*
 * smtp_path_token_count - how many tokens Postfix's RFC 822 scanner cuts
 * text into (comments count, white space does not), counting no further
 * than stop. Postfix drops what lies past header_address_token_limit
 * tokens when it rewrites an address header.
 */
size_t
smtp_path_token_count(const char *s, size_t stop)
{
	size_t n = 0;
	int type;

	while (n < stop && (s = scan_token(s, NULL, NULL, &type)) != NULL)
		n++;
	return n;
}

/* tokenize - cut text into tokens; comments are dropped */
static void
tokenize(struct path_tokens *pt, const char *s)
{
	struct token *t;

	for (t = &pt->tok[0]; (s = scan_token(s, pt, t, &t->type)) != NULL;
	    t = &pt->tok[pt->n])
		if (t->type != 0)
			pt->n++;
}

static int
is_word(int type)
{
	return type == TOK_ATOM || type == TOK_QUOTED || type == TOK_LITERAL;
}

/* One address found: tokens [first, end), and whether "<...>" enclosed them. */
struct path_span {
	size_t	 first, end;
	int	 bracketed;
};

/*
 * find_addresses - group the tokens into addresses, right to left, as
 * described above, into span[] (room for pt->n entries, rightmost
 * first). Returns how many there are.
 */
static size_t
find_addresses(const struct path_tokens *pt, struct path_span *span)
{
	/* Token positions are offset by one, so that 0 is "before the first". */
	size_t right = pt->n + 1, tp = pt->n, count = 0;
	int state = WANT_WORD;

#define ADDRESS(l, r, b) do {						\
		if ((l) + 1 < (r)) {					\
			span[count].first = (l);			\
			span[count].end = (r) - 1;			\
			span[count++].bracketed = (b);			\
		}							\
	} while (0)
#define TYPE(p)	(pt->tok[(p) - 1].type)

	while (tp > 0) {
		int type = TYPE(tp);

		if (type == ';') {
			ADDRESS(tp, right, 0);
			right = tp;
			state = IN_GROUP | WANT_WORD;
		} else if (type == ':' && (state & IN_GROUP)) {
			ADDRESS(tp, right, 0);
			while (tp > 0 && TYPE(tp) != ',')
				tp--;
			right = tp;
			continue;
		} else if (type == '>') {
			size_t lt = tp;

			ADDRESS(tp, right, 0);
			while (lt > 0 && TYPE(lt) != '<')
				lt--;
			ADDRESS(lt, tp, 1);
			/* The phrase in front of '<' is no address. */
			while (lt > 0 && (TYPE(lt) > 0xff || strchr(">;,:", TYPE(lt)) == NULL))
				lt--;
			right = tp = lt;
			state |= WANT_WORD;
			continue;
		} else if (is_word(type)) {
			if (!(state & WANT_WORD)) {
				ADDRESS(tp, right, 0);
				right = tp + 1;
			}
			state &= ~WANT_WORD;
		} else if (type == ',') {
			ADDRESS(tp, right, 0);
			right = tp;
			state |= WANT_WORD;
		} else
			state |= WANT_WORD;
		tp--;
	}
	ADDRESS(0, right, 0);
#undef ADDRESS
#undef TYPE
	return count;
}

/* internalize - the tokens [first, end) as one string, unquoted */
static char *
internalize(const struct path_tokens *pt, size_t first, size_t end)
{
	size_t i, len = 0;
	char *out, *p;

	for (i = first; i < end; i++)
		len += pt->tok[i].type == TOK_LITERAL ? pt->tok[i].len + 2 :
		    is_word(pt->tok[i].type) ? pt->tok[i].len : 1;
	if ((p = out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = first; i < end; i++) {
		const struct token *t = &pt->tok[i];

		if (t->type == TOK_LITERAL)
			*p++ = '[';
		if (is_word(t->type)) {
			memcpy(p, pt->text + t->off, t->len);
			p += t->len;
		} else
			*p++ = (char)t->type;
		if (t->type == TOK_LITERAL)
			*p++ = ']';
	}
	*p = '\0';
	return out;
}

/* hand_over - the tokens [first, end) as one internal address to fn */
static int
hand_over(const struct path_tokens *pt, size_t first, size_t end, int reading,
    smtp_path_fn fn, void *fnarg)
{
	char *internal = internalize(pt, first, end);
	int r;

	if (internal == NULL)
		return SMTP_PATH_NOMEM;
	r = fn(fnarg, internal, reading);
	free(internal);
	return r != 0 ? SMTP_PATH_STOPPED : SMTP_PATH_OK;
}

/*
 * hand_over_readings - one address to fn as Postfix reads it, and, when
 * it was written without angle brackets and has a "name:" prefix, again
 * as Sendmail's ruleset 3 reads it: without everything up to the first
 * ':'. A source route ("@relay:...") is no such prefix.
 */
static int
hand_over_readings(const struct path_tokens *pt, const struct path_span *sp,
    smtp_path_fn fn, void *fnarg)
{
	size_t colon;
	int r;

	if ((r = hand_over(pt, sp->first, sp->end, SMTP_READING_POSTFIX, fn, fnarg)) !=
	    SMTP_PATH_OK || sp->bracketed || pt->tok[sp->first].type == '@')
		return r;
	for (colon = sp->first; colon < sp->end; colon++)
		if (pt->tok[colon].type == ':')
			break;
	if (colon + 1 >= sp->end)
		return SMTP_PATH_OK;
	return hand_over(pt, colon + 1, sp->end, SMTP_READING_SENDMAIL, fn, fnarg);
}

/* path_tokens_new - room for the tokens of text: at most one per byte */
static int
path_tokens_new(struct path_tokens *pt, size_t len)
{
	pt->n = pt->used = 0;
	pt->tok = malloc((len + 1) * sizeof(*pt->tok));
	pt->text = malloc(len + 1);
	return pt->tok != NULL && pt->text != NULL ? 0 : -1;
}

/* path_tokens_free - what path_tokens_new() allocated */
static void
path_tokens_free(struct path_tokens *pt)
{
	free(pt->tok);
	free(pt->text);
}

/* smtp_path_read - the one address of an SMTP path argument, to fn */
int
smtp_path_read(const char *arg, smtp_path_fn fn, void *fnarg)
{
	struct path_tokens pt;
	struct path_span *span = NULL;
	size_t len = strlen(arg), count;
	const char *text = arg, *colon;
	char *unbracketed = NULL;
	int r = SMTP_PATH_NOMEM;

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		if ((unbracketed = strndup(arg + 1, len - 2)) == NULL)
			return SMTP_PATH_NOMEM;
		text = unbracketed;
	}
	if (*text == '@' && (colon = strchr(text, ':')) != NULL)
		text = colon + 1;
	len = strlen(text);
	if (path_tokens_new(&pt, len) < 0 ||
	    (span = malloc((len + 1) * sizeof(*span))) == NULL)
		goto out;
	tokenize(&pt, text);
	count = find_addresses(&pt, span);
	if (count > 1)
		r = SMTP_PATH_AMBIGUOUS;
	else if (count == 0)
		r = fn(fnarg, "", SMTP_READING_POSTFIX) != 0 ? SMTP_PATH_STOPPED : SMTP_PATH_OK;
	else {
		/* Brackets around the whole path enclose its address. */
		span[0].bracketed |= unbracketed != NULL;
		r = hand_over_readings(&pt, &span[0], fn, fnarg);
	}
out:
	path_tokens_free(&pt);
	free(span);
	free(unbracketed);
	return r;
}

/*
 * names_a_host - does the address hold '@', '%' or '!' (outside quoted
 * strings)? A bare word in a header is a local name of the MTA's own
 * domain, which no rule's list can name; a long value holds many.
 */
static int
names_a_host(const struct path_tokens *pt, const struct path_span *sp)
{
	size_t i;

	for (i = sp->first; i < sp->end; i++)
		if (pt->tok[i].type == '@' || pt->tok[i].type == '%' || pt->tok[i].type == '!')
			return 1;
	return 0;
}

/* read_piece - every address of one piece of a header value, left to right, to fn */
static int
read_piece(const char *piece, size_t len, smtp_path_fn fn, void *fnarg)
{
	struct path_tokens pt;
	struct path_span *span = NULL;
	char *text = NULL;
	size_t count;
	int r = SMTP_PATH_NOMEM;

	if (path_tokens_new(&pt, len) < 0 || (text = strndup(piece, len)) == NULL ||
	    (span = malloc((len + 1) * sizeof(*span))) == NULL)
		goto out;
	tokenize(&pt, text);
	r = SMTP_PATH_OK;
	for (count = find_addresses(&pt, span); count > 0 && r == SMTP_PATH_OK; count--)
		if (names_a_host(&pt, &span[count - 1]))
			r = hand_over_readings(&pt, &span[count - 1], fn, fnarg);
out:
	path_tokens_free(&pt);
	free(span);
	free(text);
	return r;
}

/*
 * smtp_list_read - every address of a header value, left to right, to fn.
 * The value is read in pieces of about SMTP_LIST_PIECE bytes, cut at
 * commas outside quoted strings, comments, domain literals and angle
 * brackets, so that memory stays bounded whatever the value's size (the
 * parser keeps a record per token). A piece may cut a group in two; its
 * members are read all the same. A piece of more than SMTP_LIST_PIECE_MAX
 * bytes without such a comma is not read: SMTP_PATH_TOOLONG once the rest
 * has been.
 */
int
smtp_list_read(const char *value, smtp_path_fn fn, void *fnarg)
{
	const char *start = value, *s = value, *next;
	int type, angle = 0, r = SMTP_PATH_OK, unread = 0;

	for (;;) {
		next = scan_token(s, NULL, NULL, &type);
		if (next == NULL || (type == ',' && !angle &&
		    (size_t)(next - start) > SMTP_LIST_PIECE)) {
			size_t len = next == NULL ? strlen(start) : (size_t)(next - 1 - start);

			if (len > SMTP_LIST_PIECE_MAX)
				unread = 1;
			else if ((r = read_piece(start, len, fn, fnarg)) != SMTP_PATH_OK)
				return r;
			if (next == NULL)
				return unread ? SMTP_PATH_TOOLONG : SMTP_PATH_OK;
			start = next;
		} else if (type == '<')
			angle = 1;
		else if (type == '>')
			angle = 0;
		s = next;
	}
}
