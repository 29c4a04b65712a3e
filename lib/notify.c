/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	notify - guidance to the sender, notice to the moderator
 * SYNOPSIS
 *	notify_init();  data = notify_guidance_build(p, v, m, &rcpt, &len);
 * DESCRIPTION
 *	The building and gating of the messages, shared by the daemon's
 *	notifier (milter/notify_worker.c) and ccguardctl. The message they
 *	are about is already safe in the hold queue, so nothing here can lose
 *	or release it, and a failure is only logged.
 *
 *	Guidance goes to the envelope sender of the message, rendered from
 *	the rule's guidance template (no template, no guidance), built by
 *	mailout.c with the original header block attached (never the body),
 *	from the null sender. It is not sent (notify_gate) when:
 *	- guidance = no, or the sender is <> or unusable;
 *	- the message is automatic or list traffic (mailout_suppress_reason);
 *	- the sender is not of the kind guidance_senders names:
 *	  "authenticated" (SMTP AUTH was used; the default), "local" (that, or
 *	  a client on 127.0.0.1 or ::1) or "all";
 *	- the sender already had guidance_rate messages in the last hour
 *	  (0: none at all). The table is in memory, under a mutex, and holds at
 *	  most NOTIFY_RATE_SLOTS senders; when every slot is in use by a
 *	  sender seen within the hour, nothing more is sent (fail closed).
 *	Gates are checked in that order and the rate is charged only when the
 *	others pass.
 *
 *	The moderator notice goes to "moderator" (when set) for every hold:
 *	queue id, rule, what kind of message it is, the sender and its kind,
 *	whether it got guidance (decided first, so the notice can say), the
 *	addresses and where each was found, the rule's own advice
 *	(RULE.notice, policy.c) and the ccguardctl commands to act on it; with
 *	command_address set, also one command line per decision with a
 *	single-use token (${mail_commands}, modcmd.c) and Reply-To: the
 *	command address, so the moderator can decide by answering.
 *	"moderator" may name several addresses: each gets its own notice. The
 *	frame is read from moderator_template (its site variant first) on
 *	each notice, a built-in text when it can not be read; holds are rare
 *	and the file is small. The policy prose is all in those files.
 *
 *	Submission is mailout_submit() (notify_send): sendmail_path, or SMTP
 *	to notify_smtp, within notify_timeout seconds. ccguardctl calls it
 *	directly; the daemon hands notices to its worker thread
 *	(milter/notify_worker.c), which decides and queues them.
 * SEE ALSO
 *	mailout.c, ccguardctl(8), RFC 3834
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "addr.h"
#include "conf.h"
#include "ctlverb.h"
#include "diag.h"
#include "eval.h"
#include "log.h"
#include "mailout.h"
#include "modcmd.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "release.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "strbuf.h"
#include "template.h"
#include "verdict.h"

#define NOTIFY_PREFIX_MAX	4096		/* bytes of "ccguardctl -c PATH" */
#define NOTIFY_WITHOUT_MAX	(16 * 1024)	/* bytes of the "release --without" lines */

struct rate_slot {
	char	*sender;	/* NULL: free */
	time_t	 start;		/* window start */
	size_t	 count;
};

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rate_slot rate_slots[NOTIFY_RATE_SLOTS];

static const char builtin_moderator[] =
    "A message was held by ccguard and waits for a moderator.\n"
    "\n"
    "Queue id: ${queue_id}\n"
    "Rule:     ${rule}\n"
    "Message:  ${thread}\n"
    "Sender:   ${sender} (${sender_class})\n"
    "Guidance: ${guidance}\n"
    "Found:    ${matched}\n"
    "\n"
    "${advice}\n"
    "${commands}\n"
    "${mail_commands}";

/* notify_init - set up the notifier (an empty rate table) */
void
notify_init(void)
{
	notify_rate_reset();
}

/* notify_rate_reset - forget every sender */
void
notify_rate_reset(void)
{
	size_t i;

	pthread_mutex_lock(&rate_lock);
	for (i = 0; i < NOTIFY_RATE_SLOTS; i++) {
		free(rate_slots[i].sender);
		rate_slots[i].sender = NULL;
	}
	pthread_mutex_unlock(&rate_lock);
}

