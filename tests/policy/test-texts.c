/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-texts.c - every text a sender or a moderator reads, rendered for
 * every site profile through the code that sends it, and checked against
 * the rules doc/texts.md states:
 *
 * - a profile loads, and its rules use the text variants it names;
 * - each SMTP reply (reply.c, as it goes to the MTA), guidance text,
 *   rejection notice and moderator advice is at most 25 lines (a
 *   reply-to-both guidance under 15), and its first and last lines are
 *   self-contained: they start with what happened (Refused, Not delivered,
 *   Held, Accepted, Delivered), then after a colon say what to do (an
 *   instruction verb: send, write, remove, ...), and end a sentence;
 *   an SMTP reply's first and last lines hold no variable, so they are
 *   never wrapped (78 characters);
 * - no text says "not sent"; on the profiles with mail-exchanger texts
 *   (kernel-mx, distros-mx, relay), the reply of every rule that rejects
 *   says it was not delivered by this server and that other copies may
 *   have been delivered, and none offers an exemption (SMTP AUTH) or
 *   asks to "let it through";
 * - ccguard.conf's own settings and actions win over the profile's; a
 *   missing or bad profile is an error naming file:line;
 * - the moderator notice names the rule, the kind of message, whether
 *   the sender got guidance, the rule's usual choice first, and what
 *   release, --without and a public release do;
 * - every shipped text file (rules/\*.reply, .guidance, .notice,
 *   .rejected) is one of those checked, under some profile: a variant no
 *   profile chooses fails. So the last line of every SMTP reply, the one
 *   line mutt shows of a multi-line 550, is a self-contained instruction
 *   for every rule and profile.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "conf.h"
#include "diag.h"
#include "mime.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "template.h"
#include "verdict.h"

#include "testlib.h"

#define MAX_TEXT_LINES	25

static char tmpdir[] = "/tmp/ccguard-texts-XXXXXX";

/* The base names of the text files checked so far (text_checked). */
static char checked[128][256];
static size_t nchecked;

static const char *const outcomes[] = {
	"Refused", "Not delivered", "Held", "Accepted", "Delivered", NULL
};
static const char *const steps[] = {
	"send", "write", "remove", "drop", "put", "report", "wait", "reply",
	"decide", "address", "add", "do not", "use", "read", NULL
};

/* has_word - s holds w as a whole word (case-insensitive) */
static int
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (strncasecmp(p, w, n) == 0 && (p == s || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)p[n]))
			return 1;
	return 0;
}

/* self_contained - why line is not a self-contained line, or NULL */
static const char *
self_contained(const char *line)
{
	const char *colon;
	size_t i, len = strlen(line);

	for (i = 0; outcomes[i] != NULL; i++)
		if (strncmp(line, outcomes[i], strlen(outcomes[i])) == 0)
			break;
	if (outcomes[i] == NULL)
		return "does not start with what happened (Refused, Not delivered, Held, ...)";
	if ((colon = strchr(line, ':')) == NULL)
		return "has no colon before what to do";
	for (i = 0; steps[i] != NULL; i++)
		if (has_word(colon + 1, steps[i]))
			break;
	if (steps[i] == NULL)
		return "does not say what to do after the colon";
	if (len == 0 || line[len - 1] != '.')
		return "does not end a sentence";
	return NULL;
}

/* split_lines - text into a NULL-terminated array of lines (trailing blanks dropped) */
static char **
split_lines(const char *text, size_t *n)
{
	char **v = calloc(strlen(text) + 2, sizeof(*v)), *copy = strdup(text), *p, *nl;

	*n = 0;
	for (p = copy; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		v[(*n)++] = strdup(p);
	}
	while (*n > 0 && v[*n - 1][strspn(v[*n - 1], " \t")] == '\0')
		free(v[--*n]);
	v[*n] = NULL;
	free(copy);
	return v;
}

