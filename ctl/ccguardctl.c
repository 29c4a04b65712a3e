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
 * DESCRIPTION
 *	The moderator's tool for Postfix's hold queue (see ccguardctl(8)).
 *	Every queue operation goes through ctl_queue.c (postqueue, postcat,
 *	postsuper by fixed path). A message counts as ccguard's when it is in
 *	the hold queue; the rule and reason come from the last hold_header
 *	(ccguard removes copies that came with the message, so the last one
 *	is its own).
 *
 *	release --without LIST submits the message again, with sendmail, to
 *	the recipients that are not members of LIST (decided by the rule
 *	engine, eval_address_in_list), adding an X-Ccguard-Released header
 *	(release.c) so that ccguard delivers it; only after that submission
 *	succeeded is the held copy deleted. A message is never lost: when the
 *	deletion fails, both copies exist and the error says so.
 *
 *	reject sends the rule's refusal text (RULE.rejected or rejected.txt,
 *	loaded by policy.c; a short built-in one of facts only without them)
 *	and only to a sender the guidance gate allows, judged by the sender
 *	kind ccguard wrote into its hold header: an MX sends no backscatter.
 *
 *	Values from messages are shown with control characters replaced, so
 *	a header can not drive the terminal. Every action is logged to syslog.
 *	Moderation by mail (ctl_mail.c) runs these same verbs, with the
 *	moderator's address in the log lines instead of the uid.
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
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "addr.h"
#include "conf.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "ctlverb.h"
#include "diag.h"
#include "eval.h"
#include "hdrblock.h"
#include "holdhdr.h"
#include "log.h"
#include "mailout.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "release.h"
#include "ruleset.h"
#include "sanitize.h"
#include "strbuf.h"
#include "template.h"

/* ctl_who - who acts, for the log: the uid, or the moderator by mail */
const char *
ctl_who(const struct ctl *c)
{
	static char buf[64];

	if (c->actor != NULL)
		return c->actor;
	snprintf(buf, sizeof(buf), "uid %lu", (unsigned long)getuid());
	return buf;
}

/* usage - the synopsis, on stderr */
static void
usage(void)
{
	ctlverb_usage(stderr);
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

/* find_held - the hold-queue entry for qid, or NULL */
struct ctlq_entry *
find_held(struct ctl *c, const char *qid)
{
	size_t i;

	for (i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].queue_id, qid) == 0 &&
		    strcmp(c->entries[i].queue_name, "hold") == 0)
			return &c->entries[i];
	return NULL;
}

