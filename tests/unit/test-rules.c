/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-rules.c - unit tests of the rule language and of ccguard.conf.
 *
 * Every fixture in tests/rules/ is loaded the way the daemon loads it,
 * through policy_load() on a temporary ccguard.conf. A valid file must
 * load and hold exactly what it says (lists with literals, domains,
 * patterns and list files; every condition kind and action; examples).
 * An invalid file must give no policy at all (never half loaded) and
 * exactly the diagnostics in its .ref file, all of them in one run.
 * ccguard.conf mistakes must be reported as file:line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "diag.h"
#include "eval.h"
#include "policy.h"
#include "rules_parse.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "template.h"
#include "testlib.h"

static char conf_path[] = "/tmp/ccguard-test-rules-XXXXXX";

/* replace_all - s with every "from" replaced by "to" (malloc'd) */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb;
	const char *p;
	size_t n = strlen(from);

	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "");
	while (n > 0 && (p = strstr(s, from)) != NULL) {
		strbuf_append(&sb, s, (size_t)(p - s));
		strbuf_puts(&sb, to);
		s = p + n;
	}
	strbuf_puts(&sb, s);
	return strbuf_steal(&sb);
}

/*
 * load - write conf_text ("@R@" stands for the fixture directory) to the
 * temporary conf, policy_load() it, and return the diagnostics with the
 * fixture directory removed and the conf path shown as "CONF".
 */
static struct policy *
load(const char *conf_text, char **diag_text, int *warnings)
{
	struct policy *p;
	struct diag d;
	char *text, *t1, *dir;
	FILE *fp;

	dir = strdup(test_path("tests/rules"));
	text = replace_all(conf_text, "@R@", dir);
	if ((fp = fopen(conf_path, "w")) == NULL) {
		perror(conf_path);
		exit(99);
	}
	fputs(text, fp);
	fclose(fp);
	free(text);
	diag_init(&d);
	p = policy_load(conf_path, 0, &d);
	/* The fixture directory goes with its separator. */
	text = replace_all(strbuf_str(&d.text) != NULL ? strbuf_str(&d.text) : "", dir, "@R@");
	t1 = replace_all(text, "@R@/", "");
	*diag_text = replace_all(t1, conf_path, "CONF");
	free(text);
	free(t1);
	if (warnings != NULL)
		*warnings = d.warnings;
	CHECK((p == NULL) == (d.errors > 0), "policy_load: got %s with %d errors, want a policy "
	    "exactly when there are no errors", p != NULL ? "a policy" : "NULL", d.errors);
	diag_free(&d);
	free(dir);
	return p;
}

/* read_ref - the whole of a .ref file */
static char *
read_ref(const char *name)
{
	struct strbuf sb;
	char buf[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(test_path(name), "r")) == NULL) {
		CHECK(0, "%s: cannot open", name);
		return strdup("");
	}
	strbuf_init(&sb, 0);
	strbuf_puts(&sb, "");
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(fp);
	return strbuf_steal(&sb);
}

/* Files that must not load, compared with their .ref diagnostics. */
static const char *const bad_files[] = {
	"bad-keyword", "bad-missing-brace", "bad-string", "bad-regex",
	"bad-unknown-list", "bad-duplicate", "bad-smtp-code", "bad-missing-parts",
	"bad-template", "bad-example", "bad-many",
};

/* test_bad_files - each broken fixture: no policy, exactly its .ref */
static void
test_bad_files(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char conf[512], ref[256], *got, *want;
		struct policy *p;

		snprintf(conf, sizeof(conf), "user =\nrules = @R@/%s.rules\n", bad_files[i]);
		p = load(conf, &got, NULL);
		CHECK(p == NULL, "%s: got a policy, want NULL (a broken file never loads)", bad_files[i]);
		policy_unref(p);
		snprintf(ref, sizeof(ref), "tests/rules/%s.ref", bad_files[i]);
		want = read_ref(ref);
		CHECK(want[0] != '\0', "%s: empty .ref", bad_files[i]);
		CHECK(strcmp(got, want) == 0, "%s: got diagnostics\n%s--- want\n%s---", bad_files[i],
		    got, want);
		free(got);
		free(want);
	}
}

