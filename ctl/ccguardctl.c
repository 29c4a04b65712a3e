/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ccguardctl - act on messages ccguard held
 * SYNOPSIS
 *	ccguardctl [-c conf] [--postfix-config DIR] held list [--json]
 *	ccguardctl ... held show ID [--body]
 *	ccguardctl ... held release [--without LIST] ID
 *	ccguardctl ... held reject ID [--reason TEXT]
 *	ccguardctl ... held discard ID
 *	ccguardctl ... init-key
 *	ccguardctl ... held digest
 *	ccguardctl ... mail-command	(the MTA's pipe: store one command message)
 *	ccguardctl ... mail-process	(as root: act on the stored ones)
 *	ccguardctl ... stats [FILE]	(the daemon's counters, ctl_info.c)
 *	ccguardctl -V
 * DESCRIPTION
 *	The moderator's tool for the MTA's hold queue (see ccguardctl(8)): the
 *	command line. It reads the options and runs one command: the held
 *	list and show here, the verbs on a held message in ctl_held.c (shared
 *	with moderation by mail through ctl.h), mail-command, mail-process and
 *	held digest in ctl_mail.c. A message counts as ccguard's when it is in
 *	the hold queue and its one hold header carries a stamp that verifies
 *	under the release key (holdhdr_verify, ctl_held_ours): held list
 *	shows only those and counts the others, and the verbs refuse the
 *	others. The rule and reason come from that hold_header.
 *
 *	Values from messages are shown with control characters replaced, so
 *	a header can not drive the terminal. Every action is logged to syslog.
 * DIAGNOSTICS
 *	Exit status 0 on success, 1 on failure, 2 on a usage error, 3 when the
 *	queue id is not in the hold queue.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>

#include "addr.h"
#include "conf.h"
#include "ctl.h"
#include "ctl_info.h"
#include "ctl_queue.h"
#include "ctlverb.h"
#include "diag.h"
#include "hdrblock.h"
#include "holdhdr.h"
#include "log.h"
#include "msg.h"
#include "policy.h"
#include "release.h"
#include "sanitize.h"
#include "strbuf.h"

/* usage - the synopsis, on stderr */
static void
usage(void)
{
	ctlverb_usage(stderr);
	fprintf(stderr, "       " CTLVERB_PROG " -V\n");
}

/* safe_print - text from a message, with control characters but \n and \t shown as '?' */
static void
safe_print(FILE *fp, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			continue;
		fputc(sanitize_char(SANITIZE_TEXT, c), fp);
	}
}

/* safe_str - one value on one line */
static void
safe_str(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(sanitize_char(SANITIZE_ONE_LINE, c), fp);
	}
}

/* json_str - a JSON string literal (invalid UTF-8 repaired) */
static void
json_str(FILE *fp, const char *str)
{
	char *valid = g_utf8_make_valid(str, -1);
	const char *s;

	fputc('"', fp);
	for (s = valid; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
	g_free(valid);
}

/* format_age - a message age as 5m, 3h or 2d */
static void
format_age(time_t arrival, char *buf, size_t size)
{
	long long age = (long long)(time(NULL) - arrival);

	if (age < 0)
		age = 0;
	if (age < 3600)
		snprintf(buf, size, "%lldm", age / 60);
	else if (age < 2 * 86400)
		snprintf(buf, size, "%lldh", age / 3600);
	else
		snprintf(buf, size, "%lldd", age / 86400);
}

/* cmp_arrival - qsort order: oldest first */
static int
cmp_arrival(const void *a, const void *b)
{
	const struct ctlq_entry *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->queue_id, y->queue_id);
}

/* The table's columns that can be too narrow for a value (characters);
 * the recipients' is wide enough for the pair the shipped rules hold. */
#define LIST_SENDER_WIDTH	30
#define LIST_RCPTS_WIDTH	50
#define LIST_RULE_WIDTH		26

