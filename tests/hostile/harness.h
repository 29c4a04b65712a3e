/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * harness.h - shared helpers for the hardening tests (hostile table, limits,
 * injection, fault injection): load the shipped policy from a temporary
 * ccguard.conf, run one message through msg + eval exactly as ccguard -t
 * does, and record what action_apply() asks of the MTA.
 *
 * Header-only (static functions) so each test stays one program.
 */
#ifndef CCGUARD_TEST_HARNESS_H
#define CCGUARD_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "addr.h"
#include "conf.h"
#include "diag.h"
#include "eval.h"
#include "log.h"
#include "msg.h"
#include "msgfile.h"
#include "policy.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "verdict.h"

/* Not every test uses every helper. */
#define HARNESS static __attribute__((__unused__))

/* harness_rules_path - the shipped rule file, from $top_srcdir */
HARNESS char *
harness_rules_path(void)
{
	const char *top = getenv("top_srcdir");
	char *path;

	if (top == NULL)
		top = ".";
	if (asprintf(&path, "%s/rules/kernel-security.rules", top) < 0)
		return NULL;
	return path;
}

/*
 * harness_policy_with - the rule file rulefile (NULL: the shipped one) under
 * a conf made of extra (settings such as "max_recipients = 10"); NULL with
 * diagnostics on stderr.
 */
HARNESS struct policy *
harness_policy_with(const char *rulefile, const char *extra)
{
	char conf[] = "/tmp/ccguard-test-XXXXXX";
	char *rules = rulefile != NULL ? strdup(rulefile) : harness_rules_path();
	struct policy *p;
	struct diag d;
	FILE *fp;
	int fd;

	if (rules == NULL || (fd = mkstemp(conf)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		free(rules);
		return NULL;
	}
	fprintf(fp, "rules = %s\nuser =\n%s\n", rules, extra != NULL ? extra : "");
	fclose(fp);
	free(rules);
	diag_init(&d);
	p = policy_load(conf, 0, &d);
	if (p == NULL)
		fprintf(stderr, "policy: %s\n", strbuf_str(&d.text));
	diag_free(&d);
	unlink(conf);
	return p;
}

/* harness_policy - the shipped rules with extra conf lines */
HARNESS struct policy *
harness_policy(const char *extra)
{
	return harness_policy_with(NULL, extra);
}

/* harness_opts - the daemon's evaluation options for a policy */
HARNESS struct eval_opts
harness_opts(const struct policy *p)
{
	struct eval_opts o;

	o.on_limit = p->conf->on_limit;
	o.on_error = p->conf->on_error;
	o.file_actions = 0;
	return o;
}

/* What action_apply() asked of the MTA. */
struct harness_rec {
	char	code[8], dsn[16];
	char	*lines[40];
	int	 nlines;
	char	*hdr_name, *hdr_value;
	int	 quarantined, deleted;
};

/* harness_setreply - record the SMTP reply */
HARNESS int
harness_setreply(void *ctx, const char *code, const char *dsn, char *const *lines)
{
	struct harness_rec *r = ctx;
	int i;

	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	for (i = 0; lines != NULL && lines[i] != NULL && i < 39; i++)
		r->lines[r->nlines++] = strdup(lines[i]);
	return 0;
}

/* harness_addheader - record the added header */
HARNESS int
harness_addheader(void *ctx, const char *name, const char *value)
{
	struct harness_rec *r = ctx;

	free(r->hdr_name);
	free(r->hdr_value);
	r->hdr_name = strdup(name);
	r->hdr_value = strdup(value);
	return 0;
}

/* harness_delheader - count a deleted header */
HARNESS int
harness_delheader(void *ctx, const char *name, int index)
{
	((struct harness_rec *)ctx)->deleted++;
	return 0;
}

/* harness_quarantine - record the quarantine */
HARNESS int
harness_quarantine(void *ctx, const char *reason)
{
	((struct harness_rec *)ctx)->quarantined = 1;
	return 0;
}

static const struct mta_ops harness_ops = {
	harness_setreply, harness_addheader, harness_delheader, harness_quarantine
};

/* harness_rec_free - release a recording */
HARNESS void
harness_rec_free(struct harness_rec *r)
{
	int i;

	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->hdr_name);
	free(r->hdr_value);
	memset(r, 0, sizeof(*r));
}

/* harness_has_ctl - 1 when s holds a control byte (CR and LF included) */
HARNESS int
harness_has_ctl(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/*
 * harness_check_effects - nothing action_apply() handed the MTA may carry
 * a control character (CR/LF would start a new SMTP reply line or header).
 * Returns a description of the first problem, or NULL.
 */
HARNESS const char *
harness_check_effects(const struct harness_rec *r)
{
	int i;

	for (i = 0; i < r->nlines; i++) {
		if (harness_has_ctl(r->lines[i]))
			return "control character in an SMTP reply line";
		if (strlen(r->lines[i]) > 2 * 78)
			return "SMTP reply line too long";
	}
	if (harness_has_ctl(r->hdr_value))
		return "control character in the hold header";
	if (r->code[0] != '\0' && r->code[0] != '4' && r->code[0] != '5')
		return "bad SMTP code";
	return NULL;
}

/* Capturing stderr, where log_info() writes when log_init(.., 1, 0, ..). */
struct harness_capture {
	int	 saved;
	FILE	*fp;
};

/* harness_capture_begin - send fd 2 to a temporary file */
HARNESS void
harness_capture_begin(struct harness_capture *c)
{
	fflush(stderr);
	c->saved = dup(2);
	c->fp = tmpfile();
	if (c->saved < 0 || c->fp == NULL || dup2(fileno(c->fp), 2) < 0) {
		perror("capture");
		exit(99);
	}
}

/* harness_capture_end - restore fd 2; the captured text (malloc'd) */
HARNESS char *
harness_capture_end(struct harness_capture *c)
{
	struct strbuf sb;
	char buf[4096];
	size_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	strbuf_init(&sb, 0);
	rewind(c->fp);
	while ((n = fread(buf, 1, sizeof(buf), c->fp)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(c->fp);
	if (sb.data == NULL)
		strbuf_puts(&sb, "");
	return strbuf_steal(&sb);
}

#endif
