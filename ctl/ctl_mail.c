/*
 * NAME
 *	ctl_mail - moderation by mail: ccguardctl mail-command, mail-process
 *	and held digest
 * SYNOPSIS
 *	ccguardctl [-c conf] mail-command < message	(the MTA's pipe, unprivileged)
 *	ccguardctl [-c conf] mail-process		(root, from the systemd path unit)
 *	ccguardctl [-c conf] held digest		(root, from the systemd timer)
 * DESCRIPTION
 *	Two halves with a spool directory between them, because the MTA's pipe
 *	never runs a command as root and changing the hold queue needs root:
 *
 *	mail-command reads one message on standard input, at most
 *	command_max_size bytes, checks only its shape (a header block with a
 *	From line, no NUL byte) and stores it in command_spool: a new file
 *	"tmp.RANDOM" made with O_EXCL and mode 0600, written, synced, then
 *	renamed to "cmd.RANDOM", so the other half never reads a partial
 *	file. It reads no rules and no key, acts on nothing and never answers;
 *	a message too big or of the wrong shape is dropped with a log line.
 *	Only a failure to store gives the MTA a temporary error (75).
 *
 *	mail-process, as root, takes each "cmd.*" file (regular, not a
 *	symbolic link, at most command_max_size bytes), re-verifies everything
 *	and deletes it:
 *	- mail marked as automatic or list traffic (Auto-Submitted, Precedence,
 *	  List-Id, List-Post), from <> (Return-Path), or carrying ccguard's own
 *	  answer header is ignored without an answer, so nothing can loop;
 *	- the From header must be one address, one of "moderator"; otherwise
 *	  the message is ignored without an answer (it would go to a stranger);
 *	- with command_authserv_id set, an Authentication-Results header of
 *	  that authserv-id must show dkim=pass or spf=pass for the moderator's
 *	  domain (modcmd_auth_pass);
 *	- command lines are read from the text/plain parts (modcmd.c); when
 *	  one message holds lines for different decisions about the same
 *	  queue id (a reply that kept the whole notice), none of them is done;
 *	- each token must be genuine and unexpired for that queue id, action
 *	  and list (modtoken_check), and not used before (the state file,
 *	  locked for the whole run); it is marked used before the action;
 *	- the action is the CLI verb itself (cmd_release, ...), with the
 *	  moderator's address in its log line instead of the uid.
 *	The moderator (the configured address that matched, never an address
 *	taken from the message) gets one answer per message, from <>, marked
 *	with ANSWER_HEADER and Auto-Submitted, that says what was done or
 *	why not. A message without any command line gets no answer. Nothing
 *	from the message reaches a command line: the verbs run Postfix's
 *	programs with fixed argv and queue ids checked by modcmd_qid_ok.
 *
 *	held digest mails each moderator the messages held for at least
 *	digest_min_age, oldest first, each with fresh command lines, and a
 *	warning for those held longer than hold_max_age (Postfix returns a
 *	message to its sender once maximal_queue_lifetime has passed).
 * DIAGNOSTICS
 *	Exit status as ccguardctl's; mail-command exits 75 (EX_TEMPFAIL) when
 *	the message could not be stored, so the MTA tries again.
 * SEE ALSO
 *	ccguardctl(8), doc/moderation.md, modtoken.c, modcmd.c
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "diag.h"
#include "hdrblock.h"
#include "holdhdr.h"
#include "log.h"
#include "mailin.h"
#include "mailout.h"
#include "modcmd.h"
#include "modtoken.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "release.h"
#include "ruleset.h"
#include "sanitize.h"
#include "strbuf.h"

#define ANSWER_HEADER	"X-Ccguard-Answer"
#define SPOOL_DONE	"cmd."
#define SPOOL_TMP	"tmp."
#define SPOOL_RANDOM	12		/* random bytes in a spool file name */
#define SPOOL_STALE	3600		/* seconds before a left-over tmp file goes */
#define SPOOL_MAX_FILES	1000		/* files taken in one run */
#define TEXT_MAX	(1024 * 1024)	/* bytes of text/plain read from a message */
#define CAPTURE_MAX	(16 * 1024)	/* bytes of a verb's output in an answer */
#define EX_TEMPFAIL	75