/* free_lines - free split_lines' result */
static void
free_lines(char **v)
{
	size_t i;

	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* text_checked - note that a shipped text file went through the checks */
static void
text_checked(const struct template *t)
{
	const char *base = strrchr(t->file, '/') != NULL ? strrchr(t->file, '/') + 1 : t->file;
	size_t i;

	for (i = 0; i < nchecked; i++)
		if (strcmp(checked[i], base) == 0)
			return;
	if (nchecked < sizeof(checked) / sizeof(checked[0]))
		snprintf(checked[nchecked++], sizeof(checked[0]), "%s", base);
}

/* test_every_text_checked - each shipped reply, guidance, notice and rejection was checked */
static void
test_every_text_checked(void)
{
	static const char *const kinds[] = { ".reply", ".guidance", ".notice", ".rejected", NULL };
	char dir[4096];
	struct dirent *e;
	DIR *dp;
	size_t i, j, len, n = 0;
	int seen;

	snprintf(dir, sizeof(dir), "%s/rules", test_srcdir());
	CHECK((dp = opendir(dir)) != NULL, "%s: opened", dir);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		len = strlen(e->d_name);
		for (i = 0; kinds[i] != NULL; i++)
			if (len > strlen(kinds[i]) &&
			    strcmp(e->d_name + len - strlen(kinds[i]), kinds[i]) == 0)
				break;
		if (kinds[i] == NULL)
			continue;
		n++;
		for (j = 0, seen = 0; j < nchecked && !seen; j++)
			seen = strcmp(checked[j], e->d_name) == 0;
		/* A variant no profile chooses would reach senders unchecked. */
		CHECK(seen, "rules/%s is checked under some site profile", e->d_name);
	}
	closedir(dp);
	CHECK(n >= 30, "rules/ has the shipped texts (%zu found)", n);
}

/* check_lines - the shared checks on one rendered text */
static void
check_lines(const char *what, char *const *lines, size_t n, size_t max, int mx)
{
	const char *why;
	size_t i;

	CHECK(n >= 2, "%s: %zu lines, want a first and a last", what, n);
	CHECK(n <= max, "%s: %zu lines, more than %zu", what, n, max);
	if (n < 2)
		return;
	why = self_contained(lines[0]);
	CHECK(why == NULL, "%s: first line %s: \"%s\"", what, why, lines[0]);
	why = self_contained(lines[n - 1]);
	CHECK(why == NULL, "%s: last line %s: \"%s\"", what, why, lines[n - 1]);
	for (i = 0; i < n; i++) {
		CHECK(strcasestr(lines[i], "not sent") == NULL,
		    "%s: line %zu says \"not sent\": %s", what, i + 1, lines[i]);
		/* An attachment alone does not make a message "not plain text". */
		CHECK(strcasestr(lines[i], "not plain text") == NULL,
		    "%s: line %zu calls the message not plain text: %s", what, i + 1, lines[i]);
		CHECK(strcasestr(lines[i], "let it through") == NULL,
		    "%s: line %zu asks to let it through: %s", what, i + 1, lines[i]);
		if (mx)
			CHECK(strcasestr(lines[i], "exempt") == NULL,
			    "%s: line %zu offers an exemption an MX sender can not use: %s",
			    what, i + 1, lines[i]);
	}
}

/* write_file - create path with text, mode 0644 */
static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0644);
}

/* load_site - the shipped rules under one site profile */
static struct policy *
load_site(const char *site)
{
	const char *top = test_srcdir();
	char conf[8192], path[4096];
	struct diag d;
	struct policy *p;

	snprintf(path, sizeof(path), "%s/%s.conf", tmpdir, site);
	snprintf(conf, sizeof(conf),
	    "user =\n"
	    "rules = %s/rules/kernel-security.rules\n"
	    "site = %s\n"
	    "moderator_template = %s/rules/moderator-notice.txt\n"
	    "hostname = mx.example.net\n"
	    "moderator = moderators@example.net\n"
	    "notify_smtp = 127.0.0.1:25\n", top, site, top);
	write_file(path, conf);
	diag_init(&d);
	p = policy_load(path, 0, &d);
	CHECK(p != NULL, "site %s loads: %s", site, strbuf_str(&d.text));
	CHECK(d.warnings == 0, "site %s: no warnings with a moderator and notify_smtp: %s", site,
	    strbuf_str(&d.text));
	diag_free(&d);
	return p;
}

