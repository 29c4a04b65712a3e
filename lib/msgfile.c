/*
 * NAME
 *	msgfile - feed a message file through the milter's own msg functions
 * DESCRIPTION
 *	Used by ccguard -t (and the fuzzers) so that a file gets exactly the
 *	treatment the milter gives a message that Postfix hands it. The header
 *	block is read the way Postfix's cleanup and milter client read it:
 *	- a header line is a name of printable ASCII other than ':' and
 *	  white space, optional spaces or tabs, then ':' ("Cc : x" is the
 *	  header Cc with the value "x");
 *	- a line that starts with a space or a tab continues the header before
 *	  it, and is kept with its line break;
 *	- the first line that is neither (an empty line, "X Foo: y", ": x", a
 *	  name with a control or 8-bit byte, a line that continues nothing)
 *	  ends the header block; an empty line is dropped, any other such line
 *	  is the first line of the body;
 *	- one space after the colon is not part of the value;
 *	- a header longer than the MTA's header_size_limit
 *	  (msg_limits.mta_header_size_limit, counting its name, the colon and
 *	  the line breaks) is cut there, and the rest of it is dropped.
 *	A first line that starts with "From " is an mbox separator and is
 *	skipped, as Postfix's sendmail(1) skips it. Lines may end in LF or
 *	CRLF. The body goes to the MIME scanner when one is given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_scan.h"
#include "msg.h"
#include "msgfile.h"
#include "strbuf.h"

/* Upper bound on one header kept in memory, whatever the MTA's limit. */
#define MSGFILE_MAX_HEADER	(64 * 1024 * 1024)

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

/* flush_header - hand the header collected in h to the msg and the scanner */
static void
flush_header(struct msg *m, struct mime_scan *scan, struct strbuf *h, size_t name_len)
{
	char *value;

	if (h->len == 0)
		return;
	value = h->data + name_len;
	while (*value == ' ' || *value == '\t')
		value++;
	/* No colon left: the MTA's cut fell before it, and keeps no header. */
	if (*value == ':') {
		h->data[name_len] = '\0';
		value++;
		if (*value == ' ')
			value++;
		msg_add_header(m, h->data, value);
		if (scan != NULL)
			mime_scan_header(scan, h->data, value);
	}
	strbuf_reset(h);
}

/*
 * append_capped - add text to the header in h, cutting it at cap bytes
 * (0: no cap); returns -1 only when memory runs out.
 */
static int
append_capped(struct strbuf *h, const char *text, size_t len, size_t cap)
{
	if (cap > 0 && h->len >= cap)
		return 0;
	if (cap > 0 && len > cap - h->len)
		len = cap - h->len;
	return strbuf_append(h, text, len) == STRBUF_OK ? 0 : -1;
}

/* msgfile_read - 0, or -1 with a message in err */
int
msgfile_read(FILE *fp, struct msg *m, struct mime_scan *scan, char *err, size_t errlen)
{
	size_t cap = m->limits.mta_header_size_limit, name_len = 0, linecap = 0;
	struct strbuf h;
	char *line = NULL;
	ssize_t n;
	int in_headers = 1, first = 1;

	strbuf_init(&h, MSGFILE_MAX_HEADER);
	while ((n = getline(&line, &linecap, fp)) != -1) {
		size_t len = (size_t)n;

		if (!in_headers) {
			if (scan != NULL)
				mime_scan_body(scan, line, len);
			continue;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (first && len >= 5 && memcmp(line, "From ", 5) == 0) {
			first = 0;
			continue;
		}
		first = 0;
		if (len > 0 && (line[0] == ' ' || line[0] == '\t') && h.len > 0) {
			if (append_capped(&h, "\n", 1, cap) < 0 ||
			    append_capped(&h, line, len, cap) < 0)
				goto toolong;
			continue;
		}
		flush_header(m, scan, &h, name_len);
		if (len == 0 || (name_len = header_name_length(line, len)) == 0) {
			/* Not a header: the body starts here (after an empty line). */
			in_headers = 0;
			if (len > 0 && scan != NULL) {
				mime_scan_body(scan, line, len);
				mime_scan_body(scan, "\n", 1);
			}
			continue;
		}
		if (append_capped(&h, line, len, cap) < 0)
			goto toolong;
	}
	flush_header(m, scan, &h, name_len);
	free(line);
	strbuf_free(&h);
	if (ferror(fp)) {
		snprintf(err, errlen, "read error");
		return -1;
	}
	return 0;
toolong:
	free(line);
	strbuf_free(&h);
	snprintf(err, errlen, "a header is longer than 64 MiB");
	return -1;
}
