/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime_scan - MIME facts from a body seen in chunks
 * SYNOPSIS
 *	s = mime_scan_new();
 *	mime_scan_header(s, name, value);	each top-level header
 *	mime_scan_body(s, chunk, len);		the body, in any chunks
 *	flags = mime_scan_finish(s);		MIME_* facts (mime.h)
 *	s = mime_scan_free(s);
 * DESCRIPTION
 *	Only used when some rule tests "body ...". The body is never stored:
 *	it is read line by line through one bounded line buffer, and only the
 *	MIME structure is followed. Memory is constant whatever the body size
 *	(struct mime_scan is a few kilobytes, allocated once per message).
 *
 *	The structure is followed as RFC 2046 defines it: a part starts after
 *	a line that is "--" plus the boundary parameter of an enclosing
 *	multipart (up to MIME_SCAN_DEPTH levels are tracked; deeper ones are
 *	read as content of the deepest tracked part), and its headers run to
 *	the first empty line. Part headers are unfolded (a "name=" parameter is
 *	often on a continuation line) and cut at MIME_SCAN_HEADER bytes. Each
 *	part is then classified from its Content-Type, Content-Disposition,
 *	file name and transfer encoding:
 *	- text/plain and text/html that are not named or attached make the
 *	  message's text; html-only and html-alternative come from those;
 *	- Markdown, RST and HTML documents (by type or file name) are markup;
 *	- a named or "attachment" part, and any non-text part, is an
 *	  attachment, except the parts that carry a PGP or S/MIME signature
 *	  and the contents of multipart/encrypted, which the sender did not
 *	  attach;
 *	- an attachment is executable by type, by file name, or when its
 *	  first base64 line starts with the encoding of an ELF, PE, Mach-O or
 *	  Java class header (a binary with an innocent name).
 *	Inline text/plain that is not base64 encoded is also read for Markdown
 *	(code fences, "## " headings): two such lines make it markup, as AI
 *	tools produce it.
 *
 *	A line that merely starts with "--" (a signature separator, a diff)
 *	is content, never a boundary, unless it is one of the boundaries in
 *	force. The scanner never fails: malformed MIME yields fewer facts.
 * SEE ALSO
 *	mime.h, RFC 2045, RFC 2046, RFC 2183, RFC 3156
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_scan.h"

#define MIME_SCAN_LINE		1024	/* longer lines are cut; structure lines are short */
#define MIME_SCAN_HEADER	2048	/* one unfolded part header */
#define MIME_SCAN_DEPTH		8	/* nested multiparts followed */
#define MIME_SCAN_BOUNDARY	72	/* RFC 2046: at most 70 characters */
#define MIME_SCAN_TYPE		64
#define MIME_MARKDOWN_LINES	2	/* marker lines that make text Markdown */

enum mime_state {
	MS_CONTENT,		/* in a leaf part, or a preamble/epilogue */
	MS_HEADERS,		/* in a part's header section */
};

/* What the headers of the part being read said. */
struct mime_part {
	char	 type[MIME_SCAN_TYPE];	/* lower case, no parameters; "" if none */
	char	 boundary[MIME_SCAN_BOUNDARY];
	int	 attachment;	/* Content-Disposition: attachment */
	int	 named;		/* a name or filename parameter */
	int	 exec_name;	/* ... with an executable suffix */
	int	 markup_name;	/* ... with a Markdown, RST or HTML suffix */
	int	 base64;	/* Content-Transfer-Encoding: base64 */
};

struct mime_level {
	char	 boundary[MIME_SCAN_BOUNDARY];
	int	 encrypted;	/* multipart/encrypted: its parts are opaque */
};

struct mime_scan {
	int	 flags;
	int	 has_plain, has_html;
	int	 top_done;		/* the top-level part was classified */
	enum mime_state state;
	struct mime_part part;		/* headers of the part being read */
	struct mime_level levels[MIME_SCAN_DEPTH];
	int	 nlevels;
	/* the leaf part whose content is being read */
	int	 sniff_exec;		/* look at its first base64 line */
	int	 sniff_markdown;	/* count Markdown marker lines */
	int	 markdown_lines;
	int	 in_fence;		/* inside a ``` block */
	char	 header[MIME_SCAN_HEADER];
	size_t	 hlen;
	char	 line[MIME_SCAN_LINE];
	size_t	 len;
};