/* test_msg - a new report to both sides with a public list in Cc and an attachment */
static struct msg *
test_msg(const struct policy *p)
{
	struct msg *m = msg_new(&p->conf->limits);

	msg_set_sender(m, "<reporter@example.org>");
	msg_add_rcpt(m, "<security@kernel.org>");
	msg_add_rcpt(m, "<linux-distros@vs.openwall.org>");
	msg_add_header(m, "From", "Reporter <reporter@example.org>");
	msg_add_header(m, "To", "security@kernel.org");
	msg_add_header(m, "Cc", "linux-distros@vs.openwall.org, netdev@vger.kernel.org");
	msg_add_header(m, "Subject", "use-after-free in foo");
	msg_add_header(m, "Message-ID", "<report-1@example.org>");
	msg_set_string(m, &m->queue_id, "4XyZ12abC");
	msg_set_string(m, &m->client, "mail.example.org[192.0.2.7]");
	m->body_flags = MIME_ATTACHMENT;
	return m;
}

/* test_verdict - rule r decided m with action a; every address matched */
static void
test_verdict(struct verdict *v, const struct rule *r, enum action a, const struct msg *m)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->action = a;
	v->rule = r;
	v->matches = calloc(m->naddrs + 1, sizeof(*v->matches));
	for (i = 0; i < m->naddrs; i++) {
		v->matches[i].addr = m->addrs[i].addr;
		v->matches[i].sources = m->addrs[i].sources;
	}
	v->nmatches = m->naddrs;
}

/* render - a template with the message's variables; malloc'd */
static char *
render(const struct policy *p, const struct template *t, const struct verdict *v,
    const struct msg *m, const char *reason)
{
	struct reply_vars rv;
	struct strbuf sb;
	char *s;

	reply_vars_init(&rv, v, m, p->conf->hostname);
	rv.reason = reason;
	strbuf_init(&sb, 1 << 20);
	CHECK(template_render(t, reply_var, &rv, &sb) == STRBUF_OK, "%s renders", t->file);
	s = strdup(strbuf_str(&sb));
	strbuf_free(&sb);
	reply_vars_free(&rv);
	return s;
}

/* test_reply - the SMTP reply of rule r, as the MTA gets it */
static void
test_reply(const struct policy *p, const char *site, const struct rule *r, int mx)
{
	struct msg *m = test_msg(p);
	struct reply_vars rv;
	struct reply rep;
	struct verdict v;
	char what[512], *flat;
	size_t i, len = 0;
	int rejects = r->enabled && !r->monitor && r->action == ACTION_REJECT;

	test_verdict(&v, r, ACTION_REJECT, m);
	reply_vars_init(&rv, &v, m, p->conf->hostname);
	CHECK(reply_smtp(r->reply, &rv, &rep) == 0, "%s %s reply renders", site, r->name);
	snprintf(what, sizeof(what), "site %s, rule %s, reply %s", site, r->name, r->reply->file);
	check_lines(what, rep.lines, rep.nlines, MAX_TEXT_LINES, mx);
	text_checked(r->reply);
	CHECK(strcmp(rep.lines[rep.nlines - 1], "(reply text shortened)") != 0,
	    "%s: cut short", what);
	for (i = 0; i < rep.nlines; i++)
		len += strlen(rep.lines[i]) + 1;
	flat = calloc(1, len + 1);
	for (i = 0; i < rep.nlines; i++) {
		strcat(flat, rep.lines[i]);
		strcat(flat, " ");
	}
	if (mx && rejects) {
		CHECK(strcasestr(flat, "by this server") != NULL ||
		    strcasestr(flat, "This server (mx.example.net) did not deliver") != NULL,
		    "%s: does not say this server did not deliver it: %s", what, flat);
		CHECK(strcasestr(flat, "may have been delivered") != NULL ||
		    strcasestr(flat, "has probably been delivered") != NULL,
		    "%s: does not say other copies may have been delivered: %s", what, flat);
		CHECK(strcasestr(flat, "send it again to security@") == NULL &&
		    strcasestr(flat, "resend") == NULL, "%s: asks to resend: %s", what, flat);
	}
	free(flat);
	reply_free(&rep);
	reply_vars_free(&rv);
	verdict_clear(&v);
	msg_free(m);
}

