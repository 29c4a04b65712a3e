/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	callbacks - libmilter glue
 * DESCRIPTION
 *	The xxfi_* callbacks copy what libmilter lends them into the
 *	per-connection struct conn and its struct msg, and at end of message
 *	hand the message to eval_message_released() (which also decides a
 *	moderator's release) and the verdict to action_apply().
 *	No policy lives here.
 *
 *	The decision is made once per message, never per recipient, so a
 *	message is never refused for one recipient and delivered to another.
 *	Until then ccguard has nothing to say, and says nothing: it negotiates
 *	the protocol 6 "no reply" flags (SMFIP_NR_CONN, _MAIL, _RCPT, _HDR,
 *	_DATA, and _BODY while a rule reads bodies) and answers those stages
 *	SMFIS_NOREPLY, so the MTA sends the envelope, headers and body
 *	without waiting (doc/performance.md has what Postfix and libmilter
 *	do with each flag). To an MTA that does not know a flag, libmilter
 *	answers "continue" itself.
 *
 *	End of headers is the first stage that is answered: every recipient
 *	and header is known. When no rule's outcome can depend on the body
 *	(eval_body_matters), the verdict is final there; when it delivers
 *	the message unchanged (pass, accept, monitor: no header to add, no
 *	quarantine) and no ccguard header came with the message (only end of
 *	message may remove one), it is logged and answered ACCEPT at once:
 *	the MTA sends neither body nor end of message. Everything else, a
 *	message some rule may still stop, one that is stopped (the reply,
 *	header and quarantine belong to end of message), one whose body a
 *	rule must read, one with a forged hold or release header, goes on to
 *	end of message and is decided there, exactly as before (a body that
 *	can not matter is dropped unread). The lookups
 *	of the message's addresses (eval.c's struct eval_cache) are made once
 *	and serve both stages.
 *
 *	Each message takes a reference to the policy in force at MAIL FROM
 *	and keeps it to the end, so a reload never changes the rules under a
 *	message in flight. Without a policy (never expected) MAIL FROM, which
 *	has no reply, can not refuse the message: end of headers answers
 *	tempfail instead. The same holds while the daemon stops: each message
 *	is counted (stop.c) from MAIL FROM to its end, so that SIGTERM
 *	finishes it, and no new one starts.
 *
 *	Negotiation asks only for what the loaded rules or the log need: no
 *	HELO, no unknown commands, no DATA command, and no body unless a rule
 *	inspects it; and, with each RCPT, the MTA's macros saying where it
 *	resolved the recipient to ({rcpt_mailer}, {rcpt_host}, {rcpt_addr}),
 *	which count next to ccguard's own reading (msg.c). The connect command stays, with no reply: the log names
 *	the client from it. The answer holds for the whole connection, so
 *	when a reload adds a rule on the body, messages on connections that
 *	declined the body are marked unexaminable: a rule that stops them on
 *	their envelope or headers still does, anything else gets the
 *	operator's on_error (by default a tempfail, and the retry comes on a
 *	new connection).
 *
 *	Callbacks of one connection run one at a time, so struct conn needs no
 *	lock. cb_close may run without cb_connect and must accept NULL.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "callbacks.h"
#include "conf.h"
#include "eval.h"
#include "log.h"
#include "metrics.h"
#include "mime_scan.h"
#include "msg.h"
#include "policy.h"
#include "release.h"
#include "reply.h"
#include "ruleset.h"
#include "stop.h"
#include "verdict.h"

struct conn {
	struct msg	*msg;		/* the message in progress */
	struct policy	*policy;	/* held from MAIL FROM to its end */
	struct mime_scan *scan;		/* body scanner, while the body matters */
	struct eval_cache *ec;		/* address lookups, match data */
	unsigned long	 nr;		/* negotiated SMFIP_NR_*: stages not answered */
	int		 in_message;
	int		 no_body;	/* negotiated SMFIP_NOBODY */
	int		 body_checked;	/* this message's body need was decided */
	int		 body_matters;	/* ... and the body can change the verdict */
	int		 server_name_asked;	/* macro j was looked up */
};

/* The macros asked for at RCPT (smfi_setsymlist; see cb_negotiate). */
#define CONN_RCPT_MACROS	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}"

