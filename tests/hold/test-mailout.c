/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-mailout.c - unit tests of the hold workflow's message side:
 * guidance and moderator notices built by notify.c/mailout.c and parsed
 * back with GMime (headers, Auto-Submitted, threading, <> handling, no
 * original body, Subject withheld by default, header injection), every
 * safety gate (null sender, automatic and list mail, sender kinds, rate
 * limit), sendmail's argv and environment, SMTP submission, release
 * headers (release.c) and the postqueue -j reader (ctl_queue.c).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "conf.h"
#include "ctl_queue.h"
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
#include "ruleset_impl.h"
#include "verdict.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/ccguard-hold-XXXXXX";

/* write_file - create path with text */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

/* read_file - whole file, malloc'd, "" when missing */
static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (fp != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
	}
	return buf;
}

/* load_policy - the shipped rules with a test configuration */
static struct policy *
load_policy(void)
{
	const char *top = getenv("top_srcdir");
	char conf[4096], path[4096];
	struct diag d;
	struct policy *p;

	if (top == NULL)
		top = "..";
	snprintf(path, sizeof(path), "%s/ccguard.conf", tmpdir);
	snprintf(conf, sizeof(conf),
	    "user =\n"
	    "rules = %s/rules/kernel-security.rules\n"
	    "moderator_template = %s/rules/moderator-notice.txt\n"
	    "hostname = mx.example.net\n"
	    "release_key = %s/release.key\n", top, top, tmpdir);
	write_file(path, conf, 0644);
	diag_init(&d);
	p = policy_load(path, 0, &d);
	if (p == NULL)
		fprintf(stderr, "%s", strbuf_str(&d.text));
	diag_free(&d);
	return p;
}

/* held_msg - a reply in a thread to both lists: the hold rule's case */
static struct msg *
held_msg(const struct policy *p, const char *sender, const char *subject, const char *msgid)
{
	struct msg *m = msg_new(&p->conf->limits);

	msg_set_sender(m, sender);
	msg_add_rcpt(m, "<security@kernel.org>");
	msg_add_rcpt(m, "<linux-distros@vs.openwall.org>");
	msg_add_header(m, "From", "\"Reporter\" <reporter@example.org>");
	msg_add_header(m, "To", "security@kernel.org");
	msg_add_header(m, "Cc", "linux-distros@vs.openwall.org");
	msg_add_header(m, "In-Reply-To", "<report-1@example.org>");
	if (subject != NULL)
		msg_add_header(m, "Subject", subject);
	if (msgid != NULL)
		msg_add_header(m, "Message-ID", msgid);
	msg_add_header(m, "X-Ccguard-Hold", "rule=forged; matched=nothing");
	msg_set_string(m, &m->queue_id, "4XyZ12abC");
	msg_set_string(m, &m->auth, "reporter");
	msg_set_string(m, &m->client, "client.example.org[192.0.2.7]");
	return m;
}

/* parse - a generated message parsed back by GMime */
static GMimeMessage *
parse(const char *data, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *pa = g_mime_parser_new_with_stream(s);
	GMimeMessage *gm = g_mime_parser_construct_message(pa, NULL);

	g_object_unref(pa);
	g_object_unref(s);
	return gm;
}

/* count_header - instances of a header in the top-level header block */
static int
count_header(GMimeMessage *gm, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));
	int i, n = 0;

	for (i = 0; i < g_mime_header_list_get_count(hl); i++)
		if (strcasecmp(g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i)),
		    name) == 0)
			n++;
	return n;
}

/* header - a header of the parsed message, or "" */
static const char *
header(GMimeMessage *gm, const char *name)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(gm), name);

	return v != NULL ? v : "";
}

/* part_text - the decoded content of a leaf part; g_free() it */
static char *
part_text(GMimeObject *o)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
	GByteArray *b;
	char *t;

	g_mime_data_wrapper_write_to_stream(w, s);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	t = g_strndup((const char *)b->data, b->len);
	g_object_unref(s);
	return t;
}

/* eval_hold - evaluate m with the loaded rules */
static void
eval_hold(const struct policy *p, const struct msg *m, struct verdict *v)
{
	struct eval_opts o = { p->conf->on_limit, p->conf->on_error, 0 };

	eval_message(p->rs, m, &o, v);
}