/* notify_rate_take - 1 when sender may get one more message now (and count it) */
int
notify_rate_take(const char *sender, size_t limit, time_t now)
{
	struct rate_slot *s, *free_slot = NULL;
	size_t i;
	int ok = 0;

	if (limit == 0)
		return 0;
	pthread_mutex_lock(&rate_lock);
	for (i = 0; i < NOTIFY_RATE_SLOTS; i++) {
		s = &rate_slots[i];
		if (s->sender != NULL && now - s->start >= NOTIFY_RATE_WINDOW) {
			free(s->sender);
			s->sender = NULL;
		}
		if (s->sender == NULL) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (strcmp(s->sender, sender) == 0) {
			if (s->count < limit) {
				s->count++;
				ok = 1;
			}
			goto out;
		}
	}
	if (free_slot != NULL && (free_slot->sender = strdup(sender)) != NULL) {
		free_slot->start = now;
		free_slot->count = 1;
		ok = 1;
	}
out:
	pthread_mutex_unlock(&rate_lock);
	return ok;
}

/* notify_gate - why no guidance may go out for m, or NULL (rate not charged) */
const char *
notify_gate(const struct conf *c, const struct msg *m)
{
	const char *why;
	char *to;

	if (!c->guidance)
		return "guidance = no";
	if (m->sender == NULL || (to = mailout_envelope_address(m->sender_raw)) == NULL)
		return "null or unusable sender";
	free(to);
	if ((why = mailout_suppress_reason(m->headers, m->nheaders)) != NULL)
		return why;
	return notify_class_gate(c, reply_sender_class(m));
}

/* notify_class_gate - may a sender of this class ("authenticated", ...) get mail? */
const char *
notify_class_gate(const struct conf *c, const char *sender_class)
{
	if (c->guidance_senders == GUIDANCE_SENDERS_ALL ||
	    strcmp(sender_class, "authenticated") == 0)
		return NULL;
	if (c->guidance_senders == GUIDANCE_SENDERS_LOCAL)
		return strcmp(sender_class, "local") == 0 ? NULL :
		    "sender neither authenticated nor local: it could be forged";
	return "sender not authenticated: it could be forged";
}

/* notify_from_server - the From address of notices sent for server; malloc'd */
static char *
notify_from_server(const struct conf *c, const char *server)
{
	if (c->guidance_from != NULL && c->guidance_from[0] != '\0')
		return strdup(c->guidance_from);
	return conf_postmaster(c, server);
}

/* notify_from - the From address of notices sent outside an SMTP session; malloc'd */
char *
notify_from(const struct conf *c)
{
	return notify_from_server(c, conf_server_name(c, NULL));
}

/* notify_guidance_build - the guidance message for m; *rcpt is its recipient */
char *
notify_guidance_build(const struct policy *p, const struct verdict *v,
    const struct msg *m, char **rcpt, size_t *len)
{
	static const char *const omit[] = { RELEASE_HEADER, NULL, NULL };
	const char *omit_all[3];
	struct reply_vars rv;
	struct mailout_spec spec;
	struct strbuf text, subj;
	const char *orig, *server = conf_server_name(p->conf, m->server_name);
	char *from, *data = NULL;

	*rcpt = NULL;
	if (v->rule == NULL || v->rule->guidance == NULL ||
	    (*rcpt = mailout_envelope_address(m->sender_raw)) == NULL)
		return NULL;
	if ((from = notify_from_server(p->conf, server)) == NULL) {
		free(*rcpt);
		*rcpt = NULL;
		return NULL;
	}
	memcpy(omit_all, omit, sizeof(omit_all));
	omit_all[1] = p->conf->hold_header;
	reply_vars_init(&rv, v, m, server);
	rv.subject_allowed = p->conf->guidance_subject;
	strbuf_init(&text, 256 * 1024);
	strbuf_init(&subj, 2048);
	if (template_render(v->rule->guidance, reply_var, &rv, &text) == STRBUF_OK) {
		strbuf_puts(&subj, v->action == ACTION_HOLD ? "Your message was held for review" :
		    "About your message");
		orig = msg_header(m, "Subject", 0);
		if (p->conf->guidance_subject && orig != NULL)
			strbuf_printf(&subj, ": %.400s", orig);
		memset(&spec, 0, sizeof(spec));
		spec.from = from;
		spec.to = *rcpt;
		spec.subject = strbuf_str(&subj);
		spec.text = strbuf_str(&text);
		spec.in_reply_to = msg_header(m, "Message-ID", 0);
		spec.hostname = server;
		spec.headers = m->headers;
		spec.nheaders = m->nheaders;
		spec.keep_subject = p->conf->guidance_subject;
		spec.omit = omit_all;
		data = mailout_build(&spec, len);
	}
	strbuf_free(&text);
	strbuf_free(&subj);
	reply_vars_free(&rv);
	free(from);
	if (data == NULL) {
		free(*rcpt);
		*rcpt = NULL;
	}
	return data;
}

