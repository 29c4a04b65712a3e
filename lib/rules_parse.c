/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	rules_parse - the rule language: lexer and recursive-descent parser
 * SYNOPSIS
 *	rules_parse_file(rs, path, diag);	add one file's lists, rules, examples
 *	rules_resolve(rs, diag);		bind list names once all files are read
 * DESCRIPTION
 *	The grammar (ccguard.rules(5) has the full text):
 *
 *	file	= { list | rule | example }
 *	list	= "list" NAME "{" { ADDRESS | "@"DOMAIN | /REGEX/flags
 *		      | "file" STRING | "file?" STRING } "}"
 *	rule	= "rule" NAME "{" "when" expr
 *		      "action" ( "reject" [CODE [DSN]] | "tempfail" [CODE [DSN]]
 *		               | "hold" | "notify" | "monitor" | "accept" )
 *		      [ "reply" STRING ] [ "guidance" STRING ] "}"
 *	expr	= term { "or" term }
 *	term	= factor { "and" factor }
 *	factor	= "not" factor | "(" expr ")" | atom
 *	atom	= "recipient" "in" NAME [ "via" SCOPE { "," SCOPE } ]
 *		| "sender" "in" NAME | "header" NAME ( "matches" /RE/ | "exists" )
 *		| "authenticated" | "always" | "body" PROP { "," PROP }
 *	example	= "example" [STRING] "{" { "sender" ADDR | "rcpt" ADDR...
 *		      | "header" STRING | "auth" NAME | "body" PROP...
 *		      } "expect" ACTION [RULE] "}"
 *
 *	Newlines are white space; '#' starts a comment. Paths are relative to
 *	the directory of the file that names them. A list file named with
 *	"file?" is optional: when it does not exist the entry adds nothing (the
 *	operator's own list, e.g. /etc/ccguard/exempt-senders, that the shipped
 *	rules read when it is there); any other error is still an error. Every error is reported as
 *	file:line and parsing resumes after the block that holds it, so one
 *	run lists them all. The caller discards the ruleset when the diag
 *	holds any error: a rule file is never half loaded. Running out of
 *	memory is such an error ("out of memory" at the file and line being
 *	read): a list entry, condition or example that could not be stored
 *	must never load as a smaller one.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "mime.h"
#include "rules_parse.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "strmap.h"
#include "template.h"

#define RULES_MAX_FILE		(16 * 1024 * 1024)
#define RULES_MAX_DEPTH		64	/* nesting of ( ) and not */
#define RULES_MAX_NAME		128

enum tok {
	T_EOF, T_WORD, T_STRING, T_REGEX, T_LBRACE, T_RBRACE, T_LPAREN,
	T_RPAREN, T_COMMA, T_ERROR
};

struct lexer {
	const char	*p;		/* next unread byte */
	const char	*end;
	int		 line;
	/* the current token */
	enum tok	 tok;
	int		 tokline;
	int		 bol;		/* the token starts a line */
	struct strbuf	 text;		/* word, string or regex body */
	char		 flags[8];	/* regex flags */
};

struct parser {
	struct lexer	 lx;
	struct ruleset	*rs;
	struct diag	*d;
	const char	*file;		/* interned */
	char		*dir;		/* for relative paths */
	int		 depth;
};

/* tok_desc - the current token, described for a diagnostic */
static const char *
tok_desc(const struct lexer *lx)
{
	switch (lx->tok) {
	case T_EOF:	return "end of file";
	case T_WORD:	return strbuf_str(&lx->text);
	case T_STRING:	return "a quoted string";
	case T_REGEX:	return "a /pattern/";
	case T_LBRACE:	return "'{'";
	case T_RBRACE:	return "'}'";
	case T_LPAREN:	return "'('";
	case T_RPAREN:	return "')'";
	case T_COMMA:	return "','";
	default:	return "an invalid token";
	}
}

/* is_word_char - can c be part of a bare word? */
static int
is_word_char(unsigned char c)
{
	return c > ' ' && c != 0x7f && strchr("{}(),\"#", c) == NULL;
}

static void lex_token(struct parser *);

/* lex - read the next token; one that did not fit in memory is an error */
static void
lex(struct parser *ps)
{
	struct lexer *lx = &ps->lx;

	lex_token(ps);
	if (lx->tok == T_ERROR || lx->text.error == STRBUF_OK)
		return;
	if (lx->text.error == STRBUF_FULL)
		diag_error(ps->d, ps->file, lx->tokline, "word, string or pattern longer "
		    "than %zu bytes", lx->text.max);
	else
		diag_error(ps->d, ps->file, lx->tokline, "out of memory");
	lx->tok = T_ERROR;
}