/* test_guidance - the guidance message, parsed back */
static void
test_guidance(struct policy *p)
{
	struct verdict v;
	struct msg *m = held_msg(p, "<Reporter+tag@Example.org>", "[PATCH] secret bug in foo",
	    "  <orig-1@example.org>  ");
	GMimeMessage *gm;
	GMimeObject *body, *t, *h;
	char *data, *rcpt, *text;
	size_t len;

	eval_hold(p, m, &v);
	CHECK(v.action == ACTION_HOLD, "the example is held (got %s)", action_name(v.action));
	CHECK(notify_gate(p->conf, m) == NULL, "authenticated sender passes the gates");
	data = notify_guidance_build(p, &v, m, &rcpt, &len);
	CHECK(data != NULL, "guidance built");
	if (data == NULL)
		goto out;
	CHECK_STR(rcpt, "Reporter+tag@Example.org", "guidance goes to the envelope sender as given");
	gm = parse(data, len);
	CHECK(gm != NULL, "guidance parses");
	CHECK_STR(header(gm, "From"), "postmaster@mx.example.net", "From defaults to postmaster@hostname");
	CHECK_STR(header(gm, "To"), "Reporter+tag@Example.org", "To");
	CHECK_STR(header(gm, "Auto-Submitted"), "auto-replied", "Auto-Submitted");
	CHECK_STR(header(gm, "In-Reply-To"), "<orig-1@example.org>", "In-Reply-To");
	CHECK_STR(header(gm, "References"), "<orig-1@example.org>", "References");
	CHECK(strstr(header(gm, "Message-ID"), "@mx.example.net>") != NULL, "Message-ID: %s",
	    header(gm, "Message-ID"));
	CHECK(*header(gm, "Date") != '\0', "Date present");
	CHECK(strncmp(header(gm, "Subject"), "Your message was held", 21) == 0, "Subject: %s",
	    header(gm, "Subject"));
	CHECK(strstr(header(gm, "Subject"), "secret") == NULL, "original Subject withheld");
	CHECK(strstr(data, "secret bug") == NULL, "original Subject nowhere in the message");
	body = g_mime_message_get_mime_part(gm);
	CHECK(GMIME_IS_MULTIPART(body), "multipart");
	CHECK(g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart",
	    "mixed"), "multipart/mixed");
	if (GMIME_IS_MULTIPART(body) && g_mime_multipart_get_count(GMIME_MULTIPART(body)) == 2) {
		t = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
		h = g_mime_multipart_get_part(GMIME_MULTIPART(body), 1);
		CHECK(g_mime_content_type_is_type(g_mime_object_get_content_type(t), "text", "plain"),
		    "first part text/plain");
		CHECK(g_strcmp0(g_mime_object_get_content_type_parameter(t, "charset"), "utf-8") == 0,
		    "charset=utf-8");
		text = part_text(t);
		/* The short text for a reply to both sides (kernel-and-distros-reply). */
		CHECK(strncmp(text, "Held for review", 15) == 0, "says held: %s", text);
		CHECK(strstr(text, "has not delivered it yet") != NULL, "says not delivered");
		CHECK(strstr(text, "security@kernel.org (envelope, To)") != NULL, "where found: %s", text);
		CHECK(strstr(text, "linux-distros@vs.openwall.org (envelope, Cc)") != NULL, "where found");
		CHECK(strstr(text, "accepted but not yet merged") != NULL, "when it may be released");
		CHECK(strstr(text, "reply here to reach the moderator") != NULL, "how to reach the moderator");
		g_free(text);
		CHECK(g_mime_content_type_is_type(g_mime_object_get_content_type(h), "text",
		    "rfc822-headers"), "second part text/rfc822-headers");
		text = part_text(h);
		CHECK(strstr(text, "In-Reply-To: <report-1@example.org>") != NULL, "headers copied");
		CHECK(strstr(text, "Cc: linux-distros@vs.openwall.org") != NULL, "headers copied");
		CHECK(strstr(text, "Subject") == NULL, "Subject left out of the headers part");
		CHECK(strstr(text, "X-Ccguard-Hold") == NULL, "hold header left out");
		g_free(text);
	} else
		CHECK(0, "two parts");
	g_object_unref(gm);
	free(data);
	free(rcpt);

	/* guidance_subject = yes quotes it, in the Subject and the headers part. */
	p->conf->guidance_subject = 1;
	data = notify_guidance_build(p, &v, m, &rcpt, &len);
	gm = parse(data, len);
	CHECK(strstr(header(gm, "Subject"), "[PATCH] secret bug in foo") != NULL,
	    "Subject quoted when allowed: %s", header(gm, "Subject"));
	CHECK(strstr(data, "Subject: [PATCH] secret bug in foo") != NULL, "headers part has it");
	p->conf->guidance_subject = 0;
	g_object_unref(gm);
	free(data);
	free(rcpt);
out:
	verdict_clear(&v);
	msg_free(m);
}