/* Every "no reply" flag of protocol 6. */
#define CONN_NR_ALL	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
	SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | \
	SMFIP_NR_BODY | SMFIP_NR_HDR)

/*
 * Small limits for the message state made with the connection, before a
 * message starts (each message gets the policy's limits then).
 */
#define CONN_INITIAL_HEADER_BYTES	4096
#define CONN_INITIAL_ADDRESSES		16
#define CONN_INITIAL_RECIPIENTS		16

/* libmilter's smfi_setmlreply() takes at most this many lines. */
#define MILTER_REPLY_LINES	32
_Static_assert(REPLY_MAX_LINES < MILTER_REPLY_LINES, "a reply libmilter can not send");

/* conn_new - empty connection state, or NULL */
static struct conn *
conn_new(void)
{
	static const struct msg_limits initial = {
		.max_header_bytes = CONN_INITIAL_HEADER_BYTES,
		.max_addresses = CONN_INITIAL_ADDRESSES,
		.max_recipients = CONN_INITIAL_RECIPIENTS,
	};
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->msg = msg_new(&initial)) == NULL) {
		free(c);
		return NULL;
	}
	if ((c->ec = eval_cache_new()) == NULL) {
		msg_free(c->msg);
		free(c);
		return NULL;
	}
	return c;
}

/* conn_free - release a connection's state (NULL is fine) */
static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	msg_free(c->msg);
	eval_cache_free(c->ec);
	free(c);
}

/* conn_end_message - forget the message; keep what the connection reuses */
static void
conn_end_message(struct conn *c)
{
	msg_reset(c->msg);
	c->scan = mime_scan_free(c->scan);
	eval_cache_reset(c->ec);
	c->body_checked = 0;
	c->body_matters = 0;
	c->policy = policy_unref(c->policy);
	if (c->in_message)
		stop_message_end();
	c->in_message = 0;
}

/*
 * conn_quiet - the answer of a stage that accepts what it was given: no
 * reply at all when the MTA agreed to wait for none (libmilter would
 * otherwise log an error and drop the reply), else "continue"
 */
static sfsistat
conn_quiet(const struct conn *c, unsigned long nr_flag)
{
	return c != NULL && (c->nr & nr_flag) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* conn_get - the connection state libmilter keeps for us */
static struct conn *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* conn_client_addr - the client's address: the MTA's macro, else the socket's */
static const char *
conn_client_addr(SMFICTX *ctx, const _SOCK_ADDR *sa, char *buf, size_t size)
{
	const char *addr = smfi_getsymval(ctx, "{client_addr}");

	if (addr != NULL && *addr != '\0')
		return addr;
	/*
	 * Postfix sends {client_addr} only when milter_connect_macros names
	 * it, and Sendmail's list can be cut down too; libmilter always
	 * decodes the address the connect command carries.
	 */
	if (sa == NULL)
		return "unknown";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		if (inet_ntop(AF_INET, &sin->sin_addr, buf, size) != NULL)
			return buf;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, size) != NULL)
			return buf;
	}
	return "unknown";
}

/* cb_connect - set up the connection state (negotiation may have begun it) */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	char client[512], addr[INET6_ADDRSTRLEN];

	if (c == NULL) {
		if ((c = conn_new()) == NULL) {
			log_warnx("connect: out of memory; answering tempfail");
			return SMFIS_TEMPFAIL;
		}
		/* No negotiation made it, so no "no reply" flag either. */
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			conn_free(c);
			return SMFIS_TEMPFAIL;
		}
	}
	snprintf(client, sizeof(client), "%s[%s]", host != NULL ? host : "unknown",
	    conn_client_addr(ctx, sa, addr, sizeof(addr)));
	msg_set_string(c->msg, &c->msg->client, client);
	return conn_quiet(c, SMFIP_NR_CONN);
}

/*
 * conn_server_name - once per connection, the name the MTA goes by: its
 * macro j (Postfix's myhostname, Sendmail's $j), sent with the connect
 * step by default, which libmilter keeps for the whole connection
 */
static void
conn_server_name(SMFICTX *ctx, struct conn *c)
{
	const char *j;

	if (c->server_name_asked)
		return;
	c->server_name_asked = 1;
	if ((j = smfi_getsymval(ctx, "j")) != NULL && msg_set_server_name(c->msg, j) < 0)
		log_debug("the MTA's name (macro j) is no host name: not used");
}

