/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mime.h - MIME facts about a message body that rules can test.
 */
#ifndef CCGUARD_MIME_H
#define CCGUARD_MIME_H

#define MIME_HTML_ONLY		0x01	/* text/html with no text/plain */
#define MIME_HTML_ALTERNATIVE	0x02	/* text/plain with a text/html alternative */
#define MIME_MARKUP		0x04	/* a Markdown, RST or HTML document part */
#define MIME_ATTACHMENT		0x08	/* any attachment */
#define MIME_EXECUTABLE		0x10	/* an attachment that is a program */

int	mime_flag_from_name(const char *);
const char *mime_flag_names(int flags, char *buf, unsigned long size);

#endif