/* test_injection - hostile values can not add header lines */
static void
test_injection(struct policy *p)
{
	struct verdict v;
	struct msg *m = held_msg(p, "<reporter@example.org>",
	    "hi\r\nBcc: victim@example.com\r\nX-Evil: 1", "<a@b>\r\nBcc: victim2@example.com");
	GMimeMessage *gm;
	char *data, *rcpt, *hdrend;
	size_t len;

	msg_add_header(m, "From", "\"Evil\r\nBcc: victim3@example.com\" <e@example.org>");
	eval_hold(p, m, &v);
	p->conf->guidance_subject = 1;
	data = notify_guidance_build(p, &v, m, &rcpt, &len);
	p->conf->guidance_subject = 0;
	CHECK(data != NULL, "built");
	if (data != NULL) {
		gm = parse(data, len);
		CHECK(count_header(gm, "Bcc") == 0, "no Bcc header injected");
		CHECK(count_header(gm, "X-Evil") == 0, "no X-Evil header injected");
		CHECK(count_header(gm, "Subject") == 1 && count_header(gm, "From") == 1 &&
		    count_header(gm, "To") == 1, "one Subject, From, To");
		CHECK(count_header(gm, "In-Reply-To") == 0 && count_header(gm, "References") == 0,
		    "a Message-ID with CR/LF is not used");
		hdrend = strstr(data, "\n\n");
		CHECK(hdrend != NULL, "header block ends");
		if (hdrend != NULL) {
			*hdrend = '\0';
			CHECK(strstr(data, "\nBcc:") == NULL && strstr(data, "\nX-Evil") == NULL,
			    "no injected line in the header block:\n%s", data);
		}
		g_object_unref(gm);
		free(data);
		free(rcpt);
	}
	verdict_clear(&v);
	msg_free(m);

	/* A Message-ID with spaces, or without brackets, is left out too. */
	m = held_msg(p, "<reporter@example.org>", NULL, "orig@example.org");
	eval_hold(p, m, &v);
	data = notify_guidance_build(p, &v, m, &rcpt, &len);
	gm = parse(data, len);
	CHECK(count_header(gm, "In-Reply-To") == 0, "unbracketed Message-ID not used");
	CHECK(count_header(gm, "Auto-Submitted") == 1, "Auto-Submitted still there");
	g_object_unref(gm);
	free(data);
	free(rcpt);
	verdict_clear(&v);
	msg_free(m);
	CHECK(!mailout_msgid_ok("<a b@c>") && !mailout_msgid_ok("<a@b") && mailout_msgid_ok("<a@b>"),
	    "mailout_msgid_ok");
}

/* test_gates - every reason not to send guidance */
static void
test_gates(struct policy *p)
{
	static const struct { const char *name, *value; int suppressed; } hdrs[] = {
		{ "Auto-Submitted", "auto-generated", 1 },
		{ "Auto-Submitted", "auto-replied; owner-email=x", 1 },
		{ "auto-submitted", " No", 0 },
		{ "Auto-Submitted", "no (comment)", 0 },
		{ "Precedence", "bulk", 1 },
		{ "Precedence", "List", 1 },
		{ "Precedence", "junk", 1 },
		{ "Precedence", "first-class", 0 },
		{ "List-Id", "<foo.lists.example.org>", 1 },
		{ "List-Post", "<mailto:foo@lists.example.org>", 1 },
		{ "List-Unsubscribe-Post", "x", 0 },
	};
	struct verdict v;
	struct msg *m;
	size_t i;
	char *data, *rcpt;
	size_t len;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		m = held_msg(p, "<reporter@example.org>", NULL, "<x@y>");
		msg_add_header(m, hdrs[i].name, hdrs[i].value);
		CHECK((notify_gate(p->conf, m) != NULL) == hdrs[i].suppressed, "%s: %s -> %s",
		    hdrs[i].name, hdrs[i].value, hdrs[i].suppressed ? "suppressed" : "sent");
		msg_free(m);
	}

	/* The null sender: no gate passes, no message can be built. */
	m = held_msg(p, "<>", NULL, "<x@y>");
	eval_hold(p, m, &v);
	CHECK(notify_gate(p->conf, m) != NULL, "null sender gated");
	data = notify_guidance_build(p, &v, m, &rcpt, &len);
	CHECK(data == NULL && rcpt == NULL, "nothing built for <>");
	verdict_clear(&v);
	msg_free(m);

	m = held_msg(p, "<reporter@example.org>", NULL, "<x@y>");
	p->conf->guidance = 0;
	CHECK(notify_gate(p->conf, m) != NULL, "guidance = no");
	p->conf->guidance = 1;
	free(m->auth);
	m->auth = NULL;
	CHECK(notify_gate(p->conf, m) != NULL, "unauthenticated, guidance_senders=authenticated");
	p->conf->guidance_senders = GUIDANCE_SENDERS_LOCAL;
	CHECK(notify_gate(p->conf, m) != NULL, "remote client, guidance_senders=local");
	msg_set_string(m, &m->client, "localhost[127.0.0.1]");
	CHECK(notify_gate(p->conf, m) == NULL, "127.0.0.1 is local");
	msg_set_string(m, &m->client, "localhost[::1]");
	CHECK(notify_gate(p->conf, m) == NULL, "::1 is local");
	msg_set_string(m, &m->client, "evil[127.0.0.1].example[192.0.2.1]");
	CHECK(notify_gate(p->conf, m) != NULL, "a host name can not claim 127.0.0.1");
	p->conf->guidance_senders = GUIDANCE_SENDERS_ALL;
	CHECK(notify_gate(p->conf, m) == NULL, "guidance_senders=all");
	p->conf->guidance_senders = GUIDANCE_SENDERS_AUTHENTICATED;
	msg_free(m);

	/* Rate: 3 per hour per sender, counted apart per sender. */
	notify_rate_reset();
	CHECK(notify_rate_take("a@x", 3, 1000) && notify_rate_take("a@x", 3, 1001) &&
	    notify_rate_take("a@x", 3, 1002), "three allowed");
	CHECK(!notify_rate_take("a@x", 3, 1003), "the fourth is refused");
	CHECK(notify_rate_take("b@x", 3, 1003), "another sender is counted apart");
	CHECK(!notify_rate_take("a@x", 3, 1000 + NOTIFY_RATE_WINDOW - 1), "still within the hour");
	CHECK(notify_rate_take("a@x", 3, 1000 + NOTIFY_RATE_WINDOW), "a new hour");
	CHECK(!notify_rate_take("c@x", 0, 1000), "guidance_rate = 0 sends nothing");
	notify_rate_reset();
	for (i = 0; i < NOTIFY_RATE_SLOTS; i++) {
		char s[32];

		snprintf(s, sizeof(s), "s%zu@x", i);
		notify_rate_take(s, 3, 5000);
	}
	CHECK(!notify_rate_take("new@x", 3, 5001), "a full table refuses new senders");
	CHECK(notify_rate_take("new@x", 3, 5000 + NOTIFY_RATE_WINDOW), "expired slots are reused");
	notify_rate_reset();
}

