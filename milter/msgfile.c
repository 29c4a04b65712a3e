/*
 * NAME
 *	msgfile - feed a message file through the milter's own msg functions
 * DESCRIPTION
 *	Used by ccguard -t (and the fuzzers) so that a file gets exactly the
 *	treatment the milter gives a message: each header, unfolded the way an
 *	MTA hands it to a milter (name without the colon, value without the
 *	leading space, continuation lines kept with their line break), goes to
 *	msg_add_header(); the body goes to the MIME scanner when one is given.
 *	Lines may end in LF or CRLF. A header line without a colon ends the
 *	header section, as it would for the MTA.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_scan.h"
#include "msg.h"
#include "msgfile.h"
#include "strbuf.h"

static void
flush_header(struct msg *m, struct mime_scan *scan, struct strbuf *h)
{
	char *colon, *value;

	if (h->len == 0)
		return;
	if ((colon = strchr(h->data, ':')) != NULL) {
		*colon = '\0';
		value = colon + 1;
		if (*value == ' ')
			value++;
		msg_add_header(m, h->data, value);
		if (scan != NULL)
			mime_scan_header(scan, h->data, value);
	}
	strbuf_reset(h);
}

/* msgfile_read - 0, or -1 with a message in err */
int
msgfile_read(FILE *fp, struct msg *m, struct mime_scan *scan, char *err, size_t errlen)
{
	struct strbuf h;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int in_headers = 1;

	strbuf_init(&h, 64 * 1024 * 1024);
	while ((n = getline(&line, &cap, fp)) != -1) {
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
		if (len == 0) {
			flush_header(m, scan, &h);
			in_headers = 0;
			continue;
		}
		if ((line[0] == ' ' || line[0] == '\t') && h.len > 0) {
			if (strbuf_putc(&h, '\n') != STRBUF_OK ||
			    strbuf_append(&h, line, len) != STRBUF_OK)
				goto toolong;
			continue;
		}
		flush_header(m, scan, &h);
		if (memchr(line, ':', len) == NULL) {
			/* Not a header: the body starts here. */
			in_headers = 0;
			if (scan != NULL) {
				mime_scan_body(scan, line, len);
				mime_scan_body(scan, "\n", 1);
			}
			continue;
		}
		if (strbuf_append(&h, line, len) != STRBUF_OK)
			goto toolong;
	}
	flush_header(m, scan, &h);
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
