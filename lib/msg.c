/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	msg - per-message state
 * SYNOPSIS
 *	m = msg_new(&limits);  msg_set_sender(m, arg);  msg_add_rcpt(m, arg);
 *	msg_add_rcpt_resolved(m, arg, &resolved);  msg_set_server_name(m, j);
 *	msg_add_header(m, name, value);  ...  msg_reset(m);  msg_free(m);
 * DESCRIPTION
 *	One struct msg lives from MAIL FROM to end of message (or abort); the
 *	milter keeps one per connection and resets it between messages, so
 *	several messages in one SMTP session never share state. The same
 *	functions fill it for ccguard -t, so both make the same decision.
 *
 *	Every string is copied: callers may pass borrowed memory. Memory is
 *	bounded by msg_limits. Nothing here fails loudly: reaching a limit sets
 *	m->limit (and what lies beyond is not examined), running out of memory
 *	sets m->error; evaluation turns either into the operator's on_limit or
 *	on_error policy, so a message that was not fully examined is never
 *	silently passed.
 *
 *	A recipient counts by two readings: ccguard's own reading of the RCPT
 *	argument, and the address the MTA resolved it to ({rcpt_addr}), read
 *	the same way. Both go into the message's addresses, so a list holds
 *	the recipient when either reading is in it: an MTA reading ccguard
 *	does not share (Sendmail drops "team:" from team:security@kernel.org,
 *	Postfix appends myorigin to a bare "security") can only add to what
 *	counts, never take away. Such an address carries ADDR_HOW_MTA, and the
 *	RCPT keeps the MTA's macros for the log and the trace (m->ndiffer).
 *	Sendmail's local mailer resolves to a bare user ("security"): it is
 *	read in the domain of ccguard's own reading, where Sendmail found it.
 *	The error mailer takes nothing away either: an MTA refuses such a
 *	recipient before a milter hears of it (ccguard does not ask for
 *	refused ones), except Postfix, whose resolver names "error" for every
 *	address of a virtual alias domain, and those are delivered (its
 *	cleanup expands the alias after the milter's RCPT step).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "msg.h"
#include "smtp_path.h"
#include "strmap.h"

/* This process's random half of every nonce, and the count of messages. */
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;
static unsigned long long nonce_process;
static atomic_ullong nonce_next;

/* nonce_init - the process's random half (the time and pid without getrandom) */
static void
nonce_init(void)
{
	struct timespec ts;

	if (getrandom(&nonce_process, sizeof(nonce_process), 0) != (ssize_t)sizeof(nonce_process)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		nonce_process = ((unsigned long long)ts.tv_sec << 32) ^
		    (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 16);
	}
}

/* next_serial - a number no other message of this process gets */
static unsigned long long
next_serial(void)
{
	pthread_once(&nonce_once, nonce_init);
	return atomic_fetch_add(&nonce_next, 1) + 1;
}

/*
 * msg_nonce - 32 hex digits that name this message and no other: this
 * process's random number and the message's serial. The hold header's
 * stamp carries it (holdhdr.c), so that a token for one hold never fits a
 * later message that got the same queue id.
 */
void
msg_nonce(const struct msg *m, char out[MSG_NONCE_HEX + 1])
{
	pthread_once(&nonce_once, nonce_init);
	snprintf(out, MSG_NONCE_HEX + 1, "%016llx%016llx", nonce_process, m->serial);
}

/* msg_new - an empty message with these limits, or NULL */
struct msg *
msg_new(const struct msg_limits *limits)
{
	struct msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->limits = *limits;
	m->serial = next_serial();
	return m;
}

/* msg_rcpt_free - free what one RCPT record holds */
static void
msg_rcpt_free(struct msg_rcpt *r)
{
	free(r->arg);
	free(r->mailer);
	free(r->host);
	free(r->addr);
}

/* msg_reset - forget the message; keep the struct for the next one */
void
msg_reset(struct msg *m)
{
	size_t i;

	free(m->sender);
	free(m->sender_raw);
	for (i = 0; i < m->naddrs; i++)
		free(m->addrs[i].addr);
	free(m->addrs);
	for (i = 0; i < m->nkept; i++)
		msg_rcpt_free(&m->rcpts[i]);
	free(m->rcpts);
	m->index = strmap_free(m->index, NULL);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->queue_id);
	free(m->auth);
	/* The client and the server's name belong to the connection: keep them. */
	{
		char *client = m->client, *server_name = m->server_name;
		struct msg_limits limits = m->limits;

		memset(m, 0, sizeof(*m));
		m->client = client;
		m->server_name = server_name;
		m->limits = limits;
		m->serial = next_serial();
	}
}