/* Lint findings are warnings: the file loads, and says so. */
static void
test_lint(void)
{
	struct policy *p;
	char *got, *want;
	int warnings;

	p = load("user =\nrules = @R@/warn-lint.rules\n", &got, &warnings);
	CHECK(p != NULL, "warn-lint: got NULL, want a policy");
	CHECK(warnings == 3, "warn-lint: got %d warnings, want 3", warnings);
	want = read_ref("tests/rules/warn-lint.ref");
	CHECK(strcmp(got, want) == 0, "warn-lint: got\n%s--- want\n%s---", got, want);
	free(got);
	free(want);
	policy_unref(p);
}

/* find_cond - the first condition of that kind (depth first), or NULL */
static const struct cond *
find_cond(const struct cond *c, enum cond_kind kind)
{
	const struct cond *f;

	if (c == NULL)
		return NULL;
	if (c->kind == kind)
		return c;
	if ((f = find_cond(c->left, kind)) != NULL)
		return f;
	return find_cond(c->right, kind);
}

/* check_rule - one loaded rule has the action, codes and texts written */
static void
check_rule(const struct ruleset *rs, const char *name, enum action a, const char *code,
    const char *dsn, int has_reply, int has_guidance)
{
	const struct rule *r = ruleset_find_rule(rs, name);

	CHECK(r != NULL, "rule %s: got none, want it loaded", name);
	if (r == NULL)
		return;
	CHECK(r->action == a && r->file_action == a, "rule %s: got action %s, want %s", name,
	    action_name(r->action), action_name(a));
	if (code != NULL) {
		CHECK_STR(r->code, code, name);
		CHECK_STR(r->dsn, dsn, name);
	}
	CHECK((r->reply != NULL) == has_reply, "rule %s: got reply %p, want %s", name,
	    (void *)r->reply, has_reply ? "one" : "none");
	CHECK((r->guidance != NULL) == has_guidance, "rule %s: got guidance %p, want %s", name,
	    (void *)r->guidance, has_guidance ? "one" : "none");
	CHECK(r->enabled, "rule %s: got disabled, want enabled", name);
}

