/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metrics - the daemon's counters, written in the Prometheus text format
 * SYNOPSIS
 *	metrics_count_message(verdict, result);	(action.c, once per message)
 *	metrics_count_mail(METRICS_GUIDANCE, METRICS_SENT);
 *	metrics_count_reload(ok);
 *	metrics_write(path, err, errsize);	(the daemon's writer thread)
 * DESCRIPTION
 *	The counters live for the whole process, outside any policy, so a
 *	reload (which replaces the policy) keeps them. Many milter threads
 *	count at once: the fixed series are C11 atomics; the per-rule series,
 *	whose labels come from the rule files, sit in a string map under a
 *	mutex, created on first use and kept when a reload drops the rule (a
 *	counter that vanished would read as a reset).
 *
 *	metrics_format() renders every series in the text format 0.0.4 that
 *	node_exporter's textfile collector reads: for each family a HELP and
 *	a TYPE line, then its samples, no timestamps; label values escaped
 *	(backslash, double quote, newline), series sorted so the file is
 *	stable. metrics_write() replaces the file atomically: a temporary
 *	file in the same directory (named so the collector, which reads
 *	*.prom, skips it), mode 0644, then rename(2). A reader sees the old
 *	file or the new one, never a part.
 *
 *	Nothing here knows libmilter: milter/metrics_writer.c runs the timer
 *	and logs write failures.
 * SEE ALSO
 *	ccguard.conf(5) metrics_file, doc/operating.md "Metrics"
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "metrics.h"
#include "ruleset.h"
#include "strbuf.h"
#include "strmap.h"
#include "verdict.h"

typedef _Atomic unsigned long long metrics_counter;

static metrics_counter messages[METRICS_NVERDICTS];
static metrics_counter errors[2];		/* on_error, on_limit */
static metrics_counter mails[METRICS_NMAILS][METRICS_NRESULTS];
static metrics_counter reloads[2];		/* refused, ok */
static metrics_counter write_failures;
static _Atomic long long start_time;

static const char *const verdict_label[METRICS_NVERDICTS] = {
	[METRICS_PASS] = "pass",
	[METRICS_REJECT] = "reject",
	[METRICS_TEMPFAIL] = "tempfail",
	[METRICS_HOLD] = "hold",
	[METRICS_DISCARD] = "discard",
};

static const char *const result_label[METRICS_NRESULTS] = {
	[METRICS_SENT] = "sent",
	[METRICS_SUPPRESSED] = "suppressed",
	[METRICS_FAILED] = "failed",
};

/* One ccguard_rule_total series: a rule name and the action it took. */
struct metrics_rule {
	char		*rule;
	char		*action;
	unsigned long long count;	/* under rules_lock */
};

static pthread_mutex_t rules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *rules;		/* "ACTION\x1fRULE" -> struct metrics_rule */
static size_t nrules;

/* Separates the action (a fixed word) from the rule name in a map key. */
#define METRICS_KEY_SEP	'\x1f'

/* bump - add one to a counter, from any thread */
static void
bump(metrics_counter *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* load - a counter's value, for the file */
static unsigned long long
load(metrics_counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* metrics_set_start_time - when the daemon started (ccguard_start_time_seconds) */
void
metrics_set_start_time(time_t t)
{
	atomic_store(&start_time, (long long)t);
}

/*
 * metrics_count_message - one message decided: what the MTA was told, the
 * deciding rule, the monitor-mode rules that matched, a limit or an error
 */
void
metrics_count_message(const struct verdict *v, enum action_result res)
{
	size_t i;

	if (res == RESULT_REJECT)
		bump(&messages[METRICS_REJECT]);
	else if (res == RESULT_TEMPFAIL)
		bump(&messages[METRICS_TEMPFAIL]);
	else if (v->action == ACTION_HOLD)
		bump(&messages[METRICS_HOLD]);
	else
		bump(&messages[METRICS_PASS]);
	if (v->origin == ORIGIN_ERROR)
		bump(&errors[0]);
	else if (v->origin == ORIGIN_LIMIT)
		bump(&errors[1]);
	if (v->rule != NULL)
		metrics_count_rule(rule_name(v->rule), action_name(v->action));
	for (i = 0; i < v->nmonitored; i++)
		metrics_count_rule(rule_name(v->monitored[i]), action_name(ACTION_MONITOR));
}

/*
 * metrics_count_unjudged - a message answered tempfail before any verdict
 * (no policy in force, or no memory for the connection's state)
 */
void
metrics_count_unjudged(void)
{
	bump(&messages[METRICS_TEMPFAIL]);
}

/* rule_series_new - a zeroed series for rule and action, or NULL */
static struct metrics_rule *
rule_series_new(const char *rule, const char *action)
{
	struct metrics_rule *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->rule = strdup(rule)) == NULL || (r->action = strdup(action)) == NULL) {
		free(r->rule);
		free(r);
		return NULL;
	}
	return r;
}

/* rule_series_free - free one series (strmap_free callback) */
static void
rule_series_free(void *p)
{
	struct metrics_rule *r = p;

	free(r->rule);
	free(r->action);
	free(r);
}

/*
 * metrics_count_rule - one decision of a rule with an action. Out of
 * memory the count is lost: a counter never stops a message.
 */
void
metrics_count_rule(const char *rule, const char *action)
{
	struct metrics_rule *r = NULL;
	char small[256], *key = small;
	int n;

	/* Rule names are short: the key is built on the stack but for a freak. */
	n = snprintf(small, sizeof(small), "%s%c%s", action, METRICS_KEY_SEP, rule);
	if (n < 0 || ((size_t)n >= sizeof(small) &&
	    asprintf(&key, "%s%c%s", action, METRICS_KEY_SEP, rule) < 0))
		return;
	pthread_mutex_lock(&rules_lock);
	if (rules == NULL)
		rules = strmap_new(16);
	if (rules != NULL && (r = strmap_get(rules, key)) == NULL &&
	    (r = rule_series_new(rule, action)) != NULL) {
		if (strmap_put(rules, key, r, NULL) < 0) {
			rule_series_free(r);
			r = NULL;
		} else
			nrules++;
	}
	if (r != NULL)
		r->count++;
	pthread_mutex_unlock(&rules_lock);
	if (key != small)
		free(key);
}

/* metrics_count_mail - what became of one guidance message or notice */
void
metrics_count_mail(enum metrics_mail kind, enum metrics_mail_result result)
{
	bump(&mails[kind][result]);
}

/* metrics_count_reload - one SIGHUP: the new policy in force (ok) or refused */
void
metrics_count_reload(int ok)
{
	bump(&reloads[ok ? 1 : 0]);
}

/* metrics_count_write_failure - the metrics file could not be written */
void
metrics_count_write_failure(void)
{
	bump(&write_failures);
}

/* put_escaped - a label value: backslash, double quote and newline escaped */
static void
put_escaped(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			strbuf_puts(out, "\\\\");
		else if (*s == '"')
			strbuf_puts(out, "\\\"");
		else if (*s == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_putc(out, *s);
	}
}

/* put_family - the HELP and TYPE lines that start a metric family */
static void
put_family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* put_labelled - one sample with a single label */
static void
put_labelled(struct strbuf *out, const char *name, const char *label, const char *value,
    unsigned long long n)
{
	strbuf_printf(out, "%s{%s=\"", name, label);
	put_escaped(out, value);
	strbuf_printf(out, "\"} %llu\n", n);
}

/* collect_rule - strmap_foreach callback: gather the rule series */
static void
collect_rule(const char *key, void *value, void *arg)
{
	struct metrics_rule ***next = arg;

	*(*next)++ = value;
}

/* cmp_rule - order rule series by rule name, then action */
static int
cmp_rule(const void *a, const void *b)
{
	const struct metrics_rule *x = *(const struct metrics_rule *const *)a;
	const struct metrics_rule *y = *(const struct metrics_rule *const *)b;
	int c = strcmp(x->rule, y->rule);

	return c != 0 ? c : strcmp(x->action, y->action);
}

/* put_rules - ccguard_rule_total, one sample per rule and action seen; -1: no memory */
static int
put_rules(struct strbuf *out)
{
	struct metrics_rule **all = NULL, **next;
	size_t i, n;

	pthread_mutex_lock(&rules_lock);
	n = nrules;
	if (n > 0 && (all = calloc(n, sizeof(*all))) == NULL) {
		pthread_mutex_unlock(&rules_lock);
		return -1;
	}
	next = all;
	if (rules != NULL)
		strmap_foreach(rules, collect_rule, &next);
	if (n > 0)
		qsort(all, n, sizeof(*all), cmp_rule);
	for (i = 0; i < n; i++) {
		strbuf_puts(out, "ccguard_rule_total{rule=\"");
		put_escaped(out, all[i]->rule);
		strbuf_puts(out, "\",action=\"");
		put_escaped(out, all[i]->action);
		strbuf_printf(out, "\"} %llu\n", all[i]->count);
	}
	pthread_mutex_unlock(&rules_lock);
	free(all);
	return 0;
}

/* metrics_format - every series as the text format; 0, or -1 (out of memory) */
int
metrics_format(struct strbuf *out)
{
	static const char *const error_label[2] = { "on_error", "on_limit" };
	static const char *const reload_label[2] = { "refused", "ok" };
	static const char *const mail_family[METRICS_NMAILS][2] = {
		{ "ccguard_guidance_total", "Guidance messages to senders of held and notify "
		    "messages: sent (handed to the MTA), suppressed (the guidance settings or "
		    "guidance_rate say no), failed." },
		{ "ccguard_notice_total", "Moderator notices of held messages: sent (handed "
		    "to the MTA), suppressed (no moderator set), failed." },
	};
	size_t i, k;
	int r;

	put_family(out, "ccguard_messages_total", "counter", "Messages decided, by what "
	    "the MTA was told; accept, notify and monitor verdicts count as pass.");
	for (i = 0; i < METRICS_NVERDICTS; i++)
		put_labelled(out, "ccguard_messages_total", "verdict", verdict_label[i],
		    load(&messages[i]));
	put_family(out, "ccguard_rule_total", "counter", "Messages decided by a rule, by "
	    "rule and action; a matching rule in monitor mode counts with action monitor.");
	r = put_rules(out);
	put_family(out, "ccguard_errors_total", "counter", "Messages given the on_error "
	    "action (an internal error) or the on_limit action (a limit was reached).");
	for (i = 0; i < 2; i++)
		put_labelled(out, "ccguard_errors_total", "class", error_label[i], load(&errors[i]));
	for (k = 0; k < METRICS_NMAILS; k++) {
		put_family(out, mail_family[k][0], "counter", mail_family[k][1]);
		for (i = 0; i < METRICS_NRESULTS; i++)
			put_labelled(out, mail_family[k][0], "result", result_label[i],
			    load(&mails[k][i]));
	}
	put_family(out, "ccguard_reloads_total", "counter", "Reloads on SIGHUP: ok (the new "
	    "configuration and rules are in force) or refused (the old ones stay).");
	for (i = 2; i-- > 0;)
		put_labelled(out, "ccguard_reloads_total", "result", reload_label[i],
		    load(&reloads[i]));
	put_family(out, "ccguard_metrics_write_failures_total", "counter",
	    "Failed attempts to write this file.");
	strbuf_printf(out, "ccguard_metrics_write_failures_total %llu\n", load(&write_failures));
	put_family(out, "ccguard_start_time_seconds", "gauge",
	    "When the daemon started, in seconds since the Unix epoch.");
	strbuf_printf(out, "ccguard_start_time_seconds %lld\n", atomic_load(&start_time));
	put_family(out, "ccguard_build_info", "gauge", "The version of ccguard running; "
	    "the value is always 1.");
	put_labelled(out, "ccguard_build_info", "version", PACKAGE_VERSION, 1);
	return r == 0 && out->error == STRBUF_OK ? 0 : -1;
}

/* write_all - write len bytes of buf to fd; 0, or -1 with errno */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * metrics_write - replace path with the current counters: a temporary
 * ".NAME.XXXXXX" beside it, then rename. 0, or -1 with err set.
 */
int
metrics_write(const char *path, char *err, size_t errsize)
{
	const char *slash = strrchr(path, '/');
	struct strbuf text, tmp;
	int fd, saved;

	strbuf_init(&text, METRICS_TEXT_MAX);
	strbuf_init(&tmp, 0);
	if (slash != NULL)
		strbuf_printf(&tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		strbuf_printf(&tmp, ".%s.XXXXXX", path);
	if (metrics_format(&text) < 0 || tmp.error != STRBUF_OK) {
		diag_set(err, errsize, "%s: out of memory", path);
		goto fail;
	}
	if ((fd = mkstemp(tmp.data)) < 0) {
		diag_set(err, errsize, "%s: cannot create a temporary file: %s", path,
		    strerror(errno));
		goto fail;
	}
	/* Readable by node_exporter, whatever the daemon's umask. */
	if (write_all(fd, text.data, text.len) < 0 || fchmod(fd, 0644) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp.data);
		diag_set(err, errsize, "%s: cannot write %s: %s", path, tmp.data, strerror(saved));
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp.data, path) < 0) {
		saved = errno;
		unlink(tmp.data);
		diag_set(err, errsize, "%s: cannot replace it: %s", path, strerror(saved));
		goto fail;
	}
	strbuf_free(&text);
	strbuf_free(&tmp);
	return 0;
fail:
	strbuf_free(&text);
	strbuf_free(&tmp);
	return -1;
}