/* msg_free - free a message; returns NULL */
struct msg *
msg_free(struct msg *m)
{
	if (m == NULL)
		return NULL;
	msg_reset(m);
	free(m->client);
	free(m->server_name);
	free(m);
	return NULL;
}

/* msg_fail - remember the first internal error */
static void
msg_fail(struct msg *m, const char *what)
{
	if (m->error == NULL)
		m->error = what;
}

static const char *const limit_names[] = {
	[MSG_LIMIT_NONE] = NULL,
	[MSG_LIMIT_ROUTE_HOPS] = "max_route_hops",
	[MSG_LIMIT_ADDRESSES] = "max_addresses",
	[MSG_LIMIT_RECIPIENTS] = "max_recipients",
	[MSG_LIMIT_HEADER_BYTES] = "max_header_bytes",
	[MSG_LIMIT_MTA_HEADER_SIZE] = "mta_header_size_limit",
	[MSG_LIMIT_MTA_HEADER_TOKENS] = "mta_header_token_limit",
};

/* msg_limit_name - the setting a limit is named by, or NULL for none */
const char *
msg_limit_name(enum msg_limit_id id)
{
	return (size_t)id < sizeof(limit_names) / sizeof(limit_names[0]) ? limit_names[id] : NULL;
}

/* msg_limit - remember the first limit reached */
static void
msg_limit(struct msg *m, enum msg_limit_id id)
{
	if (m->limit_id == MSG_LIMIT_NONE) {
		m->limit_id = id;
		m->limit = msg_limit_name(id);
	}
}

/* msg_set_string - replace a string field with a copy of value */
void
msg_set_string(struct msg *m, char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL) {
		msg_fail(m, "out of memory");
		return;
	}
	free(*field);
	*field = copy;
}

struct addr_ctx {
	struct msg	*m;
	int		 source;
	size_t		 rcpt;		/* the RCPT being read (from 1), or 0 */
	int		 mta;		/* reading the MTA's resolution of it */
	size_t		 first;		/* the first address recorded (from 1), or 0 */
};

/*
 * msg_record_addr - the address sink: add or merge one address. An RCPT's
 * own readings are marked with its number; the MTA's reading of it adds
 * only what they missed, flagged ADDR_HOW_MTA.
 */
static int
msg_record_addr(void *arg, const char *addr, int how)
{
	struct addr_ctx *ac = arg;
	struct msg *m = ac->m;
	uintptr_t pos;

	if (how & ADDR_HOW_CUT)
		msg_limit(m, MSG_LIMIT_ROUTE_HOPS);
	if (m->index == NULL && (m->index = strmap_new(16)) == NULL)
		return ADDR_NOMEM;
	if ((pos = (uintptr_t)strmap_get(m->index, addr)) != 0) {
		if (ac->mta && m->addrs[pos - 1].rcpt == ac->rcpt)
			return ADDR_OK;		/* ccguard read it so too */
		if (ac->mta)
			how |= ADDR_HOW_MTA;
		else if (ac->rcpt != 0)
			m->addrs[pos - 1].rcpt = ac->rcpt;
		m->addrs[pos - 1].sources |= ac->source;
		m->addrs[pos - 1].how |= how;
		if (ac->first == 0)
			ac->first = pos;
		return ADDR_OK;
	}
	if (ac->mta)
		how |= ADDR_HOW_MTA;
	if (m->naddrs >= m->limits.max_addresses) {
		msg_limit(m, MSG_LIMIT_ADDRESSES);
		return ADDR_STOP;
	}
	if (m->naddrs == m->caddrs) {
		size_t ncap = m->caddrs ? m->caddrs * 2 : 8;
		struct msg_addr *na = realloc(m->addrs, ncap * sizeof(*na));

		if (na == NULL)
			return ADDR_NOMEM;
		m->addrs = na;
		m->caddrs = ncap;
	}
	if ((m->addrs[m->naddrs].addr = strdup(addr)) == NULL)
		return ADDR_NOMEM;
	m->addrs[m->naddrs].sources = ac->source;
	m->addrs[m->naddrs].how = how;
	m->addrs[m->naddrs].rcpt = ac->mta ? 0 : ac->rcpt;
	if (strmap_put(m->index, addr, (void *)(uintptr_t)(m->naddrs + 1), NULL) < 0) {
		free(m->addrs[m->naddrs].addr);
		return ADDR_NOMEM;
	}
	m->naddrs++;
	if (ac->first == 0)
		ac->first = m->naddrs;
	return ADDR_OK;
}

