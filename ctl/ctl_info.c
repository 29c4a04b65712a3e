/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ctl_info - ccguardctl stats and ccguardctl -V
 * SYNOPSIS
 *	ccguardctl [-c conf] stats [FILE]
 *	ccguardctl -V
 * DESCRIPTION
 *	stats reads the daemon's metrics file (metrics_file in ccguard.conf,
 *	or FILE) and prints it for a person: the version, when the daemon
 *	started and how old the file is, then one small table per family
 *	with a column per label. The file is read as the text format the
 *	daemon writes (lib/metrics.c); a line that is not is an error naming
 *	the file and line, not something guessed at. Names and label values
 *	are printed with control characters replaced. A file older than three
 *	metrics_interval is said to be stale: the daemon is not writing it.
 *
 *	-V prints the version and the run-time versions of the libraries
 *	ccguardctl links: jansson here, PCRE2, GMime and libidn2 through
 *	libccguard (lib/version.c). ccguardctl does not link libmilter.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_info.h"
#include "ctlverb.h"
#include "diag.h"
#include "metrics.h"
#include "sanitize.h"
#include "strbuf.h"
#include "version.h"

#define STATS_MAX_LABELS	8	/* per sample; the daemon writes at most 2 */

/* One sample line: the metric, its labels, its value as written. */
struct stats_sample {
	char	*name;
	char	*label[STATS_MAX_LABELS];
	char	*value[STATS_MAX_LABELS];
	size_t	 nlabels;
	char	*number;
};

struct stats {
	struct stats_sample *s;
	size_t	 n;
	char	**family;	/* metric names, in the order of their TYPE lines */
	size_t	 nfamilies;
};

/* The families' headings; others are shown under their own names. */
static const char *const stats_titles[][2] = {
	{ "ccguard_messages_total", "Messages, by what the MTA was told" },
	{ "ccguard_rule_total", "Decisions by rule (monitor: a rule in monitor mode matched)" },
	{ "ccguard_errors_total", "Internal errors (on_error) and limits reached (on_limit)" },
	{ "ccguard_guidance_total", "Guidance messages to senders" },
	{ "ccguard_notice_total", "Moderator notices" },
	{ "ccguard_reloads_total", "Reloads" },
	{ "ccguard_metrics_write_failures_total", "Failed writes of the metrics file" },
};

/* ctl_print_version - ccguardctl -V */
void
ctl_print_version(void)
{
	char jansson[64];

	snprintf(jansson, sizeof(jansson), "jansson %s\n", jansson_version_str());
	version_print(stdout, CTLVERB_PROG, jansson);
}

/* sample_free - free one parsed sample */
static void
sample_free(struct stats_sample *s)
{
	size_t i;

	free(s->name);
	for (i = 0; i < s->nlabels; i++) {
		free(s->label[i]);
		free(s->value[i]);
	}
	free(s->number);
}

/* stats_free - free everything parsed */
static void
stats_free(struct stats *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		sample_free(&st->s[i]);
	free(st->s);
	for (i = 0; i < st->nfamilies; i++)
		free(st->family[i]);
	free(st->family);
}

/* add_family - remember a metric name once, in order; 0, or -1 out of memory */
static int
add_family(struct stats *st, const char *name, size_t len)
{
	char **grown;
	size_t i;

	for (i = 0; i < st->nfamilies; i++)
		if (strlen(st->family[i]) == len && strncmp(st->family[i], name, len) == 0)
			return 0;
	if ((grown = realloc(st->family, (st->nfamilies + 1) * sizeof(*grown))) == NULL)
		return -1;
	st->family = grown;
	if ((grown[st->nfamilies] = strndup(name, len)) == NULL)
		return -1;
	st->nfamilies++;
	return 0;
}

/* name_len - length of a metric or label name at p (0: none) */
static size_t
name_len(const char *p, int metric)
{
	size_t n = 0;

	if (!isalpha((unsigned char)p[0]) && p[0] != '_' && !(metric && p[0] == ':'))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_' || (metric && p[n] == ':'))
		n++;
	return n;
}

