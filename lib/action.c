/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	action - apply a verdict
 * SYNOPSIS
 *	result = action_apply(policy, verdict, msg, forged, ops, ctx);
 * DESCRIPTION
 *	The only module that turns a decision into effects, always through a
 *	struct mta_ops (libmilter's in the daemon, a recording one in tests):
 *	- reject, tempfail: the rule's reply template rendered into a
 *	  multi-line SMTP reply (reply.c keeps it within SMTP's limits);
 *	- hold: a reason header (conf hold_header) recording the rule, the
 *	  sender's kind (authenticated, local, unauthenticated: ccguardctl's
 *	  notice gate), the matched addresses and where each was found, then
 *	  quarantine in the MTA's hold queue; nothing is lost, a moderator
 *	  decides;
 *	- hold and notify: the notifier (guidance to the sender, notice to the
 *	  moderators) runs after the MTA has been told;
 *	- pass, accept, monitor: nothing but the log line.
 *	Copies of the hold header that came with the message are removed first,
 *	so the reason a moderator reads is always ccguard's own, and so are
 *	release headers unless the verdict is a verified release.
 *
 *	Exactly one log line is written per message (action_log): key=value,
 *	with the queue id, action, rule, sender, matched addresses with their
 *	sources, the client, and each recipient the MTA resolved to an address
 *	ccguard read otherwise (its argument, ccguard's reading, the MTA's
 *	macros). No Subject, no body: these messages describe
 *	embargoed vulnerabilities. Values from the message are reduced to
 *	printable ASCII without spaces, so they can not forge log fields.
 *	Each message is counted once too (metrics.c), by what the MTA is told.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "addr.h"
#include "conf.h"
#include "holdhdr.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "policy.h"
#include "release.h"
#include "reply.h"
#include "ruleset_impl.h"
#include "sanitize.h"
#include "strbuf.h"
#include "verdict.h"

static action_notify_fn action_notifier;

/* action_set_notifier - the function that sends guidance and notices after a verdict */
void
action_set_notifier(action_notify_fn fn)
{
	action_notifier = fn;
}

/*
 * How many recipients the log line shows with both readings, at most, and
 * the bytes of each value: they come last, and fit in LOG_LINE_MAX with
 * 16 matched addresses before them.
 */
#define ACTION_LOG_READINGS	4
#define ACTION_LOG_VALUE_MAX	160

/* action_log_field - " name=value" with value defused, when there is one */
static void
action_log_field(struct strbuf *line, const char *name, const char *value)
{
	if (value == NULL)
		return;
	strbuf_printf(line, " %s=", name);
	sanitize_append(line, value, ACTION_LOG_VALUE_MAX, SANITIZE_TOKEN);
}

/*
 * action_log_readings - for the recipients the MTA resolved to an address
 * ccguard read otherwise: the argument, ccguard's reading and the MTA's
 * macros, named as "ccguard -t --rcpt ARG --macro NAME=VALUE" takes them
 */
static void
action_log_readings(struct strbuf *line, const struct msg *m)
{
	size_t i, shown = 0;

	for (i = 0; i < m->nkept && shown < ACTION_LOG_READINGS; i++) {
		const struct msg_rcpt *r = &m->rcpts[i];

		if (r->mta == 0)
			continue;
		action_log_field(line, "rcpt", r->arg != NULL ? r->arg : "");
		action_log_field(line, "read", r->own != 0 ? m->addrs[r->own - 1].addr : "(none)");
		action_log_field(line, "rcpt_addr", r->addr);
		action_log_field(line, "rcpt_mailer", r->mailer);
		action_log_field(line, "rcpt_host", r->host);
		shown++;
	}
	if (m->ndiffer > shown)
		strbuf_printf(line, " read_differs=+%zu", m->ndiffer - shown);
}

/* action_log - the one line per decision */
void
action_log(const struct policy *p, const struct verdict *v, const struct msg *m)
{
	struct strbuf line;
	size_t i;

	if (v->action == ACTION_PASS && v->nmonitored == 0 && v->origin == ORIGIN_RULES &&
	    p != NULL && !p->conf->log_pass)
		return;
	strbuf_init(&line, LOG_LINE_MAX);
	sanitize_append(&line, m->queue_id != NULL ? m->queue_id : "NOQUEUE", 64, SANITIZE_TOKEN);
	strbuf_printf(&line, ": action=%s", action_name(v->action));
	if (v->rule != NULL)
		strbuf_printf(&line, " rule=%s", v->rule->name);
	if (v->origin == ORIGIN_LIMIT)
		strbuf_printf(&line, " limit=%s", v->reason);
	else if (v->origin == ORIGIN_ERROR)
		strbuf_printf(&line, " error=\"%s\"", v->reason);
	else if (v->origin == ORIGIN_RELEASED)
		strbuf_puts(&line, " released=yes");
	if (v->code[0] != '\0')
		strbuf_printf(&line, " code=%s dsn=%s", v->code, v->dsn);
	strbuf_puts(&line, " from=<");
	sanitize_append(&line, m->sender != NULL ? m->sender : "", 256, SANITIZE_TOKEN);
	strbuf_printf(&line, "> rcpts=%zu", m->nrcpts);
	if (v->nmatches > 0) {
		strbuf_puts(&line, " matched=");
		for (i = 0; i < v->nmatches && i < 16; i++) {
			if (i > 0)
				strbuf_putc(&line, ',');
			sanitize_append(&line, v->matches[i].addr, 256, SANITIZE_TOKEN);
			strbuf_putc(&line, '[');
			addr_sources_format(&line, v->matches[i].sources, v->matches[i].how,
			    ADDR_SOURCES_LOG);
			strbuf_putc(&line, ']');
		}
		if (v->nmatches > 16)
			strbuf_printf(&line, ",+%zu", v->nmatches - 16);
	}
	for (i = 0; i < v->nmonitored; i++)
		strbuf_printf(&line, " monitor=%s:%s", v->monitored[i]->name,
		    action_name(v->monitored_would[i]));
	if (m->client != NULL) {
		strbuf_puts(&line, " client=");
		sanitize_append(&line, m->client, 300, SANITIZE_TOKEN);
	}
	action_log_readings(&line, m);
	log_info("%s", strbuf_str(&line));
	strbuf_free(&line);
}

static const char *const limit_reply[] = {
	"This message could not be fully examined by the co-addressing policy",
	"filter (too many recipients or addresses, headers too long, or an",
	"address routed through too many hops). Please try again later or",
	"contact the postmaster.",
	NULL
};

static const char *const error_reply[] = {
	"A temporary error occurred while checking this message.",
	"Please try again later.",
	NULL
};

/* action_reply - set the SMTP reply for reject/tempfail */
static void
action_reply(const struct policy *p, const struct verdict *v, const struct msg *m,
    const struct mta_ops *ops, void *ctx)
{
	struct reply_vars rv;
	struct reply r;

	if (v->origin == ORIGIN_LIMIT || v->origin == ORIGIN_ERROR) {
		if (ops->setreply(ctx, v->code, v->dsn, v->origin == ORIGIN_LIMIT ?
		    (char *const *)limit_reply : (char *const *)error_reply) != 0)
			log_warnx("%s: could not set the SMTP reply",
			    m->queue_id != NULL ? m->queue_id : "NOQUEUE");
		return;
	}
	reply_vars_init(&rv, v, m, conf_server_name(p->conf, m->server_name));
	if (reply_smtp(v->rule != NULL ? v->rule->reply : NULL, &rv, &r) == 0) {
		if (ops->setreply(ctx, v->code, v->dsn, r.lines) != 0)
			log_warnx("%s: could not set the SMTP reply",
			    m->queue_id != NULL ? m->queue_id : "NOQUEUE");
		reply_free(&r);
	}
	reply_vars_free(&rv);
}

/* action_apply - carry out v; the returned result is for the MTA */
/*
 * action_strip - remove every copy of a header that came with the message;
 * from the last, so the indexes of earlier copies stay valid
 */
static void
action_strip(const struct msg *m, const char *name, const struct mta_ops *ops, void *ctx)
{
	size_t i;

	for (i = msg_header_count(m, name); i >= 1; i--)
		if (ops->delheader(ctx, name, (int)i) != 0)
			log_warnx("%s: could not remove a %s header that came with the message",
			    m->queue_id != NULL ? m->queue_id : "NOQUEUE", name);
}

/* action_apply - carry out a verdict through the MTA; what to answer it */
enum action_result
action_apply(const struct policy *p, const struct verdict *v, const struct msg *m,
    const struct mta_ops *ops, void *ctx)
{
	enum action_result res = RESULT_ACCEPT;
	const char *qid = m->queue_id != NULL ? m->queue_id : "NOQUEUE", *key;
	char value[1024], reason[256];
	size_t keylen;

	/*
	 * What is delivered or held carries only ccguard's own headers: a
	 * hold reason a moderator reads, and a release header only when it
	 * verified (release.c) and released the message.
	 */
	if (v->action != ACTION_REJECT && v->action != ACTION_TEMPFAIL) {
		action_strip(m, p->conf->hold_header, ops, ctx);
		if (v->origin != ORIGIN_RELEASED && msg_header_count(m, RELEASE_HEADER) > 0) {
			log_warnx("%s: invalid %s header removed", qid, RELEASE_HEADER);
			action_strip(m, RELEASE_HEADER, ops, ctx);
		}
	}
	switch (v->action) {
	case ACTION_REJECT:
		action_reply(p, v, m, ops, ctx);
		res = RESULT_REJECT;
		break;
	case ACTION_TEMPFAIL:
		action_reply(p, v, m, ops, ctx);
		res = RESULT_TEMPFAIL;
		break;
	case ACTION_HOLD:
		/*
		 * Stamped with the release key: ccguardctl acts on ccguard's own
		 * holds only. Without a usable key the hold has no stamp, and
		 * ccguardctl says why when asked about it.
		 */
		if (release_key_get(p->release, &key, &keylen) < 0)
			key = NULL;
		holdhdr_format(v, m, key, keylen, value, sizeof(value));
		if (ops->addheader(ctx, p->conf->hold_header, value) != 0)
			log_warnx("%s: could not add the %s header", qid, p->conf->hold_header);
		snprintf(reason, sizeof(reason), "ccguard rule %s",
		    v->rule != NULL ? v->rule->name : v->reason != NULL ? v->reason : "?");
		if (ops->quarantine(ctx, reason) != 0) {
			/* Never deliver what should be held: ask the client to retry. */
			log_warnx("%s: quarantine failed; answering tempfail", qid);
			res = RESULT_TEMPFAIL;
		}
		break;
	default:
		break;
	}
	action_log(p, v, m);
	metrics_count_message(v, res);
	if (res == RESULT_ACCEPT && (v->action == ACTION_HOLD || v->action == ACTION_NOTIFY) &&
	    action_notifier != NULL)
		action_notifier(p, v, m);
	return res;
}