/* cb_envfrom - a new message starts */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const char *auth;

	/* Without connection state no negotiation made it: a reply is due. */
	if (c == NULL) {
		metrics_count_unjudged();
		return SMFIS_TEMPFAIL;
	}
	conn_end_message(c);
	/*
	 * Stopping (stop.c), or without a policy: with no reply here, end of
	 * headers answers tempfail (in_message 0).
	 */
	if (!stop_message_begin())
		return (c->nr & SMFIP_NR_MAIL) ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
	if ((c->policy = policy_current()) == NULL) {
		stop_message_end();
		return (c->nr & SMFIP_NR_MAIL) ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
	}
	c->msg->limits = c->policy->conf->limits;
	c->in_message = 1;
	msg_set_sender(c->msg, argv[0] != NULL ? argv[0] : "<>");
	if ((auth = smfi_getsymval(ctx, "{auth_authen}")) != NULL && *auth != '\0')
		msg_set_string(c->msg, &c->msg->auth, auth);
	conn_server_name(ctx, c);
	/* With no_body, cb_eom decides whether the missing body matters. */
	if (ruleset_needs_body(c->policy->rs) && !c->no_body &&
	    (c->scan = mime_scan_new()) == NULL)
		c->msg->error = "out of memory";	/* never judge it as plain text */
	return conn_quiet(c, SMFIP_NR_MAIL);
}

/*
 * cb_envrcpt - one recipient, with what the MTA resolved it to (the RCPT
 * macros cb_negotiate asked for); ESMTP parameters (ORCPT=...) never count
 */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msg_resolved res;

	if (c != NULL && c->in_message && argv[0] != NULL) {
		/*
		 * libmilter clears the RCPT macros at MAIL FROM and replaces
		 * them with each RCPT's; an MTA that sends none for one RCPT
		 * would leave the previous RCPT's, which only repeat a
		 * recipient already counted.
		 */
		res.mailer = smfi_getsymval(ctx, "{rcpt_mailer}");
		res.host = smfi_getsymval(ctx, "{rcpt_host}");
		res.addr = smfi_getsymval(ctx, "{rcpt_addr}");
		msg_add_rcpt_resolved(c->msg, argv[0], &res);
	}
	return conn_quiet(c, SMFIP_NR_RCPT);
}

/* cb_data - only when the MTA can not leave DATA out: nothing to do */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return conn_quiet(conn_get(ctx), SMFIP_NR_DATA);
}

/* cb_header - keep the header; recipient headers yield addresses */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || !c->in_message || name == NULL || value == NULL)
		return conn_quiet(c, SMFIP_NR_HDR);
	msg_add_header(c->msg, name, value);
	if (c->scan != NULL)
		mime_scan_header(c->scan, name, value);
	return conn_quiet(c, SMFIP_NR_HDR);
}

/*
 * conn_body_need - decide once per message, when every recipient and
 * header is known, whether the body can change the verdict; when it can
 * not, the scanner goes (the body, if the MTA sends it, is not read)
 */
static void
conn_body_need(struct conn *c)
{
	if (c->body_checked)
		return;
	c->body_checked = 1;
	c->body_matters = ruleset_needs_body(c->policy->rs) &&
	    eval_body_matters_cached(c->policy->rs, c->msg, c->ec);
	if (!c->body_matters)
		c->scan = mime_scan_free(c->scan);
}

/* conn_queue_id - the MTA's queue id from the "i" macro, when it has one */
static void
conn_queue_id(SMFICTX *ctx, struct conn *c)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid != NULL && *qid != '\0')
		msg_set_string(c->msg, &c->msg->queue_id, qid);
}

/*
 * conn_final_at_eoh - at end of headers: the verdict, when neither the
 * body nor end of message can change or carry it out. 1 with v set (the
 * message is delivered unchanged), 0 with v clear (go on).
 */