/* label_value - a quoted, escaped label value at *pp; malloc'd, or NULL */
static char *
label_value(const char **pp)
{
	const char *p = *pp;
	struct strbuf v;

	if (*p++ != '"')
		return NULL;
	strbuf_init(&v, 0);
	for (; *p != '"'; p++) {
		if (*p == '\0') {
			strbuf_free(&v);
			return NULL;
		}
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n') {
				strbuf_free(&v);
				return NULL;
			}
			strbuf_putc(&v, *p == 'n' ? '\n' : *p);
		} else
			strbuf_putc(&v, *p);
	}
	*pp = p + 1;
	if (v.error != STRBUF_OK) {
		strbuf_free(&v);
		return NULL;
	}
	return strbuf_steal(&v);
}

/* parse_sample - one sample line into s; 0, or -1 when it is not one */
static int
parse_sample(const char *line, struct stats_sample *s)
{
	const char *p = line;
	size_t n;

	memset(s, 0, sizeof(*s));
	if ((n = name_len(p, 1)) == 0 || (s->name = strndup(p, n)) == NULL)
		return -1;
	p += n;
	if (*p == '{') {
		for (p++; *p != '}';) {
			if (s->nlabels == STATS_MAX_LABELS || (n = name_len(p, 0)) == 0 ||
			    p[n] != '=' || (s->label[s->nlabels] = strndup(p, n)) == NULL)
				return -1;
			p += n + 1;
			if ((s->value[s->nlabels] = label_value(&p)) == NULL) {
				free(s->label[s->nlabels]);
				return -1;
			}
			s->nlabels++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return -1;
		}
		p++;
	}
	if (*p++ != ' ' || (n = strcspn(p, " ")) == 0 || (s->number = strndup(p, n)) == NULL)
		return -1;
	return 0;
}

/* stats_read - the samples of the file; 0, or -1 with the error printed */
static int
stats_read(const char *path, struct stats *st, struct stat *sb)
{
	struct stats_sample *grown;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	FILE *fp;

	memset(st, 0, sizeof(*st));
	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), sb) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, "# TYPE ", 7) == 0 && name_len(line + 7, 1) > 0) {
			if (add_family(st, line + 7, name_len(line + 7, 1)) < 0)
				goto nomem;
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((size_t)len > METRICS_TEXT_MAX ||
		    (grown = realloc(st->s, (st->n + 1) * sizeof(*grown))) == NULL) {
			goto nomem;
		}
		st->s = grown;
		if (parse_sample(line, &st->s[st->n]) < 0) {
			sample_free(&st->s[st->n]);
			fprintf(stderr, "ccguardctl: %s:%zu: not a line of the metrics text "
			    "format\n", path, lineno);
			goto fail;
		}
		st->n++;
		/* A family without a TYPE line is shown after the others. */
		if (add_family(st, st->s[st->n - 1].name, strlen(st->s[st->n - 1].name)) < 0)
			goto nomem;
	}
	free(line);
	fclose(fp);
	return 0;
nomem:
	fprintf(stderr, "ccguardctl: %s:%zu: line too long or out of memory\n", path, lineno);
fail:
	free(line);
	fclose(fp);
	stats_free(st);
	return -1;
}

/* safe_width - the printed width of s: its bytes (the daemon writes ASCII) */
static int
safe_width(const char *s)
{
	return (int)strlen(s);
}

/* put_safe - s on one line, control characters replaced, padded to width */
static void
put_safe(const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++, n++)
		putchar(sanitize_char(SANITIZE_ONE_LINE, (unsigned char)*s));
	for (; n < width; n++)
		putchar(' ');
}

/* stats_title - the heading of a family */
static const char *
stats_title(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(stats_titles) / sizeof(stats_titles[0]); i++)
		if (strcmp(stats_titles[i][0], name) == 0)
			return stats_titles[i][1];
	return name;
}

/* print_family - one metric as a table: a column per label, then the count */
static void
print_family(const struct stats *st, const char *name)
{
	const struct stats_sample *first = NULL;
	int width[STATS_MAX_LABELS], numw = 5;
	size_t i, k;

	for (i = 0; i < st->n && first == NULL; i++)
		if (strcmp(st->s[i].name, name) == 0)
			first = &st->s[i];
	printf("\n");
	put_safe(stats_title(name), 0);
	if (first == NULL || first->nlabels == 0) {
		printf(": %s\n", first != NULL ? first->number : "none yet");
		return;
	}
	printf("\n");
	for (k = 0; k < first->nlabels; k++)
		width[k] = safe_width(first->label[k]);
	for (i = 0; i < st->n; i++) {
		if (strcmp(st->s[i].name, name) != 0)
			continue;
		for (k = 0; k < first->nlabels && k < st->s[i].nlabels; k++)
			if (safe_width(st->s[i].value[k]) > width[k])
				width[k] = safe_width(st->s[i].value[k]);
		if (safe_width(st->s[i].number) > numw)
			numw = safe_width(st->s[i].number);
	}
	printf(" ");
	for (k = 0; k < first->nlabels; k++) {
		printf(" ");
		put_safe(first->label[k], width[k]);
	}
	printf(" %*s\n", numw, "count");
	for (i = 0; i < st->n; i++) {
		if (strcmp(st->s[i].name, name) != 0)
			continue;
		printf(" ");
		for (k = 0; k < first->nlabels; k++) {
			printf(" ");
			put_safe(k < st->s[i].nlabels ? st->s[i].value[k] : "", width[k]);
		}
		printf(" %*s\n", numw, st->s[i].number);
	}
}

