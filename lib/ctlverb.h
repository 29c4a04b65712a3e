/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctlverb.h - ccguardctl's command lines in one place: the tool's usage
 * text and the lines the moderator notice suggests come from this table.
 */
#ifndef CCGUARD_CTLVERB_H
#define CCGUARD_CTLVERB_H

#include <stdio.h>

struct strbuf;

#define CTLVERB_PROG	"ccguardctl"

/* The commands a moderator notice or a diagnostic may suggest. */
enum ctlverb {
	CTLVERB_LIST,		/* held list */
	CTLVERB_SHOW,		/* held show ID */
	CTLVERB_RELEASE,	/* held release ID */
	CTLVERB_RELEASE_WITHOUT,	/* held release --without LIST ID */
	CTLVERB_REJECT,		/* held reject ID --reason TEXT */
	CTLVERB_DISCARD,	/* held discard ID */
};

void	ctlverb_line(struct strbuf *, const char *prefix, enum ctlverb, const char *id,
	    const char *list);
void	ctlverb_usage(FILE *);

#endif