#ifndef CCGUARD_CONFDIR
#define CCGUARD_CONFDIR "/usr/local/etc/ccguard"
#endif

/* read_all - up to max + 1 bytes from fd into a malloc'd buffer */
static char *
read_all(int fd, size_t max, size_t *len)
{
	char *buf;
	size_t got = 0;
	ssize_t n;

	if ((buf = malloc(max + 2)) == NULL)
		return NULL;
	while (got < max + 1 && (n = read(fd, buf + got, max + 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* shape_ok - one message: no NUL, a header block that has a From line */
static int
shape_ok(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	int from = 0;

	if (memchr(text, '\0', len) != NULL)
		return 0;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return from;
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', (size_t)(nl - p));

			if (colon == NULL || colon == p)
				return 0;
			if ((size_t)(colon - p) == 4 && strncasecmp(p, "From", 4) == 0)
				from = 1;
		}
		p = nl + 1;
	}
	return 0;
}

/* load_conf - ccguard.conf alone (no rules): the unprivileged half's settings */
static struct conf *
load_conf(const char *path)
{
	struct conf *cf;
	struct diag d;
	struct stat st;

	if (path == NULL && stat(CCGUARD_CONFDIR "/ccguard.conf", &st) == 0)
		path = CCGUARD_CONFDIR "/ccguard.conf";
	if (path == NULL)
		return conf_defaults();
	diag_init(&d);
	cf = conf_load(path, &d);
	if (d.text.len > 0)
		fprintf(stderr, "%s", strbuf_str(&d.text));
	diag_free(&d);
	return cf;
}

/* spool_store - the message into dir as cmd.RANDOM (via tmp.RANDOM); -1 on error */
static int
spool_store(const char *dir, const char *text, size_t len, char *name, size_t namesize)
{
	unsigned char rnd[SPOOL_RANDOM];
	char hex[2 * SPOOL_RANDOM + 1], tmp[64];
	size_t i, done = 0;
	ssize_t n;
	int dfd, fd, saved;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(tmp, sizeof(tmp), SPOOL_TMP "%s", hex);
	snprintf(name, namesize, SPOOL_DONE "%s", hex);
	/* O_PATH: the pipe's user may create files there, not list them. */
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		saved = errno;
		close(dfd);
		errno = saved;
		return -1;
	}
	while (done < len) {
		if ((n = write(fd, text + done, len - done)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	if (done < len || fchmod(fd, 0600) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		saved = errno;
		if (done < len)
			close(fd);
		unlinkat(dfd, tmp, 0);
		close(dfd);
		errno = saved;
		return -1;
	}
	close(dfd);
	return 0;
}

/* ctl_mail_command - the pipe's half: check size and shape, store, nothing else */
int
ctl_mail_command(const char *conf_path)
{
	struct conf *cf;
	char *text, name[64];
	size_t len;
	int r = EXIT_OK;

	if ((cf = load_conf(conf_path)) == NULL) {
		fprintf(stderr, "ccguardctl: mail-command: cannot read the configuration\n");
		return EX_TEMPFAIL;
	}
	if ((text = read_all(STDIN_FILENO, cf->command_max_size, &len)) == NULL) {
		fprintf(stderr, "ccguardctl: mail-command: reading the message: %s\n",
		    strerror(errno));
		conf_free(cf);
		return EX_TEMPFAIL;
	}
	if (len > cf->command_max_size)
		log_warnx("mail command: message larger than command_max_size (%zu bytes); "
		    "dropped", cf->command_max_size);
	else if (!shape_ok(text, len))
		log_warnx("mail command: not a message with a header block and From; dropped");
	else if (spool_store(cf->command_spool, text, len, name, sizeof(name)) < 0) {
		fprintf(stderr, "ccguardctl: mail-command: cannot store in %s: %s\n",
		    cf->command_spool, strerror(errno));
		log_warnx("mail command: cannot store in %s: %s", cf->command_spool,
		    strerror(errno));
		r = EX_TEMPFAIL;
	} else
		log_info("mail command: stored as %s/%s", cf->command_spool, name);
	free(text);
	conf_free(cf);
	return r;
}

/* fmt_duration - seconds as 30s, 45m, 5h or 3d */
static void
fmt_duration(long long secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, size, "%llds", secs);
	else if (secs < 3600)
		snprintf(buf, size, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, size, "%lldh", secs / 3600);
	else
		snprintf(buf, size, "%lldd", secs / 86400);
}

/* queue_reload - the queue listing, fresh */
static int
queue_reload(struct ctl *c, char *err, size_t errsize)
{
	ctlq_entries_free(c->entries, c->nentries);
	c->entries = NULL;
	c->nentries = 0;
	if (c->q.be == NULL && ctlq_open(&c->q, c->policy->conf, err, errsize) < 0)
		return -1;
	return c->q.be->list(&c->q, &c->entries, &c->nentries, err, errsize);
}

/* struct capture - a verb's stdout and stderr, redirected to a file */
struct capture {
	FILE	*fp;
	int	 out, err;
};

/* capture_begin - send stdout and stderr to a temporary file; -1 on error */
static int
capture_begin(struct capture *cap)
{
	fflush(stdout);
	fflush(stderr);
	if ((cap->fp = tmpfile()) == NULL)
		return -1;
	cap->out = dup(STDOUT_FILENO);
	cap->err = dup(STDERR_FILENO);
	if (cap->out < 0 || cap->err < 0 || dup2(fileno(cap->fp), STDOUT_FILENO) < 0 ||
	    dup2(fileno(cap->fp), STDERR_FILENO) < 0) {
		if (cap->out >= 0) {
			dup2(cap->out, STDOUT_FILENO);
			close(cap->out);
		}
		if (cap->err >= 0) {
			dup2(cap->err, STDERR_FILENO);
			close(cap->err);
		}
		fclose(cap->fp);
		return -1;
	}
	return 0;
}

/* capture_end - restore stdout and stderr; the output, indented, into out */
static void
capture_end(struct capture *cap, struct strbuf *out)
{
	char buf[CAPTURE_MAX + 1];
	size_t n, i;
	int bol = 1;

	fflush(stdout);
	fflush(stderr);
	dup2(cap->out, STDOUT_FILENO);
	dup2(cap->err, STDERR_FILENO);
	close(cap->out);
	close(cap->err);
	rewind(cap->fp);
	n = fread(buf, 1, CAPTURE_MAX, cap->fp);
	fclose(cap->fp);
	buf[n] = '\0';
	/* Echo it for the operator too (the service's journal). */
	fwrite(buf, 1, n, stdout);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (bol)
			strbuf_puts(out, "    ");
		bol = ch == '\n';
		strbuf_putc(out, sanitize_char(SANITIZE_TEXT, ch));
	}
	if (!bol)
		strbuf_putc(out, '\n');
}

/* run_verb - the CLI verb for one command, its output captured; exit status */
static int
run_verb(struct ctl *c, const struct modcmd *cmd, struct ctlq_entry *e, struct strbuf *out)
{
	struct capture cap;
	int r;

	if (capture_begin(&cap) < 0) {
		strbuf_puts(out, "    (could not capture the output; see the log)\n");
		cap.fp = NULL;
	}
	switch (cmd->action) {
	case MODTOKEN_RELEASE:
		r = cmd_release(c, e);
		break;
	case MODTOKEN_RELEASE_WITHOUT:
		r = cmd_release_without(c, e, cmd->list);
		break;
	case MODTOKEN_REJECT:
		r = cmd_reject(c, e, cmd->reason[0] != '\0' ? cmd->reason : NULL);
		break;
	default:
		r = cmd_discard(c, e);
		break;
	}
	if (cap.fp != NULL)
		capture_end(&cap, out);
	return r;
}

/* struct job - what one command message asks and what became of it */
struct job {
	struct ctl	*c;
	const char	*key;
	size_t		 keylen;
	int		 statefd;
	const char	*moderator;	/* the configured address that matched */
	char		 actor[400];
	struct strbuf	 answer;
	size_t		 done, refused;
};

/* describe - "release-without LIST QUEUEID" (never the token) */
static void
describe(struct strbuf *out, const struct modcmd *cmd)
{
	strbuf_printf(out, "%s%s%s %s", modtoken_action_name(cmd->action),
	    cmd->list[0] != '\0' ? " " : "", cmd->list, cmd->qid);
}

/* refuse - note a refused command in the answer and the log */
static void
refuse(struct job *j, const struct modcmd *cmd, const char *why)
{
	struct strbuf d;

	strbuf_init(&d, 1024);
	describe(&d, cmd);
	strbuf_printf(&j->answer, "%s: refused: %s.\n", strbuf_str(&d), why);
	log_warnx("%s: mail command %s from <%s> refused: %s", cmd->qid, strbuf_str(&d),
	    j->moderator, why);
	strbuf_free(&d);
	j->refused++;
}

/* conflicting - does another command in the message decide otherwise about this id? */
static int
conflicting(const struct modcmd_scan *s, size_t i)
{
	size_t k;

	for (k = 0; k < s->ncmds; k++)
		if (strcmp(s->cmds[k].qid, s->cmds[i].qid) == 0 &&
		    (s->cmds[k].action != s->cmds[i].action ||
		    strcmp(s->cmds[k].list, s->cmds[i].list) != 0))
			return 1;
	return 0;
}

/* do_command - verify one command and, when it passes, act */
static void
do_command(struct job *j, const struct modcmd_scan *s, size_t i)
{
	const struct modcmd *cmd = &s->cmds[i];
	enum modtoken_result tr;
	struct ctlq_entry *e;
	struct strbuf d;
	char err[512], when[64];
	time_t now = time(NULL), expiry;
	struct tm tm;
	int u, r;

	if (conflicting(s, i)) {
		refuse(j, cmd, "your mail has lines for different decisions about this message; "
		    "send only the one line you mean");
		return;
	}
	tr = modtoken_check(j->key, j->keylen, cmd->qid, cmd->action,
	    cmd->list[0] != '\0' ? cmd->list : NULL, cmd->token, now, &expiry);
	if (tr == MODTOKEN_EXPIRED) {
		gmtime_r(&expiry, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		snprintf(err, sizeof(err), "the token expired on %s; \"ccguardctl held digest\" "
		    "or a new notice gives fresh ones", when);
		refuse(j, cmd, err);
		return;
	}
	if (tr != MODTOKEN_OK) {
		refuse(j, cmd, modtoken_result_text(tr));
		return;
	}
	if ((u = modtoken_state_use(j->statefd, cmd->token, now)) != 0) {
		refuse(j, cmd, u > 0 ? "this token was used before; each works once" :
		    "the used-token file could not be written; nothing was done");
		return;
	}
	if (queue_reload(j->c, err, sizeof(err)) < 0) {
		refuse(j, cmd, "the queue could not be read; nothing was done");
		log_warnx("mail command: %s", err);
		return;
	}
	if ((e = find_held(j->c, cmd->qid)) == NULL) {
		refuse(j, cmd, "the message is not in the hold queue (already released or "
		    "deleted?)");
		return;
	}
	strbuf_init(&d, 1024);
	describe(&d, cmd);
	log_info("%s: mail command %s from <%s>: token valid, acting", cmd->qid,
	    strbuf_str(&d), j->moderator);
	strbuf_printf(&j->answer, "%s:\n", strbuf_str(&d));
	j->c->actor = j->actor;
	r = run_verb(j->c, cmd, e, &j->answer);
	j->c->actor = NULL;
	strbuf_printf(&j->answer, "  %s.\n", r == EXIT_OK ? "Done" : "Failed (see above)");
	if (r == EXIT_OK)
		j->done++;
	else {
		j->refused++;
		log_warnx("%s: mail command %s from <%s> failed (exit %d)", cmd->qid,
		    strbuf_str(&d), j->moderator, r);
	}
	strbuf_free(&d);
}

/* find_header - the first value of a header, or NULL */
static const char *
find_header(const struct msg_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

/* null_path - a Return-Path that names the null sender: "<>", or pipe(8)'s MAILER-DAEMON */
static int
null_path(const char *v)
{
	char buf[32];
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n' || *v == '<' || *v == '>')
			continue;
		if (n + 1 >= sizeof(buf))
			return 0;
		buf[n++] = *v;
	}
	buf[n] = '\0';
	return n == 0 || strcasecmp(buf, "MAILER-DAEMON") == 0;
}

/* from_moderator - the configured moderator that From names, or NULL */
static char *
from_moderator(const struct mailin *msg, const struct conf *cf, char *from, size_t fromsize)
{
	const char *addr;
	char **mods, *match = NULL;
	size_t n, i;

	from[0] = '\0';
	if ((addr = mailin_from_mailbox(msg)) == NULL)
		return NULL;
	for (i = 0; addr[i] != '\0' && i + 1 < fromsize; i++)
		from[i] = sanitize_char(SANITIZE_MARKED, (unsigned char)addr[i]);
	from[i] = '\0';
	n = modcmd_moderators(cf->moderator, &mods);
	for (i = 0; i < n && match == NULL; i++)
		if (strcasecmp(mods[i], addr) == 0)
			match = strdup(mods[i]);
	modcmd_moderators_free(mods, n);
	return match;
}

/* send_answer - the answer to the moderator, from <>, marked */
static void
send_answer(struct job *j, const char *msgid)
{
	const struct conf *cf = j->c->policy->conf;
	struct mailout_spec spec;
	char subject[200], *from, *data;
	size_t len;

	if ((from = notify_from(cf)) == NULL)
		return;
	snprintf(subject, sizeof(subject), "ccguard: your commands: %zu done, %zu refused",
	    j->done, j->refused);
	memset(&spec, 0, sizeof(spec));
	spec.from = from;
	spec.to = j->moderator;
	spec.subject = subject;
	spec.text = strbuf_str(&j->answer);
	spec.in_reply_to = msgid;
	spec.hostname = cf->hostname;
	spec.mark_header = ANSWER_HEADER;
	spec.mark_value = "answer";
	if ((data = mailout_build(&spec, &len)) == NULL)
		log_warnx("mail command: answer to <%s> not built", j->moderator);
	else if (notify_send(cf, j->moderator, data, len) == 0)
		log_info("mail command: answer sent to <%s> (%zu done, %zu refused)",
		    j->moderator, j->done, j->refused);
	free(data);
	free(from);
}

/* auth_ok - does the MTA's own Authentication-Results show a pass for the moderator? */
static int
auth_ok(const struct conf *cf, const struct msg_header *h, size_t n, const char *moderator)
{
	const char *domain = strrchr(moderator, '@');
	size_t i;

	if (cf->command_authserv_id == NULL || cf->command_authserv_id[0] == '\0')
		return 1;
	for (i = 0; domain != NULL && i < n; i++)
		if (strcasecmp(h[i].name, "Authentication-Results") == 0 &&
		    modcmd_auth_pass(h[i].value, cf->command_authserv_id, domain + 1))
			return 1;
	return 0;
}

/* process_one - verify one stored command message and act on it */
static void
process_one(struct ctl *c, const char *key, size_t keylen, int statefd, const char *name,
    const char *text, size_t len)
{
	const struct conf *cf = c->policy->conf;
	struct mailin *msg = NULL;
	struct msg_header *h = NULL;
	struct modcmd_scan scan;
	struct strbuf body;
	struct job j;
	const char *why, *rp;
	char from[300], *mod = NULL;
	size_t n = 0, i, k;

	memset(&j, 0, sizeof(j));
	strbuf_init(&j.answer, 256 * 1024);
	strbuf_init(&body, TEXT_MAX + MODCMD_MAX);
	if ((msg = mailin_parse(text, len)) == NULL) {
		log_warnx("mail command %s: not a readable message; ignored", name);
		goto out;
	}
	h = mailin_headers(msg, &n);
	rp = find_header(h, n, "Return-Path");
	if (find_header(h, n, ANSWER_HEADER) != NULL) {
		log_info("mail command %s: one of ccguard's own messages; ignored", name);
		goto out;
	}
	if ((why = mailout_suppress_reason(h, n)) != NULL) {
		log_info("mail command %s: automatic or list mail (%s); ignored", name, why);
		goto out;
	}
	if (rp != NULL && null_path(rp)) {
		log_info("mail command %s: from the null sender; ignored", name);
		goto out;
	}
	if ((mod = from_moderator(msg, cf, from, sizeof(from))) == NULL) {
		log_warnx("mail command %s: From <%s> is not a moderator; ignored, no answer",
		    name, from);
		goto out;
	}
	j.c = c;
	j.key = key;
	j.keylen = keylen;
	j.statefd = statefd;
	j.moderator = mod;
	snprintf(j.actor, sizeof(j.actor), "by mail from <%s>", mod);
	if (!auth_ok(cf, h, n, mod)) {
		log_warnx("mail command %s from <%s>: no DKIM or SPF pass from %s for its "
		    "domain; refused", name, mod, cf->command_authserv_id);
		strbuf_printf(&j.answer, "Nothing was done: your mail did not pass DKIM or SPF "
		    "for your domain at %s, which this server requires.\n", cf->command_authserv_id);
		j.refused++;
		send_answer(&j, find_header(h, n, "Message-ID"));
		goto out;
	}
	mailin_text(msg, &body, TEXT_MAX);
	memset(&scan, 0, sizeof(scan));
	modcmd_scan_text(body.data != NULL ? body.data : "", body.len, &scan);
	if (scan.ncmds == 0 && scan.nbad == 0) {
		log_info("mail command %s from <%s>: no command line; no answer", name, mod);
		goto out;
	}
	for (i = 0; i < scan.ncmds; i++) {
		/* The same line twice (quoted and again) counts once. */
		for (k = 0; k < i; k++)
			if (memcmp(&scan.cmds[k].action, &scan.cmds[i].action,
			    sizeof(scan.cmds[i].action)) == 0 &&
			    strcmp(scan.cmds[k].qid, scan.cmds[i].qid) == 0 &&
			    strcmp(scan.cmds[k].list, scan.cmds[i].list) == 0 &&
			    strcasecmp(scan.cmds[k].token, scan.cmds[i].token) == 0)
				break;
		if (k == i)
			do_command(&j, &scan, i);
	}
	for (i = 0; i < scan.nbad; i++) {
		strbuf_printf(&j.answer, "Line %zu starts with \"ccguard\" but is not a command "
		    "line as the notice writes them; ignored.\n", scan.bad[i]);
		j.refused++;
	}
	if (scan.too_many)
		strbuf_printf(&j.answer, "Only the first %d command lines were read.\n", MODCMD_MAX);
	send_answer(&j, find_header(h, n, "Message-ID"));
out:
	mailin_free(msg);
	mailin_headers_free(h, n);
	strbuf_free(&body);
	strbuf_free(&j.answer);
	free(mod);
}

/* struct spooled - one stored command message */
struct spooled {
	char	name[64];
	time_t	mtime;
};

/* cmp_spooled - qsort order: oldest first */
static int
cmp_spooled(const void *a, const void *b)
{
	const struct spooled *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* spool_name_ok - PREFIX followed by exactly the random hex of spool_store() */
static int
spool_name_ok(const char *name, const char *prefix)
{
	size_t i, pl = strlen(prefix);

	if (strncmp(name, prefix, pl) != 0 || strlen(name) != pl + 2 * SPOOL_RANDOM)
		return 0;
	for (i = pl; name[i] != '\0'; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

/* ctl_mail_process - the root half: every stored command message, verified and done */
int
ctl_mail_process(struct ctl *c)
{
	const struct conf *cf = c->policy->conf;
	struct spooled *v = NULL;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	char *key = NULL, *text;
	size_t keylen, nv = 0, i, len;
	int dfd, fd, statefd, r = EXIT_OK;

	if ((dfd = open(cf->command_spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", cf->command_spool, strerror(errno));
		return EXIT_FAIL;
	}
	if (fstat(dfd, &st) < 0 || (st.st_mode & S_IWOTH) != 0) {
		fprintf(stderr, "ccguardctl: %s: writable by anyone; not read\n", cf->command_spool);
		close(dfd);
		return EXIT_FAIL;
	}
	if (release_key_read(cf->release_key, &key, &keylen) < 0) {
		fprintf(stderr, "ccguardctl: cannot read the release key %s: %s\n",
		    cf->release_key, strerror(errno));
		close(dfd);
		return EXIT_FAIL;
	}
	if ((statefd = modtoken_state_open(cf->command_state)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", cf->command_state, strerror(errno));
		explicit_bzero(key, keylen);
		free(key);
		close(dfd);
		return EXIT_FAIL;
	}
	if ((dir = fdopendir(dup(dfd))) != NULL) {
		while ((de = readdir(dir)) != NULL && nv < SPOOL_MAX_FILES) {
			struct spooled *nvv;

			if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (spool_name_ok(de->d_name, SPOOL_TMP)) {
				if (st.st_mtime + SPOOL_STALE < time(NULL))
					unlinkat(dfd, de->d_name, 0);
				continue;
			}
			if (!spool_name_ok(de->d_name, SPOOL_DONE))
				continue;
			if ((nvv = realloc(v, (nv + 1) * sizeof(*v))) == NULL)
				break;
			v = nvv;
			memcpy(v[nv].name, de->d_name, strlen(de->d_name) + 1);
			v[nv].mtime = st.st_mtime;
			nv++;
		}
		closedir(dir);
	}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), cmp_spooled);
	for (i = 0; i < nv; i++) {
		fd = openat(dfd, v[i].name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;	/* an earlier run took it while we waited for the lock */
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (size_t)st.st_size > cf->command_max_size) {
			log_warnx("mail command %s: not a regular file of at most %zu bytes; removed",
			    v[i].name, cf->command_max_size);
		} else if ((text = read_all(fd, cf->command_max_size, &len)) != NULL) {
			if (len <= cf->command_max_size)
				process_one(c, key, keylen, statefd, v[i].name, text, len);
			free(text);
		} else
			r = EXIT_FAIL;
		if (fd >= 0)
			close(fd);
		if (unlinkat(dfd, v[i].name, 0) < 0) {
			log_warnx("mail command %s: cannot remove: %s", v[i].name, strerror(errno));
			r = EXIT_FAIL;
		}
	}
	printf("%zu command message(s) processed\n", nv);
	free(v);
	close(statefd);
	close(dfd);
	explicit_bzero(key, keylen);
	free(key);
	return r;
}

/* cmp_oldest - qsort order of queue entries: oldest first */
static int
cmp_oldest(const void *a, const void *b)
{
	const struct ctlq_entry *x = *(struct ctlq_entry *const *)a;
	const struct ctlq_entry *y = *(struct ctlq_entry *const *)b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->queue_id, y->queue_id);
}

/* digest_entry - one held message in the digest */
static void
digest_entry(struct ctl *c, const struct ctlq_entry *e, const char *key, size_t keylen,
    time_t now, struct strbuf *out)
{
	const struct conf *cf = c->policy->conf;
	struct msg_header *h;
	char *htext = NULL, *rule = NULL, *reason = NULL, age[32], max[32], err[512];
	size_t hlen, n;

	if (c->q.be->cat(&c->q, e->queue_id, 0, &htext, &hlen, err, sizeof(err)) == 0 &&
	    hdrblock_parse(htext, &h, &n) == 0) {
		holdhdr_parse(cf->hold_header, h, n, &rule, &reason);
		hdrblock_headers_free(h, n);
	}
	free(htext);
	fmt_duration((long long)(now - e->arrival), age, sizeof(age));
	strbuf_printf(out, "\nQueue id: %s, held for %s\nSender:   ", e->queue_id, age);
	sanitize_append(out, e->sender[0] != '\0' ? e->sender : "<>", 200, SANITIZE_PRINTABLE);
	strbuf_puts(out, "\nRule:     ");
	sanitize_append(out, rule != NULL ? rule : "-", 100, SANITIZE_PRINTABLE);
	strbuf_putc(out, '\n');
	if (now - e->arrival > (time_t)cf->hold_max_age) {
		fmt_duration((long long)cf->hold_max_age, max, sizeof(max));
		strbuf_printf(out, "WARNING: held longer than hold_max_age (%s). Postfix returns "
		    "it to the sender\nwhen maximal_queue_lifetime has passed; decide now.\n", max);
	}
	if (key != NULL) {
		if (modcmd_render(c->policy->rs, key, keylen, e->queue_id, e->rcpts, e->nrcpts,
		    now + (time_t)cf->command_token_lifetime, out) < 0)
			strbuf_puts(out, "  (no command lines: the queue id is not Postfix's)\n");
	} else
		strbuf_printf(out, "  ccguardctl held show %s\n", e->queue_id);
	free(rule);
	free(reason);
}

/* ctl_held_digest - mail each moderator the messages held for digest_min_age or longer */
int
ctl_held_digest(struct ctl *c)
{
	const struct conf *cf = c->policy->conf;
	struct ctlq_entry **old = NULL;
	struct mailout_spec spec;
	struct strbuf text;
	char **mods, *key = NULL, *from, *data, err[512], min[32], subject[128];
	size_t nmods, nold = 0, i, keylen = 0, len;
	time_t now = time(NULL);
	int r = EXIT_OK;

	if ((nmods = modcmd_moderators(cf->moderator, &mods)) == 0) {
		fprintf(stderr, "ccguardctl: held digest: no moderator is set\n");
		return EXIT_FAIL;
	}
	if (queue_reload(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s\n", err);
		modcmd_moderators_free(mods, nmods);
		return EXIT_FAIL;
	}
	if ((old = calloc(c->nentries + 1, sizeof(*old))) == NULL) {
		modcmd_moderators_free(mods, nmods);
		return EXIT_FAIL;
	}
	for (i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].queue_name, "hold") == 0 &&
		    release_qid_ok(c->entries[i].queue_id) &&
		    now - c->entries[i].arrival >= (time_t)cf->digest_min_age)
			old[nold++] = &c->entries[i];
	fmt_duration((long long)cf->digest_min_age, min, sizeof(min));
	if (nold == 0) {
		printf("no message held for %s or longer; no digest sent\n", min);
		goto out;
	}
	qsort(old, nold, sizeof(*old), cmp_oldest);
	if (cf->command_address[0] != '\0' &&
	    release_key_read(cf->release_key, &key, &keylen) < 0) {
		fprintf(stderr, "ccguardctl: cannot read the release key %s: %s; the digest has "
		    "no command lines\n", cf->release_key, strerror(errno));
		key = NULL;
	}
	strbuf_init(&text, 4 * 1024 * 1024);
	strbuf_printf(&text, "%zu message(s) held by ccguard on %s for %s or longer, oldest "
	    "first.\n", nold, cf->hostname != NULL ? cf->hostname : "this host", min);
	if (key != NULL)
		strbuf_printf(&text, "By mail: reply keeping only the one line you choose, or "
		    "send it to %s.\n", cf->command_address);
	for (i = 0; i < nold; i++)
		digest_entry(c, old[i], key, keylen, now, &text);
	snprintf(subject, sizeof(subject), "ccguard: %zu held message(s) waiting", nold);
	from = notify_from(cf);
	for (i = 0; i < nmods; i++) {
		memset(&spec, 0, sizeof(spec));
		spec.from = from != NULL ? from : "postmaster";
		spec.to = mods[i];
		spec.subject = subject;
		spec.text = strbuf_str(&text);
		spec.hostname = cf->hostname;
		spec.reply_to = key != NULL ? cf->command_address : NULL;
		spec.mark_header = ANSWER_HEADER;
		spec.mark_value = "digest";
		if ((data = mailout_build(&spec, &len)) == NULL || text.error != STRBUF_OK ||
		    notify_send(cf, mods[i], data, len) < 0) {
			fprintf(stderr, "ccguardctl: held digest to <%s> not sent (see the log)\n",
			    mods[i]);
			r = EXIT_FAIL;
		} else {
			log_info("held digest: %zu message(s), sent to <%s>", nold, mods[i]);
			printf("digest of %zu held message(s) sent to <%s>\n", nold, mods[i]);
		}
		free(data);
	}
	free(from);
	strbuf_free(&text);
out:
	if (key != NULL) {
		explicit_bzero(key, keylen);
		free(key);
	}
	free(old);
	modcmd_moderators_free(mods, nmods);
	return r;
}