/* test_valid - valid-all.rules loads and holds what it says */
static void
test_valid(void)
{
	static const struct {
		const char	*addr;
		int		 in_team;
	} members[] = {
		{ "security@kernel.org", 1 },		/* literal, written in upper case */
		{ "quoted.name@example.org", 1 },	/* string entry with +detail */
		{ "anyone@team.example", 1 },		/* @domain */
		{ "x@sub.team.example", 0 },		/* @domain is not a suffix match */
		{ "cve-2026@example.net", 1 },		/* /pattern/i */
		{ "cve-x@example.net", 0 },
		{ "from-file@example.com", 1 },		/* list file */
		{ "x@listed.example", 1 },		/* list file @domain with a trailing dot */
		{ "linux-distros@vs.openwall.org", 0 },
	};
	const struct ruleset *rs;
	const struct addrlist *team;
	const struct rule *r;
	const struct cond *c;
	struct policy *p;
	char *got;
	size_t i;
	int warnings, id;

	p = load("user =\nrules =\n  @R@/valid-all.rules\n", &got, &warnings);
	CHECK(p != NULL, "valid-all: got NULL, want a policy; diagnostics:\n%s", got);
	CHECK(got[0] == '\0', "valid-all: got diagnostics\n%s--- want none", got);
	free(got);
	if (p == NULL)
		return;
	rs = p->rs;
	CHECK(rs->nlists == 4 && rs->nrules == 8 && rs->nexamples == 10,
	    "valid-all: got %zu lists, %zu rules, %zu examples; want 4, 8, 10",
	    rs->nlists, rs->nrules, rs->nexamples);
	id = ruleset_find_list(rs, "team");
	CHECK(id >= 0, "list team: got none");
	if (id < 0)
		goto out;
	team = &rs->lists[id];
	CHECK(team->nliterals == 3 && team->ndomains == 2 && team->npatterns == 1,
	    "list team: got %zu literals, %zu domains, %zu patterns; want 3, 2, 1",
	    team->nliterals, team->ndomains, team->npatterns);
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		CHECK(eval_address_in_list(rs, members[i].addr, id) == members[i].in_team,
		    "list team: %s: got %d, want %d", members[i].addr,
		    eval_address_in_list(rs, members[i].addr, id), members[i].in_team);

	check_rule(rs, "accept-trusted", ACTION_ACCEPT, NULL, NULL, 0, 0);
	check_rule(rs, "watch-public", ACTION_MONITOR, NULL, NULL, 0, 0);
	check_rule(rs, "pair-first", ACTION_REJECT, "554", "5.7.0", 1, 1);
	check_rule(rs, "pair-reply", ACTION_HOLD, NULL, NULL, 1, 0);
	check_rule(rs, "html-to-team", ACTION_NOTIFY, NULL, NULL, 0, 1);
	check_rule(rs, "subject-tag", ACTION_TEMPFAIL, "451", "4.7.2", 0, 0);
	check_rule(rs, "bare-tempfail", ACTION_TEMPFAIL, "451", "4.7.1", 0, 0);
	check_rule(rs, "plain-reject", ACTION_REJECT, "550", "5.7.1", 0, 0);
	/* One template file, loaded once, shared by three rules. */
	CHECK(ruleset_find_rule(rs, "pair-first")->reply == ruleset_find_rule(rs, "pair-reply")->reply,
	    "valid.reply: got two copies, want one shared template");

	r = ruleset_find_rule(rs, "watch-public");
	CHECK(r != NULL && r->monitor, "watch-public: got monitor %d, want 1", r ? r->monitor : -1);
	r = ruleset_find_rule(rs, "pair-reply");
	c = r != NULL ? find_cond(r->when, COND_RCPT_IN) : NULL;
	CHECK(c != NULL && c->scope == ADDR_SRC_ALL, "pair-reply via: got scope 0x%x, want 0x%x",
	    c ? (unsigned)c->scope : 0u, (unsigned)ADDR_SRC_ALL);
	r = ruleset_find_rule(rs, "plain-reject");
	c = r != NULL ? find_cond(r->when, COND_RCPT_IN) : NULL;
	CHECK(c != NULL && c->scope == ADDR_SRC_RESENT_TO, "plain-reject via: got scope 0x%x, want 0x%x",
	    c ? (unsigned)c->scope : 0u, (unsigned)ADDR_SRC_RESENT_TO);
	CHECK(r != NULL && find_cond(r->when, COND_TRUE) != NULL, "plain-reject: no 'always'");
	r = ruleset_find_rule(rs, "pair-first");
	CHECK(r != NULL && find_cond(r->when, COND_NOT) != NULL &&
	    find_cond(r->when, COND_OR) != NULL && find_cond(r->when, COND_HEADER_EXISTS) != NULL,
	    "pair-first: want not, or and header exists");
	r = ruleset_find_rule(rs, "subject-tag");
	CHECK(r != NULL && find_cond(r->when, COND_HEADER_MATCHES) != NULL &&
	    find_cond(r->when, COND_AUTHENTICATED) != NULL, "subject-tag: want matches and authenticated");
	r = ruleset_find_rule(rs, "accept-trusted");
	CHECK(r != NULL && r->when->kind == COND_SENDER_IN, "accept-trusted: want sender in");
	r = ruleset_find_rule(rs, "html-to-team");
	c = r != NULL ? find_cond(r->when, COND_BODY) : NULL;
	CHECK(c != NULL && c->body_flags != 0, "html-to-team: want body flags");
	/* What the milter must ask the MTA for. */
	CHECK(ruleset_needs_header(rs, "in-reply-to") && ruleset_needs_header(rs, "REFERENCES") &&
	    ruleset_needs_header(rs, "Subject") && !ruleset_needs_header(rs, "From"),
	    "needed headers: got the wrong set");
	CHECK(rs->needs_body, "needs_body: got 0, want 1");
out:
	policy_unref(p);
}

/* Two rule files: lists resolve across them; duplicates name both files. */
static void
test_multi_file(void)
{
	static const char f1[] = "list first { security@kernel.org }\n"
	    "rule pair {\n\twhen recipient in first and recipient in second\n\taction hold\n}\n";
	static const char f2[] = "list second { distros@vs.openwall.org }\n"
	    "list first { x@example.org }\n";
	struct ruleset *rs = ruleset_new();
	struct diag d;

	diag_init(&d);
	CHECK(rules_parse_text(rs, f1, "one.rules", NULL, &d) == 0, "one.rules: got an error");
	CHECK(rules_parse_text(rs, f2, "two.rules", NULL, &d) < 0, "two.rules: got no error");
	CHECK(rules_resolve(rs, &d) == 0, "resolve across files: got an error");
	CHECK_STR(strbuf_str(&d.text) ? strbuf_str(&d.text) : "",
	    "two.rules:2: list \"first\" already defined at one.rules:1\n", "duplicate across files");
	diag_free(&d);
	ruleset_free(rs);
}

