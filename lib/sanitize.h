/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sanitize.h - the one defuser of hostile text (from a message, a queue
 * file, a peer), with a named policy for each place it goes.
 */
#ifndef CCGUARD_SANITIZE_H
#define CCGUARD_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

enum sanitize_policy {
	SANITIZE_TOKEN,		/* one log field: space, control, 8-bit as '?' */
	SANITIZE_ASCII,		/* an SMTP reply line: control as ' ', 8-bit as '?' */
	SANITIZE_ONE_LINE,	/* a value on one line: control as ' ', 8-bit kept */
	SANITIZE_PRINTABLE,	/* printable ASCII: control and 8-bit as '?' */
	SANITIZE_MARKED,	/* control as '?', 8-bit kept */
	SANITIZE_TEXT,		/* lines of text: as MARKED, but '\n' and '\t' kept */
};

#define SANITIZE_NO_MAX	SIZE_MAX	/* sanitize_append: no limit */
#define SANITIZE_CUT	"..."		/* what marks a value that was cut */

char	sanitize_char(enum sanitize_policy, unsigned char c);
int	sanitize_append(struct strbuf *, const char *s, size_t max, enum sanitize_policy);
void	sanitize_inplace(char *s, enum sanitize_policy);

#endif