/*
 * without_useful - would "release --without LIST" change anything and still
 * deliver? Some, not all, envelope recipients are in the list.
 */
static int
without_useful(const struct ruleset *rs, const struct msg *m, int list)
{
	size_t i, in = 0, env = 0;

	for (i = 0; i < m->naddrs; i++) {
		if (!(m->addrs[i].sources & ADDR_SRC_ENVELOPE))
			continue;
		env++;
		if (eval_address_in_list(rs, m->addrs[i].addr, list) > 0)
			in++;
	}
	return in > 0 && in < env;
}

/* moderator_commands - the ccguardctl lines for this message */
static void
moderator_commands(const struct policy *p, const struct verdict *v, const struct msg *m,
    struct strbuf *out)
{
	struct strbuf prefix;
	const char *qid = m->queue_id;
	int *lists;
	size_t i, nlists;

	if (qid == NULL || !release_qid_ok(qid)) {
		strbuf_puts(out, "The queue id is not known: find the message with\n  ");
		ctlverb_line(out, CTLVERB_PROG, CTLVERB_LIST, NULL, NULL);
		strbuf_putc(out, '\n');
		return;
	}
	strbuf_init(&prefix, NOTIFY_PREFIX_MAX);
	strbuf_puts(&prefix, CTLVERB_PROG);
	if (p->conf->path != NULL && p->conf->path[0] == '/' &&
	    strcmp(p->conf->path, CCGUARD_CONFDIR "/ccguard.conf") != 0 &&
	    mailout_address_ok(p->conf->path))
		strbuf_printf(&prefix, " -c %s", p->conf->path);
	strbuf_puts(out, "To read it (add --body for the body):\n  ");
	ctlverb_line(out, strbuf_str(&prefix), CTLVERB_SHOW, qid, NULL);
	strbuf_puts(out, "\nTo deliver it as it is:\n  ");
	ctlverb_line(out, strbuf_str(&prefix), CTLVERB_RELEASE, qid, NULL);
	strbuf_putc(out, '\n');
	if (v->rule != NULL && p->rs->nlists > 0 &&
	    (lists = calloc(p->rs->nlists, sizeof(*lists))) != NULL) {
		struct strbuf lines;

		strbuf_init(&lines, NOTIFY_WITHOUT_MAX);
		nlists = ruleset_rule_lists(p->rs, v->rule, lists, p->rs->nlists);
		for (i = 0; i < nlists; i++) {
			/* A list with no envelope recipient here (an MX) has nothing to drop. */
			if (!without_useful(p->rs, m, lists[i]))
				continue;
			strbuf_puts(&lines, "  ");
			ctlverb_line(&lines, strbuf_str(&prefix), CTLVERB_RELEASE_WITHOUT, qid,
			    p->rs->lists[lists[i]].name);
			strbuf_putc(&lines, '\n');
		}
		if (lines.len > 0) {
			strbuf_puts(out, "To deliver it without the members of one list:\n");
			strbuf_puts(out, strbuf_str(&lines));
		}
		strbuf_free(&lines);
		free(lists);
	}
	strbuf_puts(out, "To refuse it and tell the sender why:\n  ");
	ctlverb_line(out, strbuf_str(&prefix), CTLVERB_REJECT, qid, NULL);
	strbuf_puts(out, "\nTo delete it silently:\n  ");
	ctlverb_line(out, strbuf_str(&prefix), CTLVERB_DISCARD, qid, NULL);
	strbuf_putc(out, '\n');
	strbuf_free(&prefix);
}

