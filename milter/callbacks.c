/*
 * NAME
 *	callbacks - libmilter glue
 * DESCRIPTION
 *	The xxfi_* callbacks copy what libmilter lends them into the
 *	per-connection struct conn and its struct msg, and at end of message
 *	hand the message to eval_message() and the verdict to action_apply().
 *	No policy lives here.
 *
 *	The decision is made once, at end of message: never per recipient, so
 *	a message is never refused for one recipient and delivered to another.
 *	Every callback answers "continue" until then. Each message takes a
 *	reference to the policy in force at MAIL FROM and keeps it to the end,
 *	so a reload never changes the rules under a message in flight.
 *
 *	Negotiation asks only for what the loaded rules need: no HELO, no
 *	unknown commands, and no body unless a rule inspects it. The answer
 *	holds for the whole connection, so when a reload adds a rule on the
 *	body, messages on connections that declined the body are marked
 *	unexaminable: a rule that stops them on their envelope or headers
 *	still does, anything else gets the operator's on_error (by default
 *	a tempfail, and the retry comes on a new connection). A DATA
 *	callback that just continues is registered on purpose: without it
 *	Postfix sends the DATA macros alone and, over TCP, a delayed ACK stalls
 *	every message by tens of milliseconds.
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
#include "mime_scan.h"
#include "msg.h"
#include "policy.h"
#include "release.h"
#include "ruleset.h"
#include "verdict.h"

struct conn {
	struct msg	*msg;		/* the message in progress */
	struct policy	*policy;	/* held from MAIL FROM to its end */
	struct mime_scan *scan;		/* body scanner, when a rule needs it */
	int		 in_message;
	int		 no_body;	/* negotiated SMFIP_NOBODY */
	int		 can_skip;	/* negotiated SMFIP_SKIP */
	int		 body_checked;	/* this message's body need was decided */
};

/* conn_new - empty connection state, or NULL */
static struct conn *
conn_new(void)
{
	static const struct msg_limits initial = { .max_header_bytes = 4096, .max_addresses = 16, .max_recipients = 16 };
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->msg = msg_new(&initial)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
conn_end_message(struct conn *c)
{
	msg_reset(c->msg);
	c->scan = mime_scan_free(c->scan);
	c->body_checked = 0;
	c->policy = policy_unref(c->policy);
	c->in_message = 0;
}

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
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			msg_free(c->msg);
			free(c);
			return SMFIS_TEMPFAIL;
		}
	}
	snprintf(client, sizeof(client), "%s[%s]", host != NULL ? host : "unknown",
	    conn_client_addr(ctx, sa, addr, sizeof(addr)));
	msg_set_string(c->msg, &c->msg->client, client);
	return SMFIS_CONTINUE;
}

/* cb_envfrom - a new message starts */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const char *auth;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	conn_end_message(c);
	if ((c->policy = policy_current()) == NULL)
		return SMFIS_TEMPFAIL;
	c->msg->limits = c->policy->conf->limits;
	c->in_message = 1;
	msg_set_sender(c->msg, argv[0] != NULL ? argv[0] : "<>");
	if ((auth = smfi_getsymval(ctx, "{auth_authen}")) != NULL && *auth != '\0')
		msg_set_string(c->msg, &c->msg->auth, auth);
	/* With no_body, cb_eom decides whether the missing body matters. */
	if (c->policy->rs->needs_body && !c->no_body &&
	    (c->scan = mime_scan_new()) == NULL)
		c->msg->error = "out of memory";	/* never judge it as plain text */
	return SMFIS_CONTINUE;
}

/* cb_envrcpt - one recipient; ESMTP parameters (ORCPT=...) never count */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL && c->in_message && argv[0] != NULL)
		msg_add_rcpt(c->msg, argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/* cb_header - keep the header; recipient headers yield addresses */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || !c->in_message || name == NULL || value == NULL)
		return SMFIS_CONTINUE;
	msg_add_header(c->msg, name, value);
	if (c->scan != NULL)
		mime_scan_header(c->scan, name, value);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/*
 * cb_body - feed the MIME scanner. At the first chunk, when no rule's
 * outcome can depend on the body (eval_body_matters: e.g. the message is
 * not addressed to anyone a body rule is about), tell the MTA to skip the
 * rest, so most messages cost one chunk even with a body rule loaded.
 */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || !c->in_message)
		return SMFIS_CONTINUE;
	if (!c->body_checked) {
		c->body_checked = 1;
		if (c->can_skip && (c->scan == NULL ||
		    !eval_body_matters(c->policy->rs, c->msg))) {
			c->scan = mime_scan_free(c->scan);
			return SMFIS_SKIP;
		}
	}
	if (c->scan != NULL)
		mime_scan_body(c->scan, (const char *)chunk, len);
	return SMFIS_CONTINUE;
}