/* test_moderator - the moderator notice and its commands */
static void
test_moderator(struct policy *p)
{
	struct verdict v;
	struct msg *m = held_msg(p, "<reporter@example.org>", "secret subject", "<x@y>");
	GMimeMessage *gm;
	GMimeObject *body;
	char *data, *text, want[8192];
	size_t len;

	eval_hold(p, m, &v);
	/* The conf sets no moderator: the default is this server's postmaster. */
	data = notify_moderator_build(p, &v, m, "none (test)", &len);
	CHECK(data != NULL, "a notice to the default moderator");
	if (data != NULL) {
		gm = parse(data, len);
		CHECK_STR(header(gm, "To"), "postmaster@mx.example.net", "the default moderator");
		g_object_unref(gm);
	}
	free(data);
	free(p->conf->moderator);
	p->conf->moderator = strdup("");
	CHECK(notify_moderator_build(p, &v, m, "none (test)", &len) == NULL,
	    "moderator set empty, no notice");
	free(p->conf->moderator);
	p->conf->moderator = strdup("moderators@example.net");
	data = notify_moderator_build(p, &v, m, "none (test)", &len);
	CHECK(data != NULL, "notice built");
	if (data != NULL) {
		gm = parse(data, len);
		CHECK_STR(header(gm, "To"), "moderators@example.net", "notice To");
		CHECK(strstr(header(gm, "Subject"), "4XyZ12abC") != NULL, "queue id in Subject");
		CHECK_STR(header(gm, "Auto-Submitted"), "auto-replied", "Auto-Submitted");
		body = g_mime_message_get_mime_part(gm);
		CHECK(GMIME_IS_PART(body) && !GMIME_IS_MULTIPART(body), "a single text part");
		text = part_text(body);
		CHECK(strstr(text, "Queue id:   4XyZ12abC") != NULL, "queue id: %s", text);
		CHECK(strstr(text, "kernel-and-distros-reply") != NULL, "rule");
		CHECK(strstr(text, "reporter@example.org") != NULL, "sender");
		CHECK(strstr(text, "linux-distros@vs.openwall.org (envelope, Cc)") != NULL, "where");
		snprintf(want, sizeof(want), "ccguardctl -c %s held release --without openwall-distros 4XyZ12abC",
		    p->conf->path);
		CHECK(strstr(text, want) != NULL, "release --without command: %s", text);
		snprintf(want, sizeof(want), "ccguardctl -c %s held show 4XyZ12abC", p->conf->path);
		CHECK(strstr(text, want) != NULL, "show command");
		CHECK(strstr(text, "held release 4XyZ12abC") != NULL &&
		    strstr(text, "held reject 4XyZ12abC") != NULL &&
		    strstr(text, "held discard 4XyZ12abC") != NULL, "release, reject, discard");
		CHECK(strstr(text, "CCGUARD-COMMANDS") == NULL, "marker replaced");
		CHECK(strstr(data, "secret subject") == NULL, "no Subject in the notice");
		g_free(text);
		g_object_unref(gm);
		free(data);
	}
	free(p->conf->moderator);
	p->conf->moderator = strdup("");
	verdict_clear(&v);
	msg_free(m);
}

