/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ccguard - milter that stops mail addressed to parties that must not be
 *	addressed together
 * SYNOPSIS
 *	ccguard [-v] [-c file] [-p socket] [-u user]
 *	ccguard -n [-v] [-c file]
 *	ccguard -t message [--from addr] [--rcpt addr [--macro rcpt_X=value]...]...
 *	    [--macro j=name] [--auth user] [-c file]
 * DESCRIPTION
 *	Startup: read and check the configuration and rules (fatal with
 *	file:line on any error), open the milter socket, drop to the
 *	unprivileged user when started as root, then hand over to smfi_main().
 *	The daemon always stays in the foreground (systemd supervises it) and
 *	logs to syslog, and to stderr unless that is the systemd journal
 *	(which gets the syslog lines already). SIGHUP reloads (sighup.c);
 *	SIGTERM stops, after the messages in flight are finished (stop.c).
 *
 *	-n checks everything a start would (including every example in the rule
 *	files) and exits 0 or EX_CONFIG. -t evaluates a message file through
 *	the same code and prints a trace; --macro gives it what the MTA would
 *	have sent: what it resolved the last --rcpt to ({rcpt_addr},
 *	{rcpt_host}, {rcpt_mailer}) and its own name (j), so that a trace
 *	reproduces a decision the daemon logged.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "addr.h"
#include "action.h"
#include "callbacks.h"
#include "conf.h"
#include "diag.h"
#include "eval.h"
#include "holdhdr.h"
#include "log.h"
#include "metrics.h"
#include "metrics_writer.h"
#include "mime.h"
#include "mime_scan.h"
#include "msg.h"
#include "msgfile.h"
#include "notify.h"
#include "notify_worker.h"
#include "policy.h"
#include "reply.h"
#include "ruleset.h"
#include "sanitize.h"
#include "sighup.h"
#include "stop.h"
#include "strbuf.h"
#include "version.h"

#ifndef CCGUARD_CONFDIR
#define CCGUARD_CONFDIR "/usr/local/etc/ccguard"
#endif

static const char *conf_path;		/* NULL: the default, if it exists */

/* usage - print the command line synopsis */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: ccguard [-v] [-c file] [-p socket] [-u user]\n"
	    "       ccguard -n [-v] [-c file]\n"
	    "       ccguard -t message [--from addr] [--rcpt addr [--macro rcpt_X=value]...]...\n"
	    "                  [--macro j=name] [--auth user] [-c file]\n"
	    "\n"
	    "  -c, --config FILE   configuration (default " CCGUARD_CONFDIR "/ccguard.conf)\n"
	    "  -p, --socket SPEC   milter socket: unix:/path, local:/path, inet:port@host\n"
	    "  -u, --user USER     run as USER after opening the socket (when root)\n"
	    "  -n, --check         check the configuration, rules and examples, then exit\n"
	    "  -t, --test FILE     evaluate a message file and print a trace\n"
	    "      --from ADDR     envelope sender for -t (default: Return-Path, or <>)\n"
	    "      --rcpt ADDR     envelope recipient for -t (repeatable)\n"
	    "      --macro N=V     for -t, an MTA macro: rcpt_addr, rcpt_host, rcpt_mailer\n"
	    "                      (what the MTA resolved the last --rcpt to) or j (its name)\n"
	    "      --auth USER     treat the -t message as sent by an authenticated client\n"
	    "  -f, --foreground    accepted for compatibility; ccguard never forks\n"
	    "  -v, --verbose       more detail (-n: print the settings in force)\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version and the libraries' versions\n");
}

/* print_version - ccguard -V: the version, libmilter's and the shared libraries' */
static void
print_version(void)
{
	unsigned int major, minor, patch;
	char milter[64];

	if (smfi_version(&major, &minor, &patch) == MI_SUCCESS)
		snprintf(milter, sizeof(milter), "libmilter %u.%u.%u\n", major, minor, patch);
	else
		snprintf(milter, sizeof(milter), "libmilter unknown\n");
	version_print(stdout, "ccguard", milter);
}