/* format_time - a local date and time */
static void
format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

/* format_span - "3d 04:05:06" */
static void
format_span(long long secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = 0;
	snprintf(buf, size, "%lldd %02lld:%02lld:%02lld", secs / 86400, secs / 3600 % 24,
	    secs / 60 % 60, secs % 60);
}

/*
 * stats_value - of the first sample of a metric: its number, or with
 * label the value of that label; NULL when there is none
 */
static const char *
stats_value(const struct stats *st, const char *name, const char *label)
{
	size_t i, k;

	for (i = 0; i < st->n; i++) {
		if (strcmp(st->s[i].name, name) != 0)
			continue;
		if (label == NULL)
			return st->s[i].number;
		for (k = 0; k < st->s[i].nlabels; k++)
			if (strcmp(st->s[i].label[k], label) == 0)
				return st->s[i].value[k];
		return NULL;
	}
	return NULL;
}

/*
 * ctl_stats - ccguardctl stats [FILE]: the metrics file as tables; the
 * file named by metrics_file unless one is given
 */
int
ctl_stats(const char *conf_path, const char *file)
{
	struct conf *c = NULL;
	struct diag d;
	struct stat conf_st, sb;
	struct stats st;
	const char *version, *started;
	char when[64], span[64];
	long long age;
	size_t i;
	int r = EXIT_OK;

	if (conf_path == NULL && stat(CCGUARD_CONFDIR "/ccguard.conf", &conf_st) == 0)
		conf_path = CCGUARD_CONFDIR "/ccguard.conf";
	diag_init(&d);
	c = conf_path != NULL ? conf_load(conf_path, &d) : conf_defaults();
	if (c == NULL && file == NULL) {
		fputs(strbuf_str(&d.text), stderr);
		diag_free(&d);
		return EXIT_FAIL;
	}
	diag_free(&d);
	if (file == NULL)
		file = c->metrics_file;
	if (file[0] == '\0') {
		fprintf(stderr, "ccguardctl: metrics_file is not set in %s; name the file: "
		    CTLVERB_PROG " stats FILE\n", c->path);
		conf_free(c);
		return EXIT_FAIL;
	}
	if (stats_read(file, &st, &sb) < 0) {
		conf_free(c);
		return EXIT_FAIL;
	}
	version = stats_value(&st, "ccguard_build_info", "version");
	started = stats_value(&st, "ccguard_start_time_seconds", NULL);
	printf("ccguard ");
	put_safe(version != NULL ? version : "(version unknown)", 0);
	printf(", ");
	if (started != NULL) {
		long long t = strtoll(started, NULL, 10);

		format_time((time_t)t, when, sizeof(when));
		format_span((long long)sb.st_mtime - t, span, sizeof(span));
		printf("started %s, up %s when the file was written\n", when, span);
	} else
		printf("start time unknown\n");
	age = (long long)time(NULL) - (long long)sb.st_mtime;
	format_time(sb.st_mtime, when, sizeof(when));
	printf("%s: written %s (%lld s ago)", file, when, age);
	if (c != NULL && age > 3 * (long long)c->metrics_interval) {
		printf(": stale, more than 3 x metrics_interval; is ccguard running?");
		r = EXIT_FAIL;
	}
	printf("\n");
	for (i = 0; i < st.nfamilies; i++)
		if (strcmp(st.family[i], "ccguard_build_info") != 0 &&
		    strcmp(st.family[i], "ccguard_start_time_seconds") != 0)
			print_family(&st, st.family[i]);
	stats_free(&st);
	conf_free(c);
	return r;
}