/* test_sendmail - argv, environment and stdin of the sendmail we run */
static void
test_sendmail(struct policy *p)
{
	char script[4096], path[4096], *argv_text, *env_text, *in;
	struct mailout_via via;
	char err[256], *rcpts[1] = { "-oQ/tmp/evil@example.org" };
	int r;

	snprintf(path, sizeof(path), "%s/fake-sendmail", tmpdir);
	snprintf(script, sizeof(script), "#!/bin/sh\n"
	    "printf '%%s\\n' \"$@\" > %s/argv\nenv > %s/env\ncat > %s/stdin\nexit ${FAKE_EXIT:-0}\n",
	    tmpdir, tmpdir, tmpdir);
	write_file(path, script, 0755);
	setenv("CCGUARD_TEST_SECRET", "leak", 1);
	memset(&via, 0, sizeof(via));
	via.sendmail_path = path;
	via.timeout = 10;
	r = mailout_submit(&via, rcpts, 1, "Subject: x\n\nhello\n", 18, err, sizeof(err));
	CHECK(r == 0, "fake sendmail ran: %s", err);
	snprintf(path, sizeof(path), "%s/argv", tmpdir);
	argv_text = read_file(path);
	CHECK_STR(argv_text, "-i\n-f\n<>\n--\n-oQ/tmp/evil@example.org\n", "sendmail argv");
	snprintf(path, sizeof(path), "%s/env", tmpdir);
	env_text = read_file(path);
	CHECK(strstr(env_text, "CCGUARD_TEST_SECRET") == NULL, "clean environment");
	CHECK(strstr(env_text, "PATH=/usr/sbin:/usr/bin:/sbin:/bin") != NULL, "fixed PATH");
	snprintf(path, sizeof(path), "%s/stdin", tmpdir);
	in = read_file(path);
	CHECK_STR(in, "Subject: x\n\nhello\n", "message on stdin");
	free(argv_text);
	free(env_text);
	free(in);

	snprintf(path, sizeof(path), "%s/fake-sendmail", tmpdir);
	via.postfix_config = "/etc/postfix-test";
	via.envelope_from = "-sender@example.org";
	r = mailout_submit(&via, rcpts, 1, "x\n", 2, err, sizeof(err));
	CHECK(r == 0, "fake sendmail ran: %s", err);
	snprintf(path, sizeof(path), "%s/argv", tmpdir);
	argv_text = read_file(path);
	CHECK_STR(argv_text, "-i\n-C\n/etc/postfix-test\n-f\n-sender@example.org\n--\n"
	    "-oQ/tmp/evil@example.org\n", "argv with -C and a sender");
	free(argv_text);

	via.postfix_config = NULL;
	via.envelope_from = NULL;
	rcpts[0] = "a@b\nRCPT TO:<c@d>";
	CHECK(mailout_submit(&via, rcpts, 1, "x\n", 2, err, sizeof(err)) < 0,
	    "an address with a line break is refused");
	rcpts[0] = "a@b";
	via.sendmail_path = "sendmail";
	CHECK(mailout_submit(&via, rcpts, 1, "x\n", 2, err, sizeof(err)) < 0,
	    "a relative sendmail path is refused");
	via.sendmail_path = "/nonexistent/sendmail";
	CHECK(mailout_submit(&via, rcpts, 1, "x\n", 2, err, sizeof(err)) < 0 &&
	    strstr(err, "could not run") != NULL, "a missing sendmail is an error: %s", err);
	(void)p;
}

/* smtp_sink - a one-transaction SMTP server writing what it got to out */
static void
smtp_sink(int lfd, const char *out)
{
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd = accept(lfd, NULL, NULL), data = 0;
	FILE *fp = fopen(out, "w");

	if (fd < 0 || fp == NULL)
		_exit(1);
	dprintf(fd, "220 sink ESMTP\r\n");
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		char *nl;

		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strstr(buf, "\r\n")) != NULL) {
			*nl = '\0';
			fprintf(fp, "%s\n", buf);
			if (data) {
				if (strcmp(buf, ".") == 0) {
					data = 0;
					dprintf(fd, "250 queued\r\n");
				}
			} else if (strncmp(buf, "DATA", 4) == 0) {
				data = 1;
				dprintf(fd, "354 go\r\n");
			} else if (strncmp(buf, "QUIT", 4) == 0) {
				dprintf(fd, "221 bye\r\n");
				fclose(fp);
				_exit(0);
			} else if (strncmp(buf, "EHLO", 4) == 0)
				dprintf(fd, "250-sink\r\n250 8BITMIME\r\n");
			else
				dprintf(fd, "250 ok\r\n");
			len -= (size_t)(nl + 2 - buf);
			memmove(buf, nl + 2, len + 1);
		}
	}
	fclose(fp);
	_exit(0);
}