/* load_policy - the policy or NULL, with diagnostics printed */
static struct policy *
load_policy(int to_log)
{
	struct policy *p;
	struct diag d;

	diag_init(&d);
	p = policy_load(conf_path, 1, &d);
	if (d.text.len > 0) {
		char *line, *save = NULL, *text = strdup(strbuf_str(&d.text));

		for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL; line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (to_log)
				log_warnx("%s", line);
			else
				fprintf(stderr, "%s\n", line);
		}
		free(text);
	}
	if (p == NULL && d.errors == 0) {
		if (to_log)
			log_warnx("could not load the configuration");
		else
			fprintf(stderr, "ccguard: could not load the configuration\n");
	}
	diag_free(&d);
	return p;
}

/* print_setting - conf_dump callback for ccguard -n -v: "name = value" */
static void
print_setting(void *arg, const char *name, const char *value)
{
	printf("%s = %s\n", name, value);
}

/* reload - SIGHUP: validate everything, then swap; keep the old on error */
static void
reload(void)
{
	struct policy *p;

	log_info("reload: reading %s", conf_path != NULL ? conf_path : "(defaults)");
	if ((p = load_policy(1)) == NULL) {
		log_warnx("reload failed: keeping the rules in force");
		metrics_count_reload(0);
		return;
	}
	log_info("reload: %zu rules, %zu lists in force", ruleset_nrules(p->rs),
	    ruleset_nlists(p->rs));
	policy_install(p);
	metrics_count_reload(1);
	metrics_writer_kick();	/* the count, and metrics_file as it now is */
}

/* print_sources - where an address was found, for ccguard -t */
static void
print_sources(int sources, int how)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	addr_sources_format(&sb, sources, how, ADDR_SOURCES_TRACE);
	fputs(strbuf_str(&sb), stdout);
	strbuf_free(&sb);
}

/* One --rcpt of ccguard -t, and what the MTA resolved it to (--macro). */
struct test_rcpt {
	const char	*arg;
	struct msg_resolved res;
};

/* What ccguard -t is told the MTA sent. */
struct test_mta {
	struct test_rcpt *rcpts;
	size_t		 nrcpts;
	const char	*name;		/* macro j, or NULL */
};

/*
 * test_macro - ccguard -t --macro NAME=VALUE: a macro for the last --rcpt
 * or the server's name; -1 with a message for anything else
 */
static int
test_macro(struct test_mta *mta, const char *spec)
{
	const char *eq = strchr(spec, '='), *value;
	char name[32];
	size_t len;
	struct msg_resolved *res;

	if (eq == NULL || (len = (size_t)(eq - spec)) >= sizeof(name)) {
		fprintf(stderr, "ccguard: --macro %s: want NAME=VALUE\n", spec);
		return -1;
	}
	value = eq + 1;
	if (spec[0] == '{' && len >= 2 && spec[len - 1] == '}')	/* {rcpt_addr}=... */
		snprintf(name, sizeof(name), "%.*s", (int)len - 2, spec + 1);
	else
		snprintf(name, sizeof(name), "%.*s", (int)len, spec);
	if (strcmp(name, "j") == 0) {
		mta->name = value;
		return 0;
	}
	if (mta->nrcpts == 0) {
		fprintf(stderr, "ccguard: --macro %s: the macros of a recipient follow its --rcpt\n",
		    spec);
		return -1;
	}
	res = &mta->rcpts[mta->nrcpts - 1].res;
	if (strcmp(name, "rcpt_addr") == 0)
		res->addr = value;
	else if (strcmp(name, "rcpt_host") == 0)
		res->host = value;
	else if (strcmp(name, "rcpt_mailer") == 0)
		res->mailer = value;
	else {
		fprintf(stderr, "ccguard: --macro %s: want j, rcpt_addr, rcpt_host or rcpt_mailer\n",
		    spec);
		return -1;
	}
	return 0;
}

/* print_defused - a value from the command line or a message, printable */
static void
print_defused(const char *s)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	sanitize_append(&sb, s, SANITIZE_NO_MAX, SANITIZE_PRINTABLE);
	fputs(strbuf_str(&sb), stdout);
	strbuf_free(&sb);
}

