/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf - read ccguard.conf
 * SYNOPSIS
 *	conf = conf_load(path, diag);	NULL when diag holds errors
 *	conf = conf_defaults();
 * DESCRIPTION
 *	The file holds "name = value" lines, as Postfix's main.cf does: '#'
 *	starts a comment line, and a line that starts with white space
 *	continues the one before. One table (conf_table) gives each setting's
 *	type, default and range; it drives parsing, checking and conf_dump().
 *	"rules" may be given several times; its files are evaluated in order.
 *	"action.RULE = VALUE" changes one rule's action (reject, tempfail,
 *	hold, notify, accept), puts it in monitor mode ("monitor") or turns it
 *	off ("off"); policy.c checks that RULE exists.
 *
 *	"site = NAME" names the place ccguard runs (a deployment profile):
 *	NAME.site, looked for in the directory of each rule file in turn (or
 *	the file itself when NAME holds a '/'), is read after ccguard.conf in
 *	the same syntax. It may set any setting but "site" and "rules", and
 *	"action.RULE" lines; what ccguard.conf sets itself wins, and its
 *	"action.RULE" lines are applied after the profile's. The profile's
 *	"texts" lists text variants: conf_text_variant() turns a template
 *	path such as dir/x.reply into dir/x.VARIANT.reply (policy.c uses the
 *	first that exists). The policy, per place, is thus data in rules/.
 *
 *	A few defaults follow other settings (conf_derive_defaults):
 *	"moderator", when neither file sets it, is this server's postmaster
 *	(conf_moderator): postmaster@ the name the MTA goes by for a hold in
 *	an SMTP session, postmaster@hostname elsewhere (conf_postmaster), so
 *	every hold is told to someone; "moderator =" (empty) tells nobody.
 *
 *	Every error is reported as file:line and the whole file is checked
 *	before giving up, so -n lists all mistakes at once.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "diag.h"

#ifndef CCGUARD_RULESDIR
#define CCGUARD_RULESDIR "/usr/local/share/ccguard/rules"
#endif
#ifndef CCGUARD_CONFDIR
#define CCGUARD_CONFDIR "/usr/local/etc/ccguard"
#endif

enum conf_type { CT_STRING, CT_LIST, CT_SIZE, CT_BOOL, CT_ACTION, CT_ENUM };

/* The words of each CT_ENUM setting, in the order of its enum. */
static const char *const guidance_senders_words[] = { "authenticated", "local", "all", NULL };
static const char *const mta_words[] = { "auto", "postfix", "sendmail", NULL };

struct conf_def {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;	/* into struct conf */
	const char	*def;		/* default, as text */
	size_t		 min, max;	/* CT_SIZE range */
	const char *const *words;	/* CT_ENUM: its words, NULL-terminated */
};

#define F(field) offsetof(struct conf, field)

