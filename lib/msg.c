/*
 * NAME
 *	msg - per-message state
 * SYNOPSIS
 *	m = msg_new(&limits);  msg_set_sender(m, arg);  msg_add_rcpt(m, arg);
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
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "msg.h"
#include "smtp_path.h"
#include "strmap.h"

/* msg_new - an empty message with these limits, or NULL */
struct msg *
msg_new(const struct msg_limits *limits)
{
	struct msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->limits = *limits;
	return m;
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
	m->index = strmap_free(m->index, NULL);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->queue_id);
	free(m->auth);
	/* The client belongs to the connection: keep it. */
	{
		char *client = m->client;
		struct msg_limits limits = m->limits;

		memset(m, 0, sizeof(*m));
		m->client = client;
		m->limits = limits;
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
};

/* msg_record_addr - the address sink: add or merge one address */
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
		m->addrs[pos - 1].sources |= ac->source;
		m->addrs[pos - 1].how |= how;
		return ADDR_OK;
	}
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
	if (strmap_put(m->index, addr, (void *)(uintptr_t)(m->naddrs + 1), NULL) < 0) {
		free(m->addrs[m->naddrs].addr);
		return ADDR_NOMEM;
	}
	m->naddrs++;
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

/* msg_add_rcpt - one RCPT TO argument (the address only, not ESMTP options) */
void
msg_add_rcpt(struct msg *m, const char *arg)
{
	struct addr_ctx ac = { m, ADDR_SRC_ENVELOPE };

	if (++m->nrcpts > m->limits.max_recipients) {
		msg_limit(m, MSG_LIMIT_RECIPIENTS);
		return;
	}
	if (addr_from_envelope(arg, msg_record_addr, &ac) == ADDR_NOMEM)
		msg_fail(m, "out of memory");
}

/* msg_add_header - keep a header; extract addresses from recipient headers */
void
msg_add_header(struct msg *m, const char *name, const char *value)
{
	size_t vlen = strlen(value), len = strlen(name) + vlen + 2;
	struct addr_ctx ac = { m, addr_source_from_header_name(name) };
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
