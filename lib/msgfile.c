/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	msgfile - feed a message file through the milter's own msg functions
 * DESCRIPTION
 *	Used by ccguard -t (and the fuzzers) so that a file gets exactly the
 *	treatment the milter gives a message that Postfix hands it. The header
 *	block is read the way Postfix's cleanup and milter client read it
 *	(hdrblock.c, HDRBLOCK_MTA, cut where the MTA cuts with a milter
 *	attached: MSG_MTA_HEADER_CUT(mta_header_size_limit)).
 *	A first line that starts with "From " is an mbox separator and is
 *	skipped, as Postfix's sendmail(1) skips it. Lines may end in LF or
 *	CRLF. A NUL byte in a header ends its value for Postfix (the milter
 *	gets C strings) and is dropped by Sendmail, whose milter sees the
 *	value without it. The body goes to the MIME scanner when one is given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdrblock.h"
#include "mime_scan.h"
#include "msg.h"
#include "msgfile.h"
#include "strbuf.h"

/* Upper bound on one header kept in memory, whatever the MTA's limit. */
#define MSGFILE_MAX_HEADER	(64 * 1024 * 1024)

struct msgfile_ctx {
	struct msg	*m;
	struct mime_scan *scan;
};

/* msgfile_header - hdrblock_fn: one header to the msg and the scanner */
static int
msgfile_header(void *arg, const char *name, const char *value)
{
	struct msgfile_ctx *x = arg;

	msg_add_header(x->m, name, value);
	if (x->scan != NULL)
		mime_scan_header(x->scan, name, value);
	return 0;
}

/* drop_nul - remove the NUL bytes of line[0..len); the length left */
static size_t
drop_nul(char *line, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (line[i] != '\0')
			line[n++] = line[i];
	line[n] = '\0';
	return n;
}

/* msgfile_read - 0, or -1 with a message in err */
int
msgfile_read(FILE *fp, struct msg *m, struct mime_scan *scan, enum msgfile_nul nul,
    char *err, size_t errlen)
{
	struct msgfile_ctx x = { m, scan };
	struct hdrblock hb;
	size_t linecap = 0;
	char *line = NULL;
	ssize_t n;
	int in_headers = 1, first = 1;

	hdrblock_init(&hb, HDRBLOCK_MTA, MSG_MTA_HEADER_CUT(m->limits.mta_header_size_limit),
	    MSGFILE_MAX_HEADER, msgfile_header, &x);
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
		if (nul == MSGFILE_NUL_DROPPED)
			len = drop_nul(line, len);
		if (first && len >= 5 && memcmp(line, "From ", 5) == 0) {
			first = 0;
			continue;
		}
		first = 0;
		switch (hdrblock_line(&hb, line, len)) {
		case HDRBLOCK_IN:
			break;
		case HDRBLOCK_END:
			/* Not a header: the body starts here (after an empty line). */
			in_headers = 0;
			if (len > 0 && scan != NULL) {
				mime_scan_body(scan, line, len);
				mime_scan_body(scan, "\n", 1);
			}
			break;
		case HDRBLOCK_ERROR:
			goto toolong;
		}
	}
	hdrblock_finish(&hb);
	free(line);
	hdrblock_free(&hb);
	if (ferror(fp)) {
		snprintf(err, errlen, "read error");
		return -1;
	}
	return 0;
toolong:
	free(line);
	hdrblock_free(&hb);
	snprintf(err, errlen, "a header is longer than 64 MiB");
	return -1;
}