static const struct conf_def conf_table[] = {
	{ "site",		CT_STRING, F(site),	"submission", 0, 0, NULL },
	{ "texts",		CT_STRING, F(texts),	"", 0, 0, NULL },
	{ "socket",		CT_STRING, F(socket),	"unix:/run/ccguard/ccguard.sock", 0, 0, NULL },
	{ "user",		CT_STRING, F(user),	"ccguard", 0, 0, NULL },
	{ "rules",		CT_LIST,   F(rules),	CCGUARD_RULESDIR "/kernel-security.rules", 0, 0, NULL },
	{ "on_error",		CT_ACTION, F(on_error),	"tempfail", 0, 0, NULL },
	{ "on_limit",		CT_ACTION, F(on_limit),	"tempfail", 0, 0, NULL },
	{ "max_header_bytes",	CT_SIZE,   F(limits.max_header_bytes), "4194304", 4096, (size_t)1 << 30, NULL },
	{ "max_addresses",	CT_SIZE,   F(limits.max_addresses), "50000", 10, 10000000, NULL },
	{ "max_recipients",	CT_SIZE,   F(limits.max_recipients), "10000", 1, 10000000, NULL },
	{ "mta_header_size_limit", CT_SIZE, F(limits.mta_header_size_limit), "102400", 0, (size_t)1 << 30, NULL },
	{ "mta_header_token_limit", CT_SIZE, F(limits.mta_header_token_limit), "10240", 0, (size_t)1 << 30, NULL },
	{ "log_pass",		CT_BOOL,   F(log_pass),	"yes", 0, 0, NULL },
	{ "hostname",		CT_STRING, F(hostname),	"", 0, 0, NULL },
	{ "hold_header",	CT_STRING, F(hold_header), "X-Ccguard-Hold", 0, 0, NULL },
	{ "metrics_file",	CT_STRING, F(metrics_file), "", 0, 0, NULL },
	{ "metrics_interval",	CT_SIZE,   F(metrics_interval), "15", 1, 86400, NULL },
	{ "guidance",		CT_BOOL,   F(guidance),	"yes", 0, 0, NULL },
	{ "guidance_from",	CT_STRING, F(guidance_from), "", 0, 0, NULL },
	{ "guidance_senders",	CT_ENUM,   F(guidance_senders), "authenticated", 0, 0,
	    guidance_senders_words },
	{ "guidance_rate",	CT_SIZE,   F(guidance_rate), "3", 0, 1000000, NULL },
	{ "guidance_subject",	CT_BOOL,   F(guidance_subject), "no", 0, 0, NULL },
	/* Not given: postmaster@hostname (conf_derive_defaults). */
	{ "moderator",		CT_STRING, F(moderator), "", 0, 0, NULL },
	{ "sendmail_path",	CT_STRING, F(sendmail_path), "/usr/sbin/sendmail", 0, 0, NULL },
	{ "notify_smtp",	CT_STRING, F(notify_smtp), "", 0, 0, NULL },
	{ "release_key",	CT_STRING, F(release_key), CCGUARD_CONFDIR "/release.key", 0, 0, NULL },
	{ "moderator_template",	CT_STRING, F(moderator_template), CCGUARD_RULESDIR "/moderator-notice.txt", 0, 0, NULL },
	{ "postfix_config",	CT_STRING, F(postfix_config), "", 0, 0, NULL },
	{ "mta",		CT_ENUM,   F(mta),	"auto", 0, 0, mta_words },
	{ "sendmail_config",	CT_STRING, F(sendmail_config), "/etc/mail/sendmail.cf", 0, 0, NULL },
	{ "notify_timeout",	CT_SIZE,   F(notify_timeout), "30", 1, 600, NULL },
	{ "command_address",	CT_STRING, F(command_address), "", 0, 0, NULL },
	{ "command_spool",	CT_STRING, F(command_spool), "/var/spool/ccguard/commands", 0, 0, NULL },
	{ "command_state",	CT_STRING, F(command_state), "/var/lib/ccguard/used-tokens", 0, 0, NULL },
	{ "command_max_size",	CT_SIZE,   F(command_max_size), "262144", 1024, 16777216, NULL },
	{ "command_token_lifetime", CT_SIZE, F(command_token_lifetime), "604800", 60, 31536000, NULL },
	{ "command_authserv_id", CT_STRING, F(command_authserv_id), "", 0, 0, NULL },
	{ "command_user",	CT_STRING, F(command_user), "ccguard-mail", 0, 0, NULL },
	{ "hold_max_age",	CT_SIZE,   F(hold_max_age), "432000", 1, 31536000, NULL },
	{ "digest_min_age",	CT_SIZE,   F(digest_min_age), "86400", 0, 31536000, NULL },
};

#define CONF_NDEFS (sizeof(conf_table) / sizeof(conf_table[0]))

_Static_assert(CONF_NDEFS <= CONF_MAX_SETTINGS, "raise CONF_MAX_SETTINGS");
/* CT_ENUM settings are stored through an int. */
_Static_assert(sizeof(enum guidance_senders) == sizeof(int), "enum size");
_Static_assert(sizeof(enum conf_mta) == sizeof(int), "enum size");

/* conf_find - the table entry of a setting, or NULL */
static const struct conf_def *
conf_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NDEFS; i++)
		if (strcmp(conf_table[i].name, name) == 0)
			return &conf_table[i];
	return NULL;
}