/* test_smtp - SMTP submission to a loopback sink */
static void
test_smtp(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct mailout_via via;
	char hostport[64], out[4096], err[256], *rcpts[1] = { "reporter@example.org" }, *t;
	int lfd, status;
	pid_t pid;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) < 0) {
		CHECK(0, "loopback listener: %s", strerror(errno));
		return;
	}
	snprintf(out, sizeof(out), "%s/smtp", tmpdir);
	if ((pid = fork()) == 0)
		smtp_sink(lfd, out);
	close(lfd);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%u", ntohs(sin.sin_port));
	memset(&via, 0, sizeof(via));
	via.smtp = hostport;
	via.helo = "mx.example.net";
	via.timeout = 10;
	CHECK(mailout_submit(&via, rcpts, 1, "Subject: s\n\n.hidden\nend\n", 24, err,
	    sizeof(err)) == 0, "SMTP submission: %s", err);
	waitpid(pid, &status, 0);
	t = read_file(out);
	CHECK(strstr(t, "EHLO mx.example.net\nMAIL FROM:<>\nRCPT TO:<reporter@example.org>\nDATA\n")
	    != NULL, "SMTP dialogue with the null sender:\n%s", t);
	CHECK(strstr(t, "\n..hidden\nend\n.\nQUIT\n") != NULL, "dot-stuffing:\n%s", t);
	free(t);
	via.smtp = "127.0.0.1:1";
	CHECK(mailout_submit(&via, rcpts, 1, "x\n", 2, err, sizeof(err)) < 0,
	    "a refused connection is an error");
}

/* test_release - release headers: what verifies and what does not */
static void
test_release(struct policy *p)
{
	static char *ok[] = { "<security@kernel.org>", "maintainer@example.org" };
	char keypath[4096], why[512], *key, *value;
	size_t keylen, n;
	struct msg *m;
	time_t now = time(NULL);

	snprintf(keypath, sizeof(keypath), "%s/release.key", tmpdir);
	CHECK(release_key_create(keypath, NULL) == 0, "key created: %s", strerror(errno));
	CHECK(release_key_create(keypath, NULL) < 0, "an existing key is never overwritten");
	{
		struct stat st;

		CHECK(stat(keypath, &st) == 0 && (st.st_mode & 0777) == 0640, "key mode 0640");
	}
	CHECK(release_key_read(keypath, NULL, &key, &keylen, why, sizeof(why)) == 0 && keylen == 64,
	    "key read: %s", why);
	value = release_header_value(key, keylen, "4XyZ12abC", now, ok, 2);
	CHECK(value != NULL && strncmp(value, "id=4XyZ12abC; t=", 16) == 0, "value: %s", value);

#define MSG_WITH(rcpt_a, rcpt_b, hv) do {				\
	m = msg_new(&p->conf->limits);					\
	msg_set_sender(m, "<maintainer@example.org>");			\
	msg_add_rcpt(m, rcpt_a);					\
	if (rcpt_b != NULL)						\
		msg_add_rcpt(m, rcpt_b);				\
	if (hv != NULL)							\
		msg_add_header(m, RELEASE_HEADER, hv);			\
} while (0)

	MSG_WITH("<Maintainer@example.org>", "<security@kernel.org>", value);
	CHECK(release_check(keypath, m, now, &n) == RELEASE_VALID && n == 1,
	    "the same recipients, in another order and case, verify");
	msg_add_rcpt(m, "<linux-distros@vs.openwall.org>");
	CHECK(release_check(keypath, m, now, &n) == RELEASE_INVALID, "an added recipient breaks it");
	msg_free(m);
	MSG_WITH("<security@kernel.org>", NULL, value);
	CHECK(release_check(keypath, m, now, &n) == RELEASE_INVALID, "a removed recipient breaks it");
	msg_free(m);
	MSG_WITH("<maintainer@example.org>", "<security@kernel.org>", value);
	CHECK(release_check(keypath, m, now + RELEASE_MAX_AGE + 1, &n) == RELEASE_INVALID,
	    "too old");
	CHECK(release_check(keypath, m, now - 3600, &n) == RELEASE_INVALID, "from the future");
	CHECK(release_check("/nonexistent/key", m, now, &n) == RELEASE_INVALID,
	    "no key: never valid");
	msg_add_header(m, RELEASE_HEADER, value);
	CHECK(release_check(keypath, m, now, &n) == RELEASE_INVALID && n == 2, "two headers");
	msg_free(m);
	value[strlen(value) - 1] = value[strlen(value) - 1] == '0' ? '1' : '0';
	MSG_WITH("<maintainer@example.org>", "<security@kernel.org>", value);
	CHECK(release_check(keypath, m, now, &n) == RELEASE_INVALID, "a changed mac");
	msg_free(m);
	MSG_WITH("<maintainer@example.org>", "<security@kernel.org>", "id=4XyZ12abC; mac=00");
	CHECK(release_check(keypath, m, now, &n) == RELEASE_INVALID, "malformed");
	msg_free(m);
	MSG_WITH("<maintainer@example.org>", "<security@kernel.org>", NULL);
	CHECK(release_check(keypath, m, now, &n) == RELEASE_NONE && n == 0, "no header");
	msg_free(m);
	CHECK(release_header_value(key, keylen, "-d", now, ok, 2) == NULL, "bad queue id");
	CHECK(!release_qid_ok("-d") && !release_qid_ok("") && !release_qid_ok("ALL") == 0 &&
	    release_qid_ok("4XyZ12abC"), "release_qid_ok");
	free(value);
	free(key);
}

