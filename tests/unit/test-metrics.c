/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-metrics.c - unit tests of the counters and their file (lib/metrics.c).
 *
 * What a verdict counts (the MTA's answer, the deciding rule, monitor-mode
 * rules, limits and errors), that label values from rule files are escaped
 * as the text format requires, that counting from many threads at once
 * loses nothing, and that metrics_write() replaces the file whole (mode
 * 0644, no temporary file left) and fails cleanly where it can not write.
 * The milter-level test (tests/milter/metrics.lua) checks the same counters
 * through the daemon, and the format with a strict reader.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "diag.h"
#include "metrics.h"
#include "rules_parse.h"
#include "ruleset.h"
#include "strbuf.h"
#include "testlib.h"
#include "verdict.h"

#define THREADS		8
#define PER_THREAD	20000

/* render - the current file text (a static buffer: the next call frees it) */
static const char *
render(void)
{
	static struct strbuf sb;

	strbuf_free(&sb);
	strbuf_init(&sb, METRICS_TEXT_MAX);
	CHECK(metrics_format(&sb) == 0, "metrics_format failed");
	return strbuf_str(&sb);
}

/* value_of - the number on the line that starts with "series " (-1: none) */
static long long
value_of(const char *series)
{
	const char *text = render(), *p;
	size_t n = strlen(series);

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/* test_fresh - every fixed series is there at 0 before anything is counted */
static void
test_fresh(void)
{
	static const char *const zero[] = {
		"ccguard_messages_total{verdict=\"pass\"}",
		"ccguard_messages_total{verdict=\"reject\"}",
		"ccguard_messages_total{verdict=\"tempfail\"}",
		"ccguard_messages_total{verdict=\"hold\"}",
		"ccguard_messages_total{verdict=\"discard\"}",
		"ccguard_errors_total{class=\"on_error\"}",
		"ccguard_errors_total{class=\"on_limit\"}",
		"ccguard_guidance_total{result=\"sent\"}",
		"ccguard_guidance_total{result=\"suppressed\"}",
		"ccguard_guidance_total{result=\"failed\"}",
		"ccguard_notice_total{result=\"sent\"}",
		"ccguard_notice_total{result=\"suppressed\"}",
		"ccguard_notice_total{result=\"failed\"}",
		"ccguard_reloads_total{result=\"ok\"}",
		"ccguard_reloads_total{result=\"refused\"}",
		"ccguard_metrics_write_failures_total",
		NULL
	};
	char *text = strdup(render());
	size_t i;

	CHECK(text != NULL, "out of memory");
	if (text == NULL)
		return;
	for (i = 0; zero[i] != NULL; i++)
		CHECK(value_of(zero[i]) == 0, "%s: got %lld, want 0", zero[i], value_of(zero[i]));
	CHECK(strstr(text, "ccguard_build_info{version=\"" PACKAGE_VERSION "\"} 1\n") != NULL,
	    "no build_info line with version %s", PACKAGE_VERSION);
	CHECK(strstr(text, "# TYPE ccguard_rule_total counter\n") != NULL, "no rule_total TYPE");
	CHECK(strstr(text, "ccguard_rule_total{") == NULL, "a rule series before any count");
	CHECK(text[strlen(text) - 1] == '\n', "the text does not end in a newline");
	free(text);
}

/* test_verdicts - each kind of verdict and answer lands in its series */
static void
test_verdicts(void)
{
	struct ruleset *rs = ruleset_new();
	struct verdict v;
	struct diag d;
	const struct rule *stop, *watch;

	diag_init(&d);
	CHECK(rs != NULL && rules_parse_text(rs,
	    "list a { a@example.org }\n"
	    "rule stop { when recipient in a action reject }\n"
	    "rule watch { when recipient in a action hold }\n", "m.rules", NULL, &d) == 0 &&
	    rules_resolve(rs, &d) == 0, "rules: %s", strbuf_str(&d.text));
	diag_free(&d);
	stop = ruleset_find_rule(rs, "stop");
	watch = ruleset_find_rule(rs, "watch");
	CHECK(stop != NULL && watch != NULL, "rules not found");

	memset(&v, 0, sizeof(v));
	v.action = ACTION_REJECT;
	v.rule = stop;
	v.monitored[0] = watch;
	v.monitored_would[0] = ACTION_HOLD;
	v.nmonitored = 1;
	metrics_count_message(&v, RESULT_REJECT);
	metrics_count_message(&v, RESULT_REJECT);
	/* A hold whose quarantine failed was told tempfail. */
	memset(&v, 0, sizeof(v));
	v.action = ACTION_HOLD;
	v.rule = watch;
	metrics_count_message(&v, RESULT_TEMPFAIL);
	metrics_count_message(&v, RESULT_ACCEPT);
	/* Nothing matched; a limit; an error; notify and monitor verdicts pass. */
	memset(&v, 0, sizeof(v));
	metrics_count_message(&v, RESULT_ACCEPT);
	v.origin = ORIGIN_LIMIT;
	v.action = ACTION_TEMPFAIL;
	metrics_count_message(&v, RESULT_TEMPFAIL);
	v.origin = ORIGIN_ERROR;
	v.action = ACTION_ACCEPT;
	metrics_count_message(&v, RESULT_ACCEPT);
	memset(&v, 0, sizeof(v));
	v.action = ACTION_NOTIFY;
	v.rule = stop;
	metrics_count_message(&v, RESULT_ACCEPT);
	metrics_count_unjudged();

	CHECK(value_of("ccguard_messages_total{verdict=\"reject\"}") == 2, "reject");
	CHECK(value_of("ccguard_messages_total{verdict=\"tempfail\"}") == 3, "tempfail: %lld",
	    value_of("ccguard_messages_total{verdict=\"tempfail\"}"));
	CHECK(value_of("ccguard_messages_total{verdict=\"hold\"}") == 1, "hold");
	CHECK(value_of("ccguard_messages_total{verdict=\"pass\"}") == 3, "pass: %lld",
	    value_of("ccguard_messages_total{verdict=\"pass\"}"));
	CHECK(value_of("ccguard_messages_total{verdict=\"discard\"}") == 0, "discard");
	CHECK(value_of("ccguard_errors_total{class=\"on_limit\"}") == 1, "on_limit");
	CHECK(value_of("ccguard_errors_total{class=\"on_error\"}") == 1, "on_error");
	CHECK(value_of("ccguard_rule_total{rule=\"stop\",action=\"reject\"}") == 2, "stop/reject");
	CHECK(value_of("ccguard_rule_total{rule=\"stop\",action=\"notify\"}") == 1, "stop/notify");
	CHECK(value_of("ccguard_rule_total{rule=\"watch\",action=\"monitor\"}") == 2,
	    "watch/monitor");
	CHECK(value_of("ccguard_rule_total{rule=\"watch\",action=\"hold\"}") == 2, "watch/hold");
	/* Sorted by rule, then action. */
	CHECK(strstr(render(), "ccguard_rule_total{rule=\"stop\",action=\"notify\"} 1\n"
	    "ccguard_rule_total{rule=\"stop\",action=\"reject\"} 2\n"
	    "ccguard_rule_total{rule=\"watch\",action=\"hold\"} 2\n"
	    "ccguard_rule_total{rule=\"watch\",action=\"monitor\"} 2\n") != NULL,
	    "rule series not in order:\n%s", render());
	ruleset_free(rs);
}

/* test_escaping - label values are escaped, names that differ stay apart */
static void
test_escaping(void)
{
	metrics_count_rule("q\"uote\\back\nline", "reject");
	metrics_count_rule("a", "reject\x1f" "b");	/* not the series below */
	metrics_count_rule("b", "reject");
	CHECK(value_of("ccguard_rule_total{rule=\"q\\\"uote\\\\back\\nline\",action=\"reject\"}") == 1,
	    "escaped label value missing:\n%s", render());
	CHECK(value_of("ccguard_rule_total{rule=\"b\",action=\"reject\"}") == 1, "b/reject");
}

/* count_hard - one thread's share of the concurrency test */
static void *
count_hard(void *arg)
{
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		metrics_count_mail(METRICS_GUIDANCE, METRICS_SENT);
		metrics_count_rule(i % 2 ? "odd" : "even", "hold");
		metrics_count_reload(i % 4 == 0);
	}
	return arg;
}