/* list_add_words - append the words of value (space or comma separated) */
static int
list_add_words(char ***v, size_t *n, const char *value)
{
	const char *p = value, *s;
	char **nv;

	for (;;) {
		while (*p != '\0' && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (*p == '\0')
			return 0;
		for (s = p; *p != '\0' && !isspace((unsigned char)*p) && *p != ','; p++)
			;
		if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
		if ((nv[*n] = strndup(s, (size_t)(p - s))) == NULL)
			return -1;
		(*n)++;
	}
}

/* conf_set - store one value; reports bad values to diag */
static int
conf_set(struct conf *c, const struct conf_def *def, const char *value,
    const char *file, int line, struct diag *d)
{
	void *field = (char *)c + def->offset;
	char *end;
	unsigned long long n;

	switch (def->type) {
	case CT_STRING: {
		char *copy = strdup(value);

		if (copy == NULL)
			return -1;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case CT_LIST:
		if (list_add_words((char ***)field, &c->nrules, value) < 0)
			return -1;
		return 0;
	case CT_SIZE:
		errno = 0;
		n = strtoull(value, &end, 10);
		/* A suffix must not wrap a huge number round into the range. */
		if (*end == 'k' || *end == 'K') {
			if (n > ULLONG_MAX / 1024)
				errno = ERANGE;
			n *= 1024, end++;
		} else if (*end == 'm' || *end == 'M') {
			if (n > ULLONG_MAX / (1024 * 1024))
				errno = ERANGE;
			n *= 1024 * 1024, end++;
		}
		if (errno != 0 || end == value || *end != '\0' || value[0] == '-' ||
		    n < def->min || n > def->max) {
			diag_error(d, file, line, "%s: bad value \"%s\" (want a number from %zu to %zu)",
			    def->name, value, def->min, def->max);
			return 0;
		}
		*(size_t *)field = (size_t)n;
		return 0;
	case CT_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
			*(int *)field = 0;
		else
			diag_error(d, file, line, "%s: bad value \"%s\" (want yes or no)", def->name, value);
		return 0;
	case CT_ENUM: {
		size_t i;

		/* A word not in the list is reported once the file is read. */
		c->bad_word[def - conf_table] = 1;
		for (i = 0; def->words[i] != NULL; i++)
			if (strcmp(value, def->words[i]) == 0) {
				*(int *)field = (int)i;
				c->bad_word[def - conf_table] = 0;
			}
		return 0;
	}
	case CT_ACTION: {
		enum action a;

		if (action_from_name(value, &a) < 0 ||
		    (a != ACTION_TEMPFAIL && a != ACTION_REJECT && a != ACTION_HOLD && a != ACTION_ACCEPT))
			diag_error(d, file, line, "%s: bad value \"%s\" (want tempfail, hold, reject or accept)",
			    def->name, value);
		else
			*(enum action *)field = a;
		return 0;
	}
	}
	return 0;
}

/* conf_system_hostname - hostname: the system's host name (kept when it has none); -1: no memory */
static int
conf_system_hostname(struct conf *c)
{
	char host[256], *copy;

	if (gethostname(host, sizeof(host)) != 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	if ((copy = strdup(host)) == NULL)
		return -1;
	free(c->hostname);
	c->hostname = copy;
	return 0;
}

/*
 * conf_server_name - the name this server goes by in replies and notices:
 * the hostname setting when ccguard.conf gives one, else the MTA's own
 * name (its macro j, or NULL when it sent none), else the system's
 */
const char *
conf_server_name(const struct conf *c, const char *mta_name)
{
	if (!c->given[conf_find("hostname") - conf_table] && mta_name != NULL &&
	    mta_name[0] != '\0')
		return mta_name;
	return c->hostname != NULL && c->hostname[0] != '\0' ? c->hostname : "localhost";
}

/*
 * conf_postmaster - "postmaster@" the server's name (conf_server_name with
 * the MTA's name, or NULL outside an SMTP session); malloc'd
 */
char *
conf_postmaster(const struct conf *c, const char *mta_name)
{
	char *s;

	if (asprintf(&s, "postmaster@%s", conf_server_name(c, mta_name)) < 0)
		return NULL;
	return s;
}

/*
 * conf_moderator - the moderators to tell of a hold on a server going by
 * mta_name: the moderator setting, or by default that server's postmaster
 * (RFC 5321 requires the mailbox: someone reads it); malloc'd
 */
char *
conf_moderator(const struct conf *c, const char *mta_name)
{
	if (c->given[conf_find("moderator") - conf_table])
		return strdup(c->moderator);
	return conf_postmaster(c, mta_name);
}

/* conf_derive_defaults - the defaults that follow other settings; -1: out of memory */
static int
conf_derive_defaults(struct conf *c)
{
	char *pm;

	/* Outside an SMTP session (ccguardctl, -n) the server has no MTA name. */
	if (!c->given[conf_find("moderator") - conf_table]) {
		if ((pm = conf_postmaster(c, NULL)) == NULL)
			return -1;
		free(c->moderator);
		c->moderator = pm;
	}
	return 0;
}

/* conf_defaults - every setting at its default */
struct conf *
conf_defaults(void)
{
	struct diag d;
	struct conf *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	diag_init(&d);
	for (i = 0; i < CONF_NDEFS; i++)
		if (conf_set(c, &conf_table[i], conf_table[i].def, "(defaults)", 0, &d) < 0)
			goto fail;
	if (conf_system_hostname(c) < 0 ||
	    (c->path = strdup("(defaults)")) == NULL || (c->site_file = strdup("")) == NULL ||
	    conf_derive_defaults(c) < 0)
		goto fail;
	diag_free(&d);
	return c;
fail:
	diag_free(&d);
	return conf_free(c);
}

/* conf_apply_line - one logical "name = value" line */
static int
conf_apply_line(struct conf *c, char *text, const char *file, int line,
    int *rules_given, int profile, struct diag *d)
{
	const struct conf_def *def;
	char *eq, *name, *value, *e;

	if ((eq = strchr(text, '=')) == NULL) {
		diag_error(d, file, line, "expected \"name = value\"");
		return 0;
	}
	*eq = '\0';
	name = text;
	while (isspace((unsigned char)*name))
		name++;
	for (e = eq; e > name && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	for (value = eq + 1; isspace((unsigned char)*value); value++)
		;
	for (e = value + strlen(value); e > value && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';

	if (strncmp(name, "action.", 7) == 0 && name[7] != '\0') {
		struct conf_override *no;

		if ((no = realloc(c->overrides, (c->noverrides + 1) * sizeof(*no))) == NULL)
			return -1;
		c->overrides = no;
		no[c->noverrides].rule = strdup(name + 7);
		no[c->noverrides].value = strdup(value);
		no[c->noverrides].file = file;	/* c->path: lives as long as c */
		no[c->noverrides].line = line;
		if (no[c->noverrides].rule == NULL || no[c->noverrides].value == NULL) {
			free(no[c->noverrides].rule);	/* not counted yet: conf_free misses it */
			free(no[c->noverrides].value);
			return -1;
		}
		c->noverrides++;
		return 0;
	}
	if ((def = conf_find(name)) == NULL) {
		diag_error(d, file, line, "unknown setting \"%s\"", name);
		return 0;
	}
	if (profile) {
		/* A profile sets defaults for the place; it does not pick files. */
		if (strcmp(name, "site") == 0 || strcmp(name, "rules") == 0) {
			diag_error(d, file, line, "\"%s\" can not be set in a site profile", name);
			return 0;
		}
		if (c->given[def - conf_table] & CONF_GIVEN_FILE)
			return 0;	/* ccguard.conf set it: that wins */
		c->given[def - conf_table] |= CONF_GIVEN_PROFILE;
	} else
		c->given[def - conf_table] |= CONF_GIVEN_FILE;
	if (def->type == CT_LIST && !*rules_given) {
		/* The first "rules" line replaces the default list. */
		size_t i;

		for (i = 0; i < c->nrules; i++)
			free(c->rules[i]);
		c->nrules = 0;
		*rules_given = 1;
	}
	return conf_set(c, def, value, file, line, d);
}

/* conf_read - apply one file's lines to c; -1 only when out of memory */
static int
conf_read(struct conf *c, const char *path, const char *display, int profile, struct diag *d)
{
	FILE *fp;
	char *buf = NULL, *logical = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, logical_line = 0, rules_given = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		diag_error(d, display, 0, "cannot open: %s", strerror(errno));
		return 0;
	}
	for (;;) {
		n = getline(&buf, &cap, fp);
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		/* A continuation line extends the logical line. */
		if (n >= 0 && logical != NULL && buf[0] != '\0' && isspace((unsigned char)buf[0]) &&
		    buf[strspn(buf, " \t")] != '#') {
			char *joined;

			lineno++;
			if (asprintf(&joined, "%s %s", logical, buf) < 0)
				goto nomem;
			free(logical);
			logical = joined;
			continue;
		}
		if (logical != NULL) {
			if (conf_apply_line(c, logical, display, logical_line, &rules_given,
			    profile, d) < 0)
				goto nomem;
			free(logical);
			logical = NULL;
		}
		if (n < 0)
			break;
		lineno++;
		if (buf[strspn(buf, " \t")] == '#' || buf[strspn(buf, " \t")] == '\0')
			continue;
		if (isspace((unsigned char)buf[0])) {
			diag_error(d, display, lineno, "continuation line with nothing to continue");
			continue;
		}
		if ((logical = strdup(buf)) == NULL)
			goto nomem;
		logical_line = lineno;
	}
	free(buf);
	fclose(fp);
	return 0;
nomem:
	free(buf);
	free(logical);
	fclose(fp);
	diag_error(d, display, lineno, "out of memory");
	return -1;
}

/* conf_site_name_ok - a profile name: letters, digits, '-', '_' */
static int
conf_site_name_ok(const char *s)
{
	if (*s == '\0' || *s == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

/* conf_load_site - find and read the profile "site" names, under ccguard.conf */
static int
conf_load_site(struct conf *c, struct diag *d)
{
	struct conf_override *moved;
	size_t i, before = c->noverrides, added;
	char *path = NULL;

	if (c->site[0] == '\0') {
		free(c->site_file);
		return (c->site_file = strdup("")) == NULL ? -1 : 0;
	}
	if (strchr(c->site, '/') != NULL) {
		if ((path = strdup(c->site)) == NULL)
			return -1;
	} else if (!conf_site_name_ok(c->site)) {
		diag_error(d, c->path, 0, "site: bad name \"%s\" (letters, digits, '-' and '_')",
		    c->site);
		return 0;
	} else {
		/* Profiles ship next to the rules they configure. */
		for (i = 0; i < c->nrules && path == NULL; i++) {
			const char *slash = strrchr(c->rules[i], '/');
			int dirlen = slash != NULL ? (int)(slash - c->rules[i]) : 1;

			if (asprintf(&path, "%.*s/%s.site", dirlen,
			    slash != NULL ? c->rules[i] : ".", c->site) < 0)
				return -1;
			if (access(path, F_OK) != 0) {
				free(path);
				path = NULL;
			}
		}
		if (path == NULL && !(c->given[conf_find("site") - conf_table] & CONF_GIVEN_FILE))
			return 0;	/* the default needs no file: the rules as written */
		if (path == NULL) {
			diag_error(d, c->path, 0, "site: no profile \"%s.site\" next to the rule "
			    "files", c->site);
			return 0;
		}
	}
	free(c->site_file);
	c->site_file = path;
	if (conf_read(c, path, c->site_file, 1, d) < 0)
		return -1;
	/* The profile's action lines go first, so ccguard.conf's win. */
	added = c->noverrides - before;
	if (added > 0 && before > 0) {
		if ((moved = malloc(c->noverrides * sizeof(*moved))) == NULL)
			return -1;
		memcpy(moved, c->overrides + before, added * sizeof(*moved));
		memcpy(moved + added, c->overrides, before * sizeof(*moved));
		memcpy(c->overrides, moved, c->noverrides * sizeof(*moved));
		free(moved);
	}
	return 0;
}

/* conf_load - read a configuration file (and its site profile) over the defaults */
struct conf *
conf_load(const char *path, struct diag *d)
{
	struct conf *c;
	int errors = d->errors;

	if ((c = conf_defaults()) == NULL) {
		diag_error(d, path, 0, "out of memory");
		return NULL;
	}
	free(c->path);
	if ((c->path = strdup(path)) == NULL) {
		diag_error(d, path, 0, "out of memory");
		return conf_free(c);
	}
	if (conf_read(c, path, c->path, 0, d) < 0)
		return conf_free(c);
	if (d->errors > errors)
		return conf_free(c);
	if (conf_load_site(c, d) < 0) {
		diag_error(d, path, 0, "out of memory");
		return conf_free(c);
	}
	if (c->nrules == 0)
		diag_error(d, c->path, 0, "no rule files (set \"rules\")");
	/* An empty hostname is as good as none: the MTA's name, else the system's. */
	if (c->hostname[0] == '\0') {
		c->given[conf_find("hostname") - conf_table] = 0;
		if (conf_system_hostname(c) < 0) {
			diag_error(d, path, 0, "out of memory");
			return conf_free(c);
		}
	}
	if (conf_derive_defaults(c) < 0) {
		diag_error(d, path, 0, "out of memory");
		return conf_free(c);
	}
	if (c->bad_word[conf_find("guidance_senders") - conf_table])
		diag_error(d, c->path, 0, "guidance_senders: want all, authenticated or local");
	if (c->bad_word[conf_find("mta") - conf_table])
		diag_error(d, c->path, 0, "mta: want auto, postfix or sendmail");
	if (c->metrics_file[0] != '\0' && c->metrics_file[0] != '/')
		diag_error(d, c->path, 0, "metrics_file: want an absolute path, not \"%s\"",
		    c->metrics_file);
	if (d->errors > errors)
		return conf_free(c);
	return c;
}

/* conf_text_variant - path with ".VARIANT" before its extension, for the i-th variant of "texts" */
int
conf_text_variant(const struct conf *c, size_t i, const char *path, char *out, size_t size)
{
	const char *p = c->texts, *w, *slash, *dot;
	size_t len = 0;
	int n;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return -1;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t' && *p != ','; p++)
			;
		len = (size_t)(p - w);
		if (i-- == 0)
			break;
	}
	slash = strrchr(path, '/');
	dot = strrchr(slash != NULL ? slash : path, '.');
	if (dot == NULL)
		dot = path + strlen(path);
	n = snprintf(out, size, "%.*s.%.*s%s", (int)(dot - path), path, (int)len, w, dot);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* conf_free - free c; returns NULL */
struct conf *
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < CONF_NDEFS; i++) {
		void *field = (char *)c + conf_table[i].offset;

		if (conf_table[i].type == CT_STRING)
			free(*(char **)field);
	}
	for (i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	free(c->rules);
	for (i = 0; i < c->noverrides; i++) {
		free(c->overrides[i].rule);
		free(c->overrides[i].value);
	}
	free(c->overrides);
	free(c->path);
	free(c->site_file);
	free(c);
	return NULL;
}

/* conf_dump - every setting as name/value text, for ccguard -n -v */
void
conf_dump(const struct conf *c, void (*out)(void *, const char *, const char *), void *arg)
{
	char buf[64];
	size_t i, j;

	for (i = 0; i < CONF_NDEFS; i++) {
		const void *field = (const char *)c + conf_table[i].offset;

		switch (conf_table[i].type) {
		case CT_STRING:
			out(arg, conf_table[i].name, *(char *const *)field);
			break;
		case CT_LIST:
			for (j = 0; j < c->nrules; j++)
				out(arg, conf_table[i].name, c->rules[j]);
			break;
		case CT_SIZE:
			snprintf(buf, sizeof(buf), "%zu", *(const size_t *)field);
			out(arg, conf_table[i].name, buf);
			break;
		case CT_BOOL:
			out(arg, conf_table[i].name, *(const int *)field ? "yes" : "no");
			break;
		case CT_ACTION:
			out(arg, conf_table[i].name, action_name(*(const enum action *)field));
			break;
		case CT_ENUM:
			out(arg, conf_table[i].name, conf_table[i].words[*(const int *)field]);
			break;
		}
	}
	for (i = 0; i < c->noverrides; i++) {
		snprintf(buf, sizeof(buf), "action.%.50s", c->overrides[i].rule);
		out(arg, buf, c->overrides[i].value);
	}
}