/* text_width - characters in s (UTF-8 continuation bytes do not count) */
static size_t
text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* append_cut - s in at most width characters: cut (never inside a UTF-8 sequence) and marked */
static void
append_cut(struct strbuf *out, const char *s, size_t width)
{
	size_t keep, shown = 0;
	const char *p;

	if (text_width(s) <= width) {
		strbuf_puts(out, s);
		return;
	}
	keep = width > strlen(SANITIZE_CUT) ? width - strlen(SANITIZE_CUT) : 0;
	for (p = s; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 && shown++ == keep)
			break;
	strbuf_append(out, s, (size_t)(p - s));
	strbuf_puts(out, SANITIZE_CUT);
}

/* print_cell - s on one line in exactly width characters: cut, or padded with spaces */
static void
print_cell(FILE *fp, const char *s, size_t width)
{
	struct strbuf sb;
	size_t n;

	strbuf_init(&sb, 0);
	append_cut(&sb, s, width);
	n = text_width(strbuf_str(&sb));
	safe_str(fp, strbuf_str(&sb));
	fprintf(fp, "%*s", (int)(n < width ? width - n : 0), "");
	strbuf_free(&sb);
}

/* rcpt_summary - the recipients that fit in width, then " +N" for the N others */
static void
rcpt_summary(const struct ctlq_entry *e, size_t width, struct strbuf *out)
{
	char more[32];
	size_t k, rest, room;

	for (k = 0; k < e->nrcpts; k++) {
		rest = e->nrcpts - k - 1;	/* after this one */
		snprintf(more, sizeof(more), " +%zu", rest);
		room = width - (rest > 0 ? strlen(more) : 0);
		if (k == 0) {
			append_cut(out, e->rcpts[0], room);
		} else if (text_width(strbuf_str(out)) + 1 + text_width(e->rcpts[k]) > room) {
			strbuf_printf(out, " +%zu", rest + 1);
			return;
		} else {
			strbuf_printf(out, ",%s", e->rcpts[k]);
		}
	}
}

/*
 * cmd_list - the hold queue, oldest first, as a table or JSON. The table
 * keeps its columns: the queue id column is as wide as the longest id,
 * the recipients column names those that fit and counts the others, and
 * a value still too long is cut with SANITIZE_CUT; --json and "held
 * show" give every value whole. The reason, last, is never cut.
 */
static int
cmd_list(struct ctl *c, int json)
{
	struct msg_header *h;
	const char *key;
	char *text, *rule, *reason, age[32];
	size_t i, k, n, keylen, shown = 0, others = 0, qidw = strlen("QUEUE-ID");

	/* Without the key, ccguard's holds can not be told from others'. */
	if (ctl_release_key(c, &key, &keylen) < 0)
		return EXIT_FAIL;
	if (c->nentries > 0)	/* an empty queue has no array at all */
		qsort(c->entries, c->nentries, sizeof(*c->entries), cmp_arrival);
	for (i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].queue_name, "hold") == 0 &&
		    strlen(c->entries[i].queue_id) > qidw)
			qidw = strlen(c->entries[i].queue_id);
	if (json)
		printf("[");
	else
		printf("%-*s %-5s %-*s %-*s %-*s %s\n", (int)qidw, "QUEUE-ID", "AGE",
		    LIST_SENDER_WIDTH, "SENDER", LIST_RCPTS_WIDTH, "RECIPIENTS",
		    LIST_RULE_WIDTH, "RULE", "REASON");
	for (i = 0; i < c->nentries; i++) {
		struct ctlq_entry *e = &c->entries[i];

		if (strcmp(e->queue_name, "hold") != 0 || !release_qid_ok(e->queue_id))
			continue;
		/* Only ccguard's own holds; the others are counted below. */
		if (ctl_held_ours(c, e, NULL) != 1) {
			others++;
			continue;
		}
		rule = reason = NULL;
		if (ctl_load_headers(c, e->queue_id, &text, &h, &n) == 0) {
			holdhdr_parse(c->policy->conf->hold_header, h, n, &rule, &reason);
			hdrblock_headers_free(h, n);
			free(text);
		}
		format_age(e->arrival, age, sizeof(age));
		if (json) {
			printf("%s\n {\"queue_id\": ", shown > 0 ? "," : "");
			json_str(stdout, e->queue_id);
			printf(", \"arrival_time\": %lld, \"age\": ", (long long)e->arrival);
			json_str(stdout, age);
			printf(", \"sender\": ");
			json_str(stdout, e->sender);
			printf(", \"recipients\": [");
			for (k = 0; k < e->nrcpts; k++) {
				if (k > 0)
					printf(", ");
				json_str(stdout, e->rcpts[k]);
			}
			printf("], \"rule\": ");
			if (rule != NULL)
				json_str(stdout, rule);
			else
				printf("null");
			printf(", \"reason\": ");
			if (reason != NULL)
				json_str(stdout, reason);
			else
				printf("null");
			printf("}");
		} else {
			struct strbuf r;

			strbuf_init(&r, 4096);
			rcpt_summary(e, LIST_RCPTS_WIDTH, &r);
			printf("%-*s %-5s ", (int)qidw, e->queue_id, age);
			print_cell(stdout, e->sender[0] != '\0' ? e->sender : "<>", LIST_SENDER_WIDTH);
			printf(" ");
			print_cell(stdout, strbuf_str(&r), LIST_RCPTS_WIDTH);
			printf(" ");
			print_cell(stdout, rule != NULL ? rule : "-", LIST_RULE_WIDTH);
			printf(" ");
			safe_str(stdout, reason != NULL ? reason : "-");
			printf("\n");
			strbuf_free(&r);
		}
		shown++;
		free(rule);
		free(reason);
	}
	if (json)
		printf("%s]\n", shown > 0 ? "\n" : "");
	if (others > 0)
		fprintf(stderr, "ccguardctl: %zu other held message(s) not listed: not held by "
		    "ccguard (no valid hold stamp); see postqueue -p\n", others);
	return EXIT_OK;
}

