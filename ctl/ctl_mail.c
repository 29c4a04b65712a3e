/* SPDX-License-Identifier: BSD-2-Clause */
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
 *	never runs a command as root and changing the hold queue needs root.
 *	The spool (command_spool, root's) has three directories: new/, where
 *	the pipe's user may create files but not list them; cur/ and aside/,
 *	root's alone.
 *
 *	mail-command reads one message on standard input, at most
 *	command_max_size bytes, checks only its shape (a header block with a
 *	From line, no NUL byte) and stores it in new/: a file "tmp.RANDOM"
 *	made with O_EXCL and mode 0600, written, synced, then renamed to
 *	"cmd.RANDOM", so the other half never reads a partial file. It makes
 *	itself non-dumpable, so other processes of the same user can not read
 *	its memory or open files. It reads no rules and no key, acts on
 *	nothing and never answers; a message too big or of the wrong shape is
 *	dropped with a log line. Only a failure to store gives the MTA a
 *	temporary error (75).
 *
 *	mail-process, as root, first takes the spool (spool_take): each
 *	"cmd.*" file of new/ is renamed into cur/, where the pipe's user can
 *	no longer reach it, and kept there only when it is a regular file
 *	with one link and at most command_max_size bytes; anything else in
 *	new/ (a directory, a link, a name of another form) is moved into
 *	aside/ and logged, and the run goes on. So new/ is left empty, and
 *	the path unit that watches it never starts the service in a loop.
 *
 *	Then each message in cur/ is read by a child that gave up root
 *	(read_report: privdrop.c, as command_user, with no key in its
 *	memory): modmail_read() parses the stranger's mail and sends back a
 *	small report (modmail.c), which the root half reads strictly. A
 *	message the reader fails on is moved aside. Only after every message
 *	was read does the root half read the release key and lock the
 *	used-token file, and decide (decide): no answer at all to a message
 *	that is ignored (automatic or list mail, from <>, one of ccguard's
 *	own, From not one configured moderator) or that carries no command
 *	line; otherwise one answer to the configured moderator address that
 *	matched, saying what was done or why not. Nothing is done unless the
 *	mail passed the Authentication-Results check (command_authserv_id)
 *	and holds exactly one decision (modcmd_decision). That decision is
 *	done (do_command) only for a message in the hold queue whose hold
 *	stamp verifies (ctl_held_ours: ccguard's own hold), with a token
 *	made for that queue id, hold, action and list (modtoken_check), not
 *	used before (marked used, on disk, before the action); the action is
 *	the CLI verb itself (ctl_held.c), with the moderator's address in
 *	its log line instead of the uid. Nothing from the message reaches a
 *	command line: the verbs run the MTA's programs with fixed argv and
 *	queue ids checked by modcmd_qid_ok. Each message is deleted once
 *	handled.
 *
 *	held digest mails each moderator ccguard's own holds (verified
 *	stamps) held for at least digest_min_age, oldest first, each with
 *	fresh command lines, and a warning for those held longer than
 *	hold_max_age (Postfix returns a message to its sender once
 *	maximal_queue_lifetime has passed).
 * DIAGNOSTICS
 *	Exit status as ccguardctl's; mail-command exits 75 (EX_TEMPFAIL) when
 *	the message could not be stored, so the MTA tries again.
 * SEE ALSO
 *	ccguardctl(8), doc/moderation.md, modmail.c, modtoken.c, modcmd.c
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "diag.h"
#include "fdio.h"
#include "hdrblock.h"
#include "holdhdr.h"
#include "log.h"
#include "mailout.h"
#include "modcmd.h"
#include "modmail.h"
#include "modtoken.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "privdrop.h"
#include "release.h"
#include "ruleset.h"
#include "sanitize.h"
#include "strbuf.h"

#define SPOOL_NEW	"new"		/* the pipe's drop box */
#define SPOOL_CUR	"cur"		/* taken by root, waiting to be read */
#define SPOOL_ASIDE	"aside"		/* what did not belong there, kept for the operator */
#define SPOOL_DONE	"cmd."
#define SPOOL_TMP	"tmp."
#define SPOOL_RANDOM	12		/* random bytes in a spool file name */
#define SPOOL_STALE	3600		/* seconds before a left-over tmp file goes */
#define SPOOL_MAX_FILES	1000		/* files taken in one run */
#define READER_TIMEOUT	30		/* seconds the reader of one message may take */
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

/* spool_store - the message into the drop box as cmd.RANDOM (via tmp.RANDOM); -1 on error */
static int
spool_store(const char *spool, const char *text, size_t len, char *name, size_t namesize)
{
	unsigned char rnd[SPOOL_RANDOM];
	char hex[2 * SPOOL_RANDOM + 1], tmp[64];
	size_t i;
	int sfd, dfd, fd, saved, written;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(tmp, sizeof(tmp), SPOOL_TMP "%s", hex);
	snprintf(name, namesize, SPOOL_DONE "%s", hex);
	/* O_PATH: the pipe's user may create files there, not list them. */
	if ((sfd = open(spool, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	dfd = openat(sfd, SPOOL_NEW, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	saved = errno;
	close(sfd);
	if (dfd < 0) {
		errno = saved;
		return -1;
	}
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		saved = errno;
		close(dfd);
		errno = saved;
		return -1;
	}
	if ((written = fdio_write_all(fd, text, len)) < 0 || fchmod(fd, 0600) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		saved = errno;
		if (written < 0)
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

	/* Other processes of this user (other pipes) may not read this one. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		fprintf(stderr, "ccguardctl: mail-command: cannot protect the process: %s\n",
		    strerror(errno));
		return EX_TEMPFAIL;
	}
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
		fprintf(stderr, "ccguardctl: mail-command: cannot store in %s/%s: %s\n",
		    cf->command_spool, SPOOL_NEW, strerror(errno));
		log_warnx("mail command: cannot store in %s/%s: %s", cf->command_spool,
		    SPOOL_NEW, strerror(errno));
		r = EX_TEMPFAIL;
	} else
		log_info("mail command: stored as %s/%s/%s", cf->command_spool, SPOOL_NEW, name);
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

/* struct job - one command message: its report, and what became of it */
struct job {
	char		 name[64];	/* in cur/ */
	time_t		 mtime;
	int		 read;		/* the reader's report is in r */
	struct modmail_report r;
};

/* struct answer - the answer to one moderator about one message */
struct answer {
	struct ctl	*c;
	const char	*moderator;	/* the configured address that matched */
	char		 actor[400];
	struct strbuf	 text;
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
refuse(struct answer *a, const struct modcmd *cmd, const char *why)
{
	struct strbuf d;

	strbuf_init(&d, 1024);
	describe(&d, cmd);
	strbuf_printf(&a->text, "%s: refused: %s.\n", strbuf_str(&d), why);
	log_warnx("%s: mail command %s from <%s> refused: %s", cmd->qid, strbuf_str(&d),
	    a->moderator, why);
	strbuf_free(&d);
	a->refused++;
}

/*
 * do_command - verify the one command of a message and, when it passes,
 * act: the message must be ccguard's own hold, the token made for this
 * queue id, its hold, the action and the list, and not used before
 */
static void
do_command(struct answer *a, struct modtoken_state *state, const struct modcmd *cmd)
{
	struct ctl *c = a->c;
	enum modtoken_result tr;
	struct ctlq_entry *e;
	struct strbuf d;
	const char *key;
	char err[512], when[64], hold[MSG_NONCE_HEX + 1];
	time_t now = time(NULL), expiry;
	size_t keylen;
	struct tm tm;
	int u, r;

	if (queue_reload(c, err, sizeof(err)) < 0) {
		refuse(a, cmd, "the queue could not be read; nothing was done");
		log_warnx("mail command: %s", err);
		return;
	}
	if ((e = find_held(c, cmd->qid)) == NULL) {
		refuse(a, cmd, "the message is not in the hold queue (already released or "
		    "deleted?)");
		return;
	}
	if ((r = ctl_held_ours(c, e, hold)) != 1) {
		refuse(a, cmd, r == 0 ? "the message is held, but not by ccguard (no valid hold "
		    "stamp); mail commands act only on ccguard's holds" : "the held message "
		    "could not be read; nothing was done");
		return;
	}
	if (ctl_release_key(c, &key, &keylen) < 0) {
		refuse(a, cmd, "the release key is not usable here; nothing was done");
		return;
	}
	tr = modtoken_check(key, keylen, cmd->qid, hold, cmd->action,
	    cmd->list[0] != '\0' ? cmd->list : NULL, cmd->token, now, &expiry);
	if (tr == MODTOKEN_EXPIRED) {
		gmtime_r(&expiry, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		snprintf(err, sizeof(err), "the token expired on %s; \"ccguardctl held digest\" "
		    "or a new notice gives fresh ones", when);
		refuse(a, cmd, err);
		return;
	}
	if (tr != MODTOKEN_OK) {
		refuse(a, cmd, modtoken_result_text(tr));
		return;
	}
	if ((u = modtoken_state_use(state, cmd->token, now)) != 0) {
		if (u < 0)
			log_warnx("mail command: %s: %s", c->policy->conf->command_state,
			    strerror(errno));
		refuse(a, cmd, u > 0 ? "this token was used before; each works once" :
		    "the used-token file could not be written; nothing was done");
		return;
	}
	strbuf_init(&d, 1024);
	describe(&d, cmd);
	log_info("%s: mail command %s from <%s>: token valid, acting", cmd->qid,
	    strbuf_str(&d), a->moderator);
	strbuf_printf(&a->text, "%s:\n", strbuf_str(&d));
	c->actor = a->actor;
	r = run_verb(c, cmd, e, &a->text);
	c->actor = NULL;
	strbuf_printf(&a->text, "  %s.\n", r == EXIT_OK ? "Done" : "Failed (see above)");
	if (r == EXIT_OK)
		a->done++;
	else {
		a->refused++;
		log_warnx("%s: mail command %s from <%s> failed (exit %d)", cmd->qid,
		    strbuf_str(&d), a->moderator, r);
	}
	strbuf_free(&d);
}

/* send_answer - the answer to the moderator, from <>, marked */
static void
send_answer(struct answer *a, const char *msgid)
{
	const struct conf *cf = a->c->policy->conf;
	struct mailout_spec spec;
	char subject[200], *from, *data;
	size_t len;

	if ((from = notify_from(cf)) == NULL)
		return;
	snprintf(subject, sizeof(subject), "ccguard: your commands: %zu done, %zu refused",
	    a->done, a->refused);
	memset(&spec, 0, sizeof(spec));
	spec.from = from;
	spec.to = a->moderator;
	spec.subject = subject;
	spec.text = strbuf_str(&a->text);
	spec.in_reply_to = msgid[0] != '\0' ? msgid : NULL;
	spec.hostname = cf->hostname;
	spec.mark_header = MODMAIL_ANSWER_HEADER;
	spec.mark_value = "answer";
	if ((data = mailout_build(&spec, &len)) == NULL)
		log_warnx("mail command: answer to <%s> not built", a->moderator);
	else if (notify_send(cf, a->moderator, data, len) == 0)
		log_info("mail command: answer sent to <%s> (%zu done, %zu refused)",
		    a->moderator, a->done, a->refused);
	free(data);
	free(from);
}

/* ambiguity - the answer's words for a reply that decides nothing */
static void
ambiguity(struct answer *a, const struct modcmd_scan *s, enum modcmd_ambiguity why)
{
	size_t i;

	strbuf_puts(&a->text, "Nothing was done: ");
	switch (why) {
	case MODCMD_TOO_MANY:
		strbuf_printf(&a->text, "your mail has %zu lines that begin with \"ccguard\" "
		    "(more than %d; a quoted notice or digest?).\n", s->nlines, MODCMD_MAX);
		break;
	case MODCMD_UNREADABLE:
		strbuf_puts(&a->text, "some lines that begin with \"ccguard\" (or have a command "
		    "inside) are not command lines as the notice writes them; a mail program "
		    "may have re-wrapped them:");
		for (i = 0; i < s->nbad; i++)
			strbuf_printf(&a->text, " line %zu%s", s->bad[i], i + 1 < s->nbad ? "," : "");
		strbuf_puts(&a->text, ".\n");
		break;
	default:
		strbuf_puts(&a->text, "your mail has lines for more than one decision (a "
		    "quoted notice or digest?).\n");
		break;
	}
	strbuf_puts(&a->text, "A reply decides only when it holds exactly one command line. "
	    "Send only the one line you mean, unchanged and on one line, one mail for each "
	    "decision.\n");
	a->refused++;
}

/* decide - what one read message asks, verified; an answer when it carried a command line */
static void
decide(struct ctl *c, struct modtoken_state *state, const struct job *j)
{
	const struct conf *cf = c->policy->conf;
	const struct modmail_report *r = &j->r;
	const struct modcmd *cmd;
	enum modcmd_ambiguity why;
	struct answer a;
	char *mod;

	if (r->ignore == MODMAIL_STRANGER) {
		log_warnx("mail command %s: From <%s> is not a moderator; ignored, no answer",
		    j->name, r->from);
		return;
	}
	if (r->ignore != MODMAIL_READ) {
		log_info("mail command %s: %s%s%s%s; ignored, no answer", j->name,
		    modmail_ignore_text(r->ignore), r->suppress != NULL ? " (" : "",
		    r->suppress != NULL ? r->suppress : "", r->suppress != NULL ? ")" : "");
		return;
	}
	/* The reader said "a moderator": the configuration says so too, or nothing. */
	if ((mod = modmail_moderator(cf->moderator, r->from)) == NULL) {
		log_warnx("mail command %s: From <%s> is not a moderator; ignored, no answer",
		    j->name, r->from);
		return;
	}
	if (r->scan.nlines == 0) {
		log_info("mail command %s from <%s>: no command line; no answer", j->name, mod);
		free(mod);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.c = c;
	a.moderator = mod;
	snprintf(a.actor, sizeof(a.actor), "by mail from <%s>", mod);
	strbuf_init(&a.text, 256 * 1024);
	if (cf->command_authserv_id[0] != '\0' && r->auth != MODMAIL_AUTH_PASS) {
		log_warnx("mail command %s from <%s>: no DKIM or SPF pass from %s for its "
		    "domain; refused", j->name, mod, cf->command_authserv_id);
		strbuf_printf(&a.text, "Nothing was done: your mail did not pass DKIM or SPF "
		    "for your domain at %s, which this server requires.\n", cf->command_authserv_id);
		a.refused++;
	} else if ((cmd = modcmd_decision(&r->scan, &why)) == NULL) {
		log_warnx("mail command %s from <%s>: %zu command line(s), %zu unreadable; "
		    "ambiguous, nothing done", j->name, mod, r->scan.nlines, r->scan.nbad);
		ambiguity(&a, &r->scan, why);
	} else
		do_command(&a, state, cmd);
	send_answer(&a, r->msgid);
	strbuf_free(&a.text);
	free(mod);
}

/* struct spool - the spool's directories, opened */
struct spool {
	int	 root, newd, curd, asided;
};

/* dir_root_only - is st a directory of root's that only root may change (and, private, read)? */
static int
dir_root_only(const struct stat *st, int private)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	    (st->st_mode & (private ? 077 : 022)) == 0;
}

/* spool_subdir - open (and as root's private directory, make) one directory of the spool */
static int
spool_subdir(int root, const char *name, int private)
{
	struct stat st;
	int fd;

	if (private && mkdirat(root, name, 0700) < 0 && errno != EEXIST)
		return -1;
	if ((fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	/* The drop box is the pipe user's to write in, not anyone's. */
	if (fstat(fd, &st) < 0 || !(private ? dir_root_only(&st, 1) :
	    S_ISDIR(st.st_mode) && st.st_uid == 0 && (st.st_mode & S_IWOTH) == 0)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* spool_close - close what spool_open opened */
static void
spool_close(struct spool *sp)
{
	if (sp->root >= 0)
		close(sp->root);
	if (sp->newd >= 0)
		close(sp->newd);
	if (sp->curd >= 0)
		close(sp->curd);
	if (sp->asided >= 0)
		close(sp->asided);
}

/* spool_open - the spool, every directory checked; -1 with the reason on stderr */
static int
spool_open(const char *path, struct spool *sp)
{
	struct stat st;
	const char *what = path;

	sp->newd = sp->curd = sp->asided = -1;
	if ((sp->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	if (fstat(sp->root, &st) < 0 || !dir_root_only(&st, 0)) {
		errno = EPERM;
		goto fail;
	}
	what = SPOOL_NEW;
	if ((sp->newd = spool_subdir(sp->root, SPOOL_NEW, 0)) < 0)
		goto fail;
	what = SPOOL_CUR;
	if ((sp->curd = spool_subdir(sp->root, SPOOL_CUR, 1)) < 0)
		goto fail;
	what = SPOOL_ASIDE;
	if ((sp->asided = spool_subdir(sp->root, SPOOL_ASIDE, 1)) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ccguardctl: spool %s%s%s: %s%s\n", path, what != path ? "/" : "",
	    what != path ? what : "", strerror(errno), errno == EPERM ? " (it must be root's, "
	    "and only root may change it; cur/ and aside/ root's alone)" : "");
	log_warnx("mail command: spool %s%s%s: %s", path, what != path ? "/" : "",
	    what != path ? what : "", strerror(errno));
	spool_close(sp);
	return -1;
}

/* spool_aside - move name from directory fd into aside/, under a new unique name */
static void
spool_aside(struct spool *sp, int fd, const char *dirname, const char *name, const char *why)
{
	unsigned char rnd[8];
	char aside[300], shown[200];
	size_t i, o = 0;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	/* The name was chosen by the pipe's user: only safe bytes go into the new one. */
	for (i = 0; name[i] != '\0' && o + 1 < sizeof(shown); i++)
		shown[o++] = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '-' ||
		    name[i] == '_' ? name[i] : '_';
	shown[o] = '\0';
	snprintf(aside, sizeof(aside), "%lld.%02x%02x%02x%02x%02x%02x%02x%02x.%s",
	    (long long)time(NULL), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
	    rnd[7], shown);
	if (renameat(fd, name, sp->asided, aside) < 0) {
		log_warnx("mail command: %s/%s (%s): cannot move it aside: %s", dirname, shown,
		    why, strerror(errno));
		fprintf(stderr, "ccguardctl: %s/%s (%s): cannot move it aside: %s\n", dirname,
		    shown, why, strerror(errno));
	} else {
		log_warnx("mail command: %s/%s: %s; moved to %s/%s", dirname, shown, why,
		    SPOOL_ASIDE, aside);
		fprintf(stderr, "ccguardctl: %s/%s: %s; moved to %s/%s\n", dirname, shown, why,
		    SPOOL_ASIDE, aside);
	}
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

/* take_one - a cmd.* file now in cur/: keep it only when it is one plain, small file */
static void
take_one(struct spool *sp, const char *name, size_t max)
{
	struct stat st;
	int fd;

	fd = openat(sp->curd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (size_t)st.st_size > max) {
		if (fd >= 0)
			close(fd);
		spool_aside(sp, sp->curd, SPOOL_CUR, name, "not one regular file of at most "
		    "command_max_size bytes");
		return;
	}
	/* root's now: the pipe's user may not even change the mode of what it sent. */
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0600) < 0)
		log_warnx("mail command %s: cannot make it root's: %s", name, strerror(errno));
	close(fd);
}

/* dir_stream - a directory stream on its own copy of the descriptor, or NULL */
static DIR *
dir_stream(int fd)
{
	DIR *dir;
	int copy, saved;

	if ((copy = dup(fd)) < 0)
		return NULL;
	if ((dir = fdopendir(copy)) == NULL) {
		saved = errno;
		close(copy);
		errno = saved;
	}
	return dir;
}

/*
 * spool_take - move everything out of new/: cmd.* into cur/ (root's
 * alone, then checked), stale tmp.* removed, anything else aside; the
 * run goes on whatever it finds
 */
static void
spool_take(struct spool *sp, size_t max)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	size_t taken = 0;

	if ((dir = dir_stream(sp->newd)) == NULL) {
		log_warnx("mail command: %s: %s", SPOOL_NEW, strerror(errno));
		return;
	}
	while ((de = readdir(dir)) != NULL && taken < SPOOL_MAX_FILES) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(sp->newd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (spool_name_ok(de->d_name, SPOOL_TMP) && S_ISREG(st.st_mode)) {
			/* Being written, or left by a pipe that died. */
			if (st.st_mtime + SPOOL_STALE < time(NULL))
				unlinkat(sp->newd, de->d_name, 0);
			continue;
		}
		if (!spool_name_ok(de->d_name, SPOOL_DONE)) {
			spool_aside(sp, sp->newd, SPOOL_NEW, de->d_name, "not a command message");
			continue;
		}
		if (renameat(sp->newd, de->d_name, sp->curd, de->d_name) < 0) {
			log_warnx("mail command %s: cannot take it: %s", de->d_name, strerror(errno));
			continue;
		}
		take_one(sp, de->d_name, max);
		taken++;
	}
	closedir(dir);
}

/* cmp_job - qsort order: oldest first */
static int
cmp_job(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* spool_jobs - the messages waiting in cur/, oldest first; their count */
static size_t
spool_jobs(struct spool *sp, struct job **out)
{
	struct job *v = NULL, *nv;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	size_t n = 0;

	*out = NULL;
	if ((dir = dir_stream(sp->curd)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL && n < SPOOL_MAX_FILES) {
		if (!spool_name_ok(de->d_name, SPOOL_DONE) ||
		    fstatat(sp->curd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
		v[n].mtime = st.st_mtime;
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_job);
	*out = v;
	return n;
}

/* reader_child - the child's work: give up root, read the message, report; never returns */
static void
reader_child(struct ctl *c, int out, const char *text, size_t len)
{
	const struct conf *cf = c->policy->conf;
	struct modmail_report r;
	struct strbuf rep;
	char err[512];
	int nul;

	/* No key in this process's memory, no descriptor but the report's and stderr. */
	ctl_forget_key(c);
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || dup2(nul, STDIN_FILENO) < 0 ||
	    dup2(nul, STDOUT_FILENO) < 0 || dup2(out, 3) < 0)
		_exit(2);
	if (close_range(4, ~0U, 0) < 0)
		_exit(2);
	if (privdrop_enter(cf->command_user, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: mail-process reader: %s\n", err);
		_exit(3);
	}
	modmail_read(text, len, cf->moderator, cf->command_authserv_id, &r);
	r.uid = (unsigned long)getuid();
	r.gid = (unsigned long)getgid();
	r.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	strbuf_init(&rep, MODMAIL_REPORT_MAX);
	if (modmail_report_write(&r, &rep) < 0)
		_exit(4);
	_exit(fdio_write_all(3, rep.data, rep.len) < 0 ? 5 : 0);
}

/*
 * read_report - one command message read by a child that gave up root
 * (privdrop.c, command_user); its report, read strictly, in *r. 0, or -1
 * with the reason in err: the message is then set aside.
 */
static int
read_report(struct ctl *c, const char *text, size_t len, struct modmail_report *r,
    char *err, size_t errsize)
{
	struct strbuf rep;
	struct pollfd pfd;
	char buf[4096];
	time_t deadline = time(NULL) + READER_TIMEOUT;
	ssize_t n;
	pid_t pid;
	int fds[2], status, rv = -1, reading = 1;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		diag_set(err, errsize, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		diag_set(err, errsize, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		reader_child(c, fds[1], text, len);
	}
	close(fds[1]);
	strbuf_init(&rep, MODMAIL_REPORT_MAX);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (reading && time(NULL) < deadline) {
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			break;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		if ((n = read(fds[0], buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0 || strbuf_append(&rep, buf, (size_t)n) != STRBUF_OK)
			reading = 0;
	}
	close(fds[0]);
	if (reading)
		kill(pid, SIGKILL);	/* past the deadline */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (reading)
		diag_set(err, errsize, "the reader took longer than %d s", READER_TIMEOUT);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag_set(err, errsize, "the reader failed (%s %d)", WIFEXITED(status) ?
		    "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	else if (rep.error != STRBUF_OK || modmail_report_parse(rep.data != NULL ? rep.data : "",
	    rep.len, r) < 0)
		diag_set(err, errsize, "the reader's report could not be read");
	else if (r->uid == 0 || r->gid == 0 || !r->no_new_privs)
		diag_set(err, errsize, "the reader kept privileges (uid %lu gid %lu)", r->uid,
		    r->gid);
	else
		rv = 0;
	strbuf_free(&rep);
	return rv;
}

/* read_jobs - every waiting message read by its unprivileged reader; the unreadable set aside */
static void
read_jobs(struct ctl *c, struct spool *sp, struct job *v, size_t n)
{
	const struct conf *cf = c->policy->conf;
	struct stat st;
	char *text, err[512];
	size_t i, len;
	int fd;

	for (i = 0; i < n; i++) {
		fd = openat(sp->curd, v[i].name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		text = NULL;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    st.st_uid == 0 && (size_t)st.st_size <= cf->command_max_size)
			text = read_all(fd, cf->command_max_size, &len);
		if (fd >= 0)
			close(fd);
		if (text == NULL || len > cf->command_max_size) {
			spool_aside(sp, sp->curd, SPOOL_CUR, v[i].name, "not readable as taken");
			free(text);
			continue;
		}
		if (read_report(c, text, len, &v[i].r, err, sizeof(err)) < 0)
			spool_aside(sp, sp->curd, SPOOL_CUR, v[i].name, err);
		else {
			v[i].read = 1;
			log_info("mail command %s: read by uid %lu (no_new_privs)", v[i].name,
			    v[i].r.uid);
			printf("%s: read by uid %lu\n", v[i].name, v[i].r.uid);
		}
		explicit_bzero(text, len);
		free(text);
	}
}

/*
 * ctl_mail_process - the root half: take the spool, have each message
 * read without root, then decide and act on what the readers reported
 */
int
ctl_mail_process(struct ctl *c)
{
	const struct conf *cf = c->policy->conf;
	struct modtoken_state *state;
	struct spool sp;
	struct job *v = NULL;
	const char *key;
	size_t n, i, keylen;
	int r = EXIT_OK;

	if (spool_open(cf->command_spool, &sp) < 0)
		return EXIT_FAIL;
	/* First of all, so that new/ is empty whatever happens next. */
	spool_take(&sp, cf->command_max_size);
	n = spool_jobs(&sp, &v);
	/* Before the key is read or the state locked: the readers get neither. */
	read_jobs(c, &sp, v, n);
	if (ctl_release_key(c, &key, &keylen) < 0) {
		fprintf(stderr, "ccguardctl: mail-process: no usable release key; the messages "
		    "wait in %s/%s\n", cf->command_spool, SPOOL_CUR);
		r = EXIT_FAIL;
		goto out;
	}
	if ((state = modtoken_state_open(cf->command_state)) == NULL) {
		fprintf(stderr, "ccguardctl: %s: %s%s; the messages wait in %s/%s\n",
		    cf->command_state, strerror(errno), errno == EPERM ? " (it must be root's "
		    "alone)" : "", cf->command_spool, SPOOL_CUR);
		log_warnx("mail command: %s: %s", cf->command_state, strerror(errno));
		r = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* Gone: a run started by hand, beside the service's, decided it first. */
		if (!v[i].read || faccessat(sp.curd, v[i].name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		decide(c, state, &v[i]);
		if (unlinkat(sp.curd, v[i].name, 0) < 0)
			log_warnx("mail command %s: cannot remove: %s", v[i].name, strerror(errno));
	}
	modtoken_state_close(state);
	printf("%zu command message(s) processed\n", n);
out:
	free(v);
	spool_close(&sp);
	return r;
}

/* struct digested - one of ccguard's holds in the digest, and its stamp's nonce */
struct digested {
	struct ctlq_entry *e;
	char	hold[MSG_NONCE_HEX + 1];
};

/* cmp_oldest - qsort order of digested holds: oldest first */
static int
cmp_oldest(const void *a, const void *b)
{
	const struct ctlq_entry *x = ((const struct digested *)a)->e;
	const struct ctlq_entry *y = ((const struct digested *)b)->e;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->queue_id, y->queue_id);
}

/* digest_entry - one held message in the digest (hold: its stamp's nonce) */
static void
digest_entry(struct ctl *c, const struct ctlq_entry *e, const char *hold, const char *key,
    size_t keylen, time_t now, struct strbuf *out)
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
	if (cf->command_address[0] != '\0') {
		if (modcmd_render(c->policy->rs, key, keylen, e->queue_id, hold, e->rcpts, e->nrcpts,
		    now + (time_t)cf->command_token_lifetime, out) < 0)
			strbuf_puts(out, "  (no command lines: the queue id is not Postfix's)\n");
	} else
		strbuf_printf(out, "  ccguardctl held show %s\n", e->queue_id);
	free(rule);
	free(reason);
}

/*
 * ctl_held_digest - mail each moderator ccguard's own holds (verified
 * stamps) held for digest_min_age or longer
 */
int
ctl_held_digest(struct ctl *c)
{
	const struct conf *cf = c->policy->conf;
	struct digested *old = NULL;
	struct mailout_spec spec;
	struct strbuf text;
	const char *key;
	char **mods, *from, *data, err[512], min[32], subject[128];
	size_t nmods, nold = 0, others = 0, i, keylen, len;
	time_t now = time(NULL);
	int r = EXIT_OK, ours;

	if ((nmods = modcmd_moderators(cf->moderator, &mods)) == 0) {
		fprintf(stderr, "ccguardctl: held digest: no moderator is set\n");
		return EXIT_FAIL;
	}
	/* Without the key, ccguard's holds can not be told from others'. */
	if (ctl_release_key(c, &key, &keylen) < 0 || queue_reload(c, err, sizeof(err)) < 0) {
		if (key != NULL)
			fprintf(stderr, "ccguardctl: %s\n", err);
		modcmd_moderators_free(mods, nmods);
		return EXIT_FAIL;
	}
	if ((old = calloc(c->nentries + 1, sizeof(*old))) == NULL) {
		modcmd_moderators_free(mods, nmods);
		return EXIT_FAIL;
	}
	for (i = 0; i < c->nentries; i++) {
		if (strcmp(c->entries[i].queue_name, "hold") != 0 ||
		    !release_qid_ok(c->entries[i].queue_id) ||
		    now - c->entries[i].arrival < (time_t)cf->digest_min_age)
			continue;
		if ((ours = ctl_held_ours(c, &c->entries[i], old[nold].hold)) == 1)
			old[nold++].e = &c->entries[i];
		else if (ours == 0)
			others++;
	}
	fmt_duration((long long)cf->digest_min_age, min, sizeof(min));
	if (others > 0)
		printf("%zu other held message(s) left out: not held by ccguard (no valid hold "
		    "stamp)\n", others);
	if (nold == 0) {
		printf("no message held by ccguard for %s or longer; no digest sent\n", min);
		goto out;
	}
	qsort(old, nold, sizeof(*old), cmp_oldest);
	strbuf_init(&text, 4 * 1024 * 1024);
	strbuf_printf(&text, "%zu message(s) held by ccguard on %s for %s or longer, oldest "
	    "first.\n", nold, cf->hostname != NULL ? cf->hostname : "this host", min);
	if (cf->command_address[0] != '\0')
		strbuf_printf(&text, "By mail: reply keeping only the one line you choose, or "
		    "send it to %s. A reply with more than one command line decides nothing.\n",
		    cf->command_address);
	for (i = 0; i < nold; i++)
		digest_entry(c, old[i].e, old[i].hold, key, keylen, now, &text);
	snprintf(subject, sizeof(subject), "ccguard: %zu held message(s) waiting", nold);
	from = notify_from(cf);
	for (i = 0; i < nmods; i++) {
		memset(&spec, 0, sizeof(spec));
		spec.from = from != NULL ? from : "postmaster";
		spec.to = mods[i];
		spec.subject = subject;
		spec.text = strbuf_str(&text);
		spec.hostname = cf->hostname;
		spec.reply_to = cf->command_address[0] != '\0' ? cf->command_address : NULL;
		spec.mark_header = MODMAIL_ANSWER_HEADER;
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
	free(old);
	modcmd_moderators_free(mods, nmods);
	return r;
}
