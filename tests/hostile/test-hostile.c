/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-hostile.c - the hostile-address table: every case of
 * tests/hostile/hostile.cases goes through the shipped rules
 * (rules/kernel-security.rules) by the path ccguard -t uses (msg_new with
 * the configured limits, null sender, RCPT TO arguments, the header
 * section through msgfile_read or msg_add_header, eval_message), and the
 * verdict must be the one the table gives. Every verdict is then applied
 * through a recording struct mta_ops, and nothing handed to the MTA may
 * carry a control character.
 *
 * Table format (one case per block; '#' lines and blank lines are ignored):
 *	case EXPECT LABEL...	EXPECT: reject, hold, pass, tempfail or
 *				tempfail/LIMIT (the limit that stopped it)
 *	  rcpt ADDR		one RCPT TO argument
 *	  from ADDR		the envelope sender (default: Return-Path or <>)
 *	  hdr NAME: VALUE	one header through msg_add_header (the milter path)
 *	  msg LINE		one line (plus LF) of a message file read with
 *				msgfile_read (the ccguard -t path)
 *	  gen NAME		a generated input too large for the table
 *	  no-mta-cuts		mta_header_size_limit and mta_header_token_limit 0,
 *				as with an MTA that cuts no header
 *	  sendmail		msg lines are read as Sendmail hands them to a
 *				milter (a NUL byte in a header is dropped)
 * Values take C escapes: \\ \n \r \t \0 \xHH.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* Longest a case may take: hostile input must not buy CPU time. */
#define CASE_SECONDS 10.0

struct hcase {
	char	 expect[64];
	char	 label[256];
	int	 line;
	struct strbuf msgtext;		/* msgfile input, may hold NUL bytes */
	int	 have_msg;
	char	*from;
	char	**rcpts;
	size_t	 nrcpts;
	char	**hnames, **hvalues;
	size_t	 nhdrs;
	char	**gens;
	size_t	 ngens;
	int	 no_mta_cuts;		/* as with an MTA that cuts no header */
	enum msgfile_nul nul;		/* how the MTA reads a NUL in a header */
};

static int failures, ncases;

/* unescape - C escapes in place; returns the length (may contain NUL) */
static size_t
unescape(char *s)
{
	char *o = s, *p = s;

	while (*p != '\0') {
		if (*p != '\\' || p[1] == '\0') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case '0': *o++ = '\0'; p++; break;
		case 'x': {
			unsigned v = 0;
			int i;

			p++;
			for (i = 0; i < 2 && strchr("0123456789abcdefABCDEF", *p) != NULL && *p; i++, p++)
				v = v * 16 + (unsigned)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
			*o++ = (char)v;
			break;
		}
		default: *o++ = *p++; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

/* push - append a copy of s to a string vector */
static void
push(char ***v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (*v == NULL || ((*v)[*n] = strdup(s)) == NULL) {
		perror("test-hostile");
		exit(99);
	}
	(*n)++;
}

/* hcase_free - release one case */
static void
hcase_free(struct hcase *c)
{
	size_t i;

	for (i = 0; i < c->nrcpts; i++)
		free(c->rcpts[i]);
	for (i = 0; i < c->nhdrs; i++) {
		free(c->hnames[i]);
		free(c->hvalues[i]);
	}
	for (i = 0; i < c->ngens; i++)
		free(c->gens[i]);
	free(c->rcpts);
	free(c->hnames);
	free(c->hvalues);
	free(c->gens);
	free(c->from);
	strbuf_free(&c->msgtext);
	memset(c, 0, sizeof(*c));
}

/* repeat - n copies of LOCALi@DOMAIN joined by ", " between head and tail */
static char *
repeat(const char *head, const char *local, const char *domain, int n, const char *tail)
{
	struct strbuf sb;
	int i;

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, head);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_puts(&sb, ", ");
		strbuf_printf(&sb, "%s%d@%s", local, i, domain);
	}
	strbuf_puts(&sb, tail);
	return strbuf_steal(&sb);
}

