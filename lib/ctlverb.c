/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlverb.c - ccguardctl's command syntax, written down once
 * SYNOPSIS
 *	ctlverb_line(out, "ccguardctl -c /etc/x.conf", CTLVERB_RELEASE, qid, NULL);
 *	ctlverb_usage(stderr);
 * DESCRIPTION
 *	Each command has its words ("held release"), the argument shape the
 *	usage text shows, and the shape a suggested line takes. In a shape
 *	the words ID, LIST and TEXT stand for the queue id, the list name
 *	and a reason for the moderator to write ("..."). ccguardctl prints
 *	its usage from here and notify.c builds the moderator's lines from
 *	here, so the two can not drift apart.
 * SEE ALSO
 *	ccguardctl(8), notify.c
 */
#include "config.h"

#include <string.h>

#include "ctlverb.h"
#include "strbuf.h"

struct ctlverb_entry {
	int		 verb;		/* enum ctlverb, or -1: usage only */
	const char	*words;		/* after the program name and its options */
	const char	*usage;		/* arguments in the usage text; NULL: not listed */
	const char	*line;		/* arguments in a suggested line */
};

/* In usage order. */
static const struct ctlverb_entry ctlverb_table[] = {
	{ CTLVERB_LIST,		"held list",	"[--json]",		"" },
	{ CTLVERB_SHOW,		"held show",	"ID [--body]",		"ID" },
	{ CTLVERB_RELEASE,	"held release",	"[--without LIST] ID",	"ID" },
	{ CTLVERB_RELEASE_WITHOUT, "held release", NULL,		"--without LIST ID" },
	{ CTLVERB_REJECT,	"held reject",	"ID [--reason TEXT]",	"ID --reason TEXT" },
	{ CTLVERB_DISCARD,	"held discard",	"ID",			"ID" },
	{ -1,			"init-key",	"",			NULL },
	{ -1,			"held digest",	"",			NULL },
	{ -1,			"mail-command | mail-process", "",	NULL },
	{ -1,			"stats",	"[FILE]",		NULL },
};

#define CTLVERB_N	(sizeof(ctlverb_table) / sizeof(ctlverb_table[0]))

/* ctlverb_line - "PREFIX WORDS ARGS" for one command, shape filled in */
void
ctlverb_line(struct strbuf *out, const char *prefix, enum ctlverb verb, const char *id,
    const char *list)
{
	const struct ctlverb_entry *e = NULL;
	const char *s;
	size_t i, n;

	for (i = 0; i < CTLVERB_N; i++)
		if (ctlverb_table[i].verb == (int)verb && ctlverb_table[i].line != NULL)
			e = &ctlverb_table[i];
	if (e == NULL)
		return;
	strbuf_printf(out, "%s %s", prefix, e->words);
	for (s = e->line; *s != '\0'; s += n) {
		while (*s == ' ')
			s++;
		if ((n = strcspn(s, " ")) == 0)
			break;
		strbuf_putc(out, ' ');
		if (n == 2 && strncmp(s, "ID", 2) == 0)
			strbuf_puts(out, id != NULL ? id : "ID");
		else if (n == 4 && strncmp(s, "LIST", 4) == 0)
			strbuf_puts(out, list != NULL ? list : "LIST");
		else if (n == 4 && strncmp(s, "TEXT", 4) == 0)
			strbuf_puts(out, "\"...\"");
		else
			strbuf_printf(out, "%.*s", (int)n, s);
	}
}

/* ctlverb_usage - ccguardctl's synopsis */
void
ctlverb_usage(FILE *fp)
{
	size_t i;
	int first = 1;

	for (i = 0; i < CTLVERB_N; i++) {
		if (ctlverb_table[i].usage == NULL)
			continue;
		fprintf(fp, "%s %s%s%s\n", first ? "usage: " CTLVERB_PROG
		    " [-c conf] [--postfix-config DIR]" : "       " CTLVERB_PROG " ...",
		    ctlverb_table[i].words, ctlverb_table[i].usage[0] != '\0' ? " " : "",
		    ctlverb_table[i].usage);
		first = 0;
	}
}