/* cmd_show - envelope, reason and headers; the body on request */
static int
cmd_show(struct ctl *c, struct ctlq_entry *e, int body)
{
	struct msg_header *h;
	char *text, *btext, *rule, *reason, err[512];
	size_t n, k, blen;

	if (ctl_load_headers(c, e->queue_id, &text, &h, &n) < 0)
		return EXIT_FAIL;
	holdhdr_parse(c->policy->conf->hold_header, h, n, &rule, &reason);
	printf("Queue-ID:   %s\n", e->queue_id);
	printf("Arrival:    %s", ctime(&e->arrival));
	printf("Sender:     ");
	safe_str(stdout, e->sender[0] != '\0' ? e->sender : "<>");
	printf("\n");
	for (k = 0; k < e->nrcpts; k++) {
		printf("Recipient:  ");
		safe_str(stdout, e->rcpts[k]);
		printf("\n");
	}
	printf("Rule:       ");
	safe_str(stdout, rule != NULL ? rule : "-");
	printf("\nReason:     ");
	safe_str(stdout, reason != NULL ? reason : "-");
	printf("\n\n");
	safe_print(stdout, text, strlen(text));
	free(rule);
	free(reason);
	hdrblock_headers_free(h, n);
	free(text);
	if (body) {
		if (c->q.be->cat(&c->q, e->queue_id, 1, &btext, &blen, err, sizeof(err)) < 0) {
			fprintf(stderr, "ccguardctl: %s: %s\n", e->queue_id, err);
			return EXIT_FAIL;
		}
		if (blen == 0 || btext[0] != '\n')
			printf("\n");
		safe_print(stdout, btext, blen);
		free(btext);
	}
	return EXIT_OK;
}

/* load - configuration and rules, as the daemon reads them */
static struct policy *
load(const char *conf_path)
{
	struct policy *p;
	struct diag d;
	struct stat st;

	if (conf_path == NULL && stat(CCGUARD_CONFDIR "/ccguard.conf", &st) == 0)
		conf_path = CCGUARD_CONFDIR "/ccguard.conf";
	diag_init(&d);
	p = policy_load(conf_path, 0, &d);
	if (d.text.len > 0)
		fprintf(stderr, "%s", strbuf_str(&d.text));
	diag_free(&d);
	return p;
}

