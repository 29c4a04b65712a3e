/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	hdrblock - read a header block
 * SYNOPSIS
 *	hdrblock_init(&hb, HDRBLOCK_MTA, cap, max, emit, arg);
 *	while (...) if (hdrblock_line(&hb, line, len) != HDRBLOCK_IN) ...;
 *	hdrblock_finish(&hb);  hdrblock_free(&hb);
 *	hdrblock_parse(text, &headers, &n);	(HDRBLOCK_QUEUE, into an array)
 *	hdrblock_parse_mail(text, len, max, &headers, &n);	(HDRBLOCK_MTA, likewise)
 * DESCRIPTION
 *	The one header-block reader. Lines come without their line break
 *	(the caller removes "\n" and one "\r"). A line that starts with a
 *	space or a tab continues the header before it and is kept with a
 *	"\n" before it; each complete header goes to emit(name, value).
 *
 *	HDRBLOCK_MTA reads mail the way Postfix's cleanup and milter client
 *	read it (msgfile.c, for ccguard -t and the fuzzers):
 *	- a header line is a name of printable ASCII other than ':' and
 *	  white space, optional spaces or tabs, then ':' ("Cc : x" is the
 *	  header Cc with the value "x");
 *	- the first line that is neither a header line nor a continuation
 *	  (an empty line, "X Foo: y", ": x", a name with a control or 8-bit
 *	  byte, a line that continues nothing) ends the block: HDRBLOCK_END;
 *	- one space after the colon is not part of the value;
 *	- a header longer than cap (counting its name, the colon and the line
 *	  breaks) is cut there, and the rest of it is dropped; a cut before
 *	  the colon keeps no header.
 *
 *	HDRBLOCK_QUEUE reads what the MTA wrote itself (postcat -h, ctl/):
 *	a name is whatever comes before the first ':' of a line, the spaces
 *	and tabs after the colon are not part of the value, and a line
 *	without a colon is skipped; the block never ends early.
 *
 *	max bounds one header in memory whatever the mode: HDRBLOCK_ERROR
 *	beyond it, as when memory runs out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hdrblock.h"
#include "msg.h"

/*
 * header_name_length - the length of the header name that starts line,
 * or 0 when the line is no header line (Postfix's is_header() rules).
 */
static size_t
header_name_length(const char *line, size_t len)
{
	size_t i, name = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ':')
			return name;
		if (c == ' ' || c == '\t') {
			if (name == 0)
				return 0;
			/* Only white space may come between the name and ':'. */
			for (; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
				;
			return i < len && line[i] == ':' ? name : 0;
		}
		if (c < 0x21 || c > 0x7e)
			return 0;
		name++;
	}
	return 0;
}

/* hdrblock_init - a reader in mode; cap as the MTA cuts, max bytes per header in memory */
void
hdrblock_init(struct hdrblock *hb, enum hdrblock_mode mode, size_t cap, size_t max,
    hdrblock_fn emit, void *arg)
{
	memset(hb, 0, sizeof(*hb));
	hb->mode = mode;
	hb->cap = mode == HDRBLOCK_MTA ? cap : 0;
	hb->emit = emit;
	hb->arg = arg;
	strbuf_init(&hb->cur, max);
}

/* flush - hand the header collected so far to emit; -1 when emit fails */
static int
flush(struct hdrblock *hb)
{
	struct strbuf *h = &hb->cur;
	char *value;
	int r = 0;

	if (h->len == 0)
		return 0;
	value = h->data + hb->name_len;
	while (*value == ' ' || *value == '\t')
		value++;
	/* No colon left: the MTA's cut fell before it, and keeps no header. */
	if (*value == ':') {
		h->data[hb->name_len] = '\0';
		value++;
		if (hb->mode == HDRBLOCK_QUEUE)
			while (*value == ' ' || *value == '\t')
				value++;
		else if (*value == ' ')
			value++;
		r = hb->emit(hb->arg, h->data, value);
	}
	strbuf_reset(h);
	return r;
}

