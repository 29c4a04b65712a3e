/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	strbuf - growable byte buffers with an explicit cap
 * DESCRIPTION
 *	A strbuf owns its data. Appends either succeed whole or leave the
 *	buffer unchanged and say why (no memory, or the cap reached), so a
 *	caller can never silently truncate input: it must decide what a full
 *	buffer means (ccguard turns it into the on_limit policy). The first
 *	failure is also kept in sb->error until the next reset, so a caller
 *	that builds text in many appends (a message to submit) checks once,
 *	before it uses the text.
 *	strbuf_steal() hands the data to the caller, who frees it with free().
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* strbuf_init - an empty buffer that never grows beyond max bytes (0: no limit) */
void
strbuf_init(struct strbuf *sb, size_t max)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max ? max : SIZE_MAX / 2;
	sb->error = STRBUF_OK;
}

/* strbuf_fail - remember the first failure; returns it for the caller */
static int
strbuf_fail(struct strbuf *sb, int r)
{
	if (sb->error == STRBUF_OK)
		sb->error = r;
	return r;
}

/* strbuf_reserve - make room for extra more bytes plus the NUL */
static int
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > sb->max || sb->len > sb->max - extra)
		return strbuf_fail(sb, STRBUF_FULL);
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return STRBUF_OK;
	ncap = sb->cap ? sb->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((p = realloc(sb->data, ncap)) == NULL)
		return strbuf_fail(sb, STRBUF_NOMEM);
	sb->data = p;
	sb->cap = ncap;
	return STRBUF_OK;
}

/* strbuf_append - append n bytes; STRBUF_OK or why not */
int
strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
	int r;

	if ((r = strbuf_reserve(sb, n)) != STRBUF_OK)
		return r;
	if (n > 0)
		memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return STRBUF_OK;
}

/* strbuf_puts - append a string */
int
strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

/* strbuf_putc - append one character */
int
strbuf_putc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

/* strbuf_printf - append formatted text */
int
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return strbuf_fail(sb, STRBUF_NOMEM);
	if ((r = strbuf_reserve(sb, (size_t)n)) != STRBUF_OK)
		return r;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return STRBUF_OK;
}

/* strbuf_reset - empty the buffer but keep its memory for reuse */
void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->error = STRBUF_OK;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/* strbuf_free - free the text and empty the buffer */
void
strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
	sb->error = STRBUF_OK;
}

/* strbuf_steal - hand the text to the caller (malloc'd, or NULL) and empty the buffer */
char *
strbuf_steal(struct strbuf *sb)
{
	char *p = sb->data;

	if (p == NULL)
		p = calloc(1, 1);
	sb->data = NULL;
	sb->len = sb->cap = 0;
	sb->error = STRBUF_OK;
	return p;
}

/* strbuf_str - the text so far, "" when empty */
const char *
strbuf_str(const struct strbuf *sb)
{
	return sb->data != NULL ? sb->data : "";
}