static int
conn_final_at_eoh(struct conn *c, struct verdict *v)
{
	const struct policy *p = c->policy;
	struct eval_opts opts;

	memset(v, 0, sizeof(*v));
	if (c->body_matters || c->msg->error != NULL)
		return 0;
	/* Only end of message can remove ccguard headers that came with it. */
	if (msg_header_count(c->msg, p->conf->hold_header) > 0 ||
	    msg_header_count(c->msg, RELEASE_HEADER) > 0)
		return 0;
	policy_eval_opts(p, &opts);
	if (eval_message_cached(p->rs, c->msg, &opts, v, c->ec) == 0 &&
	    v->origin != ORIGIN_ERROR && (v->action == ACTION_PASS ||
	    v->action == ACTION_ACCEPT || v->action == ACTION_MONITOR))
		return 1;
	/* A stopped message (or a limit's or error's verdict) waits for the end. */
	verdict_clear(v);
	return 0;
}

static const struct mta_ops milter_ops;

/*
 * cb_eoh - the first answer of a message: ACCEPT when the verdict is
 * final and delivers the message unchanged (logged here, as end of
 * message would), else continue to the body and end of message
 */
static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct verdict v;

	if (c == NULL || !c->in_message || c->policy == NULL) {
		metrics_count_unjudged();
		return SMFIS_TEMPFAIL;
	}
	conn_body_need(c);
	if (!conn_final_at_eoh(c, &v))
		return SMFIS_CONTINUE;
	conn_queue_id(ctx, c);
	(void)action_apply(c->policy, &v, c->msg, &milter_ops, ctx);
	verdict_clear(&v);
	conn_end_message(c);
	return SMFIS_ACCEPT;
}

/*
 * cb_body - feed the MIME scanner while the body matters; otherwise the
 * chunk is dropped unread. No reply: SMFIP_NR_BODY is always agreed.
 */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || !c->in_message)
		return conn_quiet(c, SMFIP_NR_BODY);
	conn_body_need(c);
	if (c->scan != NULL)
		mime_scan_body(c->scan, (const char *)chunk, len);
	return conn_quiet(c, SMFIP_NR_BODY);
}

/* libmilter side of struct mta_ops */
/* mta_setreply - mta_ops: set a (multi-line) SMTP reply */
static int
mta_setreply(void *ctx, const char *code, const char *dsn, char *const *lines)
{
	char *l[MILTER_REPLY_LINES] = { NULL };
	size_t i;

	for (i = 0; i < MILTER_REPLY_LINES && lines[i] != NULL; i++)
		l[i] = lines[i];
	if (l[0] == NULL)
		return smfi_setreply(ctx, (char *)code, (char *)dsn, NULL) == MI_SUCCESS ? 0 : -1;
	/* The list ends at the first NULL; unused slots are NULL. */
	return smfi_setmlreply(ctx, (char *)code, (char *)dsn,
	    l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8], l[9], l[10], l[11],
	    l[12], l[13], l[14], l[15], l[16], l[17], l[18], l[19], l[20], l[21], l[22],
	    l[23], l[24], l[25], l[26], l[27], l[28], l[29], l[30], l[31],
	    (char *)NULL) == MI_SUCCESS ? 0 : -1;
}

/* mta_addheader - mta_ops: add a header */
static int
mta_addheader(void *ctx, const char *name, const char *value)
{
	return smfi_addheader(ctx, (char *)name, (char *)value) == MI_SUCCESS ? 0 : -1;
}

/* mta_delheader - mta_ops: remove the index-th header of a name */
static int
mta_delheader(void *ctx, const char *name, int index)
{
	return smfi_chgheader(ctx, (char *)name, index, NULL) == MI_SUCCESS ? 0 : -1;
}

/* mta_quarantine - mta_ops: put the message in the MTA's hold queue */
static int
mta_quarantine(void *ctx, const char *reason)
{
	return smfi_quarantine(ctx, (char *)reason) == MI_SUCCESS ? 0 : -1;
}

static const struct mta_ops milter_ops = {
	mta_setreply, mta_addheader, mta_delheader, mta_quarantine
};

