/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * template.h - reply and guidance texts with ${variable} substitution.
 */
#ifndef CCGUARD_TEMPLATE_H
#define CCGUARD_TEMPLATE_H

#include <stddef.h>

#include "strbuf.h"

struct diag;

struct template {
	const char	*file;		/* borrowed: the ruleset owns it */
	char		*text;		/* the file's content */
};

/* Look up a variable; NULL means "unset" and renders as empty. */
typedef const char *(*template_var_fn)(void *arg, const char *name);

/* Longest value substituted; longer values are cut and marked "...". */
#define TEMPLATE_MAX_VALUE	512

struct template *template_load(const char *path, const char *display, struct diag *);
struct template *template_from_text(const char *text, const char *display, struct diag *);
struct template *template_free(struct template *);
int	template_render(const struct template *, template_var_fn, void *, struct strbuf *);
int	template_var_known(const char *name, size_t len);
const char *const *template_var_names(void);

#endif