/* append_capped - add text to the header, cut at the cap (0: none); -1 when it does not fit */
static int
append_capped(struct hdrblock *hb, const char *text, size_t len)
{
	struct strbuf *h = &hb->cur;

	if (hb->cap > 0 && h->len >= hb->cap)
		return 0;
	if (hb->cap > 0 && len > hb->cap - h->len)
		len = hb->cap - h->len;
	return strbuf_append(h, text, len) == STRBUF_OK ? 0 : -1;
}

/* hdrblock_line - one line (without its line break) of the header block */
enum hdrblock_status
hdrblock_line(struct hdrblock *hb, const char *line, size_t len)
{
	const char *colon;

	if (len > 0 && (line[0] == ' ' || line[0] == '\t') && hb->cur.len > 0) {
		if (append_capped(hb, "\n", 1) < 0 || append_capped(hb, line, len) < 0)
			return HDRBLOCK_ERROR;
		return HDRBLOCK_IN;
	}
	if (hb->mode == HDRBLOCK_QUEUE) {
		if ((colon = memchr(line, ':', len)) == NULL || colon == line)
			return HDRBLOCK_IN;	/* not a header: skipped */
		if (flush(hb) < 0)
			return HDRBLOCK_ERROR;
		hb->name_len = (size_t)(colon - line);
	} else {
		if (flush(hb) < 0)
			return HDRBLOCK_ERROR;
		if (len == 0 || (hb->name_len = header_name_length(line, len)) == 0)
			return HDRBLOCK_END;
	}
	return append_capped(hb, line, len) < 0 ? HDRBLOCK_ERROR : HDRBLOCK_IN;
}

/* hdrblock_finish - hand over the last header; -1 when emit fails */
int
hdrblock_finish(struct hdrblock *hb)
{
	return flush(hb);
}

/* hdrblock_free - free the reader's buffer */
void
hdrblock_free(struct hdrblock *hb)
{
	strbuf_free(&hb->cur);
}

struct header_array {
	struct msg_header *v;
	size_t		 n;
};

/* collect - hdrblock_fn: append a copy of the header to a header_array */
static int
collect(void *arg, const char *name, const char *value)
{
	struct header_array *a = arg;
	struct msg_header *nv;

	if ((nv = realloc(a->v, (a->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	a->v = nv;
	nv[a->n].name = strdup(name);
	nv[a->n].value = strdup(value);
	a->n++;
	return nv[a->n - 1].name == NULL || nv[a->n - 1].value == NULL ? -1 : 0;
}

/* parse_block - the header block of text (len bytes) in mode into an array; -1 on error */
static int
parse_block(const char *text, size_t len, enum hdrblock_mode mode, size_t max,
    struct msg_header **out, size_t *n)
{
	struct header_array a = { NULL, 0 };
	struct hdrblock hb;
	const char *p = text, *end = text + len, *nl;
	enum hdrblock_status st = HDRBLOCK_IN;
	size_t ll;
	int r = 0;

	hdrblock_init(&hb, mode, 0, max, collect, &a);
	while (p < end && st == HDRBLOCK_IN) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if ((st = hdrblock_line(&hb, p, ll)) == HDRBLOCK_ERROR)
			r = -1;
		p = nl != NULL ? nl + 1 : end;
	}
	if (r == 0 && hdrblock_finish(&hb) < 0)
		r = -1;
	hdrblock_free(&hb);
	if (r < 0) {
		hdrblock_headers_free(a.v, a.n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

/* hdrblock_parse - "Name: value" lines the MTA wrote (folded) into an array; -1 out of memory */
int
hdrblock_parse(const char *text, struct msg_header **out, size_t *n)
{
	return parse_block(text, strlen(text), HDRBLOCK_QUEUE, 0, out, n);
}

/*
 * hdrblock_parse_mail - the header block of a whole message (len bytes),
 * read as the MTA reads mail it is given (HDRBLOCK_MTA), values raw (folded,
 * nothing decoded); -1 when out of memory or a header is longer than max
 */
int
hdrblock_parse_mail(const char *text, size_t len, size_t max, struct msg_header **out,
    size_t *n)
{
	return parse_block(text, len, HDRBLOCK_MTA, max, out, n);
}

/* hdrblock_headers_free - free hdrblock_parse()'s array */
void
hdrblock_headers_free(struct msg_header *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}