/*
 * test_release_key - a policy's key: read once, a late key still counts,
 * and evaluation, not the daemon, decides that a release is one
 */
static void
test_release_key(struct policy *p)
{
	static char *ok[] = { "<security@kernel.org>", "maintainer@example.org" };
	char path[4096], moved[4096], why[512], *key, *value;
	const char *got;
	size_t keylen, gotlen, n;
	struct release_key *rk;
	struct eval_cache *ec = eval_cache_new();
	struct eval_opts opts;
	struct verdict v;
	struct msg *m;
	time_t now = time(NULL);

	snprintf(path, sizeof(path), "%s/late.key", tmpdir);
	snprintf(moved, sizeof(moved), "%s/late.key.old", tmpdir);
	rk = release_key_open(path, NULL, NULL);
	CHECK(rk != NULL && release_key_get(rk, &got, &gotlen) < 0, "no key file: no key");
	CHECK(release_key_create(path, NULL) == 0, "late key created: %s", strerror(errno));
	CHECK(release_key_read(path, NULL, &key, &keylen, why, sizeof(why)) == 0, "late key read");
	value = release_header_value(key, keylen, "4XyZ12abC", now, ok, 2);
	MSG_WITH("<maintainer@example.org>", "<security@kernel.org>", value);
	CHECK(release_state_of(rk, m, now, &n) == RELEASE_VALID && n == 1,
	    "a key made after the policy loaded counts once a header needs it");
	/* Forgotten (a reader child before it parses mail): gone, and not read again. */
	release_key_forget(rk);
	CHECK(release_key_get(rk, &got, &gotlen) < 0, "a forgotten key is not read again");
	release_key_free(rk);
	rk = release_key_open(path, NULL, NULL);
	CHECK(rename(path, moved) == 0, "key moved away: %s", strerror(errno));
	CHECK(release_state_of(rk, m, now, &n) == RELEASE_VALID,
	    "the key is kept: the file is not read for each message");
	policy_eval_opts(p, &opts);
	CHECK(eval_message_released(p->rs, rk, now, m, &opts, &v, ec) == 0 &&
	    v.origin == ORIGIN_RELEASED && v.action == ACTION_ACCEPT,
	    "evaluation accepts a verified release as released");
	verdict_clear(&v);
	release_key_free(rk);
	/* A reload reads the key again: now there is none. */
	rk = release_key_open(path, NULL, NULL);
	CHECK(release_state_of(rk, m, now, &n) == RELEASE_INVALID,
	    "a reloaded policy without a key file verifies nothing");
	CHECK(eval_message_released(p->rs, rk, now, m, &opts, &v, ec) == 0 &&
	    v.origin != ORIGIN_RELEASED, "an unverified release goes through the rules");
	verdict_clear(&v);
	CHECK(eval_message_released(p->rs, NULL, now, m, &opts, &v, ec) == 0 &&
	    v.origin != ORIGIN_RELEASED, "no key at all: the rules decide");
	verdict_clear(&v);
	msg_free(m);
	release_key_free(rk);
	eval_cache_free(ec);
	free(value);
	explicit_bzero(key, keylen);
	free(key);
}

/*
 * test_key_modes - a key others could change is refused (its group or
 * others may write it, or it belongs to neither root nor the daemon's
 * user); one anyone may read is used, with a warning; the daemon's load
 * (release_key_open) says both
 */
static void
test_key_modes(void)
{
	char path[4096], why[512], *key;
	size_t keylen;
	struct diag d;
	struct release_key *rk;
	const char *got;
	size_t gotlen;
	int r;

	snprintf(path, sizeof(path), "%s/modes.key", tmpdir);
	CHECK(release_key_create(path, NULL) == 0, "key created");
	CHECK(release_key_read(path, NULL, &key, &keylen, why, sizeof(why)) == 0 && why[0] == '\0',
	    "0640, root's: used, nothing to say (%s)", why);
	free(key);
	chmod(path, 0666);
	CHECK((r = release_key_read(path, NULL, &key, &keylen, why, sizeof(why))) < 0 &&
	    errno == EPERM && key == NULL && strstr(why, "writable by group or others") != NULL,
	    "0666 refused: %d %s", r, why);
	chmod(path, 0660);
	CHECK(release_key_read(path, NULL, &key, &keylen, why, sizeof(why)) < 0,
	    "0660 refused: %s", why);
	chmod(path, 0644);
	CHECK(release_key_read(path, NULL, &key, &keylen, why, sizeof(why)) == 1 && key != NULL &&
	    strstr(why, "readable by anyone") != NULL, "0644 used with a warning: %s", why);
	free(key);
	diag_init(&d);
	rk = release_key_open(path, NULL, &d);
	CHECK(rk != NULL && release_key_get(rk, &got, &gotlen) == 0 && d.warnings == 1 &&
	    strstr(strbuf_str(&d.text), "readable by anyone") != NULL,
	    "the daemon uses it and warns: %s", strbuf_str(&d.text));
	release_key_free(rk);
	diag_free(&d);
	chmod(path, 0640);
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, (gid_t)-1) == 0, "chown");
		CHECK(release_key_read(path, NULL, &key, &keylen, why, sizeof(why)) < 0 &&
		    strstr(why, "owned by another user") != NULL, "another user's key refused: %s",
		    why);
		CHECK(release_key_read(path, "nobody", &key, &keylen, why, sizeof(why)) == 0,
		    "the daemon's user's key used: %s", why);
		free(key);
		diag_init(&d);
		rk = release_key_open(path, NULL, &d);
		CHECK(rk != NULL && release_key_get(rk, &got, &gotlen) < 0 && d.warnings == 1 &&
		    strstr(strbuf_str(&d.text), "refused") != NULL,
		    "the daemon does not use it and says so: %s", strbuf_str(&d.text));
		release_key_free(rk);
		diag_free(&d);
	}
	unlink(path);
}