/* cb_eom - decide once, act, and forget the message */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct eval_opts opts;
	struct verdict v;
	enum action_result res;

	if (c == NULL || !c->in_message || c->policy == NULL) {
		metrics_count_unjudged();
		return SMFIS_TEMPFAIL;
	}
	conn_queue_id(ctx, c);
	conn_body_need(c);
	if (c->scan != NULL)
		c->msg->body_flags = mime_scan_finish(c->scan);
	/*
	 * This connection declined the body before a reload brought rules on
	 * it. That is an error only when one of them could change the verdict.
	 */
	if (c->no_body && c->body_matters && c->msg->error == NULL)
		c->msg->error = "rules on the body loaded after the MTA agreed to send none";
	policy_eval_opts(c->policy, &opts);
	/* A moderator's release (release.c) is delivered; action.c removes others. */
	eval_message_released(c->policy->rs, c->policy->release, time(NULL), c->msg, &opts,
	    &v, c->ec);
	res = action_apply(c->policy, &v, c->msg, &milter_ops, ctx);
	verdict_clear(&v);
	conn_end_message(c);
	switch (res) {
	case RESULT_REJECT:
		return SMFIS_REJECT;
	case RESULT_TEMPFAIL:
		return SMFIS_TEMPFAIL;
	default:
		return SMFIS_ACCEPT;
	}
}

/* cb_abort - xxabort: the message was given up; forget it */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL)
		conn_end_message(c);
	return SMFIS_CONTINUE;
}

/* cb_close - xxclose: the connection ended; free its state */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	conn_end_message(c);
	conn_free(c);
	return SMFIS_CONTINUE;
}

/*
 * cb_negotiate - ask the MTA for no more than the rules and the log need,
 * and for no reply where ccguard has nothing to say
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	struct policy *p = policy_current();
	unsigned long want = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA |
	    SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_DATA;
	struct conn *c;

	/*
	 * The connection state starts here, to remember what was agreed;
	 * cb_close frees it even when no connect command follows.
	 */
	if ((c = conn_get(ctx)) == NULL) {
		if ((c = conn_new()) == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
			conn_free(c);
			policy_unref(p);
			log_warnx("negotiate: out of memory; refusing the connection");
			return SMFIS_REJECT;
		}
	}
	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE) & f0;
	/*
	 * What the MTA resolved each recipient to comes with the RCPT step
	 * itself: no extra round trip. Postfix and Sendmail send these
	 * macros by default; asking keeps them when an operator's
	 * milter_rcpt_macros or confMILTER_MACROS_ENVRCPT dropped them. The
	 * list replaces the MTA's list for RCPT only, so it names "i" too
	 * (Postfix's default there). An MTA that does not offer
	 * SMFIF_SETSYMLIST gets no list (a second negotiation on the same
	 * connection keeps the first: libmilter refuses a second list).
	 */
	if (f0 & SMFIF_SETSYMLIST) {
		*pf0 |= SMFIF_SETSYMLIST;
		(void)smfi_setsymlist(ctx, SMFIM_ENVRCPT, (char *)CONN_RCPT_MACROS);
	}
	/*
	 * The body only while a rule reads it, and then with no reply per
	 * chunk. libmilter offers every SMFIP_NR_* flag whatever the MTA
	 * offered, and answers "continue" itself to an MTA that did not
	 * offer one, so the flags asked for here always hold.
	 */
	if (p == NULL || !ruleset_needs_body(p->rs))
		want |= SMFIP_NOBODY;
	else
		want |= SMFIP_NR_BODY;
	policy_unref(p);
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	c->nr = *pf1 & CONN_NR_ALL;
	c->no_body = (*pf1 & SMFIP_NOBODY) != 0;
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "ccguard",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = cb_connect,	/* client name for the log (no reply) */
	.xxfi_helo = NULL,		/* not needed */
	.xxfi_envfrom = cb_envfrom,	/* new message: take the policy */
	.xxfi_envrcpt = cb_envrcpt,	/* collect recipients */
	.xxfi_header = cb_header,	/* collect header addresses */
	.xxfi_eoh = cb_eoh,		/* the first answer; often the last */
	.xxfi_body = cb_body,		/* only when a rule needs the body */
	.xxfi_eom = cb_eom,		/* the decision, when not made at EOH */
	.xxfi_abort = cb_abort,		/* forget the message */
	.xxfi_close = cb_close,		/* forget the connection */
	.xxfi_unknown = NULL,
	.xxfi_data = cb_data,		/* for MTAs that can not leave DATA out */
	.xxfi_negotiate = cb_negotiate,
};