/* load_headers - the held message's header block, parsed */
static int
load_headers(struct ctl *c, const char *qid, char **text, struct msg_header **h, size_t *n)
{
	char err[512];
	size_t len;

	if (c->q.be->cat(&c->q, qid, 0, text, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", qid, err);
		return -1;
	}
	if (hdrblock_parse(*text, h, n) < 0) {
		fprintf(stderr, "ccguardctl: %s: out of memory\n", qid);
		free(*text);
		return -1;
	}
	return 0;
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
	char *text, *rule, *reason, age[32];
	size_t i, k, n, shown = 0, qidw = strlen("QUEUE-ID");

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
		rule = reason = NULL;
		if (load_headers(c, e->queue_id, &text, &h, &n) == 0) {
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
	return EXIT_OK;
}

/* cmd_show - envelope, reason and headers; the body on request */
static int
cmd_show(struct ctl *c, struct ctlq_entry *e, int body)
{
	struct msg_header *h;
	char *text, *btext, *rule, *reason, err[512];
	size_t n, k, blen;

	if (load_headers(c, e->queue_id, &text, &h, &n) < 0)
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

/* cmd_release - postsuper -H or sendmail -qQ -qIID -Q: milters do not run again */
int
cmd_release(struct ctl *c, struct ctlq_entry *e)
{
	char err[512];

	if (c->q.be->release(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: release failed: %s\n", e->queue_id, err);
		log_warnx("%s: release failed: %s", e->queue_id, err);
		return EXIT_FAIL;
	}
	log_info("%s: released by a moderator (%s)", e->queue_id, ctl_who(c));
	printf("%s: released\n", e->queue_id);
	return EXIT_OK;
}

/* in_list - is one envelope address (any of its canonical forms) in list? */
struct in_list_arg {
	const struct ruleset *rs;
	int	 list;
	int	 found;
};

/* in_list_sink - addr sink: note a member of the list */
static int
in_list_sink(void *arg, const char *addr, int how)
{
	struct in_list_arg *a = arg;

	if (eval_address_in_list(a->rs, addr, a->list) != 0)
		a->found = 1;
	return ADDR_OK;
}

/* strip_headers - the header text without our own headers */
static void
strip_headers(const struct conf *cf, const char *text, struct strbuf *out)
{
	const char *p = text, *nl;
	size_t len;
	int skipping = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) + 1 : strlen(p);
		if (*p != ' ' && *p != '\t') {
			size_t hl = strlen(cf->hold_header), rl = strlen(RELEASE_HEADER);

			skipping = (strncasecmp(p, cf->hold_header, hl) == 0 && p[hl] == ':') ||
			    (strncasecmp(p, RELEASE_HEADER, rl) == 0 && p[rl] == ':');
		}
		if (!skipping)
			strbuf_append(out, p, len);
		p += len;
	}
	while (out->len > 1 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
		out->data[--out->len] = '\0';
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		strbuf_putc(out, '\n');
}

/* cmd_release_without - resubmit to the recipients outside LIST, then delete */
int
cmd_release_without(struct ctl *c, struct ctlq_entry *e, const char *listname)
{
	const struct conf *cf = c->policy->conf;
	struct mailout_via via;
	struct strbuf msgtext;
	char **keep, *key = NULL, *value, *htext = NULL, *btext = NULL, err[512];
	size_t k, nkeep = 0, keylen, hlen, blen;
	int list, r = EXIT_FAIL;

	if ((list = ruleset_find_list(c->policy->rs, listname)) < 0) {
		fprintf(stderr, "ccguardctl: no list named \"%s\" in the rules\n", listname);
		return EXIT_USAGE;
	}
	if ((keep = calloc(e->nrcpts + 1, sizeof(*keep))) == NULL)
		return EXIT_FAIL;
	for (k = 0; k < e->nrcpts; k++) {
		struct in_list_arg a = { c->policy->rs, list, 0 };

		addr_from_envelope(e->rcpts[k], in_list_sink, &a);
		if (!a.found)
			keep[nkeep++] = e->rcpts[k];
	}
	if (nkeep == 0) {
		fprintf(stderr, "ccguardctl: %s: every recipient is in %s; use reject or discard\n",
		    e->queue_id, listname);
		goto out;
	}
	if (nkeep == e->nrcpts) {
		fprintf(stderr, "ccguardctl: %s: no recipient is in %s; use release to deliver "
		    "it as it is\n", e->queue_id, listname);
		goto out;
	}
	if (release_key_read(cf->release_key, &key, &keylen) < 0) {
		fprintf(stderr, "ccguardctl: cannot read the release key %s: %s "
		    "(create it with: ccguardctl init-key)\n", cf->release_key, strerror(errno));
		goto out;
	}
	value = release_header_value(key, keylen, e->queue_id, time(NULL), keep, nkeep);
	explicit_bzero(key, keylen);
	free(key);
	if (value == NULL) {
		fprintf(stderr, "ccguardctl: %s: could not compute the release header\n", e->queue_id);
		goto out;
	}
	if (c->q.be->cat(&c->q, e->queue_id, 0, &htext, &hlen, err, sizeof(err)) < 0 ||
	    c->q.be->cat(&c->q, e->queue_id, 1, &btext, &blen, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", e->queue_id, err);
		free(value);
		goto out;
	}
	strbuf_init(&msgtext, 0);
	strbuf_printf(&msgtext, "%s: %s\n", RELEASE_HEADER, value);
	free(value);
	strip_headers(cf, htext, &msgtext);
	/* postcat -b starts at the first non-header line: the empty separator. */
	if (blen == 0 || btext[0] != '\n')
		strbuf_putc(&msgtext, '\n');
	strbuf_append(&msgtext, btext, blen);
	if (msgtext.error != STRBUF_OK) {
		/* Never submit a cut copy: the held one would be deleted next. */
		fprintf(stderr, "ccguardctl: %s: out of memory building the message; it stays "
		    "held\n", e->queue_id);
		strbuf_free(&msgtext);
		goto out;
	}

	memset(&via, 0, sizeof(via));
	via.sendmail_path = cf->sendmail_path;
	via.postfix_config = ctlq_submit_config(&c->q);
	via.envelope_from = e->sender;
	via.timeout = CTL_RESUBMIT_TIMEOUT;
	if (mailout_submit(&via, keep, nkeep, msgtext.data, msgtext.len, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: re-submission failed, the message stays held: %s\n",
		    e->queue_id, err);
		log_warnx("%s: release without %s failed, still held: %s", e->queue_id,
		    listname, err);
		strbuf_free(&msgtext);
		goto out;
	}
	strbuf_free(&msgtext);
	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: re-submitted, but the held copy could not be "
		    "deleted (delete it with: ccguardctl held discard %s): %s\n",
		    e->queue_id, e->queue_id, err);
		log_warnx("%s: released without %s, but the held copy remains: %s",
		    e->queue_id, listname, err);
		goto out;
	}
	log_info("%s: released without %s by a moderator (%s) to %zu of %zu recipients",
	    e->queue_id, listname, ctl_who(c), nkeep, e->nrcpts);
	printf("%s: re-submitted to %zu recipient(s) without %s; held copy deleted\n",
	    e->queue_id, nkeep, listname);
	r = EXIT_OK;
out:
	free(htext);
	free(btext);
	free(keep);
	return r;
}

/* The variables a rejection notice may use; the rest render empty. */
struct reject_vars {
	const struct conf *cf;
	struct ctlq_entry *e;
	const char	*rule, *reason, *message_id;
	char		 date[64];
	struct strbuf	 reason_text;
};

/* reject_var - template lookup for the rejection notice */
static const char *
reject_var(void *arg, const char *name)
{
	struct reject_vars *rv = arg;

	if (strcmp(name, "rule") == 0)
		return rv->rule != NULL ? rv->rule : "(unknown)";
	if (strcmp(name, "action") == 0)
		return "hold";
	if (strcmp(name, "sender") == 0)
		return rv->e->sender[0] != '\0' ? rv->e->sender : "<>";
	if (strcmp(name, "queue_id") == 0)
		return rv->e->queue_id;
	if (strcmp(name, "hostname") == 0)
		return rv->cf->hostname != NULL ? rv->cf->hostname : "localhost";
	if (strcmp(name, "message_id") == 0)
		return rv->message_id != NULL ? rv->message_id : "(none)";
	if (strcmp(name, "date") == 0)
		return rv->date;
	if (strcmp(name, "site") == 0)
		return rv->cf->site;
	if (strcmp(name, "reason") == 0)
		return strbuf_str(&rv->reason_text);
	return NULL;	/* about the message's content: not known here */
}

/* Used when no RULE.rejected or rejected.txt exists: facts only. */
static const char builtin_rejected[] =
    "Refused by a moderator: your message was held on ${hostname} and deleted.\n"
    "This server did not deliver it to any of its recipients here.\n"
    "Rule: ${rule}. Message-ID: ${message_id}.\n"
    "The moderator's reason: ${reason}\n"
    "The headers of your message are attached; its body is not.\n"
    "Refused by a moderator on ${hostname}: see the reason above.\n";

/* reject_notice - the message telling the sender a moderator refused it */
static char *
reject_notice(const struct policy *p, struct ctlq_entry *e, const struct msg_header *h,
    size_t n, const char *rule, const char *reason, char **rcpt, size_t *len)
{
	static const char *const omit[] = { RELEASE_HEADER, NULL, NULL };
	const struct conf *cf = p->conf;
	const char *omit_all[3];
	const struct template *t = NULL;
	struct template *builtin = NULL;
	struct reject_vars rv;
	struct mailout_spec spec;
	struct strbuf text, subj;
	struct diag d;
	const char *subject = NULL;
	char *from, *data = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if ((*rcpt = mailout_envelope_address(e->sender)) == NULL)
		return NULL;
	memset(&rv, 0, sizeof(rv));
	rv.cf = cf;
	rv.e = e;
	rv.rule = rule;
	for (i = 0; i < n; i++) {
		if (rv.message_id == NULL && strcasecmp(h[i].name, "Message-ID") == 0)
			rv.message_id = h[i].value;
		if (subject == NULL && strcasecmp(h[i].name, "Subject") == 0)
			subject = h[i].value;
	}
	gmtime_r(&now, &tm);
	strftime(rv.date, sizeof(rv.date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strbuf_init(&rv.reason_text, 8192);
	if (reason != NULL && *reason != '\0')
		strbuf_puts(&rv.reason_text, reason);
	else
		strbuf_puts(&rv.reason_text, "(none given)");
	/* The rule's own text (RULE.rejected, or rejected.txt beside it). */
	if (rule != NULL)
		t = policy_rule_texts(p, ruleset_find_rule(p->rs, rule))->rejected;
	diag_init(&d);
	if (t == NULL)
		t = builtin = template_from_text(builtin_rejected, "built-in", &d);
	diag_free(&d);
	from = notify_from(cf);
	strbuf_init(&text, 64 * 1024);
	strbuf_init(&subj, 2048);
	if (t != NULL && template_render(t, reject_var, &rv, &text) == STRBUF_OK) {
		strbuf_puts(&subj, "Your message was not delivered");
		if (cf->guidance_subject && subject != NULL)
			strbuf_printf(&subj, ": %.400s", subject);
		memcpy(omit_all, omit, sizeof(omit_all));
		omit_all[1] = cf->hold_header;
		memset(&spec, 0, sizeof(spec));
		spec.from = from != NULL ? from : "postmaster";
		spec.to = *rcpt;
		spec.subject = strbuf_str(&subj);
		spec.text = strbuf_str(&text);
		spec.in_reply_to = rv.message_id;
		spec.hostname = cf->hostname;
		spec.headers = h;
		spec.nheaders = n;
		spec.keep_subject = cf->guidance_subject;
		spec.omit = omit_all;
		data = mailout_build(&spec, len);
	}
	template_free(builtin);
	strbuf_free(&text);
	strbuf_free(&subj);
	strbuf_free(&rv.reason_text);
	free(from);
	if (data == NULL) {
		free(*rcpt);
		*rcpt = NULL;
	}
	return data;
}

/*
 * cmd_reject - delete, and tell the sender why; only a sender who could
 * not be forged (guidance_senders: the same gate as guidance), so that an
 * MX never sends backscatter
 */
int
cmd_reject(struct ctl *c, struct ctlq_entry *e, const char *reason)
{
	struct msg_header *h;
	const char *why = NULL;
	char *text, *notice = NULL, *rcpt = NULL, *rule = NULL, *hold = NULL, err[512];
	size_t n, len = 0;
	int r = EXIT_OK;

	if (load_headers(c, e->queue_id, &text, &h, &n) < 0)
		return EXIT_FAIL;
	holdhdr_parse(c->policy->conf->hold_header, h, n, &rule, &hold);
	if (e->sender[0] == '\0')
		why = "the sender is <>";
	else if ((why = notify_class_gate(c->policy->conf, holdhdr_sender_class(hold))) != NULL)
		;
	else if ((why = mailout_suppress_reason(h, n)) == NULL &&
	    (notice = reject_notice(c->policy, e, h, n, rule, reason, &rcpt, &len)) == NULL)
		why = "no usable sender address";
	hdrblock_headers_free(h, n);
	free(text);
	free(rule);
	free(hold);
	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: delete failed, the message stays held: %s\n",
		    e->queue_id, err);
		free(notice);
		free(rcpt);
		return EXIT_FAIL;
	}
	log_info("%s: rejected by a moderator (%s)", e->queue_id, ctl_who(c));
	if (notice == NULL) {
		printf("%s: rejected; no notice sent (%s)\n", e->queue_id, why);
	} else if (notify_send(c->policy->conf, rcpt, notice, len) < 0) {
		fprintf(stderr, "ccguardctl: %s: rejected, but the notice to the sender could "
		    "not be sent (see the log)\n", e->queue_id);
		r = EXIT_FAIL;
	} else {
		log_info("%s: rejection notice sent to <%s>", e->queue_id, rcpt);
		printf("%s: rejected; notice sent to <%s>\n", e->queue_id, rcpt);
	}
	free(notice);
	free(rcpt);
	return r;
}

/* cmd_discard - delete without a word */
int
cmd_discard(struct ctl *c, struct ctlq_entry *e)
{
	char err[512];

	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: delete failed: %s\n", e->queue_id, err);
		return EXIT_FAIL;
	}
	log_info("%s: discarded by a moderator (%s)", e->queue_id, ctl_who(c));
	printf("%s: discarded\n", e->queue_id);
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
		{ NULL, 0, NULL, 0 }
	};
	const char *conf_path = NULL, *pfconf = NULL;
	struct ctl c;
	int ch, r;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'P':
			pfconf = optarg;
			break;
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
	ctlq_entries_free(c.entries, c.nentries);
	ctlq_close(&c.q);
	policy_unref(c.policy);
	return r;
}