/* test_threads - no update is lost when many threads count at once */
static void
test_threads(void)
{
	pthread_t t[THREADS];
	long long ok0 = value_of("ccguard_reloads_total{result=\"ok\"}");
	long long refused0 = value_of("ccguard_reloads_total{result=\"refused\"}");
	int i;

	for (i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, count_hard, NULL) == 0, "pthread_create");
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(value_of("ccguard_guidance_total{result=\"sent\"}") == THREADS * PER_THREAD,
	    "guidance sent: %lld", value_of("ccguard_guidance_total{result=\"sent\"}"));
	CHECK(value_of("ccguard_rule_total{rule=\"odd\",action=\"hold\"}") ==
	    THREADS * PER_THREAD / 2, "odd: %lld",
	    value_of("ccguard_rule_total{rule=\"odd\",action=\"hold\"}"));
	CHECK(value_of("ccguard_rule_total{rule=\"even\",action=\"hold\"}") ==
	    THREADS * PER_THREAD / 2, "even");
	CHECK(value_of("ccguard_reloads_total{result=\"ok\"}") - ok0 == THREADS * PER_THREAD / 4,
	    "reloads ok");
	CHECK(value_of("ccguard_reloads_total{result=\"refused\"}") - refused0 ==
	    THREADS * PER_THREAD * 3 / 4, "reloads refused");
}