/* lex_token - read the next token into lx->text */
static void
lex_token(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	int sawnl = 0;

	strbuf_reset(&lx->text);
	for (;;) {
		while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
			if (*lx->p == '\n') {
				lx->line++;
				sawnl = 1;
			}
			lx->p++;
		}
		if (lx->p < lx->end && *lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	lx->tokline = lx->line;
	lx->bol = sawnl;
	if (lx->p >= lx->end) {
		lx->tok = T_EOF;
		return;
	}
	switch (*lx->p) {
	case '{': lx->p++; lx->tok = T_LBRACE; return;
	case '}': lx->p++; lx->tok = T_RBRACE; return;
	case '(': lx->p++; lx->tok = T_LPAREN; return;
	case ')': lx->p++; lx->tok = T_RPAREN; return;
	case ',': lx->p++; lx->tok = T_COMMA; return;
	case '"':
		for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
			if (*lx->p == '\n') {
				diag_error(ps->d, ps->file, lx->line, "unterminated string");
				lx->tok = T_ERROR;
				return;
			}
			if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
				lx->p++;
			strbuf_putc(&lx->text, *lx->p);
		}
		if (lx->p >= lx->end) {
			diag_error(ps->d, ps->file, lx->tokline, "unterminated string");
			lx->tok = T_ERROR;
			return;
		}
		lx->p++;
		lx->tok = T_STRING;
		return;
	case '/': {
		size_t nf = 0;

		for (lx->p++; lx->p < lx->end && *lx->p != '/'; lx->p++) {
			if (*lx->p == '\n')
				break;
			if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] == '/')
				lx->p++;	/* "\/" is a literal slash */
			else if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
				strbuf_putc(&lx->text, *lx->p++);
			strbuf_putc(&lx->text, *lx->p);
		}
		if (lx->p >= lx->end || *lx->p != '/') {
			diag_error(ps->d, ps->file, lx->tokline, "unterminated /pattern/");
			lx->tok = T_ERROR;
			return;
		}
		lx->p++;
		while (lx->p < lx->end && isalpha((unsigned char)*lx->p)) {
			if (nf + 1 < sizeof(lx->flags))
				lx->flags[nf++] = *lx->p;
			lx->p++;
		}
		lx->flags[nf] = '\0';
		lx->tok = T_REGEX;
		return;
	}
	}
	if (!is_word_char((unsigned char)*lx->p)) {
		diag_error(ps->d, ps->file, lx->line, "unexpected character 0x%02x",
		    (unsigned char)*lx->p);
		lx->p++;
		lx->tok = T_ERROR;
		return;
	}
	while (lx->p < lx->end && is_word_char((unsigned char)*lx->p))
		strbuf_putc(&lx->text, *lx->p++);
	lx->tok = T_WORD;
}

/* is_word - is the current token the bare word w? */
static int
is_word(const struct parser *ps, const char *w)
{
	return ps->lx.tok == T_WORD && strcmp(strbuf_str(&ps->lx.text), w) == 0;
}

static void error_here(struct parser *, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));

/* error_here - report an error at the current token's line */
static void
error_here(struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/*
	 * The lexer has already reported a bad token (and counted the error):
	 * "expected ..., found an invalid token" would only repeat it.
	 */
	if (ps->lx.tok == T_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(ps->d, ps->file, ps->lx.tokline, "%s", msg);
}

/* error_nomem - an allocation failed while reading the current token */
static void
error_nomem(struct parser *ps)
{
	diag_error(ps->d, ps->file, ps->lx.tokline, "out of memory");
}

/* recover - skip to the end of the block the error is in */
static void
recover(struct parser *ps, int inblock)
{
	int depth = 0;

	for (;;) {
		if (ps->lx.tok == T_EOF)
			return;
		if (ps->lx.tok == T_LBRACE)
			depth++;
		else if (ps->lx.tok == T_RBRACE) {
			if (depth == 0 && inblock) {
				lex(ps);
				return;
			}
			if (depth > 0)
				depth--;
		} else if (!inblock && depth == 0 && ps->lx.bol &&
		    (is_word(ps, "list") || is_word(ps, "rule") || is_word(ps, "example")))
			return;
		lex(ps);
	}
}

/* valid_name - is s usable as a list or rule name? */
static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RULES_MAX_NAME || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

/* path_relative - resolve a path against the including file's directory */
static char *
path_relative(const struct parser *ps, const char *path)
{
	char *out;

	if (path[0] == '/' || ps->dir == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", ps->dir, path) < 0)
		return NULL;
	return out;
}

/* compile_regex - compile and JIT a pattern; errors go to diag */
static pcre2_code *
compile_regex(struct parser *ps, const char *pat, const char *flags, int line)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	PCRE2_SIZE off;
	pcre2_code *re;
	int err;

	for (; *flags != '\0'; flags++) {
		switch (*flags) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		default:
			diag_error(ps->d, ps->file, line, "unknown pattern flag '%c'", *flags);
			return NULL;
		}
	}
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR buf[256];

		pcre2_get_error_message(err, buf, sizeof(buf));
		diag_error(ps->d, ps->file, line, "bad pattern /%s/ at offset %zu: %s",
		    pat, (size_t)off, (const char *)buf);
		return NULL;
	}
	/* JIT is an optimisation: without it (e.g. W^X systems) matching still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* listset_add - record that key belongs to list id */
static int
listset_add(struct strmap *map, const char *key, int id)
{
	struct listset *ls = strmap_get(map, key), *nls;
	size_t i;

	if (ls != NULL) {
		for (i = 0; i < ls->n; i++)
			if (ls->ids[i] == id)
				return 0;	/* duplicate entry: harmless */
	}
	nls = realloc(ls, sizeof(*nls) + ((ls != NULL ? ls->n : 0) + 1) * sizeof(int));
	if (nls == NULL)
		return -1;
	if (ls == NULL)
		nls->n = 0;
	nls->ids[nls->n++] = id;
	/* Replacing a key's value never allocates; a new key may fail. */
	if (strmap_put(map, key, nls, NULL) < 0) {
		if (ls == NULL)
			free(nls);
		return -1;
	}
	return 0;
}

