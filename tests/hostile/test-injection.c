/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-injection.c - message content must never reach the SMTP reply, the
 * log line or the hold header with a CR, LF or other control character:
 * addresses (a quoted local part may hold CR LF), display names, Subject,
 * Message-ID, the sender, the queue id and the client name are all hostile.
 * A rule file of its own puts every template variable into the reply, and
 * matches any address at kernel.org so that hostile local parts become
 * "matched" addresses. Also checks that a sender that starts with '-'
 * (an option to a program it might be handed to) is normalised into one
 * plain token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../unit/testlib.h"
#include "harness.h"
#include "reply.h"
#include "template.h"

static const char rules_text[] =
    "list kernel { @kernel.org }\n"
    "rule inj-hold {\n"
    "	when recipient in kernel and header In-Reply-To exists\n"
    "	action hold\n"
    "	reply \"inj.reply\"\n"
    "}\n"
    "rule inj-reject {\n"
    "	when recipient in kernel\n"
    "	action reject 550 5.7.1\n"
    "	reply \"inj.reply\"\n"
    "}\n";

static const char reply_text[] =
    "rule=${rule} action=${action}\n"
    "matched=${matched}\n"
    "addresses=${addresses}\n"
    "sender=${sender} qid=${queue_id} host=${hostname}\n"
    "subject=${subject} mid=${message_id} date=${date}\n";

static char dir[] = "/tmp/ccguard-inj-XXXXXX";

/* write_file - create one file of the temporary rule set */
static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, fp);
	fclose(fp);
}

/* remove_files - delete the temporary rule set */
static void
remove_files(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/inj.rules", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inj.reply", dir);
	unlink(path);
	rmdir(dir);
}

/* percent_ok - every '%' of a libmilter reply line is doubled */
static int
percent_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		if (s[1] != '%')
			return 0;
		s++;
	}
	return 1;
}

struct icase {
	const char	*label;
	const char	*sender;
	const char	*rcpt;		/* or NULL */
	const char	*to;		/* To header, or NULL */
	const char	*subject;
	const char	*msgid;
	const char	*queue_id;
	const char	*client;
	int		 reply;		/* add In-Reply-To: the hold rule decides */
};

static const struct icase cases[] = {
	{ "CR LF in a quoted local part (envelope)", "<reporter@example.org>",
	    "<\"evil\r\n250 OK\r\nMAIL FROM:<x>\"@kernel.org>", NULL,
	    "plain", "<m1@example.org>", "Q1", "host[192.0.2.1]", 0 },
	{ "CR LF in a quoted local part (header)", "<reporter@example.org>",
	    NULL, "\"a\r\nX-Injected: yes\"@kernel.org",
	    "plain", "<m2@example.org>", "Q2", "host[192.0.2.1]", 0 },
	{ "CR LF in Subject and Message-ID", "<reporter@example.org>",
	    "<security@kernel.org>", NULL,
	    "x\r\n550 5.7.1 fake\r\n.\r\n", "<a\r\nb@example.org>", "Q3", "h[192.0.2.1]", 0 },
	{ "CR LF in the sender", "<\"\r\nfrom=<forged> action=pass\"@example.org>",
	    "<security@kernel.org>", NULL, "s", "<m4@example.org>", "Q4", "h", 0 },
	{ "CR LF in the queue id and client", "<reporter@example.org>",
	    "<security@kernel.org>", NULL, "s", "<m5@example.org>",
	    "Q5\r\nNOQUEUE: action=pass", "evil\r\nhost[1.2.3.4] action=pass", 0 },
	{ "percent signs and NUL-free control bytes", "<%s%n\x01\x1b[31m@example.org>",
	    "<\"%s%s%n\x07\x08\"@kernel.org>", NULL, "%n%n%s", "<%%@x>", "Q6", "h", 0 },
	{ "hold: CR LF in a matched address", "<reporter@example.org>",
	    "<\"x\r\nX-Ccguard-Hold: rule=none\"@kernel.org>", NULL,
	    "s", "<m7@example.org>", "Q7", "h", 1 },
	{ "hold: 8-bit and DEL in a matched address", "<reporter@example.org>",
	    "<\"\xff\xfe\x7f\x1b\"@kernel.org>", NULL,
	    "s", "<m8@example.org>", "Q8", "h", 1 },
};