/* msg_keep_sender - address sink: keep the first plain address as the sender */
static int
msg_keep_sender(void *arg, const char *addr, int how)
{
	struct msg *m = arg;

	if ((how & ADDR_HOW_ROUTED) || m->sender != NULL)
		return ADDR_OK;
	return (m->sender = strdup(addr)) != NULL ? ADDR_OK : ADDR_NOMEM;
}

/* msg_set_sender - MAIL FROM argument; "<>" leaves sender NULL */
void
msg_set_sender(struct msg *m, const char *arg)
{
	free(m->sender);
	m->sender = NULL;
	msg_set_string(m, &m->sender_raw, arg);
	if (addr_from_envelope(arg, msg_keep_sender, m) == ADDR_NOMEM)
		msg_fail(m, "out of memory");
}

/* msg_copy_upto - a copy of at most max bytes of s, or NULL for NULL */
static char *
msg_copy_upto(struct msg *m, const char *s, size_t max)
{
	char *copy;

	if (s == NULL)
		return NULL;
	if ((copy = strndup(s, max)) == NULL)
		msg_fail(m, "out of memory");
	return copy;
}

/*
 * msg_mta_address - the address the MTA resolved a recipient to, as text
 * for the envelope reader: {rcpt_addr} when it has a domain; a bare local
 * user (Sendmail's local mailer) in the domain of ccguard's own reading;
 * NULL when there is none. Sets *owned when the result must be freed.
 */
static const char *
msg_mta_address(struct msg *m, const struct msg_resolved *res, size_t own, int *owned)
{
	const char *at;
	char *s;

	*owned = 0;
	if (res == NULL || res->addr == NULL || res->addr[0] == '\0')
		return NULL;
	if (strchr(res->addr, '@') != NULL)
		return res->addr;
	/* The text of a refusal (error mailer), or a local user with no domain to put it in */
	if ((res->mailer != NULL && strcmp(res->mailer, "error") == 0) ||
	    strcspn(res->addr, " \t\r\n") != strlen(res->addr) ||
	    own == 0 || (at = strrchr(m->addrs[own - 1].addr, '@')) == NULL)
		return NULL;
	if (asprintf(&s, "%s%s", res->addr, at) < 0) {
		msg_fail(m, "out of memory");
		return NULL;
	}
	*owned = 1;
	return s;
}

/* msg_keep_rcpt - a new RCPT record for arg and what the MTA said of it, or NULL */
static struct msg_rcpt *
msg_keep_rcpt(struct msg *m, const char *arg, const struct msg_resolved *res)
{
	struct msg_rcpt *r;

	if (m->nkept == m->ckept) {
		size_t ncap = m->ckept ? m->ckept * 2 : 8;
		struct msg_rcpt *nr = realloc(m->rcpts, ncap * sizeof(*nr));

		if (nr == NULL) {
			msg_fail(m, "out of memory");
			return NULL;
		}
		m->rcpts = nr;
		m->ckept = ncap;
	}
	r = &m->rcpts[m->nkept++];
	memset(r, 0, sizeof(*r));
	r->arg = msg_copy_upto(m, arg, MSG_MTA_ADDR_MAX);
	if (res != NULL) {
		r->mailer = msg_copy_upto(m, res->mailer, MSG_MTA_NAME_MAX);
		r->host = msg_copy_upto(m, res->host, MSG_MTA_NAME_MAX);
		r->addr = msg_copy_upto(m, res->addr, MSG_MTA_ADDR_MAX);
	}
	return r;
}

/* msg_add_rcpt - one RCPT TO argument (the address only, not ESMTP options) */
void
msg_add_rcpt(struct msg *m, const char *arg)
{
	msg_add_rcpt_resolved(m, arg, NULL);
}

/*
 * msg_add_rcpt_resolved - one RCPT TO argument and what the MTA resolved
 * it to (res NULL, or members NULL, when it said nothing): the recipient
 * counts by both readings
 */