/* A template with every variable, and $$; the names list is closed. */
static void
test_templates(void)
{
	const char *const *names = template_var_names();
	struct strbuf sb;
	struct template *t;
	struct diag d;
	size_t i;

	diag_init(&d);
	strbuf_init(&sb, 0);
	for (i = 0; names[i] != NULL; i++)
		strbuf_printf(&sb, "${%s} ", names[i]);
	strbuf_puts(&sb, "$$\n");
	t = template_from_text(strbuf_str(&sb), "all.reply", &d);
	CHECK(t != NULL && d.errors == 0, "every known variable: got %d errors:\n%s", d.errors,
	    strbuf_str(&d.text) ? strbuf_str(&d.text) : "");
	template_free(t);
	t = template_from_text("a\n\nb ${Rule}\n", "case.reply", &d);
	CHECK(t == NULL, "variable names are case-sensitive: got a template");
	CHECK_STR(strbuf_str(&d.text) ? strbuf_str(&d.text) : "",
	    "case.reply:3: unknown variable ${Rule}\n", "case.reply");
	strbuf_free(&sb);
	diag_free(&d);
}

struct conf_case {
	const char	*label;
	const char	*text;		/* the conf; @R@ is the fixture directory */
	const char	*want;		/* diagnostics; CONF is the conf path */
};

static const struct conf_case conf_cases[] = {
	{ "unknown setting and bad values",
	    "user =\nrules = @R@/valid-all.rules\n"
	    "# a comment\n"
	    "no_such_setting = 1\n"
	    "max_addresses = lots\n"
	    "max_recipients = 0\n"
	    "max_header_bytes = 5k\n"
	    "log_pass = maybe\n"
	    "on_limit = pass\n"
	    "just a line\n"
	    "\tcontinued = no\n"
	    "no equals sign\n",
	    "CONF:4: unknown setting \"no_such_setting\"\n"
	    "CONF:5: max_addresses: bad value \"lots\" (want a number from 10 to 10000000)\n"
	    "CONF:6: max_recipients: bad value \"0\" (want a number from 1 to 10000000)\n"
	    "CONF:8: log_pass: bad value \"maybe\" (want yes or no)\n"
	    "CONF:9: on_limit: bad value \"pass\" (want tempfail, hold, reject or accept)\n"
	    "CONF:10: unknown setting \"just a line \tcontinued\"\n"
	    "CONF:12: expected \"name = value\"\n" },
	{ "continuation with nothing to continue",
	    "  user =\nrules = @R@/valid-all.rules\n",
	    "CONF:1: continuation line with nothing to continue\n" },
	{ "number out of range",
	    "user =\nrules = @R@/valid-all.rules\nmax_header_bytes = 1\nmax_addresses = -5\n"
	    "max_recipients = 18014398509481985k\nmax_addresses = 17592186044417M\n"
	    "max_recipients = 5x\nmax_recipients = 10m\n",
	    "CONF:3: max_header_bytes: bad value \"1\" (want a number from 4096 to 1073741824)\n"
	    "CONF:4: max_addresses: bad value \"-5\" (want a number from 10 to 10000000)\n"
	    "CONF:5: max_recipients: bad value \"18014398509481985k\" (want a number from 1 to 10000000)\n"
	    "CONF:6: max_addresses: bad value \"17592186044417M\" (want a number from 10 to 10000000)\n"
	    "CONF:7: max_recipients: bad value \"5x\" (want a number from 1 to 10000000)\n"
	    "CONF:8: max_recipients: bad value \"10m\" (want a number from 1 to 10000000)\n" },
	{ "overrides of rules that do not exist, bad override values",
	    "user =\nrules = @R@/valid-all.rules\n"
	    "action.NOSUCHRULE = hold\n"
	    "action.pair-first = explode\n"
	    "action.pair-reply = pass\n"
	    "action.plain-reject = off\n",
	    "CONF:3: action.NOSUCHRULE: no rule named \"NOSUCHRULE\"\n"
	    "CONF:4: action.pair-first: bad value \"explode\" (want reject, tempfail, hold, "
	    "notify, accept, monitor or off)\n"
	    "CONF:5: action.pair-reply: bad value \"pass\" (want reject, tempfail, hold, "
	    "notify, accept, monitor or off)\n" },
	{ "rule file missing",
	    "user =\nrules = @R@/no-such-file.rules\n",
	    "no-such-file.rules: cannot open rule file: No such file or directory\n" },
	{ "no rule files",
	    "user =\nrules =\n",
	    "CONF: no rule files (set \"rules\")\n" },
};

