/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	template - reply and guidance texts
 * SYNOPSIS
 *	t = template_load(path, display, diag);
 *	template_render(t, lookup, arg, out);
 * DESCRIPTION
 *	A template is UTF-8 text in which ${name} is replaced by a variable's
 *	value and $$ by a dollar sign. The variable names are a closed set
 *	(template_var_names()); an unknown one is an error at load time,
 *	reported as file:line, so a typo never reaches a reporter.
 *
 *	Values are hostile (they come from the message): while substituting,
 *	every control character, CR and LF included, becomes a space and a
 *	value is cut at TEMPLATE_MAX_VALUE bytes. So a value can never add a
 *	line to the output. The SMTP reply formatter (reply.c) and the message
 *	builder apply their own, stricter, encodings on top.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "sanitize.h"
#include "template.h"

/* Keep in step with the man page ccguard.rules(5), TEMPLATES. */
static const char *const template_vars[] = {
	"rule",		/* name of the rule that fired */
	"action",	/* reject, hold, ... */
	"matched",	/* "a (Cc) and b (envelope)" */
	"addresses",	/* "a, b" */
	"sender",	/* envelope sender, or "<>" */
	"queue_id",	/* the MTA's queue id, or "unknown" */
	"hostname",	/* this host */
	"subject",	/* original Subject, only where the operator allows */
	"message_id",	/* original Message-ID */
	"date",		/* now, RFC 5322 form */
	"reason",	/* moderator's reason (rejection notice) */
	"commands",	/* moderator notice: how to act on the message */
	"mail_commands",	/* moderator notice: command lines with tokens */
	"command_address",	/* moderator notice: where commands go by mail */
	"recipients",	/* the envelope recipients of this transaction */
	"body",		/* what the body scan found: "an attachment", ... */
	"thread",	/* a new message, a reply or a patch posting */
	"sender_class",	/* authenticated, local or not authenticated */
	"guidance",	/* moderator notice: whether the sender got guidance */
	"advice",	/* moderator notice: the rule's RULE.notice text */
	"site",		/* the site profile in force */
	NULL
};

/* template_var_names - the closed set of variable names */
const char *const *
template_var_names(void)
{
	return template_vars;
}

/* template_var_known - 1 when name (len bytes) is a variable */
int
template_var_known(const char *name, size_t len)
{
	size_t i;

	for (i = 0; template_vars[i] != NULL; i++)
		if (strlen(template_vars[i]) == len &&
		    strncmp(template_vars[i], name, len) == 0)
			return 1;
	return 0;
}

/* template_check - report bad ${...} references; returns error count */
static int
template_check(const char *text, const char *display, struct diag *d)
{
	const char *p, *end;
	int line = 1, errors = 0;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			line++;
		if (*p != '$')
			continue;
		if (p[1] == '$') {
			p++;
			continue;
		}
		if (p[1] != '{') {
			diag_error(d, display, line, "'$' must start ${variable} or be written $$");
			errors++;
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL || memchr(p, '\n', (size_t)(end - p)) != NULL) {
			diag_error(d, display, line, "unterminated ${");
			errors++;
			continue;
		}
		if (!template_var_known(p + 2, (size_t)(end - p - 2))) {
			diag_error(d, display, line, "unknown variable ${%.*s}",
			    (int)(end - p - 2), p + 2);
			errors++;
		}
		p = end;
	}
	return errors;
}

/* template_from_text - a checked template from text; NULL on error */
struct template *
template_from_text(const char *text, const char *display, struct diag *d)
{
	struct template *t;

	if (template_check(text, display, d) > 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->text = strdup(text)) == NULL) {
		free(t);
		diag_error(d, display, 0, "out of memory");
		return NULL;
	}
	t->file = display;
	return t;
}

/* template_load - read and check a template file */
struct template *
template_load(const char *path, const char *display, struct diag *d)
{
	struct strbuf sb;
	struct template *t;
	char chunk[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		diag_error(d, display, 0, "cannot open template: %s", strerror(errno));
		return NULL;
	}
	strbuf_init(&sb, 256 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (strbuf_append(&sb, chunk, n) != STRBUF_OK) {
			diag_error(d, display, 0, "template too large (limit 256 KiB)");
			fclose(fp);
			strbuf_free(&sb);
			return NULL;
		}
	}
	if (ferror(fp))
		diag_error(d, display, 0, "read error: %s", strerror(errno));
	fclose(fp);
	if (memchr(strbuf_str(&sb), '\0', sb.len) != NULL) {
		diag_error(d, display, 0, "template contains a NUL byte");
		strbuf_free(&sb);
		return NULL;
	}
	t = template_from_text(strbuf_str(&sb), display, d);
	strbuf_free(&sb);
	return t;
}

/* template_free - free t; returns NULL */
struct template *
template_free(struct template *t)
{
	if (t != NULL) {
		free(t->text);
		free(t);
	}
	return NULL;
}

/* template_put_value - substitute one hostile value, defused */
static int
template_put_value(struct strbuf *out, const char *v)
{
	return sanitize_append(out, v, TEMPLATE_MAX_VALUE, SANITIZE_ONE_LINE);
}

/* template_render - append the expanded text to out */
int
template_render(const struct template *t, template_var_fn lookup, void *arg,
    struct strbuf *out)
{
	const char *p, *end;
	char name[64];
	int r = STRBUF_OK;

	for (p = t->text; *p != '\0' && r == STRBUF_OK; p++) {
		if (*p != '$') {
			r = strbuf_putc(out, *p);
			continue;
		}
		if (p[1] == '$') {
			r = strbuf_putc(out, '$');
			p++;
			continue;
		}
		/* template_check() guaranteed a well-formed, known ${name}. */
		end = strchr(p + 2, '}');
		if (p[1] != '{' || end == NULL || (size_t)(end - p - 2) >= sizeof(name)) {
			r = strbuf_putc(out, '$');
			continue;
		}
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = '\0';
		{
			const char *v = lookup(arg, name);

			if (v != NULL)
				r = template_put_value(out, v);
		}
		p = end;
	}
	return r;
}
