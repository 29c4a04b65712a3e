/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sanitize - defuse hostile text, by named policy
 * SYNOPSIS
 *	c = sanitize_char(SANITIZE_ASCII, c);
 *	sanitize_append(&out, value, max, SANITIZE_TOKEN);
 *	sanitize_inplace(line, SANITIZE_PRINTABLE);
 * DESCRIPTION
 *	Text from a message, a queue file or a peer reaches logs, SMTP
 *	replies, headers, notices and the terminal only through here, so that
 *	no control character can add a line, a log field or a header. Each
 *	policy (sanitize.h) says what becomes of spaces, control characters
 *	(below 0x20, and 0x7f) and 8-bit bytes; every other byte is kept.
 *	sanitize_append takes at most max bytes of s and adds SANITIZE_CUT
 *	when there was more; it stops at the first failure of out.
 */
#include "config.h"

#include "sanitize.h"
#include "strbuf.h"

/* sanitize_char - what c becomes under policy */
char
sanitize_char(enum sanitize_policy policy, unsigned char c)
{
	int control = c < 0x20 || c == 0x7f, high = c >= 0x80;

	switch (policy) {
	case SANITIZE_TOKEN:
		return c <= 0x20 || c >= 0x7f ? '?' : (char)c;
	case SANITIZE_ASCII:
		return high ? '?' : control ? ' ' : (char)c;
	case SANITIZE_ONE_LINE:
		return control ? ' ' : (char)c;
	case SANITIZE_PRINTABLE:
		return control || high ? '?' : (char)c;
	case SANITIZE_MARKED:
		return control ? '?' : (char)c;
	case SANITIZE_TEXT:
		return control && c != '\n' && c != '\t' ? '?' : (char)c;
	}
	return '?';
}

/* sanitize_append - at most max bytes of s under policy, SANITIZE_CUT when cut */
int
sanitize_append(struct strbuf *out, const char *s, size_t max, enum sanitize_policy policy)
{
	size_t n;
	int r;

	for (n = 0; s[n] != '\0' && n < max; n++)
		if ((r = strbuf_putc(out, sanitize_char(policy, (unsigned char)s[n]))) != STRBUF_OK)
			return r;
	if (s[n] != '\0')
		return strbuf_puts(out, SANITIZE_CUT);
	return STRBUF_OK;
}

/* sanitize_inplace - apply policy to every byte of s */
void
sanitize_inplace(char *s, enum sanitize_policy policy)
{
	for (; *s != '\0'; s++)
		*s = sanitize_char(policy, (unsigned char)*s);
}