/* list_add_entry - one address, "@domain" or pattern-less entry */
static void
list_add_entry(struct parser *ps, int id, const char *entry, const char *file, int line)
{
	struct addrlist *l = &ps->rs->lists[id];
	char *canon = NULL;
	int r;

	if (entry[0] == '@') {
		/* Normalise the domain the same way as message addresses. */
		char *probe;

		if (asprintf(&probe, "x%s", entry) < 0) {
			diag_error(ps->d, file, line, "out of memory");
			return;
		}
		r = addr_normalize(probe, strlen(probe), &canon);
		free(probe);
		if (r == ADDR_NOMEM) {
			diag_error(ps->d, file, line, "out of memory");
			return;
		}
		if (r != ADDR_OK || strchr(canon, '@') == NULL) {
			diag_error(ps->d, file, line, "bad domain entry \"%s\"", entry);
			free(canon);
			return;
		}
		if (listset_add(ps->rs->domains, strchr(canon, '@') + 1, id) < 0)
			diag_error(ps->d, file, line, "out of memory");
		l->ndomains++;
		free(canon);
		return;
	}
	if (strchr(entry, '@') == NULL ||
	    (r = addr_normalize(entry, strlen(entry), &canon)) != ADDR_OK) {
		if (strchr(entry, '@') != NULL && r == ADDR_NOMEM)
			diag_error(ps->d, file, line, "out of memory");
		else
			diag_error(ps->d, file, line, "bad address \"%s\" (want local@domain, "
			    "@domain or /pattern/)", entry);
		return;
	}
	if (listset_add(ps->rs->literals, canon, id) < 0)
		diag_error(ps->d, file, line, "out of memory");
	l->nliterals++;
	free(canon);
}

/*
 * combinable_source - the pattern as "(?flags:source)" for ruleset.c's
 * prefilter in *out, or NULL there when it can not be combined with
 * others unchanged: numbered or named back references, recursion,
 * conditions and verbs depend on the pattern standing alone. -1 when out
 * of memory.
 */