/* dir_entries - how many entries besides . and .. a directory has */
static int
dir_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;

	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

/* test_write - the file replaced whole, readable by all; failures say why */
static void
test_write(void)
{
	char dir[] = "/tmp/ccguard-metrics.XXXXXX", path[256], bad[300], err[512], *got;
	struct stat st;
	FILE *fp;
	long size;
	mode_t old = umask(077);

	CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/ccguard.prom", dir);
	fp = fopen(path, "w");
	CHECK(fp != NULL && fputs("old\n", fp) >= 0 && fclose(fp) == 0, "old file");
	CHECK(metrics_write(path, err, sizeof(err)) == 0, "metrics_write: %s", err);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "mode %o, want 644",
	    (unsigned)(st.st_mode & 07777));
	CHECK(dir_entries(dir) == 1, "%d entries in the directory, want the file alone",
	    dir_entries(dir));
	fp = fopen(path, "r");
	CHECK(fp != NULL, "reopen");
	if (fp != NULL) {
		fseek(fp, 0, SEEK_END);
		size = ftell(fp);
		rewind(fp);
		got = calloc(1, (size_t)size + 1);
		CHECK(got != NULL && fread(got, 1, (size_t)size, fp) == (size_t)size, "read back");
		CHECK(got != NULL && strcmp(got, render()) == 0, "file differs from metrics_format");
		free(got);
		fclose(fp);
	}

	/* No such directory: an error naming the file, nothing created. */
	snprintf(bad, sizeof(bad), "%s/missing/ccguard.prom", dir);
	err[0] = '\0';
	CHECK(metrics_write(bad, err, sizeof(err)) < 0, "write into a missing directory");
	CHECK(strstr(err, bad) != NULL && strstr(err, "No such file") != NULL, "error: %s", err);
	/* The target is a directory: rename fails, the temporary file goes. */
	snprintf(bad, sizeof(bad), "%s/sub", dir);
	CHECK(mkdir(bad, 0755) == 0, "mkdir");
	CHECK(metrics_write(bad, err, sizeof(err)) < 0, "write over a directory");
	CHECK(strstr(err, "cannot replace") != NULL, "error: %s", err);
	CHECK(dir_entries(dir) == 2, "%d entries: a temporary file was left", dir_entries(dir));
	rmdir(bad);
	unlink(path);
	CHECK(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	umask(old);
}

int
main(void)
{
	test_fresh();
	test_verdicts();
	test_escaping();
	test_threads();
	test_write();
	return test_exit("test-metrics");
}