/* test_conf - ccguard.conf mistakes, reported as file:line */
static void
test_conf(void)
{
	size_t i;

	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *c = &conf_cases[i];
		struct policy *p;
		char *got;

		p = load(c->text, &got, NULL);
		CHECK(p == NULL, "%s: got a policy, want NULL", c->label);
		CHECK(strcmp(got, c->want) == 0, "%s: got\n%s--- want\n%s---", c->label, got, c->want);
		free(got);
		policy_unref(p);
	}
}

/* A good conf: settings, a continuation line and overrides take effect. */
static void
test_conf_ok(void)
{
	struct policy *p;
	const struct rule *r;
	char *got;

	p = load("user =\nrules = @R@/valid-all.rules\n"
	    "max_header_bytes = 64k\nmax_addresses = 20\nmax_recipients = 3\n"
	    "on_limit = reject\nhostname = mx.example.org\n"
	    "action.pair-first = hold\naction.pair-reply = monitor\naction.plain-reject = off\n"
	    "action.subject-tag = reject\n", &got, NULL);
	CHECK(p != NULL && got[0] == '\0', "good conf: got %s with\n%s", p ? "a policy" : "NULL", got);
	free(got);
	if (p == NULL)
		return;
	CHECK(p->conf->limits.max_header_bytes == 65536 && p->conf->limits.max_addresses == 20 &&
	    p->conf->limits.max_recipients == 3, "limits: got %zu %zu %zu",
	    p->conf->limits.max_header_bytes, p->conf->limits.max_addresses,
	    p->conf->limits.max_recipients);
	CHECK(p->conf->on_limit == ACTION_REJECT, "on_limit: got %s", action_name(p->conf->on_limit));
	CHECK_STR(p->conf->hostname, "mx.example.org", "hostname");
	CHECK(p->conf->nrules == 1, "rules on a continuation line: got %zu files, want 1",
	    p->conf->nrules);
	CHECK(p->conf->user != NULL && p->conf->user[0] == '\0', "user: got \"%s\", want empty",
	    p->conf->user ? p->conf->user : "(null)");
	r = ruleset_find_rule(p->rs, "pair-first");
	CHECK(r->action == ACTION_HOLD && r->file_action == ACTION_REJECT && !r->monitor,
	    "action.pair-first = hold: got %s (file %s)", action_name(r->action),
	    action_name(r->file_action));
	r = ruleset_find_rule(p->rs, "pair-reply");
	CHECK(r->monitor && r->action == ACTION_HOLD, "action.pair-reply = monitor: got monitor %d, "
	    "action %s", r->monitor, action_name(r->action));
	r = ruleset_find_rule(p->rs, "plain-reject");
	CHECK(!r->enabled, "action.plain-reject = off: got enabled");
	r = ruleset_find_rule(p->rs, "subject-tag");
	CHECK(r->action == ACTION_REJECT && strcmp(r->code, "550") == 0 && strcmp(r->dsn, "5.7.1") == 0,
	    "action.subject-tag = reject: got %s %s %s", action_name(r->action), r->code, r->dsn);
	policy_unref(p);
}

/* main - run every test with one temporary conf file */
int
main(void)
{
	int fd;

	addr_init();
	if ((fd = mkstemp(conf_path)) < 0) {
		perror("mkstemp");
		return 99;
	}
	close(fd);
	test_valid();
	test_bad_files();
	test_lint();
	test_multi_file();
	test_templates();
	test_conf();
	test_conf_ok();
	unlink(conf_path);
	return test_exit("test-rules");
}