static int
combinable_source(const char *src, const char *flags, char **out)
{
	static const char *const unsafe[] = {
		"\\g", "\\k", "(?P", "(?&", "(?R", "(?(", "(*", "(?+", "(?-", NULL
	};
	const char *p;
	size_t i;

	*out = NULL;
	for (i = 0; unsafe[i] != NULL; i++)
		if (strstr(src, unsafe[i]) != NULL)
			return 0;
	for (p = src; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			if (isdigit((unsigned char)p[1]))
				return 0;
			p++;
		} else if (p[0] == '(' && p[1] == '?' && isdigit((unsigned char)p[2]))
			return 0;
	}
	/* A trailing newline ends an x-mode comment before the group closes. */
	if (asprintf(out, "(?%s:%s%s)", flags, src, strchr(flags, 'x') != NULL ? "\n" : "") < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

/* list_add_pattern - a compiled pattern joins list id (which then owns it) */
static void
list_add_pattern(struct parser *ps, int id, pcre2_code *re, const char *src,
    const char *flags, const char *file, int line)
{
	struct addrlist *l = &ps->rs->lists[id];
	pcre2_code **np;
	char **ns, *combined;

	if (combinable_source(src, flags, &combined) < 0 ||
	    (np = realloc(l->patterns, (l->npatterns + 1) * sizeof(*np))) == NULL ||
	    (l->patterns = np, ns = realloc(l->pattern_srcs, (l->npatterns + 1) * sizeof(*ns))) == NULL) {
		free(combined);
		pcre2_code_free(re);
		diag_error(ps->d, file, line, "out of memory");
		return;
	}
	l->pattern_srcs = ns;
	ns[l->npatterns] = combined;
	np[l->npatterns++] = re;
}

/* list_load_file - entries from a file: one per line, '#' comments */
static void
list_load_file(struct parser *ps, int id, const char *path, int optional)
{
	const char *display;
	char *full, *line = NULL, *p, *e;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	FILE *fp;

	if ((full = path_relative(ps, path)) == NULL ||
	    (display = ruleset_intern_file(ps->rs, full)) == NULL) {
		free(full);
		error_nomem(ps);
		return;
	}
	if (optional)
		ps->rs->lists[id].optional = 1;
	if ((fp = fopen(full, "r")) == NULL) {
		/* "file?": a missing file is an empty one, nothing worse. */
		if (optional && errno == ENOENT) {
			free(full);
			return;
		}
		diag_error(ps->d, ps->file, ps->lx.tokline, "cannot open list file %s: %s",
		    full, strerror(errno));
		free(full);
		return;
	}
	free(full);
	while ((errno = 0, n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		for (p = line; *p != '\0' && isspace((unsigned char)*p); p++)
			;
		for (e = p + strlen(p); e > p && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		if (*p == '/') {
			char *slash = strrchr(p, '/');
			pcre2_code *re;

			if (slash == p) {
				diag_error(ps->d, display, lineno, "unterminated /pattern/");
				continue;
			}
			*slash = '\0';
			{
				const char *savefile = ps->file;

				ps->file = display;
				re = compile_regex(ps, p + 1, slash + 1, lineno);
				ps->file = savefile;
			}
			if (re != NULL)
				list_add_pattern(ps, id, re, p + 1, slash + 1, display, lineno);
			continue;
		}
		list_add_entry(ps, id, p, display, lineno);
	}
	/*
	 * A directory opens, then fails to read; getline() may run out of
	 * memory: never take what was read as the whole list.
	 */
	if (ferror(fp) || !feof(fp))
		diag_error(ps->d, ps->file, ps->lx.tokline, "cannot read list file %s: %s",
		    display, strerror(errno));
	free(line);
	fclose(fp);
}

/* parse_list - "list NAME { entries }" */
static void
parse_list(struct parser *ps)
{
	struct addrlist *nl;
	int id, line = ps->lx.tokline;

	lex(ps);
	if (ps->lx.tok != T_WORD || !valid_name(strbuf_str(&ps->lx.text))) {
		error_here(ps, "expected a list name after 'list', found %s", tok_desc(&ps->lx));
		recover(ps, 0);
		return;
	}
	if ((id = ruleset_find_list(ps->rs, strbuf_str(&ps->lx.text))) >= 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "list \"%s\" already defined at %s:%d",
		    ps->rs->lists[id].name, ps->rs->lists[id].file, ps->rs->lists[id].line);
		diag_error(ps->d, ps->file, line, "%s", msg);
		recover(ps, 0);
		return;
	}
	if ((nl = realloc(ps->rs->lists, (ps->rs->nlists + 1) * sizeof(*nl))) == NULL) {
		diag_error(ps->d, ps->file, line, "out of memory");
		recover(ps, 0);
		return;
	}
	ps->rs->lists = nl;
	id = (int)ps->rs->nlists;
	memset(&nl[id], 0, sizeof(nl[id]));
	if ((nl[id].name = strdup(strbuf_str(&ps->lx.text))) == NULL) {
		diag_error(ps->d, ps->file, line, "out of memory");
		recover(ps, 0);
		return;
	}
	nl[id].file = ps->file;
	nl[id].line = line;
	ps->rs->nlists++;

	lex(ps);
	if (ps->lx.tok != T_LBRACE) {
		error_here(ps, "expected '{' after the list name, found %s", tok_desc(&ps->lx));
		recover(ps, 0);
		return;
	}
	for (lex(ps); ps->lx.tok != T_RBRACE; ) {
		switch (ps->lx.tok) {
		case T_EOF:
			diag_error(ps->d, ps->file, line, "list \"%s\" is missing its closing '}'",
			    nl[id].name);
			return;
		case T_WORD:
			if (is_word(ps, "file") || is_word(ps, "file?")) {
				int optional = is_word(ps, "file?");

				lex(ps);
				if (ps->lx.tok != T_STRING) {
					error_here(ps, "expected a quoted path after '%s', found %s",
					    optional ? "file?" : "file", tok_desc(&ps->lx));
					recover(ps, 1);
					return;
				}
				list_load_file(ps, id, strbuf_str(&ps->lx.text), optional);
			} else
				list_add_entry(ps, id, strbuf_str(&ps->lx.text), ps->file, ps->lx.tokline);
			break;
		case T_STRING:
			list_add_entry(ps, id, strbuf_str(&ps->lx.text), ps->file, ps->lx.tokline);
			break;
		case T_REGEX: {
			pcre2_code *re = compile_regex(ps, strbuf_str(&ps->lx.text),
			    ps->lx.flags, ps->lx.tokline);

			if (re != NULL)
				list_add_pattern(ps, id, re, strbuf_str(&ps->lx.text), ps->lx.flags,
				    ps->file, ps->lx.tokline);
			break;
		}
		default:
			error_here(ps, "unexpected %s in list", tok_desc(&ps->lx));
			recover(ps, 1);
			return;
		}
		lex(ps);
	}
	lex(ps);
}

/* cond_new - a new condition node of kind, or NULL (diagnosed) */
static struct cond *
cond_new(struct parser *ps, enum cond_kind kind)
{
	struct cond *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		diag_error(ps->d, ps->file, ps->lx.tokline, "out of memory");
		return NULL;
	}
	c->kind = kind;
	c->file = ps->file;
	c->line = ps->lx.tokline;
	c->list = -1;
	return c;
}

static struct cond *parse_expr(struct parser *);

static const struct {
	const char	*name;
	int		 bits;
} scope_names[] = {
	{ "envelope",	ADDR_SRC_ENVELOPE },
	{ "headers",	ADDR_SRC_HEADERS },
	{ "to",		ADDR_SRC_TO },
	{ "cc",		ADDR_SRC_CC },
	{ "resent-to",	ADDR_SRC_RESENT_TO },
	{ "resent-cc",	ADDR_SRC_RESENT_CC },
};

/* scope_from_name - the ADDR_SRC_* bits a scope word names, or 0 */
static int
scope_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (strcasecmp(s, scope_names[i].name) == 0)
			return scope_names[i].bits;
	return 0;
}

/* parse_body_props - "PROP { , PROP }" into MIME_* bits; 0 on error */
static int
parse_body_props(struct parser *ps)
{
	int bits = 0, b;

	for (;;) {
		if (ps->lx.tok != T_WORD ||
		    (b = mime_flag_from_name(strbuf_str(&ps->lx.text))) == 0) {
			error_here(ps, "expected a body property (html-only, html-alternative, "
			    "markup, attachment, executable), found %s", tok_desc(&ps->lx));
			return 0;
		}
		bits |= b;
		lex(ps);
		if (ps->lx.tok != T_COMMA)
			return bits;
		lex(ps);
	}
}