/* gen - generated inputs; feeds m directly */
static int
gen(struct msg *m, const char *name)
{
	char *v;
	int i;

	if (strcmp(name, "cc-10000-targets-at-ends") == 0) {
		/* 10,000 addresses in one Cc, the pair first and last. */
		v = repeat("security@kernel.org, ", "user", "example.org", 9998,
		    ", linux-distros@vs.openwall.org");
		msg_add_header(m, "Cc", v);
	} else if (strcmp(name, "cc-10000-no-targets") == 0) {
		v = repeat("", "user", "example.org", 10000, "");
		msg_add_header(m, "Cc", v);
	} else if (strcmp(name, "cc-60000-past-max-addresses") == 0) {
		/* The default max_addresses is 50000: the second target is past it. */
		v = repeat("security@kernel.org, ", "u", "example.org", 59998,
		    ", linux-distros@vs.openwall.org");
		msg_add_header(m, "Cc", v);
	} else if (strcmp(name, "rcpt-1000-targets-at-ends") == 0) {
		char a[64];

		msg_add_rcpt(m, "<security@kernel.org>");
		for (i = 0; i < 998; i++) {
			snprintf(a, sizeof(a), "<user%d@example.org>", i);
			msg_add_rcpt(m, a);
		}
		msg_add_rcpt(m, "<linux-distros@vs.openwall.org>");
		return 0;
	} else if (strcmp(name, "rcpt-10001-past-max-recipients") == 0) {
		char a[64];

		for (i = 0; i < 10001; i++) {
			snprintf(a, sizeof(a), "<user%d@example.org>", i);
			msg_add_rcpt(m, a);
		}
		return 0;
	} else if (strcmp(name, "display-name-1mib") == 0) {
		/* A 1 MiB quoted display name in front of the distros address. */
		size_t n = 1024 * 1024;

		if ((v = malloc(n + 64)) == NULL)
			return -1;
		v[0] = '"';
		memset(v + 1, 'A', n);
		strcpy(v + 1 + n, "\" <linux-distros@vs.openwall.org>");
		msg_add_header(m, "Cc", v);
	} else if (strcmp(name, "subject-1mib") == 0) {
		size_t n = 1024 * 1024;

		if ((v = malloc(n + 1)) == NULL)
			return -1;
		memset(v, 'S', n);
		v[n] = '\0';
		msg_add_header(m, "Subject", v);
	} else if (strcmp(name, "comment-1mib-unbalanced") == 0) {
		/* 1 MiB of unbalanced comment text with the address at the end. */
		size_t n = 1024 * 1024;

		if ((v = malloc(n + 64)) == NULL)
			return -1;
		memset(v, '(', n);
		strcpy(v + n, " linux-distros@vs.openwall.org");
		msg_add_header(m, "Cc", v);
	} else if (strcmp(name, "headers-5mib-past-max-header-bytes") == 0) {
		/* The default max_header_bytes is 4 MiB; the Cc comes after it. */
		size_t n = 1024 * 1024;

		if ((v = malloc(n + 1)) == NULL)
			return -1;
		memset(v, 'x', n);
		v[n] = '\0';
		for (i = 0; i < 5; i++)
			msg_add_header(m, "X-Filler", v);
		msg_add_header(m, "Cc", "linux-distros@vs.openwall.org");
	} else if (strncmp(name, "rep ", 4) == 0) {
		/*
		 * "rep N NAME [HEAD|]UNIT|TAIL": header NAME, HEAD, UNIT N times
		 * (its "%" the index), then TAIL.
		 */
		char hname[64], *spec, *head = "", *unit, *tail, *pct;
		struct strbuf sb;
		int n, off = 0;

		if (sscanf(name + 4, "%d %63s %n", &n, hname, &off) != 2 || off == 0 ||
		    (spec = strdup(name + 4 + off)) == NULL)
			return -1;
		unit = spec;
		if ((tail = strchr(unit, '|')) != NULL)
			*tail++ = '\0';
		if (tail != NULL && strchr(tail, '|') != NULL) {
			head = unit;
			unit = tail;
			tail = strchr(unit, '|');
			*tail++ = '\0';
		}
		pct = strchr(unit, '%');
		strbuf_init(&sb, 0);
		strbuf_puts(&sb, head);
		for (i = 0; i < n; i++) {
			if (pct != NULL) {
				strbuf_append(&sb, unit, (size_t)(pct - unit));
				strbuf_printf(&sb, "%d", i);
				strbuf_puts(&sb, pct + 1);
			} else
				strbuf_puts(&sb, unit);
		}
		strbuf_puts(&sb, tail != NULL ? tail : "");
		v = strbuf_steal(&sb);
		free(spec);
		msg_add_header(m, hname, v);
	} else if (strncmp(name, "nested-groups-", 14) == 0) {
		/*
		 * "g:" n times, then an address: GMime recursed once per group
		 * and overflowed the stack near 40,000. "-quoted" puts the
		 * address in a form only the parser finds.
		 */
		int n = atoi(name + 14);
		int quoted = strstr(name, "-quoted") != NULL;

		if ((v = malloc((size_t)n * 2 + 64)) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			memcpy(v + 2 * i, "g:", 2);
		strcpy(v + 2 * n, quoted ? " \"security\"@kernel.org" : " security@kernel.org");
		msg_add_header(m, "To", v);
	} else {
		fprintf(stderr, "unknown generator %s\n", name);
		return -1;
	}
	free(v);
	return 0;
}

/* got_text - the verdict as the table writes it */
static const char *
got_text(const struct verdict *v, char *buf, size_t len)
{
	if (v->origin == ORIGIN_LIMIT)
		snprintf(buf, len, "%s/%s", action_name(v->action), v->reason);
	else
		snprintf(buf, len, "%s", action_name(v->action));
	return buf;
}

/* run_case - evaluate one case the way ccguard -t does, and check it */
static void
run_case(struct policy *p, struct hcase *c)
{
	const struct eval_opts opts = harness_opts(p);
	struct msg_limits limits;
	struct harness_rec rec;
	struct verdict v;
	struct msg *m;
	const char *from, *problem;
	char got[128], err[128];
	struct timespec t0, t1;
	double secs;
	size_t i;
	int ok;

	ncases++;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	limits = p->conf->limits;
	if (c->no_mta_cuts) {
		limits.mta_header_size_limit = 0;
		limits.mta_header_token_limit = 0;
	}
	if ((m = msg_new(&limits)) == NULL) {
		perror("msg_new");
		exit(99);
	}
	msg_set_sender(m, "<>");
	for (i = 0; i < c->nrcpts; i++)
		msg_add_rcpt(m, c->rcpts[i]);
	for (i = 0; i < c->ngens; i++)
		if (gen(m, c->gens[i]) < 0)
			exit(99);
	for (i = 0; i < c->nhdrs; i++)
		msg_add_header(m, c->hnames[i], c->hvalues[i]);
	if (c->have_msg) {
		FILE *fp = fmemopen(c->msgtext.data, c->msgtext.len, "r");

		if (fp == NULL || msgfile_read(fp, m, NULL, c->nul, err, sizeof(err)) < 0) {
			fprintf(stderr, "line %d: %s: cannot read the message\n", c->line, c->label);
			exit(99);
		}
		fclose(fp);
	}
	from = c->from != NULL ? c->from : msg_header(m, "Return-Path", 0);
	msg_set_sender(m, from != NULL ? from : "<>");
	msg_set_string(m, &m->queue_id, "HOSTILE");

	eval_message(p->rs, m, &opts, &v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (secs > CASE_SECONDS) {
		failures++;
		fprintf(stderr, "hostile.cases:%d: FAIL: %s: took %.1f s (limit %.0f s)\n",
		    c->line, c->label, secs, CASE_SECONDS);
	}
	got_text(&v, got, sizeof(got));
	if (strchr(c->expect, '/') != NULL)
		ok = strcmp(got, c->expect) == 0;
	else
		ok = strcmp(action_name(v.action), c->expect) == 0;
	if (!ok) {
		failures++;
		fprintf(stderr, "hostile.cases:%d: FAIL: %s: got %s, want %s\n",
		    c->line, c->label, got, c->expect);
		for (i = 0; i < m->naddrs && i < 12; i++)
			fprintf(stderr, "    addr %s sources=%#x how=%#x\n", m->addrs[i].addr,
			    (unsigned)m->addrs[i].sources, (unsigned)m->addrs[i].how);
	}

	memset(&rec, 0, sizeof(rec));
	action_apply(p, &v, m, &harness_ops, &rec);
	if ((problem = harness_check_effects(&rec)) != NULL) {
		failures++;
		fprintf(stderr, "hostile.cases:%d: FAIL: %s: %s\n", c->line, c->label, problem);
	}
	if ((v.action == ACTION_REJECT || v.action == ACTION_TEMPFAIL) && rec.nlines == 0) {
		failures++;
		fprintf(stderr, "hostile.cases:%d: FAIL: %s: %s without a reply text\n",
		    c->line, c->label, action_name(v.action));
	}
	if (v.action == ACTION_HOLD && (!rec.quarantined || rec.hdr_value == NULL)) {
		failures++;
		fprintf(stderr, "hostile.cases:%d: FAIL: %s: hold without quarantine and header\n",
		    c->line, c->label);
	}
	harness_rec_free(&rec);
	verdict_clear(&v);
	msg_free(m);
}

/* main - read the table and run every case */
int
main(int argc, char *argv[])
{
	const char *top = getenv("top_srcdir");
	char path[4096], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct policy *p;
	struct hcase c;
	FILE *fp;
	int lineno = 0, open_case = 0;

	addr_init();
	log_init("test-hostile", 0, 0, 0);
	if ((p = harness_policy(NULL)) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/tests/hostile/hostile.cases",
	    argc > 1 ? argv[1] : top != NULL ? top : ".");
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return 99;
	}
	memset(&c, 0, sizeof(c));
	while ((n = getline(&line, &cap, fp)) != -1) {
		char *kind, *val;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (strncmp(line, "case ", 5) == 0) {
			if (open_case)
				run_case(p, &c);
			hcase_free(&c);
			strbuf_init(&c.msgtext, 0);
			if (sscanf(line + 5, "%63s %255[^\n]", c.expect, c.label) != 2) {
				fprintf(stderr, "hostile.cases:%d: bad case line\n", lineno);
				return 99;
			}
			c.line = lineno;
			open_case = 1;
			continue;
		}
		if (!open_case || strncmp(line, "  ", 2) != 0) {
			fprintf(stderr, "hostile.cases:%d: expected an indented item\n", lineno);
			return 99;
		}
		kind = line + 2;
		if ((val = strchr(kind, ' ')) != NULL)
			*val++ = '\0';
		else
			val = kind + strlen(kind);	/* an empty value */
		if (strcmp(kind, "msg") == 0) {
			size_t len = unescape(val);

			strbuf_append(&c.msgtext, val, len);
			strbuf_putc(&c.msgtext, '\n');
			c.have_msg = 1;
			continue;
		}
		unescape(val);	/* other items are C strings: a \0 ends them */
		if (strcmp(kind, "rcpt") == 0)
			push(&c.rcpts, &c.nrcpts, val);
		else if (strcmp(kind, "from") == 0) {
			free(c.from);
			c.from = strdup(val);
		} else if (strcmp(kind, "gen") == 0)
			push(&c.gens, &c.ngens, val);
		else if (strcmp(kind, "no-mta-cuts") == 0)
			c.no_mta_cuts = 1;
		else if (strcmp(kind, "sendmail") == 0)
			c.nul = MSGFILE_NUL_DROPPED;
		else if (strcmp(kind, "hdr") == 0) {
			char *colon = strchr(val, ':');

			if (colon == NULL) {
				fprintf(stderr, "hostile.cases:%d: hdr without ':'\n", lineno);
				return 99;
			}
			*colon = '\0';
			push(&c.hnames, &c.nhdrs, val);
			c.nhdrs--;
			push(&c.hvalues, &c.nhdrs, colon[1] == ' ' ? colon + 2 : colon + 1);
		} else {
			fprintf(stderr, "hostile.cases:%d: unknown item %s\n", lineno, kind);
			return 99;
		}
	}
	if (open_case)
		run_case(p, &c);
	hcase_free(&c);
	free(line);
	fclose(fp);
	policy_unref(p);
	printf("test-hostile: %d cases, %d failed\n", ncases, failures);
	if (ncases < 100) {
		fprintf(stderr, "test-hostile: only %d cases; the table must hold at least 100\n", ncases);
		return 1;
	}
	return failures == 0 ? 0 : 1;
}
