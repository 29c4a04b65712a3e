/*
 * NAME
 *	mime_scan - MIME facts from a body seen in chunks
 * DESCRIPTION
 *	Only used when some rule tests "body ...". The body is never stored:
 *	it is read line by line (one bounded line buffer) and only MIME part
 *	headers are looked at: Content-Type and Content-Disposition, with
 *	their name/filename parameters. From those it derives the MIME_* facts
 *	of mime.h. Memory stays constant whatever the body size.
 *
 *	A part header is recognised as a Content-Type or Content-Disposition
 *	line that follows a boundary line ("--..."), as MIME requires; lines
 *	in the middle of text parts are not part headers.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "mime_scan.h"

#define MIME_SCAN_LINE	1024	/* longer lines are cut; part headers are short */

struct mime_scan {
	int	 flags;
	int	 has_plain, has_html;
	int	 multipart;		/* the top-level type is multipart/ */
	int	 in_part_headers;	/* after a boundary, before a blank line */
	char	 line[MIME_SCAN_LINE];
	size_t	 len;
	int	 overflow;
};

struct mime_scan *
mime_scan_new(void)
{
	return calloc(1, sizeof(struct mime_scan));
}

struct mime_scan *
mime_scan_free(struct mime_scan *s)
{
	free(s);
	return NULL;
}

static int
has_suffix(const char *v, const char *suffixes[])
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

/* mime_note_type - one Content-Type or Content-Disposition value */
static void
mime_note(struct mime_scan *s, const char *name, const char *value)
{
	static const char *exec_suffixes[] = {
		".exe", ".elf", ".bin", ".so", ".ko", ".dll", ".com", ".scr", ".msi", ".out", NULL
	};
	static const char *markup_suffixes[] = { ".md", ".markdown", ".rst", ".html", ".htm", NULL };
	static const char *exec_types[] = {
		"application/x-executable", "application/x-elf", "application/x-sharedlib",
		"application/x-msdownload", "application/x-dosexec", "application/vnd.microsoft.portable-executable",
		"application/x-mach-binary", NULL
	};
	size_t i;

	while (isspace((unsigned char)*value))
		value++;
	if (strcasecmp(name, "Content-Disposition") == 0) {
		if (strncasecmp(value, "attachment", 10) == 0)
			s->flags |= MIME_ATTACHMENT;
	} else {
		if (strncasecmp(value, "text/plain", 10) == 0)
			s->has_plain = 1;
		else if (strncasecmp(value, "text/html", 9) == 0)
			s->has_html = 1;
		else if (strncasecmp(value, "text/markdown", 13) == 0 ||
		    strncasecmp(value, "text/x-markdown", 15) == 0 ||
		    strncasecmp(value, "text/x-rst", 10) == 0 ||
		    strncasecmp(value, "text/prs.fallenstein.rst", 24) == 0)
			s->flags |= MIME_MARKUP;
		else if (strncasecmp(value, "application/", 12) == 0 ||
		    strncasecmp(value, "image/", 6) == 0 ||
		    strncasecmp(value, "audio/", 6) == 0 || strncasecmp(value, "video/", 6) == 0)
			s->flags |= MIME_ATTACHMENT;
		for (i = 0; exec_types[i] != NULL; i++)
			if (strncasecmp(value, exec_types[i], strlen(exec_types[i])) == 0)
				s->flags |= MIME_EXECUTABLE | MIME_ATTACHMENT;
	}
	if (strcasestr(value, "name=") != NULL) {
		s->flags |= MIME_ATTACHMENT;
		if (has_suffix(value, exec_suffixes))
			s->flags |= MIME_EXECUTABLE;
		if (has_suffix(value, markup_suffixes))
			s->flags |= MIME_MARKUP;
	}
}

/* mime_scan_header - a top-level header */
void
mime_scan_header(struct mime_scan *s, const char *name, const char *value)
{
	if (strcasecmp(name, "Content-Type") == 0) {
		const char *v = value;

		while (isspace((unsigned char)*v))
			v++;
		if (strncasecmp(v, "multipart/", 10) == 0)
			s->multipart = 1;
		else
			mime_note(s, name, value);
	} else if (strcasecmp(name, "Content-Disposition") == 0)
		mime_note(s, name, value);
}

static void
mime_scan_line(struct mime_scan *s)
{
	char *colon;

	s->line[s->len] = '\0';
	if (s->len > 0 && s->line[s->len - 1] == '\r')
		s->line[--s->len] = '\0';
	if (s->multipart && s->len >= 2 && s->line[0] == '-' && s->line[1] == '-') {
		s->in_part_headers = 1;
		return;
	}
	if (!s->in_part_headers)
		return;
	if (s->len == 0) {
		s->in_part_headers = 0;
		return;
	}
	if ((colon = strchr(s->line, ':')) == NULL)
		return;
	*colon = '\0';
	if (strcasecmp(s->line, "Content-Type") == 0 &&
	    strncasecmp(colon + 1 + strspn(colon + 1, " \t"), "multipart/", 10) == 0)
		return;
	if (strcasecmp(s->line, "Content-Type") == 0 ||
	    strcasecmp(s->line, "Content-Disposition") == 0)
		mime_note(s, s->line, colon + 1);
}

void
mime_scan_body(struct mime_scan *s, const char *chunk, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (chunk[i] == '\n') {
			mime_scan_line(s);
			s->len = 0;
			continue;
		}
		if (s->len + 1 < sizeof(s->line))
			s->line[s->len++] = chunk[i];
	}
}

/* mime_scan_finish - the facts; call once at end of message */
int
mime_scan_finish(struct mime_scan *s)
{
	if (s->len > 0) {
		mime_scan_line(s);
		s->len = 0;
	}
	if (s->has_html && !s->has_plain)
		s->flags |= MIME_HTML_ONLY;
	else if (s->has_html && s->has_plain)
		s->flags |= MIME_HTML_ALTERNATIVE;
	return s->flags;
}