/* parse_atom - one test */
static struct cond *
parse_atom(struct parser *ps)
{
	struct cond *c = NULL;

	if (is_word(ps, "recipient") || is_word(ps, "sender")) {
		int rcpt = is_word(ps, "recipient");

		if ((c = cond_new(ps, rcpt ? COND_RCPT_IN : COND_SENDER_IN)) == NULL)
			return NULL;
		c->scope = ADDR_SRC_ALL;
		lex(ps);
		if (!is_word(ps, "in")) {
			error_here(ps, "expected 'in' after recipient/sender, found %s", tok_desc(&ps->lx));
			goto bad;
		}
		lex(ps);
		if (ps->lx.tok != T_WORD || !valid_name(strbuf_str(&ps->lx.text))) {
			error_here(ps, "expected a list name, found %s", tok_desc(&ps->lx));
			goto bad;
		}
		/* Without its name the condition could never be bound to its list. */
		if ((c->listname = strdup(strbuf_str(&ps->lx.text))) == NULL) {
			error_nomem(ps);
			goto bad;
		}
		c->line = ps->lx.tokline;
		lex(ps);
		if (rcpt && is_word(ps, "via")) {
			c->scope = 0;
			do {
				int bits;

				lex(ps);
				if (ps->lx.tok != T_WORD ||
				    (bits = scope_from_name(strbuf_str(&ps->lx.text))) == 0) {
					error_here(ps, "expected envelope, headers, to, cc, resent-to "
					    "or resent-cc after 'via', found %s", tok_desc(&ps->lx));
					goto bad;
				}
				c->scope |= bits;
				lex(ps);
			} while (ps->lx.tok == T_COMMA);
		}
		return c;
	}
	if (is_word(ps, "header")) {
		if ((c = cond_new(ps, COND_HEADER_EXISTS)) == NULL)
			return NULL;
		lex(ps);
		if (ps->lx.tok != T_WORD && ps->lx.tok != T_STRING) {
			error_here(ps, "expected a header name after 'header', found %s", tok_desc(&ps->lx));
			goto bad;
		}
		if ((c->header = strdup(strbuf_str(&ps->lx.text))) == NULL) {
			error_nomem(ps);
			goto bad;
		}
		lex(ps);
		if (is_word(ps, "exists")) {
			lex(ps);
			return c;
		}
		if (!is_word(ps, "matches")) {
			error_here(ps, "expected 'matches' or 'exists' after the header name, found %s",
			    tok_desc(&ps->lx));
			goto bad;
		}
		lex(ps);
		if (ps->lx.tok != T_REGEX) {
			error_here(ps, "expected a /pattern/ after 'matches', found %s", tok_desc(&ps->lx));
			goto bad;
		}
		c->kind = COND_HEADER_MATCHES;
		if ((c->re = compile_regex(ps, strbuf_str(&ps->lx.text), ps->lx.flags,
		    ps->lx.tokline)) == NULL)
			goto bad;
		lex(ps);
		return c;
	}
	if (is_word(ps, "authenticated") || is_word(ps, "always")) {
		if ((c = cond_new(ps, is_word(ps, "always") ? COND_TRUE : COND_AUTHENTICATED)) == NULL)
			return NULL;
		lex(ps);
		return c;
	}
	if (is_word(ps, "body")) {
		if ((c = cond_new(ps, COND_BODY)) == NULL)
			return NULL;
		lex(ps);
		if ((c->body_flags = parse_body_props(ps)) == 0)
			goto bad;
		return c;
	}
	error_here(ps, "expected a condition (recipient, sender, header, authenticated, "
	    "body, always, not or '('), found %s", tok_desc(&ps->lx));
	return NULL;
bad:
	ruleset_cond_free(c);
	return NULL;
}

/* parse_factor - a condition: not, parentheses or one test */
static struct cond *
parse_factor(struct parser *ps)
{
	struct cond *c, *inner;

	if (++ps->depth > RULES_MAX_DEPTH) {
		error_here(ps, "condition nested too deeply (limit %s)", "64");
		ps->depth--;
		return NULL;
	}
	if (is_word(ps, "not")) {
		lex(ps);
		if ((inner = parse_factor(ps)) == NULL) {
			ps->depth--;
			return NULL;
		}
		if ((c = cond_new(ps, COND_NOT)) == NULL) {
			ruleset_cond_free(inner);
			ps->depth--;
			return NULL;
		}
		c->left = inner;
	} else if (ps->lx.tok == T_LPAREN) {
		lex(ps);
		if ((c = parse_expr(ps)) == NULL) {
			ps->depth--;
			return NULL;
		}
		if (ps->lx.tok != T_RPAREN) {
			error_here(ps, "expected ')', found %s", tok_desc(&ps->lx));
			ruleset_cond_free(c);
			ps->depth--;
			return NULL;
		}
		lex(ps);
	} else
		c = parse_atom(ps);
	ps->depth--;
	return c;
}

/* parse_binary - sub-expressions joined by op, left to right */
static struct cond *
parse_binary(struct parser *ps, const char *op, enum cond_kind kind,
    struct cond *(*sub)(struct parser *))
{
	struct cond *left, *right, *c;

	if ((left = sub(ps)) == NULL)
		return NULL;
	while (is_word(ps, op)) {
		lex(ps);
		if ((right = sub(ps)) == NULL) {
			ruleset_cond_free(left);
			return NULL;
		}
		if ((c = cond_new(ps, kind)) == NULL) {
			ruleset_cond_free(left);
			ruleset_cond_free(right);
			return NULL;
		}
		c->left = left;
		c->right = right;
		left = c;
	}
	return left;
}

/* parse_term - factors joined by 'and' */
static struct cond *
parse_term(struct parser *ps)
{
	return parse_binary(ps, "and", COND_AND, parse_factor);
}

/* parse_expr - terms joined by 'or' */
static struct cond *
parse_expr(struct parser *ps)
{
	return parse_binary(ps, "or", COND_OR, parse_term);
}

