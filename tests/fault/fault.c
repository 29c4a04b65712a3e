/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault.c - the allocation failure hook of fault.h: __wrap_ versions of
 * malloc, calloc, realloc, strdup, strndup and asprintf (the allocators
 * ccguard calls), and of the library calls that allocate and report
 * failure to ccguard: libidn2's idn2_to_ascii_8z (IDN2_MALLOC), GMime's
 * g_mime_parser_options_new (NULL) and PCRE2's pcre2_match_data_create_8
 * (NULL). GMime's parser itself is not wrapped: it allocates with GLib,
 * which aborts rather than return NULL, so a NULL list only ever means
 * "no addresses".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <idn2.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fault.h"

static int armed, hit;
static unsigned long count, fail_at;

/* fault_arm - start counting; fail the nth call (0: none) */
void
fault_arm(unsigned long n)
{
	armed = 1;
	hit = 0;
	count = 0;
	fail_at = n;
}

/* fault_disarm - stop counting */
unsigned long
fault_disarm(void)
{
	armed = 0;
	return count;
}

/* fault_hit - did the planned failure happen */
int
fault_hit(void)
{
	return hit;
}

/* fault_now - count one allocation; 1 when it is to fail */
static int
fault_now(void)
{
	if (!armed)
		return 0;
	if (++count == fail_at) {
		hit = 1;
		return 1;
	}
	return 0;
}

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
char	*__real_strdup(const char *);
char	*__real_strndup(const char *, size_t);
int	 __real_idn2_to_ascii_8z(const char *, char **, int);
GMimeParserOptions *__real_g_mime_parser_options_new(void);
pcre2_match_data_8 *__real_pcre2_match_data_create_8(uint32_t, pcre2_general_context_8 *);

void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
char	*__wrap_strdup(const char *);
char	*__wrap_strndup(const char *, size_t);
int	 __wrap_asprintf(char **, const char *, ...) __attribute__((__format__(__printf__, 2, 3)));
int	 __wrap_idn2_to_ascii_8z(const char *, char **, int);
GMimeParserOptions *__wrap_g_mime_parser_options_new(void);
pcre2_match_data_8 *__wrap_pcre2_match_data_create_8(uint32_t, pcre2_general_context_8 *);

/* __wrap_malloc - malloc, or NULL when planned */
void *
__wrap_malloc(size_t n)
{
	return fault_now() ? NULL : __real_malloc(n);
}

/* __wrap_calloc - calloc, or NULL when planned */
void *
__wrap_calloc(size_t n, size_t size)
{
	return fault_now() ? NULL : __real_calloc(n, size);
}

/* __wrap_realloc - realloc, or NULL (p untouched) when planned */
void *
__wrap_realloc(void *p, size_t n)
{
	return fault_now() ? NULL : __real_realloc(p, n);
}

/* __wrap_strdup - strdup, or NULL when planned */
char *
__wrap_strdup(const char *s)
{
	return fault_now() ? NULL : __real_strdup(s);
}

/* __wrap_strndup - strndup, or NULL when planned */
char *
__wrap_strndup(const char *s, size_t n)
{
	return fault_now() ? NULL : __real_strndup(s, n);
}

/* __wrap_asprintf - asprintf, or -1 when planned */
int
__wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (fault_now()) {
		*out = NULL;
		return -1;
	}
	va_start(ap, fmt);
	r = vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

/* __wrap_idn2_to_ascii_8z - IDNA mapping, or IDN2_MALLOC when planned */
int
__wrap_idn2_to_ascii_8z(const char *in, char **out, int flags)
{
	return fault_now() ? IDN2_MALLOC : __real_idn2_to_ascii_8z(in, out, flags);
}

/* __wrap_g_mime_parser_options_new - GMime parser options, or NULL when planned */
GMimeParserOptions *
__wrap_g_mime_parser_options_new(void)
{
	return fault_now() ? NULL : __real_g_mime_parser_options_new();
}

/* __wrap_pcre2_match_data_create_8 - PCRE2 match data, or NULL when planned */
pcre2_match_data_8 *
__wrap_pcre2_match_data_create_8(uint32_t n, pcre2_general_context_8 *g)
{
	return fault_now() ? NULL : __real_pcre2_match_data_create_8(n, g);
}