void
msg_add_rcpt_resolved(struct msg *m, const char *arg, const struct msg_resolved *res)
{
	struct addr_ctx ac = { m, ADDR_SRC_ENVELOPE, 0, 0, 0 };
	struct msg_rcpt *r;
	const char *mta;
	int owned;

	if (++m->nrcpts > m->limits.max_recipients) {
		msg_limit(m, MSG_LIMIT_RECIPIENTS);
		return;
	}
	if ((r = msg_keep_rcpt(m, arg, res)) == NULL)
		return;
	ac.rcpt = m->nrcpts;
	if (addr_from_envelope(arg, msg_record_addr, &ac) == ADDR_NOMEM)
		msg_fail(m, "out of memory");
	r->own = ac.first;
	if ((mta = msg_mta_address(m, res, r->own, &owned)) == NULL)
		return;
	if (strlen(mta) > MSG_MTA_ADDR_MAX)
		msg_fail(m, "the MTA resolved a recipient to an over-long address");
	else {
		ac.mta = 1;
		ac.first = 0;
		if (addr_from_envelope(mta, msg_record_addr, &ac) == ADDR_NOMEM)
			msg_fail(m, "out of memory");
		if ((r->mta = ac.first) != 0)
			m->ndiffer++;
	}
	if (owned)
		free((char *)mta);
}

/*
 * msg_set_server_name - the name the MTA goes by (its macro j), when it
 * is a host name: letters, digits, '-', '_' and '.', at most
 * MSG_MTA_NAME_MAX bytes. 0 when kept, -1 when refused (m keeps none).
 */
int
msg_set_server_name(struct msg *m, const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	free(m->server_name);
	m->server_name = NULL;
	if (len == 0 || len > MSG_MTA_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != len)
		return -1;
	msg_set_string(m, &m->server_name, name);
	return 0;
}

/* msg_add_header - keep a header; extract addresses from recipient headers */
void
msg_add_header(struct msg *m, const char *name, const char *value)
{
	size_t vlen = strlen(value), len = strlen(name) + vlen + 2;
	struct addr_ctx ac = { m, addr_source_from_header_name(name), 0, 0, 0 };
	int r;

	if (m->limit_id == MSG_LIMIT_HEADER_BYTES)
		return;
	if (len > m->limits.max_header_bytes ||
	    m->header_bytes > m->limits.max_header_bytes - len) {
		msg_limit(m, MSG_LIMIT_HEADER_BYTES);
		return;
	}
	if (m->nheaders == m->cheaders) {
		size_t ncap = m->cheaders ? m->cheaders * 2 : 16;
		struct msg_header *nh = realloc(m->headers, ncap * sizeof(*nh));

		if (nh == NULL) {
			msg_fail(m, "out of memory");
			return;
		}
		m->headers = nh;
		m->cheaders = ncap;
	}
	m->headers[m->nheaders].name = strdup(name);
	m->headers[m->nheaders].value = strdup(value);
	if (m->headers[m->nheaders].name == NULL || m->headers[m->nheaders].value == NULL) {
		free(m->headers[m->nheaders].name);
		free(m->headers[m->nheaders].value);
		msg_fail(m, "out of memory");
		return;
	}
	m->nheaders++;
	m->header_bytes += len;
	/*
	 * The MTA cuts a header at its header_size_limit before a milter
	 * sees it: an address past the cut was not examined.
	 */
	if (ac.source != 0 && m->limits.mta_header_size_limit > 0 &&
	    len + MSG_MTA_CUT_SLACK >= MSG_MTA_HEADER_CUT(m->limits.mta_header_size_limit))
		msg_limit(m, MSG_LIMIT_MTA_HEADER_SIZE);
	/*
	 * When Postfix rewrites an address header (mail from its own
	 * network), it drops every token past header_address_token_limit.
	 * A value has at most one token per byte: only long ones are counted.
	 */
	if (ac.source != 0 && m->limits.mta_header_token_limit > 0) {
		size_t limit = m->limits.mta_header_token_limit;
		size_t near = limit > MSG_MTA_TOKEN_SLACK ? limit - MSG_MTA_TOKEN_SLACK : 1;

		if (vlen >= near && smtp_path_token_count(value, near) >= near)
			msg_limit(m, MSG_LIMIT_MTA_HEADER_TOKENS);
	}
	if (ac.source != 0) {
		r = addr_from_header(value, msg_record_addr, &ac);
		if (r == ADDR_NOMEM)
			msg_fail(m, "out of memory");
	}
}

/* msg_header - the nth instance (from 0) of a header, or NULL */
const char *
msg_header(const struct msg *m, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0 && nth-- == 0)
			return m->headers[i].value;
	return NULL;
}

/* msg_header_count - how many instances of a header the message has */
size_t
msg_header_count(const struct msg *m, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < m->nheaders; i++)
		n += strcasecmp(m->headers[i].name, name) == 0;
	return n;
}
