/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	diag - diagnostics for configuration and rule files
 * DESCRIPTION
 *	Parsers never print: they append "file:line: message" lines here and
 *	carry on, so one run reports every error. The caller decides where the
 *	text goes (stderr for -n and -t, the log on reload). A line number of 0
 *	means the diagnostic is about the file as a whole ("file: message").
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

/* diag_init - an empty collection of diagnostics */
void
diag_init(struct diag *d)
{
	strbuf_init(&d->text, 1 << 20);
	d->errors = d->warnings = 0;
}

static void diag_add(struct diag *, const char *, int, const char *, const char *, va_list)
    __attribute__((__format__(__printf__, 5, 0)));

/* diag_add - append one "file:line: kind message" line */
static void
diag_add(struct diag *d, const char *file, int line, const char *kind,
    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		strbuf_printf(&d->text, "%s:%d: %s%s\n", file, line, kind, msg);
	else
		strbuf_printf(&d->text, "%s: %s%s\n", file, kind, msg);
}

/* diag_error - record an error at file:line */
void
diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, file, line, "", fmt, ap);
	va_end(ap);
	d->errors++;
}

/* diag_warning - record a warning at file:line */
void
diag_warning(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, file, line, "warning: ", fmt, ap);
	va_end(ap);
	d->warnings++;
}

/* diag_free - free the collected text */
void
diag_free(struct diag *d)
{
	strbuf_free(&d->text);
}

/* diag_set - format a one-line error into err (size bytes, always terminated) */
void
diag_set(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}