/* mail_commands - the command lines with tokens; nothing when command_address is not set */
static void
mail_commands(const struct policy *p, const struct msg *m, struct strbuf *out)
{
	char **rcpts, hold[MSG_NONCE_HEX + 1];
	const char *key;
	size_t i, n = 0, keylen;

	/* Not set up here: the notice says nothing of it. */
	if (p->conf->command_address == NULL || p->conf->command_address[0] == '\0')
		return;
	strbuf_printf(out, "By mail: reply keeping only the one line you choose, or send it "
	    "to %s:\n", p->conf->command_address);
	if (m->queue_id == NULL || !modcmd_qid_ok(m->queue_id) ||
	    release_key_get(p->release, &key, &keylen) < 0) {
		strbuf_puts(out, "  (none: no queue id or no release key)\n");
		return;
	}
	/* The tokens name the hold that action.c stamped with this nonce. */
	msg_nonce(m, hold);
	if ((rcpts = calloc(m->naddrs + 1, sizeof(*rcpts))) != NULL) {
		for (i = 0; i < m->naddrs; i++)
			if (m->addrs[i].sources & ADDR_SRC_ENVELOPE)
				rcpts[n++] = m->addrs[i].addr;
		if (modcmd_render(p->rs, key, keylen, m->queue_id, hold, rcpts, n,
		    time(NULL) + (time_t)p->conf->command_token_lifetime, out) < 0)
			log_warnx("%s: command tokens not made", m->queue_id);
		free(rcpts);
	}
}

/*
 * splice_markers - out gets text with each of the n markers replaced by
 * its value. Values can not add lines (template.c), but the command
 * blocks and the rule's advice are several lines of our own, so the
 * template renders random markers and they are replaced here.
 */
static void
splice_markers(const char *text, const char *const *markers, const char *const *values,
    size_t n, struct strbuf *out)
{
	const char *s = text, *hit, *at;
	size_t i, which = 0;

	for (;;) {
		hit = NULL;
		for (i = 0; i < n; i++)
			if ((at = strstr(s, markers[i])) != NULL && (hit == NULL || at < hit)) {
				hit = at;
				which = i;
			}
		if (hit == NULL)
			break;
		strbuf_append(out, s, (size_t)(hit - s));
		strbuf_puts(out, values[which]);
		s = hit + strlen(markers[which]);
	}
	strbuf_puts(out, s);
}

/* notify_moderator_build - the notice for the (first) moderator; NULL when none is set */
char *
notify_moderator_build(const struct policy *p, const struct verdict *v,
    const struct msg *m, const char *guidance, size_t *len)
{
	char **mods, *data = NULL;
	size_t n;

	if (p->conf->moderator == NULL || (n = modcmd_moderators(p->conf->moderator, &mods)) == 0)
		return NULL;
	data = notify_moderator_build_to(p, v, m, mods[0], guidance, len);
	modcmd_moderators_free(mods, n);
	return data;
}