/* test_guidance - the guidance text of rule r */
static void
test_guidance(const struct policy *p, const char *site, const struct rule *r, int mx)
{
	struct msg *m = test_msg(p);
	struct verdict v;
	char what[512], *text, **lines;
	size_t n, max = strstr(r->name, "-reply") != NULL ? 14 : MAX_TEXT_LINES;

	test_verdict(&v, r, r->action == ACTION_NOTIFY ? ACTION_NOTIFY : ACTION_HOLD, m);
	text = render(p, r->guidance, &v, m, NULL);
	lines = split_lines(text, &n);
	snprintf(what, sizeof(what), "site %s, rule %s, guidance %s", site, r->name,
	    r->guidance->file);
	check_lines(what, lines, n, max, mx);
	text_checked(r->guidance);
	free_lines(lines);
	free(text);
	verdict_clear(&v);
	msg_free(m);
}

/* test_rejected - what ccguardctl held reject sends for rule r */
static void
test_rejected(const struct policy *p, const char *site, const struct rule *r, int mx)
{
	const struct template *t = policy_rule_texts(p, r)->rejected;
	struct msg *m = test_msg(p);
	struct verdict v;
	char what[512], *text, **lines;
	size_t n;

	CHECK(t != NULL, "site %s, rule %s: a rejection text (RULE.rejected or rejected.txt)",
	    site, r->name);
	if (t == NULL) {
		msg_free(m);
		return;
	}
	test_verdict(&v, r, ACTION_HOLD, m);
	text = render(p, t, &v, m, "the moderator's words");
	lines = split_lines(text, &n);
	snprintf(what, sizeof(what), "site %s, rule %s, rejected %s", site, r->name, t->file);
	check_lines(what, lines, n, MAX_TEXT_LINES, mx);
	text_checked(t);
	CHECK(strstr(text, "the moderator's words") != NULL, "%s: gives the reason", what);
	free_lines(lines);
	free(text);
	verdict_clear(&v);
	msg_free(m);
}

/* notice_text - the text part of a built moderator notice; g_free'd */
static char *
notice_text(const char *data, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *pa = g_mime_parser_new_with_stream(s);
	GMimeMessage *gm = g_mime_parser_construct_message(pa, NULL);
	GMimeObject *body = gm != NULL ? g_mime_message_get_mime_part(gm) : NULL;
	GMimeStream *out = g_mime_stream_mem_new();
	GByteArray *b;
	char *t = NULL;

	if (body != NULL && GMIME_IS_PART(body)) {
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(body)), out);
		b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		t = g_strndup((const char *)b->data, b->len);
	}
	g_object_unref(out);
	if (gm != NULL)
		g_object_unref(gm);
	g_object_unref(pa);
	g_object_unref(s);
	return t;
}

/* test_notice - the moderator notice of a rule that holds */
static void
test_notice(const struct policy *p, const char *site, const struct rule *r)
{
	const struct template *advice = policy_rule_texts(p, r)->notice;
	struct msg *m = test_msg(p);
	struct verdict v;
	char what[512], *data, *text, *a, **lines;
	size_t len, n;

	snprintf(what, sizeof(what), "site %s, rule %s, notice", site, r->name);
	CHECK(advice != NULL, "%s: the rule has advice for moderators (RULE.notice)", what);
	test_verdict(&v, r, ACTION_HOLD, m);
	if (advice != NULL) {
		a = render(p, advice, &v, m, NULL);
		text_checked(advice);
		lines = split_lines(a, &n);
		CHECK(n <= 10, "%s: advice of %zu lines (%s)", what, n, advice->file);
		CHECK(n > 0 && strncmp(lines[0], "Why held: ", 10) == 0,
		    "%s: advice starts with why (%s)", what, advice->file);
		CHECK(strstr(a, "\nUsually: ") != NULL, "%s: advice names the usual choice (%s)",
		    what, advice->file);
		free_lines(lines);
		free(a);
	}
	data = notify_moderator_build(p, &v, m, "none (sender not authenticated)", &len);
	CHECK(data != NULL, "%s: built", what);
	text = data != NULL ? notice_text(data, len) : NULL;
	CHECK(text != NULL, "%s: a text part", what);
	if (text != NULL) {
		lines = split_lines(text, &n);
		CHECK(n > 0 && self_contained(lines[0]) == NULL, "%s: first line %s", what,
		    n > 0 ? lines[0] : "(none)");
		free_lines(lines);
		CHECK(strstr(text, r->name) != NULL, "%s: names the rule", what);
		CHECK(strstr(text, "Message:    a new message") != NULL, "%s: new or reply", what);
		CHECK(strstr(text, "Guidance:   none (sender not authenticated)") != NULL,
		    "%s: whether the sender got guidance", what);
		CHECK(advice == NULL || strstr(text, "Usually: ") != NULL,
		    "%s: the usual choice", what);
		CHECK(advice == NULL || (strstr(text, "Usually: ") != NULL &&
		    strstr(text, "What each choice") != NULL &&
		    strstr(text, "Usually: ") < strstr(text, "What each choice")),
		    "%s: the usual choice comes first:\n%s", what, text);
		CHECK(strstr(text, "can not be undone") != NULL, "%s: a public release", what);
		CHECK(strstr(text, "reply-all") != NULL, "%s: --without and reply-all", what);
		CHECK(strstr(text, "CCGUARD-") == NULL, "%s: markers replaced", what);
		g_free(text);
	}
	free(data);
	verdict_clear(&v);
	msg_free(m);
}