/* test_json - the postqueue -j reader */
static void
test_json(void)
{
	struct ctlq_entry e;

	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\", \"queue_id\": \"4XyZ12abC\", "
	    "\"arrival_time\": 1764350000, \"message_size\": 1234, \"forced_expire\": false, "
	    "\"sender\": \"rep\\u00e9\\\"x@example.org\", \"recipients\": [{\"address\": "
	    "\"security@kernel.org\"}, {\"address\": \"linux-distros@vs.openwall.org\", "
	    "\"delay_reason\": \"held\"}]}", &e) == 0, "postqueue -j line parsed");
	CHECK_STR(e.queue_id, "4XyZ12abC", "queue_id");
	CHECK_STR(e.queue_name, "hold", "queue_name");
	CHECK(e.arrival == 1764350000 && e.size == 1234, "numbers");
	CHECK_STR(e.sender, "rep\xc3\xa9\"x@example.org", "escapes decoded");
	CHECK(e.nrcpts == 2 && strcmp(e.rcpts[1], "linux-distros@vs.openwall.org") == 0, "recipients");
	ctlq_entries_free(NULL, 0);
	free(e.queue_id);
	free(e.queue_name);
	free(e.sender);
	free(e.rcpts[0]);
	free(e.rcpts[1]);
	free(e.rcpts);
	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\", \"queue_id\": \"A\"", &e) < 0,
	    "truncated JSON refused");
	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\", \"queue_id\": \"A\"} x", &e) < 0,
	    "trailing junk refused");
	CHECK(ctlq_parse_json_line("{\"queue_name\": \"hold\"}", &e) < 0, "no queue id refused");
}

/* test_headers_parse - postcat -h output into headers */
static void
test_headers_parse(void)
{
	struct msg_header *h;
	size_t n;

	CHECK(hdrblock_parse("To: a@b\nSubject: one\n two\nX-Ccguard-Hold: rule=r; x\n", &h,
	    &n) == 0 && n == 3, "three headers");
	CHECK_STR(h[1].value, "one\n two", "folded value kept");
	CHECK_STR(h[2].name, "X-Ccguard-Hold", "name");
	hdrblock_headers_free(h, n);

	/* Only the last hold header counts: ccguard adds its own after the others. */
	CHECK(hdrblock_parse("x-ccguard-hold: rule=forged; matched=nothing\n"
	    "To: a@b\nX-Ccguard-Hold: rule=kernel-and-distros; matched=a (To)\n", &h, &n) == 0,
	    "parsed");
	{
		char *rule, *reason;

		holdhdr_parse("X-Ccguard-Hold", h, n, &rule, &reason);
		CHECK(rule != NULL && strcmp(rule, "kernel-and-distros") == 0, "last rule: %s", rule);
		CHECK(reason != NULL && strcmp(reason, "matched=a (To)") == 0, "last reason: %s", reason);
		free(rule);
		free(reason);
		holdhdr_parse("X-Other", h, n, &rule, &reason);
		CHECK(rule == NULL && reason == NULL, "no hold header");
	}
	hdrblock_headers_free(h, n);
}

/* main - run every test in a scratch directory */
int
main(void)
{
	struct policy *p;
	char cmd[4200];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	signal(SIGPIPE, SIG_IGN);
	addr_init();
	log_init("test-mailout", 1, 0, 0);
	if ((p = load_policy()) == NULL) {
		fprintf(stderr, "could not load the shipped rules\n");
		return 99;
	}
	test_guidance(p);
	test_injection(p);
	test_gates(p);
	test_moderator(p);
	test_sendmail(p);
	test_smtp();
	test_release(p);
	test_release_key(p);
	test_key_modes();
	test_json();
	test_headers_parse();
	policy_unref(p);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return test_exit("test-mailout");
}