/* run - one hostile message through eval, action and the log */
static void
run(struct policy *p, const struct icase *c)
{
	const struct eval_opts opts = harness_opts(p);
	struct harness_capture cap;
	struct harness_rec rec;
	struct reply_vars rv;
	struct reply r;
	struct verdict v;
	struct msg *m;
	const char *problem;
	char *log, *nl;
	size_t i;

	m = msg_new(&p->conf->limits);
	msg_set_sender(m, c->sender);
	if (c->rcpt != NULL)
		msg_add_rcpt(m, c->rcpt);
	if (c->to != NULL)
		msg_add_header(m, "To", c->to);
	msg_add_header(m, "Subject", c->subject);
	msg_add_header(m, "Message-ID", c->msgid);
	if (c->reply)
		msg_add_header(m, "In-Reply-To", "<earlier@example.org>");
	msg_set_string(m, &m->queue_id, c->queue_id);
	msg_set_string(m, &m->client, c->client);
	eval_message(p->rs, m, &opts, &v);
	CHECK_STR(action_name(v.action), c->reply ? "hold" : "reject", c->label);
	CHECK(v.nmatches > 0, "%s: no matched address", c->label);

	memset(&rec, 0, sizeof(rec));
	harness_capture_begin(&cap);
	action_apply(p, &v, m, &harness_ops, &rec);
	log = harness_capture_end(&cap);

	if ((problem = harness_check_effects(&rec)) != NULL)
		CHECK(0, "%s: %s", c->label, problem);
	for (i = 0; i < (size_t)rec.nlines; i++)
		CHECK(percent_ok(rec.lines[i]), "%s: undoubled %% in \"%s\"", c->label, rec.lines[i]);
	if (!c->reply)
		CHECK(rec.nlines >= 5, "%s: reply has %d lines, want the template's 5",
		    c->label, rec.nlines);
	else
		CHECK(rec.hdr_value != NULL && rec.quarantined, "%s: no hold header", c->label);

	/* Exactly one line, ending in its only LF, with no CR or other control. */
	nl = strchr(log, '\n');
	CHECK(nl != NULL && nl[1] == '\0', "%s: log is not one line: \"%s\"", c->label, log);
	if (nl != NULL)
		*nl = '\0';
	CHECK(!harness_has_ctl(log), "%s: control character in the log: \"%s\"", c->label, log);
	CHECK(strstr(log, " action=pass") == NULL, "%s: a forged action field in \"%s\"",
	    c->label, log);
	CHECK(strstr(log, " action=") != NULL && strstr(strstr(log, " action=") + 1, " action=") == NULL,
	    "%s: two action fields in \"%s\"", c->label, log);

	/* The Subject, where an operator allows it, is made safe as well. */
	reply_vars_init(&rv, &v, m, "mx.example.org");
	rv.subject_allowed = 1;
	if (reply_smtp(v.rule != NULL ? v.rule->reply : NULL, &rv, &r) == 0) {
		for (i = 0; i < r.nlines; i++)
			CHECK(!harness_has_ctl(r.lines[i]) && percent_ok(r.lines[i]),
			    "%s: unsafe reply line \"%s\"", c->label, r.lines[i]);
		reply_free(&r);
	} else
		CHECK(0, "%s: reply_smtp failed", c->label);
	reply_vars_free(&rv);

	free(log);
	harness_rec_free(&rec);
	verdict_clear(&v);
	msg_free(m);
}

/* hostile_var - every variable holds line breaks and control bytes */
static const char *
hostile_var(void *arg, const char *name)
{
	return "x\r\n250 OK\r\n\tDATA\x1b\x7f\n.\n";
}

/* test_template_values - template.c turns a value's controls into spaces */
static void
test_template_values(void)
{
	struct diag d;
	struct template *t;
	struct strbuf out;
	const char *s;

	diag_init(&d);
	t = template_from_text("A${subject}B\nC${sender}D\n", "inline", &d);
	CHECK(t != NULL, "inline template loads");
	if (t == NULL)
		return;
	strbuf_init(&out, 0);
	CHECK(template_render(t, hostile_var, NULL, &out) == STRBUF_OK, "template renders");
	s = strbuf_str(&out);
	/* Only the template's own two line breaks may remain. */
	CHECK(strchr(s, '\r') == NULL, "CR in rendered template \"%s\"", s);
	CHECK(strchr(s, '\n') != NULL && strchr(strchr(s, '\n') + 1, '\n') != NULL &&
	    strchr(strchr(strchr(s, '\n') + 1, '\n') + 1, '\n') == NULL,
	    "rendered template has other than 2 lines: \"%s\"", s);
	CHECK(strncmp(s, "Ax", 2) == 0, "rendered template starts \"%.10s\"", s);
	strbuf_free(&out);
	template_free(t);
	diag_free(&d);
}

/* dash_sender - a sender starting with '-' stays one plain token */
static void
dash_sender(const char *arg, const char *want)
{
	static const struct msg_limits lim = { .max_header_bytes = 65536, .max_addresses = 100, .max_recipients = 100 };
	struct msg *m = msg_new(&lim);
	const char *s;

	msg_set_sender(m, arg);
	s = m->sender != NULL ? m->sender : "(null)";
	CHECK_STR(s, want, arg);
	CHECK(!harness_has_ctl(s) && strpbrk(s, " \t<>") == NULL,
	    "%s: normalised sender \"%s\" is not one plain token", arg, s);
	CHECK(m->sender_raw != NULL && strcmp(m->sender_raw, arg) == 0,
	    "%s: raw sender not kept verbatim", arg);
	msg_free(m);
}

/* main - every hostile message, the template check and the dash senders */
int
main(void)
{
	char path[256];
	struct policy *p;
	size_t i;

	addr_init();
	log_init("ccguard", 1, 0, 0);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	write_file("inj.rules", rules_text);
	write_file("inj.reply", reply_text);
	snprintf(path, sizeof(path), "%s/inj.rules", dir);
	p = harness_policy_with(path, NULL);
	remove_files();
	if (p == NULL)
		return 99;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(p, &cases[i]);
	policy_unref(p);

	test_template_values();
	dash_sender("-oQ/tmp@x", "-oq/tmp@x");
	dash_sender("<-oQ/tmp@x>", "-oq/tmp@x");
	dash_sender("-f", "-f");
	dash_sender("<-bs@Example.ORG>", "-bs@example.org");
	return test_exit("test-injection");
}