/* load_conf - policy_load on conf text; diagnostics in d (caller frees) */
static struct policy *
load_conf(const char *name, const char *text, struct diag *d)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	write_file(path, text);
	diag_init(d);
	return policy_load(path, 0, d);
}

/* test_warnings - ccguard -n's warning when held mail would go unnoticed */
static void
test_warnings(void)
{
	static const char *const holding[] = {
		"distros-and-public", "kernel-and-public", "kernel-and-distros-reply", NULL
	};
	static const struct {
		const char	*settings;
		const char	*want;		/* in the warning, or NULL: none */
	} cases[] = {
		/* The default moderator is the postmaster: only the route is missing. */
		{ "", "set notify_smtp" },
		{ "notify_smtp = 127.0.0.1:25\n", NULL },
		{ "moderator =\nnotify_smtp = 127.0.0.1:25\n", "\"moderator\" is empty" },
		{ "moderator =\n", "\"moderator\" is empty" },
		{ "moderator = m@example.net\n", "set notify_smtp" },
		{ "moderator = m@example.net\nnotify_smtp = 127.0.0.1:25\n", NULL },
		{ "moderator =\naction.distros-and-public = monitor\naction.kernel-and-public = off\n"
		  "action.kernel-and-distros-reply = reject\n", NULL },
	};
	char conf[8192], path[4096];
	struct diag d;
	struct policy *p;
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/warn%zu.conf", tmpdir, i);
		snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n%s",
		    test_srcdir(), cases[i].settings);
		write_file(path, conf);
		diag_init(&d);
		p = policy_load(path, 0, &d);
		CHECK(p != NULL && d.warnings == 0, "warn case %zu loads without warnings: %s", i,
		    strbuf_str(&d.text));
		if (p != NULL)
			policy_warn_notify(p, &d);
		if (cases[i].want == NULL)
			CHECK(d.warnings == 0, "warn case %zu: no warning, got %s", i,
			    strbuf_str(&d.text));
		else
			CHECK(d.warnings == 1 && d.errors == 0 &&
			    strstr(strbuf_str(&d.text), cases[i].want) != NULL,
			    "warn case %zu: one warning with \"%s\", got %s", i, cases[i].want,
			    strbuf_str(&d.text));
		/* The one warning names every rule that holds, not just the first. */
		for (j = 0; cases[i].want != NULL && holding[j] != NULL; j++)
			CHECK(strstr(strbuf_str(&d.text), holding[j]) != NULL,
			    "warn case %zu: the warning names %s: %s", i, holding[j],
			    strbuf_str(&d.text));
		diag_free(&d);
		policy_unref(p);
	}
}