/* print_readings - the recipients the MTA resolved to an address ccguard read otherwise */
static void
print_readings(const struct msg *m)
{
	size_t i;

	if (m->ndiffer == 0)
		return;
	printf("resolved otherwise by the MTA: %zu\n", m->ndiffer);
	for (i = 0; i < m->nkept; i++) {
		const struct msg_rcpt *r = &m->rcpts[i];

		if (r->mta == 0)
			continue;
		printf("  RCPT ");
		print_defused(r->arg);
		printf(": ccguard reads %s; the MTA: ", r->own != 0 ? m->addrs[r->own - 1].addr :
		    "no address");
		print_defused(r->addr);
		printf(" (mailer ");
		print_defused(r->mailer != NULL && r->mailer[0] != '\0' ? r->mailer : "none");
		printf(", host ");
		print_defused(r->host != NULL && r->host[0] != '\0' ? r->host : "none");
		printf("), read as %s\n", m->addrs[r->mta - 1].addr);
	}
}

/* test_message - ccguard -t: the milter's evaluation on a file, traced */
static int
test_message(struct policy *p, const char *path, const char *from,
    const struct test_mta *mta, const char *auth)
{
	const struct eval_opts opts = { p->conf->on_limit, p->conf->on_error, 0 };
	struct mime_scan *scan = ruleset_needs_body(p->rs) ? mime_scan_new() : NULL;
	struct reply_vars rv;
	struct verdict v;
	struct reply r;
	struct msg *m;
	char err[256], hold[1024], flags[128];
	size_t i, j;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "ccguard: %s: %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	if ((m = msg_new(&p->conf->limits)) == NULL)
		return EX_OSERR;
	/* The envelope comes first, as over SMTP. */
	if (mta->name != NULL && msg_set_server_name(m, mta->name) < 0)
		fprintf(stderr, "ccguard: --macro j=%s: no host name; not used\n", mta->name);
	msg_set_sender(m, "<>");
	for (i = 0; i < mta->nrcpts; i++)
		msg_add_rcpt_resolved(m, mta->rcpts[i].arg, &mta->rcpts[i].res);
	if (auth != NULL)
		msg_set_string(m, &m->auth, auth);
	if (msgfile_read(fp, m, scan, p->conf->mta == CONF_MTA_SENDMAIL ? MSGFILE_NUL_DROPPED :
	    MSGFILE_NUL_ENDS_VALUE, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguard: %s: %s\n", path, err);
		if (fp != stdin)
			fclose(fp);
		msg_free(m);
		mime_scan_free(scan);
		return EX_DATAERR;
	}
	if (fp != stdin)
		fclose(fp);
	if (from == NULL)
		from = msg_header(m, "Return-Path", 0);
	msg_set_sender(m, from != NULL ? from : "<>");
	msg_set_string(m, &m->queue_id, "TEST");
	if (scan != NULL)
		m->body_flags = mime_scan_finish(scan);
	scan = mime_scan_free(scan);

	printf("message: %s\n", path);
	printf("sender: <%s>%s\n", m->sender != NULL ? m->sender : "",
	    auth != NULL ? " (authenticated)" : "");
	printf("recipients examined: %zu envelope, %zu distinct addresses\n", m->nrcpts, m->naddrs);
	for (i = 0; i < m->naddrs; i++) {
		int first = 1;

		printf("  %s  [", m->addrs[i].addr);
		print_sources(m->addrs[i].sources, m->addrs[i].how);
		printf("]");
		for (j = 0; j < ruleset_nlists(p->rs); j++) {
			if (!ruleset_list_used(p->rs, j) ||
			    eval_address_in_list(p->rs, m->addrs[i].addr, (int)j) != 1)
				continue;
			printf("%s%s", first ? "  lists: " : ", ", ruleset_list_name(p->rs, j));
			first = 0;
		}
		printf("\n");
	}
	print_readings(m);
	if (ruleset_needs_body(p->rs))
		printf("body: %s\n", mime_flag_names(m->body_flags, flags, sizeof(flags)));
	if (m->limit != NULL)
		printf("limit reached: %s\n", m->limit);

	eval_message(p->rs, m, &opts, &v);
	for (i = 0; i < v.nmonitored; i++)
		printf("monitor: rule %s (%s:%d) matched; would %s\n", rule_name(v.monitored[i]),
		    rule_file(v.monitored[i]), rule_line(v.monitored[i]),
		    action_name(v.monitored_would[i]));
	if (v.rule != NULL)
		printf("rule: %s (%s:%d)\n", rule_name(v.rule), rule_file(v.rule),
		    rule_line(v.rule));
	else
		printf("rule: none matched\n");
	if (v.origin != ORIGIN_RULES)
		printf("because: %s\n", v.reason);
	printf("action: %s\n", action_name(v.action));
	if (v.nmatches > 0) {
		printf("matched:\n");
		for (i = 0; i < v.nmatches; i++) {
			printf("  %s  [", v.matches[i].addr);
			print_sources(v.matches[i].sources, v.matches[i].how);
			printf("]\n");
		}
	}
	if (v.action == ACTION_REJECT || v.action == ACTION_TEMPFAIL) {
		reply_vars_init(&rv, &v, m, conf_server_name(p->conf, m->server_name));
		if (v.origin == ORIGIN_RULES &&
		    reply_smtp(v.rule != NULL ? rule_reply(v.rule) : NULL, &rv, &r) == 0) {
			printf("reply:\n");
			for (i = 0; i < r.nlines; i++)
				printf("  %s%c%s %s\n", v.code, i + 1 == r.nlines ? ' ' : '-', v.dsn, r.lines[i]);
			reply_free(&r);
		} else
			printf("reply: %s %s (limit or error text)\n", v.code, v.dsn);
		reply_vars_free(&rv);
	}
	if (v.action == ACTION_HOLD) {
		holdhdr_format(&v, m, NULL, 0, hold, sizeof(hold));	/* no queue: no stamp */
		printf("hold header: %s: %s\n", p->conf->hold_header, hold);
	}
	verdict_clear(&v);
	msg_free(m);
	return 0;
}

/* stderr_is_journal - fd 2 is systemd's journal, which gets syslog too */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* socket_path - the file of a unix socket spec, or NULL */
static const char *
socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

/*
 * drop_privileges - become user (and its groups) for good. A unix socket
 * opened as root is handed to the user first, so the daemon can remove it
 * when it stops; its group (and the directory's set-group-ID bit) decide
 * who else may connect.
 */
static void
drop_privileges(const char *user, const char *socket_spec)
{
	const char *path = socket_path(socket_spec);
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (user == NULL || *user == '\0') {
		log_warnx("running as root: set \"user\" in ccguard.conf (or -u) to drop privileges");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		fatalx("user \"%s\" does not exist (set \"user\" or -u)", user);
	if (path != NULL && chown(path, pw->pw_uid, (gid_t)-1) < 0)
		log_warn("cannot give the socket %s to %s", path, user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		fatal("cannot drop privileges to %s", user);
	if (setuid(0) == 0)
		fatalx("privileges were not dropped");
	log_info("running as %s", user);
}

/* main - parse the command line; check, test or run the daemon */
int
main(int argc, char *argv[])
{
	enum { OPT_FROM = 256, OPT_RCPT, OPT_AUTH, OPT_MACRO };
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "socket",	required_argument, NULL, 'p' },
		{ "user",	required_argument, NULL, 'u' },
		{ "check",	no_argument,       NULL, 'n' },
		{ "test",	required_argument, NULL, 't' },
		{ "from",	required_argument, NULL, OPT_FROM },
		{ "rcpt",	required_argument, NULL, OPT_RCPT },
		{ "auth",	required_argument, NULL, OPT_AUTH },
		{ "macro",	required_argument, NULL, OPT_MACRO },
		{ "foreground",	no_argument,       NULL, 'f' },
		{ "verbose",	no_argument,       NULL, 'v' },
		{ "help",	no_argument,       NULL, 'h' },
		{ "version",	no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *socket_spec = NULL, *user = NULL, *test_file = NULL, *from = NULL, *auth = NULL;
	struct test_mta mta = { NULL, 0, NULL };
	struct test_rcpt *more;
	int ch, check = 0, verbose = 0, serving, r;
	struct policy *p;
	struct stat st;

	while ((ch = getopt_long(argc, argv, "c:p:u:nt:fvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'p': socket_spec = optarg; break;
		case 'u': user = optarg; break;
		case 'n': check = 1; break;
		case 't': test_file = optarg; break;
		case OPT_FROM: from = optarg; break;
		case OPT_RCPT:
			if ((more = realloc(mta.rcpts, (mta.nrcpts + 1) * sizeof(*more))) == NULL) {
				free(mta.rcpts);
				return EX_OSERR;
			}
			mta.rcpts = more;
			memset(&mta.rcpts[mta.nrcpts], 0, sizeof(mta.rcpts[0]));
			mta.rcpts[mta.nrcpts++].arg = optarg;
			break;
		case OPT_AUTH: auth = optarg; break;
		case OPT_MACRO:
			if (test_macro(&mta, optarg) < 0) {
				free(mta.rcpts);
				return EX_USAGE;
			}
			break;
		case 'f': break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': print_version(); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!check && test_file == NULL) {
		sigset_t hup;

		/*
		 * Until smfi_main() waits for signals, SIGHUP would kill the
		 * daemon, and systemd counts a Type=simple service as started
		 * at once: keep a reload asked for during startup pending
		 * until libmilter's signal thread (sighup.c) takes it.
		 */
		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		sigprocmask(SIG_BLOCK, &hup, NULL);
	}
	if (conf_path == NULL && stat(CCGUARD_CONFDIR "/ccguard.conf", &st) == 0)
		conf_path = CCGUARD_CONFDIR "/ccguard.conf";

	addr_init();
	/* The daemon logs to syslog; under systemd not to stderr as well. */
	serving = !check && test_file == NULL;
	log_init("ccguard", !serving || !stderr_is_journal(), serving, verbose);
	if ((p = load_policy(0)) == NULL)
		return EX_CONFIG;

	if (check) {
		struct diag d;

		/* Warnings only: a hold nobody hears of is a choice, if a poor one. */
		diag_init(&d);
		policy_warn_notify(p, &d);
		fputs(strbuf_str(&d.text), stderr);
		diag_free(&d);
		if (verbose) {
			conf_dump(p->conf, print_setting, NULL);
			policy_dump_rules(p, print_setting, NULL);
		}
		printf("ccguard: configuration OK: %s, %zu rule files, %zu rules, %zu lists, "
		    "%zu examples passed\n", p->conf->path, p->conf->nrules, ruleset_nrules(p->rs),
		    ruleset_nlists(p->rs), ruleset_nexamples(p->rs));
		policy_unref(p);
		return 0;
	}
	if (test_file != NULL) {
		r = test_message(p, test_file, from, &mta, auth);
		policy_unref(p);
		free(mta.rcpts);
		return r;
	}
	free(mta.rcpts);

	if (socket_spec == NULL)
		socket_spec = p->conf->socket;
	if (user == NULL)
		user = p->conf->user;
	notify_init();
	action_set_notifier(notify_message);
	policy_install(p);
	sighup_set_handler(reload);
	signal(SIGPIPE, SIG_IGN);

	if (smfi_setconn((char *)socket_spec) != MI_SUCCESS)
		fatalx("bad socket specification \"%s\"", socket_spec);
	if (smfi_register(callbacks_desc) != MI_SUCCESS)
		fatalx("smfi_register failed");
	/* Group members (the MTA) may connect to a unix socket; others may not. */
	umask(007);
	if (smfi_opensocket(1) != MI_SUCCESS)
		fatalx("cannot open the milter socket %s", socket_spec);
	stop_init();
	sighup_set_stop_handler(stop_drain);
	drop_privileges(user, socket_spec);
	log_info("starting: socket %s, %zu rules from %zu files", socket_spec,
	    ruleset_nrules(p->rs), p->conf->nrules);
	metrics_writer_start();
	r = smfi_main();
	metrics_writer_stop();
	log_info("stopped");
	policy_install(NULL);
	return r == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