/* mime_scan_new - a scanner for one message; NULL when out of memory */
struct mime_scan *
mime_scan_new(void)
{
	return calloc(1, sizeof(struct mime_scan));
}

/* mime_scan_free - release a scanner (NULL is fine); returns NULL */
struct mime_scan *
mime_scan_free(struct mime_scan *s)
{
	free(s);
	return NULL;
}

/* has_suffix - v names a file ending in one of suffixes */
static int
has_suffix(const char *v, const char *const suffixes[])
{
	size_t i;

	for (i = 0; suffixes[i] != NULL; i++) {
		const char *p = v;

		while ((p = strcasestr(p, suffixes[i])) != NULL) {
			char next = p[strlen(suffixes[i])];

			if (next == '"' || next == '\0' || next == ';' || isspace((unsigned char)next))
				return 1;
			p++;
		}
	}
	return 0;
}

/* param_value - copy parameter name's value (quoted or not) from v; 0 if absent */
static int
param_value(const char *v, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = v;

	while ((p = strcasestr(p, name)) != NULL) {
		/* Only a whole parameter name: after ';' or white space, before '='. */
		if ((p == v || p[-1] == ';' || isspace((unsigned char)p[-1])) &&
		    p[nlen + strspn(p + nlen, " \t\r\n")] == '=')
			break;
		p++;
	}
	if (p == NULL || outlen == 0)
		return 0;
	p += nlen;
	p += strspn(p, " \t\r\n");
	p++;				/* '=' */
	p += strspn(p, " \t\r\n");
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && n + 1 < outlen; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			out[n++] = *p;
		}
	} else {
		for (; *p != '\0' && *p != ';' && !isspace((unsigned char)*p) &&
		    n + 1 < outlen; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return 1;
}

/* note_header - one (unfolded) header of the part being read */
static void
note_header(struct mime_part *pt, const char *name, const char *value)
{
	static const char *const exec_suffixes[] = {
		/* Not .bin or .out: file system images and logs go by those names. */
		".exe", ".elf", ".so", ".ko", ".dll", ".com", ".scr", ".msi", ".o",
		".jar", ".class", ".apk", ".deb", ".rpm", NULL
	};
	static const char *const markup_suffixes[] = {
		".md", ".markdown", ".rst", ".html", ".htm", ".xhtml", NULL
	};
	size_t n;

	value += strspn(value, " \t\r\n");
	if (strcasecmp(name, "Content-Type") == 0) {
		for (n = 0; value[n] != '\0' && value[n] != ';' &&
		    !isspace((unsigned char)value[n]) && n + 1 < sizeof(pt->type); n++)
			pt->type[n] = (char)tolower((unsigned char)value[n]);
		pt->type[n] = '\0';
		if (strncmp(pt->type, "multipart/", 10) == 0 &&
		    !param_value(value, "boundary", pt->boundary, sizeof(pt->boundary)))
			pt->boundary[0] = '\0';
	} else if (strcasecmp(name, "Content-Disposition") == 0) {
		if (strncasecmp(value, "attachment", 10) == 0)
			pt->attachment = 1;
	} else if (strcasecmp(name, "Content-Transfer-Encoding") == 0) {
		pt->base64 = strncasecmp(value, "base64", 6) == 0;
		return;
	} else
		return;
	/* name= (Content-Type), filename= (Content-Disposition), RFC 2231 name*= */
	if (strcasestr(value, "name=") != NULL || strcasestr(value, "name*") != NULL) {
		pt->named = 1;
		pt->exec_name |= has_suffix(value, exec_suffixes);
		pt->markup_name |= has_suffix(value, markup_suffixes);
	}
}

/* type_in - type is one of types */
static int
type_in(const char *type, const char *const types[])
{
	size_t i;

	for (i = 0; types[i] != NULL; i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

/* classify - the headers of a part are complete: record its facts */
static void
classify(struct mime_scan *s, int top)
{
	static const char *const markup_types[] = {
		"text/markdown", "text/x-markdown", "text/x-rst", "text/prs.fallenstein.rst", NULL
	};
	static const char *const signature_types[] = {
		"application/pgp-signature", "application/pkcs7-signature",
		"application/x-pkcs7-signature", NULL
	};
	static const char *const exec_types[] = {
		"application/x-executable", "application/x-elf", "application/x-sharedlib",
		"application/x-pie-executable", "application/x-object", "application/x-msdownload",
		"application/x-dosexec", "application/vnd.microsoft.portable-executable",
		"application/x-mach-binary", "application/java-archive",
		"application/java-vm", NULL
	};
	struct mime_part *pt = &s->part;
	const char *type = pt->type[0] != '\0' ? pt->type : "text/plain";
	int opaque = !top && s->nlevels > 0 && s->levels[s->nlevels - 1].encrypted;

	s->sniff_exec = s->sniff_markdown = 0;
	s->markdown_lines = s->in_fence = 0;
	if (strncmp(type, "multipart/", 10) == 0) {
		if (pt->boundary[0] != '\0' && s->nlevels < MIME_SCAN_DEPTH) {
			struct mime_level *l = &s->levels[s->nlevels++];

			memcpy(l->boundary, pt->boundary, sizeof(l->boundary));
			l->encrypted = opaque || strcmp(type, "multipart/encrypted") == 0;
		}
		return;
	}
	if (opaque || type_in(type, signature_types))
		return;
	if (pt->markup_name || type_in(type, markup_types))
		s->flags |= MIME_MARKUP;
	if (strncmp(type, "text/", 5) == 0 && !pt->attachment && !pt->named) {
		if (strcmp(type, "text/html") == 0)
			s->has_html = 1;
		else if (strcmp(type, "text/plain") == 0) {
			s->has_plain = 1;
			s->sniff_markdown = !pt->base64;
		}
		return;
	}
	if (strcmp(type, "text/html") == 0)
		s->flags |= MIME_MARKUP;	/* an HTML document, attached */
	s->flags |= MIME_ATTACHMENT;
	if (pt->exec_name || type_in(type, exec_types))
		s->flags |= MIME_EXECUTABLE;
	s->sniff_exec = pt->base64;
}

/* sniff_exec - the first base64 line of an attachment: a program? */
static void
sniff_exec(struct mime_scan *s, const char *line)
{
	static const char *const magic[] = {
		"f0VMR",	/* \177ELF */
		"TVqQ", "TVpQ",	/* MZ: DOS/PE */
		"z/rt", "zvrt",	/* Mach-O */
		"yv66vg",	/* 0xcafebabe: Java class, Mach-O fat */
		NULL
	};
	size_t i;

	line += strspn(line, " \t");
	if (*line == '\0')
		return;		/* wait for the first line with data */
	for (i = 0; magic[i] != NULL; i++)
		if (strncmp(line, magic[i], strlen(magic[i])) == 0)
			s->flags |= MIME_EXECUTABLE;
	s->sniff_exec = 0;
}

/* sniff_markdown - count lines only Markdown writes */
static void
sniff_markdown(struct mime_scan *s, const char *line)
{
	size_t h = strspn(line, "#");

	if (strncmp(line, "```", 3) == 0) {
		s->in_fence = !s->in_fence;
		s->markdown_lines++;
	} else if (!s->in_fence && h >= 2 && h <= 6 && line[h] == ' ')
		s->markdown_lines++;	/* "## Impact"; one '#' is a shell prompt */
	else if (!s->in_fence && strncmp(line, "|---", 4) == 0)
		s->markdown_lines++;	/* a table rule */
	if (s->markdown_lines >= MIME_MARKDOWN_LINES) {
		s->flags |= MIME_MARKUP;
		s->sniff_markdown = 0;
	}
}

/* boundary_level - the level whose boundary line this is, or -1; *close for "--b--" */
static int
boundary_level(const struct mime_scan *s, const char *line, size_t len, int *close)
{
	int i;

	if (len < 3 || line[0] != '-' || line[1] != '-')
		return -1;
	/* Trailing white space after a boundary is allowed (RFC 2046). */
	while (len > 2 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	for (i = s->nlevels - 1; i >= 0; i--) {
		size_t bl = strlen(s->levels[i].boundary);

		if (len < 2 + bl || memcmp(line + 2, s->levels[i].boundary, bl) != 0)
			continue;
		if (len == 2 + bl) {
			*close = 0;
			return i;
		}
		if (len == 4 + bl && line[2 + bl] == '-' && line[3 + bl] == '-') {
			*close = 1;
			return i;
		}
	}
	return -1;
}

/* flush_part_header - hand the unfolded header in s->header to note_header */
static void
flush_part_header(struct mime_scan *s)
{
	char *colon;

	if (s->hlen == 0)
		return;
	s->header[s->hlen] = '\0';
	if ((colon = strchr(s->header, ':')) != NULL) {
		*colon = '\0';
		note_header(&s->part, s->header, colon + 1);
	}
	s->hlen = 0;
}

/* header_append - add to the part header being unfolded, cut at its limit */
static void
header_append(struct mime_scan *s, const char *p, size_t n)
{
	if (n > sizeof(s->header) - 1 - s->hlen)
		n = sizeof(s->header) - 1 - s->hlen;
	memcpy(s->header + s->hlen, p, n);
	s->hlen += n;
}

/* scan_line - one body line (no line end) */
static void
scan_line(struct mime_scan *s)
{
	int close, lvl;

	s->line[s->len] = '\0';
	if (s->len > 0 && s->line[s->len - 1] == '\r')
		s->line[--s->len] = '\0';
	if ((lvl = boundary_level(s, s->line, s->len, &close)) >= 0) {
		if (s->state == MS_HEADERS) {
			/* A part with no body: still a part. */
			flush_part_header(s);
			classify(s, 0);
		}
		s->nlevels = close ? lvl : lvl + 1;
		s->sniff_exec = s->sniff_markdown = 0;
		memset(&s->part, 0, sizeof(s->part));
		s->hlen = 0;
		s->state = close ? MS_CONTENT : MS_HEADERS;
		return;
	}
	if (s->state == MS_HEADERS) {
		if (s->len == 0) {
			flush_part_header(s);
			classify(s, 0);
			s->state = MS_CONTENT;
		} else if (s->line[0] == ' ' || s->line[0] == '\t') {
			if (s->hlen > 0)
				header_append(s, s->line, s->len);
		} else {
			flush_part_header(s);
			header_append(s, s->line, s->len);
		}
		return;
	}
	if (s->sniff_exec)
		sniff_exec(s, s->line);
	if (s->sniff_markdown)
		sniff_markdown(s, s->line);
}

/* mime_scan_header - a top-level header (value may hold folded lines) */
void
mime_scan_header(struct mime_scan *s, const char *name, const char *value)
{
	if (!s->top_done)
		note_header(&s->part, name, value);
}

/* mime_scan_body - the next chunk of the body */
void
mime_scan_body(struct mime_scan *s, const char *chunk, size_t len)
{
	const char *p = chunk, *end = chunk + len, *nl;
	size_t n, room;

	if (!s->top_done) {
		classify(s, 1);
		s->top_done = 1;
	}
	/* Line by line; what does not fit the line buffer is cut, as before. */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		room = sizeof(s->line) - 1 - s->len;
		memcpy(s->line + s->len, p, n < room ? n : room);
		s->len += n < room ? n : room;
		if (nl == NULL)
			break;
		scan_line(s);
		s->len = 0;
		p = nl + 1;
	}
}

/* mime_scan_finish - the facts; call once at end of message */
int
mime_scan_finish(struct mime_scan *s)
{
	if (!s->top_done) {
		classify(s, 1);
		s->top_done = 1;
	}
	if (s->len > 0) {
		scan_line(s);
		s->len = 0;
	}
	if (s->state == MS_HEADERS) {
		flush_part_header(s);
		classify(s, 0);
		s->state = MS_CONTENT;
	}
	if (s->has_html && !s->has_plain)
		s->flags |= MIME_HTML_ONLY;
	else if (s->has_html && s->has_plain)
		s->flags |= MIME_HTML_ALTERNATIVE;
	return s->flags;
}