/* load_template - a template by path, loaded once per ruleset; NULL: error reported */
static struct template *
load_template(struct parser *ps, const char *path)
{
	struct template *t;
	char *full;
	const char *display;

	if ((full = path_relative(ps, path)) == NULL) {
		error_nomem(ps);
		return NULL;
	}
	if ((t = strmap_get(ps->rs->templates, full)) != NULL) {
		free(full);
		return t;
	}
	if ((display = ruleset_intern_file(ps->rs, full)) == NULL) {
		free(full);
		error_nomem(ps);
		return NULL;
	}
	t = template_load(full, display, ps->d);
	if (t != NULL && strmap_put(ps->rs->templates, full, t, NULL) < 0) {
		t = template_free(t);
		error_nomem(ps);
	}
	free(full);
	return t;
}

/* parse_smtp_code - optional "CODE [DSN]" after reject/tempfail */
static int
parse_smtp_code(struct parser *ps, struct rule *r, char cls)
{
	const char *w;

	if (ps->lx.tok != T_WORD || !isdigit((unsigned char)strbuf_str(&ps->lx.text)[0]))
		return 0;
	w = strbuf_str(&ps->lx.text);
	if (strlen(w) != 3 || w[0] != cls || !isdigit((unsigned char)w[1]) ||
	    !isdigit((unsigned char)w[2])) {
		error_here(ps, "bad SMTP code %s (want %cXX)", w, cls);
		return -1;
	}
	memcpy(r->code, w, 4);
	lex(ps);
	if (ps->lx.tok == T_WORD && isdigit((unsigned char)strbuf_str(&ps->lx.text)[0])) {
		int a, b, c, n = 0;

		w = strbuf_str(&ps->lx.text);
		/* sscanf's %d would also take signs: "5.-1.+1" is no status code. */
		if (strspn(w, "0123456789.") != strlen(w) ||
		    sscanf(w, "%1d.%3d.%3d%n", &a, &b, &c, &n) != 3 || (size_t)n != strlen(w) ||
		    a != cls - '0' || strlen(w) >= sizeof(r->dsn)) {
			error_here(ps, "bad enhanced status code %s (want class.subject.detail, "
			    "same class as the SMTP code)", w);
			return -1;
		}
		memcpy(r->dsn, w, strlen(w) + 1);
		lex(ps);
	}
	return 0;
}

/* parse_rule - "rule NAME { when ... action ... }" */
static void
parse_rule(struct parser *ps)
{
	struct rule *nr, r;
	int line = ps->lx.tokline, have_action = 0;

	memset(&r, 0, sizeof(r));
	lex(ps);
	if (ps->lx.tok != T_WORD || !valid_name(strbuf_str(&ps->lx.text))) {
		error_here(ps, "expected a rule name after 'rule', found %s", tok_desc(&ps->lx));
		recover(ps, 0);
		return;
	}
	if ((nr = ruleset_find_rule(ps->rs, strbuf_str(&ps->lx.text))) != NULL) {
		char msg[256];

		snprintf(msg, sizeof(msg), "rule \"%s\" already defined at %s:%d",
		    nr->name, nr->file, nr->line);
		diag_error(ps->d, ps->file, line, "%s", msg);
		recover(ps, 0);
		return;
	}
	if ((r.name = strdup(strbuf_str(&ps->lx.text))) == NULL) {
		diag_error(ps->d, ps->file, line, "out of memory");
		recover(ps, 0);
		return;
	}
	r.file = ps->file;
	r.line = line;
	r.enabled = 1;
	lex(ps);
	if (ps->lx.tok != T_LBRACE) {
		error_here(ps, "expected '{' after the rule name, found %s", tok_desc(&ps->lx));
		goto bad;
	}
	lex(ps);
	while (ps->lx.tok != T_RBRACE) {
		if (ps->lx.tok == T_EOF) {
			diag_error(ps->d, ps->file, line, "rule \"%s\" is missing its closing '}'", r.name);
			goto bad_noskip;
		}
		if (is_word(ps, "when")) {
			if (r.when != NULL) {
				error_here(ps, "rule has two 'when' lines%s", "");
				goto bad;
			}
			lex(ps);
			if ((r.when = parse_expr(ps)) == NULL)
				goto bad;
		} else if (is_word(ps, "action")) {
			lex(ps);
			if (ps->lx.tok != T_WORD ||
			    action_from_name(strbuf_str(&ps->lx.text), &r.file_action) < 0 ||
			    r.file_action == ACTION_PASS) {
				error_here(ps, "unknown action %s (want reject, tempfail, hold, notify, "
				    "monitor or accept)", tok_desc(&ps->lx));
				goto bad;
			}
			have_action = 1;
			lex(ps);
			if (r.file_action == ACTION_REJECT &&
			    parse_smtp_code(ps, &r, '5') < 0)
				goto bad;
			if (r.file_action == ACTION_TEMPFAIL &&
			    parse_smtp_code(ps, &r, '4') < 0)
				goto bad;
		} else if (is_word(ps, "reply") || is_word(ps, "guidance")) {
			int reply = is_word(ps, "reply");
			struct template *t;

			lex(ps);
			if (ps->lx.tok != T_STRING) {
				error_here(ps, "expected a quoted template path, found %s", tok_desc(&ps->lx));
				goto bad;
			}
			/* A missing text must not load as the built-in one. */
			if ((t = load_template(ps, strbuf_str(&ps->lx.text))) == NULL)
				goto bad;
			if (reply)
				r.reply = t;
			else
				r.guidance = t;
			lex(ps);
		} else {
			error_here(ps, "unknown rule keyword %s (want when, action, reply or guidance)",
			    tok_desc(&ps->lx));
			goto bad;
		}
	}
	lex(ps);
	if (r.when == NULL) {
		diag_error(ps->d, ps->file, line, "rule \"%s\" has no 'when' condition", r.name);
		goto bad_noskip;
	}
	if (!have_action) {
		diag_error(ps->d, ps->file, line, "rule \"%s\" has no 'action'", r.name);
		goto bad_noskip;
	}
	if (r.code[0] == '\0')
		verdict_default_code(r.file_action == ACTION_TEMPFAIL, 0, r.code, r.dsn);
	else if (r.dsn[0] == '\0')
		snprintf(r.dsn, sizeof(r.dsn), "%s", verdict_default_dsn(r.code));
	r.action = r.file_action;
	r.monitor = r.file_action == ACTION_MONITOR;
	if ((nr = realloc(ps->rs->rules, (ps->rs->nrules + 1) * sizeof(*nr))) == NULL) {
		diag_error(ps->d, ps->file, line, "out of memory");
		goto bad_noskip;
	}
	ps->rs->rules = nr;
	nr[ps->rs->nrules++] = r;
	return;
bad:
	recover(ps, 1);
bad_noskip:
	free(r.name);
	ruleset_cond_free(r.when);
}

