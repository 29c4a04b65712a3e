/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime_names - the words the rule language uses for MIME facts
 * DESCRIPTION
 *	Shared by the rule parser (body conditions, examples) and by traces.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "mime.h"

static const struct {
	const char	*name;
	int		 flag;
} mime_names[] = {
	{ "html-only",		MIME_HTML_ONLY },
	{ "html-alternative",	MIME_HTML_ALTERNATIVE },
	{ "markup",		MIME_MARKUP },
	{ "attachment",		MIME_ATTACHMENT },
	{ "executable",		MIME_EXECUTABLE },
};

/* mime_flag_from_name - the MIME_* flag a rule-file word names, or 0 */
int
mime_flag_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(mime_names) / sizeof(mime_names[0]); i++)
		if (strcmp(s, mime_names[i].name) == 0)
			return mime_names[i].flag;
	return 0;
}

/* mime_flag_names - "html-only,attachment" for a mask; "none" for 0 */
const char *
mime_flag_names(int flags, char *buf, unsigned long size)
{
	size_t i;

	if (size == 0)
		return "";
	buf[0] = '\0';
	for (i = 0; i < sizeof(mime_names) / sizeof(mime_names[0]); i++) {
		if (!(flags & mime_names[i].flag))
			continue;
		if (buf[0] != '\0')
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, mime_names[i].name, size - strlen(buf) - 1);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "none");
	return buf;
}