/* test_default_moderator - unset, the moderator is postmaster@hostname; set empty, nobody */
static void
test_default_moderator(void)
{
	static const struct {
		const char	*conf, *profile;	/* profile NULL: no site */
		const char	*want;
	} cases[] = {
		{ "hostname = mx.example.net\n", NULL, "postmaster@mx.example.net" },
		{ "moderator = mods@example.net\nhostname = mx.example.net\n", NULL,
		  "mods@example.net" },
		{ "moderator =\n", NULL, "" },
		{ "hostname = mx.example.net\n", "moderator =\n", "" },
		{ "hostname = mx.example.net\n", "moderator = team@example.net\n",
		  "team@example.net" },
		{ "moderator = mods@example.net\n", "moderator =\n", "mods@example.net" },
	};
	char conf[8192], path[4096], want[600];
	struct diag d;
	struct policy *p;
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/moderator.site", tmpdir);
		if (cases[i].profile != NULL)
			write_file(path, cases[i].profile);
		snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n"
		    "site = %s\n%s", test_srcdir(), cases[i].profile != NULL ? path : "",
		    cases[i].conf);
		p = load_conf("moderator.conf", conf, &d);
		CHECK(p != NULL && strcmp(p->conf->moderator, cases[i].want) == 0,
		    "moderator case %zu: want \"%s\", got \"%s\" %s", i, cases[i].want,
		    p != NULL ? p->conf->moderator : "(no policy)", strbuf_str(&d.text));
		diag_free(&d);
		policy_unref(p);
	}
	/* No ccguard.conf at all: the postmaster of the system's host name. */
	c = conf_defaults();
	snprintf(want, sizeof(want), "postmaster@%s", c != NULL ? c->hostname : "");
	CHECK(c != NULL && c->hostname[0] != '\0' && strcmp(c->moderator, want) == 0,
	    "the built-in defaults: moderator %s, got %s", want, c != NULL ? c->moderator : "-");
	conf_free(c);
}

/* test_profiles - how a profile and ccguard.conf combine, and bad profiles */
static void
test_profiles(void)
{
	char conf[8192], prof[4096];
	struct diag d;
	struct policy *p;
	struct rule *r;

	/* ccguard.conf's own action and setting win over the profile's. */
	snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n"
	    "action.kernel-and-distros = reject\nsite = kernel-mx\ntexts = mx\n", test_srcdir());
	p = load_conf("wins.conf", conf, &d);
	CHECK(p != NULL, "kernel-mx with overrides loads: %s", strbuf_str(&d.text));
	if (p != NULL) {
		r = ruleset_find_rule(p->rs, "kernel-and-distros");
		CHECK(r != NULL && r->action == ACTION_REJECT && !r->monitor,
		    "ccguard.conf's action.kernel-and-distros beats the profile's hold");
		r = ruleset_find_rule(p->rs, "kernel-and-public");
		CHECK(r != NULL && r->monitor, "the profile's other actions still apply");
		CHECK(strcmp(p->conf->texts, "mx") == 0, "ccguard.conf's texts beats the profile's");
		r = ruleset_find_rule(p->rs, "kernel-and-distros");
		CHECK(r != NULL && strstr(r->reply->file, "kernel-and-distros.mx.reply") != NULL,
		    "texts = mx picks the .mx reply, got %s", r != NULL ? r->reply->file : "-");
	}
	diag_free(&d);
	policy_unref(p);

	/* A site named but not found is an error; the default needs no file. */
	snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n"
	    "site = nowhere\n", test_srcdir());
	p = load_conf("nowhere.conf", conf, &d);
	CHECK(p == NULL && strstr(strbuf_str(&d.text), "no profile \"nowhere.site\"") != NULL,
	    "a missing profile is an error: %s", strbuf_str(&d.text));
	diag_free(&d);
	policy_unref(p);
	snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n"
	    "site = a b\n", test_srcdir());
	p = load_conf("badname.conf", conf, &d);
	CHECK(p == NULL && strstr(strbuf_str(&d.text), "site: bad name") != NULL,
	    "a bad profile name is an error: %s", strbuf_str(&d.text));
	diag_free(&d);
	policy_unref(p);

	/* A profile may not pick rule files, and its errors name its file:line. */
	snprintf(prof, sizeof(prof), "%s/bad.site", tmpdir);
	write_file(prof, "# a profile\nrules = /etc/passwd\naction.no-such-rule = hold\n");
	snprintf(conf, sizeof(conf), "user =\nrules = %s/rules/kernel-security.rules\n"
	    "site = %s\n", test_srcdir(), prof);
	p = load_conf("badprof.conf", conf, &d);
	CHECK(p == NULL && strstr(strbuf_str(&d.text), "bad.site:2: \"rules\" can not be set "
	    "in a site profile") != NULL, "rules in a profile: %s", strbuf_str(&d.text));
	diag_free(&d);
	policy_unref(p);
	write_file(prof, "action.no-such-rule = hold\n");
	p = load_conf("badprof2.conf", conf, &d);
	CHECK(p == NULL && strstr(strbuf_str(&d.text), "bad.site:1: action.no-such-rule: no rule") !=
	    NULL, "an unknown rule in a profile: %s", strbuf_str(&d.text));
	diag_free(&d);
	policy_unref(p);
}