/* notify_moderator_build_to - the notice for one moderator, to */
char *
notify_moderator_build_to(const struct policy *p, const struct verdict *v, const struct msg *m,
    const char *to, const char *guidance, size_t *len)
{
	struct reply_vars rv;
	struct mailout_spec spec;
	struct strbuf text, cmds, mcmds, advice, out, subj;
	struct template *t = NULL;
	const struct template *rule_notice;
	struct diag d;
	char markers[3][64], variant[4096], *from, *data = NULL;
	const char *path, *marker_list[3], *values[3];
	const char *server = conf_server_name(p->conf, m->server_name);
	size_t i;

	if (!mailout_address_ok(to) || (from = notify_from_server(p->conf, server)) == NULL)
		return NULL;
	diag_init(&d);
	/* The site's variant of the notice first (conf "texts"), then the file. */
	path = p->conf->moderator_template;
	for (i = 0; path != NULL && path[0] != '\0' &&
	    conf_text_variant(p->conf, i, path, variant, sizeof(variant)) == 0; i++)
		if (access(variant, R_OK) == 0) {
			path = variant;
			break;
		}
	if (path != NULL && path[0] != '\0')
		t = template_load(path, path, &d);
	if (t == NULL)
		t = template_from_text(builtin_moderator, "built-in", &d);
	if (d.errors > 0 && d.text.len > 0)
		log_warnx("moderator notice: %s; using the built-in text", strbuf_str(&d.text));
	diag_free(&d);
	for (i = 0; i < 3; i++) {
		snprintf(markers[i], sizeof(markers[i]), "CCGUARD-MARKER%zu-%08x%08x", i,
		    g_random_int(), g_random_int());
		marker_list[i] = markers[i];
	}
	reply_vars_init(&rv, v, m, server);
	rv.subject_allowed = 0;
	rv.guidance = guidance;
	rv.site = p->conf->site;
	rv.command_address = p->conf->command_address;
	strbuf_init(&text, 256 * 1024);
	strbuf_init(&cmds, 64 * 1024);
	strbuf_init(&mcmds, 64 * 1024);
	strbuf_init(&advice, 64 * 1024);
	strbuf_init(&out, 512 * 1024);
	strbuf_init(&subj, 1024);
	moderator_commands(p, v, m, &cmds);
	mail_commands(p, m, &mcmds);
	/* The rule's own advice (RULE.notice), rendered with the same variables. */
	rule_notice = policy_rule_texts(p, v->rule)->notice;
	if (rule_notice != NULL)
		template_render(rule_notice, reply_var, &rv, &advice);
	rv.commands = markers[0];
	rv.mail_commands = markers[1];
	rv.advice = markers[2];
	values[0] = strbuf_str(&cmds);
	values[1] = strbuf_str(&mcmds);
	values[2] = strbuf_str(&advice);
	if (t != NULL && template_render(t, reply_var, &rv, &text) == STRBUF_OK) {
		splice_markers(strbuf_str(&text), marker_list, values, 3, &out);
		if (v->origin != ORIGIN_RULES && v->reason != NULL)
			strbuf_printf(&out, "\nHeld because: %s\n", v->reason);
		strbuf_printf(&subj, "ccguard: message %s held (rule %s)",
		    m->queue_id != NULL && release_qid_ok(m->queue_id) ? m->queue_id : "unknown",
		    v->rule != NULL ? v->rule->name : v->reason != NULL ? v->reason : "?");
		memset(&spec, 0, sizeof(spec));
		spec.from = from;
		spec.to = to;
		spec.subject = strbuf_str(&subj);
		spec.text = strbuf_str(&out);
		spec.hostname = server;
		if (p->conf->command_address != NULL && mailout_address_ok(p->conf->command_address))
			spec.reply_to = p->conf->command_address;
		data = mailout_build(&spec, len);
	}
	template_free(t);
	strbuf_free(&text);
	strbuf_free(&cmds);
	strbuf_free(&mcmds);
	strbuf_free(&advice);
	strbuf_free(&out);
	strbuf_free(&subj);
	reply_vars_free(&rv);
	free(from);
	return data;
}

/* notify_send - submit one notice from <> with the configured transport */
int
notify_send(const struct conf *c, const char *rcpt, const char *data, size_t len)
{
	struct mailout_via via;
	char err[512], *rcpts[1];

	memset(&via, 0, sizeof(via));
	via.sendmail_path = c->sendmail_path;
	via.postfix_config = c->postfix_config;
	via.smtp = c->notify_smtp;
	via.helo = c->hostname;
	via.envelope_from = NULL;
	via.timeout = (int)c->notify_timeout;
	rcpts[0] = (char *)rcpt;
	if (mailout_submit(&via, rcpts, 1, data, len, err, sizeof(err)) < 0) {
		log_warnx("notice to <%s> not sent: %s", rcpt, err);
		return -1;
	}
	return 0;
}