/* strv_push - append a copy of s to the vector; -1 when out of memory */
static int
strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* parse_example - "example [desc] { sender/rcpt/header/auth/body..., expect }" */
static void
parse_example(struct parser *ps)
{
	struct example ex, *nex;
	int line = ps->lx.tokline, have_expect = 0;

	memset(&ex, 0, sizeof(ex));
	ex.file = ps->file;
	ex.line = line;
	lex(ps);
	if (ps->lx.tok == T_STRING)
		lex(ps);	/* a description, for the reader */
	if (ps->lx.tok != T_LBRACE) {
		error_here(ps, "expected '{' after 'example', found %s", tok_desc(&ps->lx));
		goto bad;
	}
	for (lex(ps); ps->lx.tok != T_RBRACE; ) {
		if (ps->lx.tok == T_EOF) {
			diag_error(ps->d, ps->file, line, "example is missing its closing '}'");
			goto bad_noskip;
		}
		if (is_word(ps, "sender")) {
			lex(ps);
			if (ps->lx.tok != T_WORD && ps->lx.tok != T_STRING) {
				error_here(ps, "expected an address after 'sender', found %s", tok_desc(&ps->lx));
				goto bad;
			}
			free(ex.sender);
			if ((ex.sender = strdup(strbuf_str(&ps->lx.text))) == NULL)
				goto nomem;
			lex(ps);
		} else if (is_word(ps, "rcpt")) {
			lex(ps);
			if (ps->lx.tok != T_WORD && ps->lx.tok != T_STRING) {
				error_here(ps, "expected an address after 'rcpt', found %s", tok_desc(&ps->lx));
				goto bad;
			}
			while (ps->lx.tok == T_WORD || ps->lx.tok == T_STRING) {
				if (is_word(ps, "sender") || is_word(ps, "rcpt") || is_word(ps, "header") ||
				    is_word(ps, "auth") || is_word(ps, "body") || is_word(ps, "expect"))
					break;
				if (strv_push(&ex.rcpts, &ex.nrcpts, strbuf_str(&ps->lx.text)) < 0)
					goto nomem;
				lex(ps);
			}
		} else if (is_word(ps, "header")) {
			const char *h, *colon;
			struct example_header *nh;

			lex(ps);
			if (ps->lx.tok != T_STRING ||
			    (colon = strchr(h = strbuf_str(&ps->lx.text), ':')) == NULL || colon == h) {
				error_here(ps, "expected a quoted \"Name: value\" after 'header', found %s",
				    tok_desc(&ps->lx));
				goto bad;
			}
			if ((nh = realloc(ex.headers, (ex.nheaders + 1) * sizeof(*nh))) == NULL)
				goto nomem;
			ex.headers = nh;
			nh[ex.nheaders].name = strndup(h, (size_t)(colon - h));
			for (colon++; *colon == ' ' || *colon == '\t'; colon++)
				;
			nh[ex.nheaders].value = strdup(colon);
			ex.nheaders++;	/* both freed below if either is missing */
			if (nh[ex.nheaders - 1].name == NULL || nh[ex.nheaders - 1].value == NULL)
				goto nomem;
			lex(ps);
		} else if (is_word(ps, "auth")) {
			lex(ps);
			if (ps->lx.tok != T_WORD && ps->lx.tok != T_STRING) {
				error_here(ps, "expected a user name after 'auth', found %s", tok_desc(&ps->lx));
				goto bad;
			}
			free(ex.auth);
			if ((ex.auth = strdup(strbuf_str(&ps->lx.text))) == NULL)
				goto nomem;
			lex(ps);
		} else if (is_word(ps, "body")) {
			int bits;

			lex(ps);
			if ((bits = parse_body_props(ps)) == 0)
				goto bad;
			ex.body_flags |= bits;
		} else if (is_word(ps, "expect")) {
			lex(ps);
			if (ps->lx.tok != T_WORD ||
			    action_from_name(strbuf_str(&ps->lx.text), &ex.expect_action) < 0) {
				error_here(ps, "expected a verdict (pass, accept, monitor, notify, hold, "
				    "reject, tempfail) after 'expect', found %s", tok_desc(&ps->lx));
				goto bad;
			}
			have_expect = 1;
			lex(ps);
			if (ps->lx.tok == T_WORD && valid_name(strbuf_str(&ps->lx.text))) {
				free(ex.expect_rule);
				if ((ex.expect_rule = strdup(strbuf_str(&ps->lx.text))) == NULL)
					goto nomem;
				lex(ps);
			}
		} else {
			error_here(ps, "unknown example keyword %s (want sender, rcpt, header, auth, "
			    "body or expect)", tok_desc(&ps->lx));
			goto bad;
		}
	}
	lex(ps);
	if (!have_expect) {
		diag_error(ps->d, ps->file, line, "example has no 'expect' line");
		goto bad_noskip;
	}
	if ((nex = realloc(ps->rs->examples, (ps->rs->nexamples + 1) * sizeof(*nex))) == NULL) {
		diag_error(ps->d, ps->file, line, "out of memory");
		goto bad_noskip;
	}
	ps->rs->examples = nex;
	nex[ps->rs->nexamples++] = ex;
	return;
nomem:
	error_nomem(ps);
bad:
	recover(ps, 1);
bad_noskip:
	{
		size_t i;

		free(ex.sender);
		for (i = 0; i < ex.nrcpts; i++)
			free(ex.rcpts[i]);
		free(ex.rcpts);
		for (i = 0; i < ex.nheaders; i++) {
			free(ex.headers[i].name);
			free(ex.headers[i].value);
		}
		free(ex.headers);
		free(ex.auth);
		free(ex.expect_rule);
	}
}