/* cmd_held - the "held" subcommands */
static int
cmd_held(struct ctl *c, int argc, char **argv)
{
	const char *sub, *id = NULL, *without = NULL, *reason = NULL;
	struct ctlq_entry *e;
	char err[512];
	int json = 0, body = 0, i;

	if (argc < 1) {
		usage();
		return EXIT_USAGE;
	}
	sub = argv[0];
	if (strcmp(sub, "digest") == 0 && argc == 1)
		return ctl_held_digest(c);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && strcmp(sub, "list") == 0)
			json = 1;
		else if (strcmp(argv[i], "--body") == 0 && strcmp(sub, "show") == 0)
			body = 1;
		else if (strcmp(argv[i], "--without") == 0 && strcmp(sub, "release") == 0 &&
		    i + 1 < argc)
			without = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0 && strcmp(sub, "reject") == 0 &&
		    i + 1 < argc)
			reason = argv[++i];
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			usage();
			return EXIT_USAGE;
		}
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "release") != 0 &&
	    strcmp(sub, "reject") != 0 && strcmp(sub, "discard") != 0) {
		usage();
		return EXIT_USAGE;
	}
	if ((strcmp(sub, "list") == 0) != (id == NULL)) {
		usage();
		return EXIT_USAGE;
	}
	if (id != NULL && !release_qid_ok(id)) {
		fprintf(stderr, "ccguardctl: \"%s\" is not a queue id\n", id);
		return EXIT_USAGE;
	}
	if (ctlq_open(&c->q, c->policy->conf, err, sizeof(err)) < 0 ||
	    c->q.be->list(&c->q, &c->entries, &c->nentries, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s\n", err);
		return EXIT_FAIL;
	}
	if (strcmp(sub, "list") == 0)
		return cmd_list(c, json);
	if ((e = find_held(c, id)) == NULL) {
		fprintf(stderr, "ccguardctl: %s: no such message in the hold queue "
		    "(already released or deleted?)\n", id);
		return EXIT_NOTFOUND;
	}
	switch (ctl_held_ours(c, e, NULL)) {
	case 1:
		break;
	case 0:
		return ctl_not_ours(e);
	default:
		return EXIT_FAIL;
	}
	if (strcmp(sub, "show") == 0)
		return cmd_show(c, e, body);
	if (strcmp(sub, "release") == 0)
		return without != NULL ? cmd_release_without(c, e, without) : cmd_release(c, e);
	if (strcmp(sub, "reject") == 0)
		return cmd_reject(c, e, reason);
	return cmd_discard(c, e);
}

/* main - options, then one command */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "postfix-config", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = NULL, *pfconf = NULL;
	struct ctl c;
	int ch, r;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'P':
			pfconf = optarg;
			break;
		case 'V':
			ctl_print_version();
			return EXIT_OK;
		default:
			usage();
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	addr_init();
	log_init("ccguardctl", 0, 1, 0);
	/* The MTA's pipe runs this unprivileged: it reads no rules, no key. */
	if (strcmp(argv[0], "mail-command") == 0 && argc == 1)
		return ctl_mail_command(conf_path);
	/* stats reads ccguard.conf and the metrics file, not the rules. */
	if (strcmp(argv[0], "stats") == 0 && argc <= 2)
		return ctl_stats(conf_path, argc == 2 ? argv[1] : NULL);
	if ((c.policy = load(conf_path)) == NULL)
		return EXIT_FAIL;
	if (pfconf != NULL) {
		free(c.policy->conf->postfix_config);
		if ((c.policy->conf->postfix_config = strdup(pfconf)) == NULL)
			return EXIT_FAIL;
	}
	if (strcmp(argv[0], "init-key") == 0 && argc == 1) {
		if (release_key_create(c.policy->conf->release_key, "ccguard") < 0) {
			fprintf(stderr, "ccguardctl: cannot create %s: %s\n",
			    c.policy->conf->release_key, strerror(errno));
			r = EXIT_FAIL;
		} else {
			printf("created %s (mode 0640)\n", c.policy->conf->release_key);
			r = EXIT_OK;
		}
	} else if (strcmp(argv[0], "held") == 0)
		r = cmd_held(&c, argc - 1, argv + 1);
	else if (strcmp(argv[0], "mail-process") == 0 && argc == 1)
		r = ctl_mail_process(&c);
	else {
		usage();
		r = EXIT_USAGE;
	}
	ctl_forget_key(&c);
	ctlq_entries_free(c.entries, c.nentries);
	ctlq_close(&c.q);
	policy_unref(c.policy);
	return r;
}