/* test_notice_without - "--without LIST" only where it would drop someone and deliver */
static void
test_notice_without(void)
{
	struct policy *p = load_site("kernel-mx");
	struct msg *m;
	struct verdict v;
	char *data, *text;
	size_t len;

	if (p == NULL)
		return;
	/* kernel.org's MX: only security@ in the envelope, the list in Cc. */
	m = msg_new(&p->conf->limits);
	msg_set_sender(m, "<reporter@example.org>");
	msg_add_rcpt(m, "<security@kernel.org>");
	msg_add_header(m, "To", "security@kernel.org");
	msg_add_header(m, "Cc", "linux-distros@vs.openwall.org");
	msg_set_string(m, &m->queue_id, "4XyZ12abC");
	test_verdict(&v, ruleset_find_rule(p->rs, "kernel-and-distros"), ACTION_HOLD, m);
	data = notify_moderator_build(p, &v, m, "none", &len);
	text = data != NULL ? notice_text(data, len) : NULL;
	CHECK(text != NULL && strstr(text, "--without openwall-distros 4XyZ12abC") == NULL &&
	    strstr(text, "--without kernel-security 4XyZ12abC") == NULL,
	    "an MX notice offers no --without that would remove nobody or everybody: %s",
	    text != NULL ? text : "(none)");
	CHECK(text != NULL && strstr(text, "Usually: release.") != NULL,
	    "kernel-mx: usually release");
	g_free(text);
	free(data);
	verdict_clear(&v);
	msg_free(m);
	policy_unref(p);
}

/* test_site - every text of every rule under one profile */
static void
test_site(const char *site, const char *variant, int mx)
{
	struct policy *p = load_site(site);
	size_t i;

	if (p == NULL)
		return;
	CHECK(strcmp(p->conf->site, site) == 0, "site %s in force", site);
	for (i = 0; i < p->rs->nrules; i++) {
		const struct rule *r = &p->rs->rules[i];

		if (r->reply != NULL) {
			test_reply(p, site, r, mx);
			if (variant != NULL && r->enabled && !r->monitor && r->action == ACTION_REJECT)
				CHECK(strstr(r->reply->file, variant) != NULL,
				    "site %s, rule %s rejects with the %s text, got %s", site,
				    r->name, variant, r->reply->file);
		}
		if (r->guidance != NULL)
			test_guidance(p, site, r, mx);
		/* Advice is checked also where an operator's action.RULE = hold uses it. */
		if ((r->action == ACTION_HOLD && r->enabled) || policy_rule_texts(p, r)->notice != NULL)
			test_notice(p, site, r);
		if (r->reply != NULL || r->guidance != NULL)
			test_rejected(p, site, r, mx);
	}
	policy_unref(p);
}

int
main(void)
{
	char path[4096];

	g_mime_init();
	addr_init();
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_warnings();
	test_default_moderator();
	test_profiles();
	test_notice_without();
	test_site("submission", NULL, 0);
	test_site("kernel-mx", "mx.reply", 1);
	test_site("distros-mx", "mx.reply", 1);
	test_site("relay", "mx.reply", 1);
	test_every_text_checked();
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	g_mime_shutdown();
	return test_exit("test-texts");
}