/* rules_parse_text - parse one file's text (display names it in diagnostics) */
int
rules_parse_text(struct ruleset *rs, const char *text, const char *display,
    const char *basedir, struct diag *d)
{
	struct parser ps;
	int before = d->errors;

	memset(&ps, 0, sizeof(ps));
	ps.rs = rs;
	ps.d = d;
	ps.file = ruleset_intern_file(rs, display);
	ps.dir = basedir != NULL ? strdup(basedir) : NULL;
	if (ps.file == NULL || (basedir != NULL && ps.dir == NULL)) {
		diag_error(d, display, 0, "out of memory");
		free(ps.dir);
		return -1;
	}
	strbuf_init(&ps.lx.text, 64 * 1024);
	ps.lx.p = text;
	ps.lx.end = text + strlen(text);
	ps.lx.line = 1;
	lex(&ps);
	ps.lx.bol = 1;
	while (ps.lx.tok != T_EOF) {
		if (is_word(&ps, "list"))
			parse_list(&ps);
		else if (is_word(&ps, "rule"))
			parse_rule(&ps);
		else if (is_word(&ps, "example"))
			parse_example(&ps);
		else {
			if (ps.lx.tok != T_ERROR)
				error_here(&ps, "expected list, rule or example, found %s",
				    tok_desc(&ps.lx));
			lex(&ps);
			recover(&ps, 0);
		}
	}
	strbuf_free(&ps.lx.text);
	free(ps.dir);
	return d->errors > before ? -1 : 0;
}

/* rules_parse_file - read a whole rule file and parse it */
int
rules_parse_file(struct ruleset *rs, const char *path, struct diag *d)
{
	struct strbuf sb;
	char chunk[8192], *dir, *copy;
	size_t n;
	FILE *fp;
	int r;

	if ((fp = fopen(path, "r")) == NULL) {
		diag_error(d, path, 0, "cannot open rule file: %s", strerror(errno));
		return -1;
	}
	strbuf_init(&sb, RULES_MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if ((r = strbuf_append(&sb, chunk, n)) != STRBUF_OK) {
			if (r == STRBUF_FULL)
				diag_error(d, path, 0, "rule file too large (limit 16 MiB)");
			else
				diag_error(d, path, 0, "out of memory");
			fclose(fp);
			strbuf_free(&sb);
			return -1;
		}
	}
	if (ferror(fp)) {
		/* e.g. a directory: it opens, then reads nothing; never load that as empty */
		diag_error(d, path, 0, "cannot read rule file: %s", strerror(errno));
		fclose(fp);
		strbuf_free(&sb);
		return -1;
	}
	fclose(fp);
	if (sb.len > 0 && memchr(sb.data, '\0', sb.len) != NULL) {
		diag_error(d, path, (int)1, "rule file contains a NUL byte");
		strbuf_free(&sb);
		return -1;
	}
	if ((copy = strdup(path)) == NULL) {
		diag_error(d, path, 0, "out of memory");
		strbuf_free(&sb);
		return -1;
	}
	dir = dirname(copy);
	r = rules_parse_text(rs, strbuf_str(&sb), path, dir, d);
	free(copy);
	strbuf_free(&sb);
	return r;
}

/* resolve_cond - turn the list names of a condition tree into indexes */
static void
resolve_cond(struct ruleset *rs, struct cond *c, struct diag *d)
{
	if (c == NULL)
		return;
	if (c->listname != NULL) {
		if ((c->list = ruleset_find_list(rs, c->listname)) < 0)
			diag_error(d, c->file, c->line, "unknown list \"%s\"", c->listname);
		else
			rs->lists[c->list].used = 1;
	}
	resolve_cond(rs, c->left, d);
	resolve_cond(rs, c->right, d);
}

/* rules_resolve - bind list names and example rule names across all files */
int
rules_resolve(struct ruleset *rs, struct diag *d)
{
	size_t i;
	int before = d->errors;

	for (i = 0; i < rs->nrules; i++)
		resolve_cond(rs, rs->rules[i].when, d);
	for (i = 0; i < rs->nexamples; i++) {
		const struct example *ex = &rs->examples[i];

		if (ex->expect_rule != NULL && ruleset_find_rule(rs, ex->expect_rule) == NULL)
			diag_error(d, ex->file, ex->line, "example expects unknown rule \"%s\"",
			    ex->expect_rule);
	}
	return d->errors > before ? -1 : 0;
}