/* libmilter side of struct mta_ops */
static int
mta_setreply(void *ctx, const char *code, const char *dsn, char *const *lines)
{
	char *l[32] = { NULL };
	size_t i;

	for (i = 0; i < 32 && lines[i] != NULL; i++)
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

static int
mta_addheader(void *ctx, const char *name, const char *value)
{
	return smfi_addheader(ctx, (char *)name, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int
mta_delheader(void *ctx, const char *name, int index)
{
	return smfi_chgheader(ctx, (char *)name, index, NULL) == MI_SUCCESS ? 0 : -1;
}

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
	const char *qid;
	size_t nrel;

	if (c == NULL || !c->in_message || c->policy == NULL)
		return SMFIS_TEMPFAIL;
	if ((qid = smfi_getsymval(ctx, "i")) != NULL)
		msg_set_string(c->msg, &c->msg->queue_id, qid);
	if (c->scan != NULL)
		c->msg->body_flags = mime_scan_finish(c->scan);
	/*
	 * This connection declined the body before a reload brought rules on
	 * it. That is an error only when one of them could change the verdict.
	 */
	if (c->no_body && c->policy->rs->needs_body &&
	    eval_body_matters(c->policy->rs, c->msg) && c->msg->error == NULL)
		c->msg->error = "rules on the body loaded after the MTA agreed to send none";
	opts.on_limit = c->policy->conf->on_limit;
	opts.on_error = c->policy->conf->on_error;
	opts.file_actions = 0;
	/* A moderator's release (release.c) is delivered; action.c removes others. */
	if (release_check(c->policy->conf->release_key, c->msg, time(NULL), &nrel) ==
	    RELEASE_VALID) {
		memset(&v, 0, sizeof(v));
		v.action = ACTION_ACCEPT;
		v.origin = ORIGIN_RELEASED;
	} else
		eval_message(c->policy->rs, c->msg, &opts, &v);
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

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL)
		conn_end_message(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	conn_end_message(c);
	msg_free(c->msg);
	free(c);
	return SMFIS_CONTINUE;
}

/* cb_negotiate - ask the MTA for no more than the rules need */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	struct policy *p = policy_current();
	unsigned long want = SMFIP_NOHELO | SMFIP_NOUNKNOWN;
	struct conn *c;

	/*
	 * The connection state starts here, to remember what was agreed;
	 * cb_close frees it even when no connect command follows.
	 */
	if ((c = conn_get(ctx)) == NULL) {
		if ((c = conn_new()) == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
			if (c != NULL)
				msg_free(c->msg);
			free(c);
			policy_unref(p);
			log_warnx("negotiate: out of memory; refusing the connection");
			return SMFIS_REJECT;
		}
	}
	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE) & f0;
	if (p == NULL || !p->rs->needs_body)
		want |= SMFIP_NOBODY;
	else
		want |= SMFIP_SKIP;	/* cb_body may stop the body early */
	policy_unref(p);
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	c->no_body = (*pf1 & SMFIP_NOBODY) != 0;
	c->can_skip = (*pf1 & SMFIP_SKIP) != 0;
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_desc = {
	.xxfi_name = "ccguard",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = cb_connect,	/* client name for the log */
	.xxfi_helo = NULL,		/* not needed */
	.xxfi_envfrom = cb_envfrom,	/* new message: take the policy */
	.xxfi_envrcpt = cb_envrcpt,	/* collect recipients */
	.xxfi_header = cb_header,	/* collect header addresses */
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,		/* only when a rule needs the body */
	.xxfi_eom = cb_eom,		/* the one decision */
	.xxfi_abort = cb_abort,		/* forget the message */
	.xxfi_close = cb_close,		/* forget the connection */
	.xxfi_unknown = NULL,
	.xxfi_data = cb_data,		/* avoids delayed-ACK stalls */
	.xxfi_negotiate = cb_negotiate,
};
