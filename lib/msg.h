/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msg.h - the state of one message: envelope, recipient addresses, headers.
 *
 * Filled by the milter callbacks or by ccguard -t; read by eval.c.
 * Knows nothing of libmilter.
 */
#ifndef CCGUARD_MSG_H
#define CCGUARD_MSG_H

#include <stddef.h>

struct strmap;

struct msg_limits {
	size_t	max_header_bytes;	/* header bytes kept and examined */
	size_t	max_addresses;		/* distinct recipient addresses */
	size_t	max_recipients;		/* RCPT TO commands */
	size_t	mta_header_size_limit;	/* the MTA cuts longer headers; 0: no cut */
	size_t	mta_header_token_limit;	/* the MTA cuts address headers at so many tokens */
};

/*
 * A recipient header within this many bytes of the MTA's header cut may
 * have been cut: white space before the colon, which the MTA counts and
 * the milter never sees, and the MTA's own rounding.
 */
#define MSG_MTA_CUT_SLACK	1024

/*
 * Where the MTA cuts a header when a milter is attached: Postfix's
 * cleanup lowers header_size_limit to 60000 bytes then (so that a header
 * fits libmilter's 64 KB request), whatever main.cf says.
 */
#define MSG_MTA_MILTER_HEADER_LIMIT	60000
#define MSG_MTA_HEADER_CUT(limit) \
	((limit) > MSG_MTA_MILTER_HEADER_LIMIT ? MSG_MTA_MILTER_HEADER_LIMIT : (limit))

/*
 * When Postfix rewrites an address header, it keeps its first
 * mta_header_token_limit tokens, counted as tok822_scan_limit() counts
 * them (smtp_path_token_count()), and drops the rest; rewriting the
 * address it cut short can take a few more away (a trailing dot, a
 * partial route). A recipient header within this many tokens of the
 * limit may have been cut; one with fewer was not. Measured with Postfix
 * 3.7: 3,001 addresses reached the milter as 10,239 tokens.
 */
#define MSG_MTA_TOKEN_SLACK	64

struct msg_addr {
	char	*addr;		/* canonical form */
	int	 sources;	/* ADDR_SRC_* where it was found */
	int	 how;		/* ADDR_HOW_* */
	size_t	 rcpt;		/* the last RCPT (from 1) whose own reading found it */
};

/*
 * What the MTA resolved one recipient to: the values of its macros
 * {rcpt_mailer}, {rcpt_host} and {rcpt_addr} at that RCPT (Sendmail's
 * mailer/host/user triple of ruleset 0; Postfix's transport, next hop and
 * the address as trivial-rewrite resolved it). NULL: not sent.
 */
struct msg_resolved {
	const char	*mailer;
	const char	*host;
	const char	*addr;
};

/*
 * The MTA's macro values are kept up to these lengths (for the log and
 * the trace; longer ones are cut there). An {rcpt_addr} longer than
 * MSG_MTA_ADDR_MAX is no address an MTA sends (both cut an RCPT command
 * near 2,000 bytes): it is not read, and the message gets on_error.
 */
#define MSG_MTA_NAME_MAX	255	/* {rcpt_mailer}, {rcpt_host}, j */
#define MSG_MTA_ADDR_MAX	4096	/* {rcpt_addr} */

/*
 * One RCPT TO: the argument as the client gave it, next to what the MTA
 * resolved it to. The readings themselves are addresses of the message
 * (struct msg_addr, numbered from 1; 0: none).
 */
struct msg_rcpt {
	char	*arg;		/* as given (kept up to MSG_MTA_ADDR_MAX bytes) */
	char	*mailer, *host, *addr;	/* the MTA's macros, or NULL */
	size_t	 own;		/* ccguard's first reading of arg */
	size_t	 mta;		/* the first reading of addr that ccguard's missed */
};

struct msg_header {
	char	*name;
	char	*value;
};

/* The limits a message can reach; msg_limit_name() gives each its setting's name. */
enum msg_limit_id {
	MSG_LIMIT_NONE,
	MSG_LIMIT_ROUTE_HOPS,		/* max_route_hops */
	MSG_LIMIT_ADDRESSES,		/* max_addresses */
	MSG_LIMIT_RECIPIENTS,		/* max_recipients */
	MSG_LIMIT_HEADER_BYTES,		/* max_header_bytes */
	MSG_LIMIT_MTA_HEADER_SIZE,	/* mta_header_size_limit */
	MSG_LIMIT_MTA_HEADER_TOKENS,	/* mta_header_token_limit */
};

struct msg {
	struct msg_limits limits;
	char	*sender;	/* canonical envelope sender; NULL for <> */
	char	*sender_raw;	/* as given by the client */
	struct msg_addr *addrs;	/* in order of first appearance */
	size_t	 naddrs, caddrs;
	struct strmap *index;	/* addr -> position + 1 */
	struct msg_header *headers;
	size_t	 nheaders, cheaders;
	size_t	 header_bytes;
	size_t	 nrcpts;	/* RCPT commands, also past max_recipients */
	struct msg_rcpt *rcpts;	/* the first max_recipients of them */
	size_t	 nkept, ckept;
	size_t	 ndiffer;	/* RCPTs whose MTA resolution ccguard read otherwise */
	char	*server_name;	/* the MTA's own name (macro j), or NULL */
	char	*queue_id;	/* NULL until the MTA says */
	char	*auth;		/* SMTP AUTH user, or NULL */
	char	*client;	/* "host[addr]" for logs, or NULL */
	int	 body_flags;	/* MIME_* facts (only when a rule asks) */
	const char *limit;	/* the first limit reached (its name), or NULL */
	enum msg_limit_id limit_id;	/* the same, as a value */
	const char *error;	/* the first internal error, or NULL */
	unsigned long long serial;	/* this message's number in this process (msg_nonce) */
};

/* Hex digits of msg_nonce(): unique to one message among all a host handles. */
#define MSG_NONCE_HEX	32

const char *msg_limit_name(enum msg_limit_id);
struct msg *msg_new(const struct msg_limits *);
void	msg_reset(struct msg *);
struct msg *msg_free(struct msg *);
void	msg_set_sender(struct msg *, const char *arg);
void	msg_add_rcpt(struct msg *, const char *arg);
void	msg_add_rcpt_resolved(struct msg *, const char *arg, const struct msg_resolved *);
int	msg_set_server_name(struct msg *, const char *name);
void	msg_add_header(struct msg *, const char *name, const char *value);
void	msg_set_string(struct msg *, char **field, const char *value);
const char *msg_header(const struct msg *, const char *name, size_t nth);
size_t	msg_header_count(const struct msg *, const char *name);
void	msg_nonce(const struct msg *, char out[MSG_NONCE_HEX + 1]);

#endif
