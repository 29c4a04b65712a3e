/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	driver - milter-protocol load driver for the benchmarks
 * SYNOPSIS
 *	driver -p unix:/path|inet:port@host [-c conns] [-k msgs] [-r rcpts]
 *	    [-a header-addrs] [-b body-bytes] [-m pass|hold|reject]
 *	    [-i idle-seconds] [-R ready-file]
 * DESCRIPTION
 *	Plays the MTA's side of the milter protocol (version 6) straight to a
 *	milter's socket, with no MTA in between, so the milter's own cost can
 *	be measured. Each of conns threads opens one connection, negotiates
 *	(SMFIC_OPTNEG) and sends msgs messages: connect, helo, mail, rcpt...
 *	(each with Postfix's default RCPT macros), data, about 15 headers with To/Cc address lists, eoh, the body in
 *	chunks of at most 65535 bytes, eom. What the milter asked for in the
 *	negotiation is honoured: no HELO after SMFIP_NOHELO, no body after
 *	SMFIP_NOBODY, no reply awaited after SMFIP_NR_*, and so on.
 *
 *	The body is streamed from one static buffer, so a 50 MB body costs
 *	the driver no memory. Header address lists are split over several Cc
 *	headers of at most about 48 KB each, as no MTA hands a milter one
 *	header larger than its packet limit.
 *
 *	Message kinds: "pass" (the security team with other addresses),
 *	"hold" (the security team and linux-distros in a reply: In-Reply-To
 *	present) and "reject" (the same pair in a new report).
 *
 *	Prints one line: messages, seconds, messages/s, per-message latency
 *	(MAIL to the final reply at end of message) p50 and p99 in
 *	milliseconds, and the count of each final reply.
 *
 *	With -i the threads connect, negotiate and send the connect event,
 *	then (after their messages, if -k is given) keep the connections open
 *	for idle-seconds; the ready-file is created once every connection is
 *	set up, so a caller can measure the milter's memory meanwhile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#define DRV_CHUNK	65535		/* libmilter's default packet limit */
#define DRV_HDR_MAX	48000		/* split address headers above this */
#define DRV_MAXPKT	(1024 * 1024)	/* largest reply we accept */

enum drv_kind { KIND_PASS, KIND_HOLD, KIND_REJECT };

struct drv_opts {
	const char	*spec;
	int		 conns;
	int		 msgs;
	int		 rcpts;
	int		 hdr_addrs;
	size_t		 body;
	enum drv_kind	 kind;
	int		 idle;
	const char	*ready;
};

struct drv_thread {
	pthread_t	 tid;
	int		 id;
	double		*lat;		/* one per message, seconds */
	int		 nlat;
	long		 replies[128];	/* final replies by command letter */
	long		 quarantined;
	int		 failed;
	char		 err[256];
};

static struct drv_opts opts = {
	NULL, 1, 100, 2, 8, 2048, KIND_PASS, 0, NULL
};
static char body_buf[DRV_CHUNK];
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready_count;

/* drv_now - monotonic time in seconds */
static double
drv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* drv_connect - open the milter socket named like libmilter's -p spec */
static int
drv_connect(const char *spec)
{
	const char *p;
	int fd;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un sun;

		p = strchr(spec, ':') + 1;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(p) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, p);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if (strncmp(spec, "inet:", 5) == 0) {
		char port[32], host[256];
		struct addrinfo hints, *res;
		const char *at;

		p = spec + 5;
		if ((at = strchr(p, '@')) == NULL || (size_t)(at - p) >= sizeof(port))
			return -1;
		memcpy(port, p, at - p);
		port[at - p] = '\0';
		snprintf(host, sizeof(host), "%s", at + 1);
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, port, &hints, &res) != 0)
			return -1;
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
			freeaddrinfo(res);
			return -1;
		}
		if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
			close(fd);
			freeaddrinfo(res);
			return -1;
		}
		freeaddrinfo(res);
		/* Like Postfix, the MTA side leaves Nagle on: the milter's
		 * side is what is measured. */
		return fd;
	}
	return -1;
}

/* conn - one milter connection */
struct conn {
	int		 fd;
	uint32_t	 actions;	/* negotiated */
	uint32_t	 proto;		/* negotiated protocol flags */
	char		*rbuf;		/* reply packet */
	size_t		 rsize;
	long		 quarantined;	/* SMFIR_QUARANTINE seen */
	size_t		 olen;
	char		 obuf[DRV_CHUNK + 4096]; /* unsent packets */
};

/* drv_writeall - write everything or fail */
static int
drv_writeall(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* drv_readall - read exactly len bytes */
static int
drv_readall(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* drv_flush - write what is buffered */
static int
drv_flush(struct conn *c)
{
	size_t n = c->olen;

	c->olen = 0;
	return n > 0 ? drv_writeall(c->fd, c->obuf, n) : 0;
}

/*
 * drv_send - queue one packet: length, command, data (in up to two pieces).
 * Like Postfix's buffered stream, nothing is written until a reply is
 * awaited or the buffer is full, so a macro definition and its command go
 * out in one write.
 */
static int
drv_send(struct conn *c, char cmd, const void *d1, size_t l1, const void *d2, size_t l2)
{
	uint32_t len = htonl((uint32_t)(1 + l1 + l2));
	size_t need = 5 + l1 + l2;

	if (c->olen + need > sizeof(c->obuf) && drv_flush(c) < 0)
		return -1;
	if (need > sizeof(c->obuf)) {
		char hdr[5];

		memcpy(hdr, &len, 4);
		hdr[4] = cmd;
		if (drv_writeall(c->fd, hdr, 5) < 0 ||
		    (l1 && drv_writeall(c->fd, d1, l1) < 0) ||
		    (l2 && drv_writeall(c->fd, d2, l2) < 0))
			return -1;
		return 0;
	}
	memcpy(c->obuf + c->olen, &len, 4);
	c->obuf[c->olen + 4] = cmd;
	if (l1)
		memcpy(c->obuf + c->olen + 5, d1, l1);
	if (l2)
		memcpy(c->obuf + c->olen + 5 + l1, d2, l2);
	c->olen += need;
	return 0;
}

/* drv_recv - one reply packet; returns its command letter or -1 */
static int
drv_recv(struct conn *c, size_t *lenp)
{
	uint32_t len;

	if (drv_flush(c) < 0 || drv_readall(c->fd, &len, 4) < 0)
		return -1;
	len = ntohl(len);
	if (len < 1 || len > DRV_MAXPKT)
		return -1;
	if (len > c->rsize) {
		free(c->rbuf);
		if ((c->rbuf = malloc(len)) == NULL)
			return -1;
		c->rsize = len;
	}
	if (drv_readall(c->fd, c->rbuf, len) < 0)
		return -1;
	*lenp = len - 1;
	return (unsigned char)c->rbuf[0];
}

/* drv_reply - wait for the reply to one command, skipping modifications */
static int
drv_reply(struct conn *c)
{
	size_t len;
	int r;

	for (;;) {
		if ((r = drv_recv(c, &len)) < 0)
			return -1;
		switch (r) {
		case SMFIR_ADDRCPT: case SMFIR_DELRCPT: case SMFIR_ADDRCPT_PAR:
		case SMFIR_REPLBODY: case SMFIR_CHGFROM: case SMFIR_ADDHEADER:
		case SMFIR_INSHEADER: case SMFIR_CHGHEADER: case SMFIR_PROGRESS:
			continue;
		case SMFIR_QUARANTINE:
			c->quarantined++;
			continue;
		default:
			return r;
		}
	}
}

/* drv_cmd - send a command and, unless the milter said not to, its reply */
static int
drv_cmd(struct conn *c, char cmd, const void *d1, size_t l1, const void *d2,
    size_t l2, uint32_t noreply)
{
	if (drv_send(c, cmd, d1, l1, d2, l2) < 0)
		return -1;
	if (noreply && (c->proto & noreply))
		return SMFIR_CONTINUE;
	return drv_reply(c);
}

/* drv_negotiate - offer what Postfix offers, keep what the milter takes */
static int
drv_negotiate(struct conn *c)
{
	uint32_t v[3];
	size_t len;
	int r;

	v[0] = htonl(6);
	v[1] = htonl(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT |
	    SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR |
	    SMFIF_SETSYMLIST);
	v[2] = htonl(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT |
	    SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ |
	    SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY |
	    SMFIP_HDR_LEADSPC);
	if (drv_send(c, SMFIC_OPTNEG, v, sizeof(v), NULL, 0) < 0)
		return -1;
	if ((r = drv_recv(c, &len)) != SMFIC_OPTNEG || len < 12)
		return -1;
	memcpy(v, c->rbuf + 1, 12);
	c->actions = ntohl(v[1]);
	c->proto = ntohl(v[2]);
	return 0;
}

/* drv_macro - define macros for the next command: name\0value\0 pairs */
static int
drv_macro(struct conn *c, char forcmd, const char *pairs, size_t len)
{
	return drv_send(c, SMFIC_MACRO, &forcmd, 1, pairs, len);
}

/* drv_session - SMFIC_CONNECT and HELO for a new SMTP session */
static int
drv_session(struct conn *c)
{
	/* Octal escapes swallow digits: keep each "\0" before a quote. */
	static const char cmac[] = "j\0" "mx.bench.test\0" "{daemon_name}\0"
	    "bench\0" "{client_addr}\0" "127.0.0.1\0" "{client_name}\0" "localhost";
	static const char conn[] = "localhost\0" "4\x30\x39" "127.0.0.1";
	static const char helo[] = "client.bench.test";
	int r;

	if (!(c->proto & SMFIP_NOCONNECT)) {
		if (drv_macro(c, SMFIC_CONNECT, cmac, sizeof(cmac)) < 0)
			return -1;
		/* host\0, family '4', port (network order), address\0 */
		if ((r = drv_cmd(c, SMFIC_CONNECT, conn, sizeof(conn), NULL, 0,
		    SMFIP_NR_CONN)) != SMFIR_CONTINUE)
			return -1;
	}
	if (!(c->proto & SMFIP_NOHELO)) {
		if ((r = drv_cmd(c, SMFIC_HELO, helo, sizeof(helo), NULL, 0,
		    SMFIP_NR_HELO)) != SMFIR_CONTINUE)
			return -1;
	}
	return 0;
}

/* hdrbuf - a growable name\0value\0 buffer */
struct hdrbuf {
	char	*p;
	size_t	 len, size;
};

/* hb_add - append n bytes and keep the buffer NUL-terminated */
static int
hb_add(struct hdrbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		size_t ns = b->size ? b->size * 2 : 1024;
		char *np;

		while (ns < b->len + n + 1)
			ns *= 2;
		if ((np = realloc(b->p, ns)) == NULL)
			return -1;
		b->p = np;
		b->size = ns;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* drv_header - send one header, honouring SMFIP_HDR_LEADSPC */
static int
drv_header(struct conn *c, const char *name, const char *value)
{
	struct hdrbuf b = { NULL, 0, 0 };
	int r;

	if (c->proto & SMFIP_NOHDRS)
		return SMFIR_CONTINUE;
	if (hb_add(&b, name, strlen(name) + 1) < 0 ||
	    ((c->proto & SMFIP_HDR_LEADSPC) && hb_add(&b, " ", 1) < 0) ||
	    hb_add(&b, value, strlen(value) + 1) < 0) {
		free(b.p);
		return -1;
	}
	r = drv_cmd(c, SMFIC_HEADER, b.p, b.len, NULL, 0, SMFIP_NR_HDR);
	free(b.p);
	return r;
}

/* drv_addr_headers - To: and Cc: lists holding naddr addresses in all */
static int
drv_addr_headers(struct conn *c, int tid, int n)
{
	struct hdrbuf b = { NULL, 0, 0 };
	char one[128];
	int i, r = SMFIR_CONTINUE, in_to = n < 4 ? n : 4;

	/* To: the security team and a few maintainers. */
	hb_add(&b, "Security Officers <security@kernel.org>", 39);
	for (i = 1; i < in_to; i++) {
		snprintf(one, sizeof(one), ",\r\n\tMaintainer %d <maint%d@example.org>", i, i);
		hb_add(&b, one, strlen(one));
	}
	if ((r = drv_header(c, "To", b.p)) != SMFIR_CONTINUE)
		goto out;
	b.len = 0;
	if (opts.kind != KIND_PASS) {
		hb_add(&b, "linux-distros@vs.openwall.org", 29);
	}
	for (i = in_to; i < n; i++) {
		snprintf(one, sizeof(one), "%s\"Dev %d.%d\" <dev%d.t%d@lists.example.net>",
		    b.len ? ", " : "", i, tid, i, tid);
		hb_add(&b, one, strlen(one));
		if (b.len > DRV_HDR_MAX) {
			if ((r = drv_header(c, "Cc", b.p)) != SMFIR_CONTINUE)
				goto out;
			b.len = 0;
		}
	}
	if (b.len > 0)
		r = drv_header(c, "Cc", b.p);
out:
	free(b.p);
	return r;
}

/* drv_message - one message; the final reply's letter, or -1 */
static int
drv_message(struct conn *c, int tid, int seq)
{
	char buf[512], mbuf[640], qid[64];
	int i, r;
	size_t left, n, ml;

#define STEP(x) do { if ((r = (x)) != SMFIR_CONTINUE) goto early; } while (0)
	if (!(c->proto & SMFIP_NOMAIL)) {
		ml = sprintf(buf, "{mail_addr}") + 1;
		ml += sprintf(buf + ml, "reporter%d@example.org", tid) + 1;
		if (drv_macro(c, SMFIC_MAIL, buf, ml) < 0)
			return -1;
		snprintf(buf, sizeof(buf), "<reporter%d@example.org>", tid);
		STEP(drv_cmd(c, SMFIC_MAIL, buf, strlen(buf) + 1, "BODY=8BITMIME", 14,
		    SMFIP_NR_MAIL));
	}
	if (!(c->proto & SMFIP_NORCPT)) {
		for (i = 0; i < opts.rcpts; i++) {
			if (i == 0)
				snprintf(buf, sizeof(buf), "<security@kernel.org>");
			else if (i == 1 && opts.kind != KIND_PASS)
				snprintf(buf, sizeof(buf), "<linux-distros@vs.openwall.org>");
			else
				snprintf(buf, sizeof(buf), "<rcpt%d.t%d@example.com>", i, tid);
			/* Postfix's default RCPT macros: where it resolved the recipient. */
			n = strlen(buf) - 2;
			ml = sprintf(mbuf, "{rcpt_addr}") + 1;
			ml += sprintf(mbuf + ml, "%.*s", (int)n, buf + 1) + 1;
			ml += sprintf(mbuf + ml, "{rcpt_host}") + 1;
			ml += sprintf(mbuf + ml, "[127.0.0.1]:25") + 1;
			ml += sprintf(mbuf + ml, "{rcpt_mailer}") + 1;
			ml += sprintf(mbuf + ml, "smtp") + 1;
			if (drv_macro(c, SMFIC_RCPT, mbuf, ml) < 0)
				return -1;
			STEP(drv_cmd(c, SMFIC_RCPT, buf, strlen(buf) + 1, NULL, 0,
			    SMFIP_NR_RCPT));
		}
	}
	if (!(c->proto & SMFIP_NODATA))
		STEP(drv_cmd(c, SMFIC_DATA, NULL, 0, NULL, 0, SMFIP_NR_DATA));
	snprintf(qid, sizeof(qid), "B%dT%dS%d", seq, tid, (int)getpid());
	STEP(drv_header(c, "Received", "from client.bench.test (localhost [127.0.0.1])\r\n"
	    "\tby mx.bench.test (Postfix) with ESMTP id 4ABCDEF0123\r\n"
	    "\tfor <security@kernel.org>; Sat, 28 Nov 2026 10:00:00 +0000 (UTC)"));
	STEP(drv_header(c, "Received", "from laptop.example.org (laptop [192.0.2.7])\r\n"
	    "\tby relay.example.org with ESMTPSA; Sat, 28 Nov 2026 09:59:58 +0000"));
	STEP(drv_header(c, "DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=example.org; s=mail; h=from:to:cc:subject:date;\r\n\tbh=47DEQpj8HBSa+/"
	    "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ=="));
	snprintf(buf, sizeof(buf), "Reporter %d <reporter%d@example.org>", tid, tid);
	STEP(drv_header(c, "From", buf));
	STEP(drv_addr_headers(c, tid, opts.hdr_addrs));
	snprintf(buf, sizeof(buf), "[PATCH] net: fix use-after-free in bench path %d", seq);
	STEP(drv_header(c, "Subject", buf));
	STEP(drv_header(c, "Date", "Sat, 28 Nov 2026 09:59:57 +0000"));
	snprintf(buf, sizeof(buf), "<bench-%d-%d@example.org>", tid, seq);
	STEP(drv_header(c, "Message-ID", buf));
	if (opts.kind == KIND_HOLD) {
		STEP(drv_header(c, "In-Reply-To", "<report-1@example.org>"));
		STEP(drv_header(c, "References", "<report-1@example.org>"));
	}
	STEP(drv_header(c, "MIME-Version", "1.0"));
	STEP(drv_header(c, "Content-Type", "text/plain; charset=utf-8"));
	STEP(drv_header(c, "Content-Transfer-Encoding", "8bit"));
	STEP(drv_header(c, "User-Agent", "bench-driver/1.0"));
	STEP(drv_header(c, "X-Mailer", "git-send-email 2.39.2"));
	if (!(c->proto & SMFIP_NOEOH))
		STEP(drv_cmd(c, SMFIC_EOH, NULL, 0, NULL, 0, SMFIP_NR_EOH));
	if (!(c->proto & SMFIP_NOBODY)) {
		for (left = opts.body; left > 0; left -= n) {
			n = left < DRV_CHUNK ? left : DRV_CHUNK;
			r = drv_cmd(c, SMFIC_BODY, body_buf, n, NULL, 0, SMFIP_NR_BODY);
			if (r == SMFIR_SKIP)
				break;
			if (r != SMFIR_CONTINUE)
				goto early;
		}
	}
	snprintf(buf, sizeof(buf), "i%c%s", 0, qid);
	if (drv_macro(c, SMFIC_BODYEOB, buf, 2 + strlen(qid) + 1) < 0)
		return -1;
	return drv_cmd(c, SMFIC_BODYEOB, NULL, 0, NULL, 0, 0);
early:
	/* A final reply before end of message ends it, as an MTA does. */
	if (r < 0)
		return -1;
	if (drv_send(c, SMFIC_ABORT, NULL, 0, NULL, 0) < 0)
		return -1;
	return r;
#undef STEP
}

/* drv_set_ready - one more connection is set up (or has failed) */
static void
drv_set_ready(void)
{
	pthread_mutex_lock(&ready_lock);
	ready_count++;
	pthread_cond_broadcast(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
}

/* drv_thread_main - one connection: negotiate, then the messages */
static void *
drv_thread_main(void *arg)
{
	struct drv_thread *t = arg;
	struct conn *c;
	int i, r, readied = 0;
	double t0;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		t->failed = 1;
		snprintf(t->err, sizeof(t->err), "out of memory");
		return NULL;
	}
	if ((c->fd = drv_connect(opts.spec)) < 0) {
		snprintf(t->err, sizeof(t->err), "connect %s: %s", opts.spec, strerror(errno));
		goto fail;
	}
	if (drv_negotiate(c) < 0) {
		snprintf(t->err, sizeof(t->err), "negotiation failed");
		goto fail;
	}
	if (drv_session(c) < 0) {
		snprintf(t->err, sizeof(t->err), "connect/helo refused");
		goto fail;
	}
	for (i = 0; i < opts.msgs; i++) {
		t0 = drv_now();
		if ((r = drv_message(c, t->id, i)) < 0) {
			snprintf(t->err, sizeof(t->err), "message %d: protocol error", i);
			goto fail;
		}
		t->lat[t->nlat++] = drv_now() - t0;
		t->replies[r & 127]++;
	}
	if (opts.idle > 0) {
		drv_flush(c);
		drv_set_ready();
		readied = 1;
		sleep(opts.idle);
	}
	t->quarantined = c->quarantined;
	drv_send(c, SMFIC_QUIT, NULL, 0, NULL, 0);
	drv_flush(c);
	close(c->fd);
	free(c->rbuf);
	free(c);
	return NULL;
fail:
	t->failed = 1;
	if (opts.idle > 0 && !readied)
		drv_set_ready();
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	free(c);
	return NULL;
}

/* dbl_cmp - qsort order of doubles */
static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* drv_quantile - nearest-rank quantile of sorted values */
static double
drv_quantile(const double *v, long n, double q)
{
	long i = (long)(q * n + 0.999999) - 1;

	if (n == 0)
		return 0.0;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* usage - print the synopsis and exit */
static void
usage(void)
{
	fprintf(stderr, "usage: driver -p SOCKET [-c conns] [-k msgs] [-r rcpts] "
	    "[-a header-addrs] [-b body-bytes] [-m pass|hold|reject] "
	    "[-i idle-seconds] [-R ready-file]\n");
	exit(2);
}

/* main - parse options, run the connections, print one result line */
int
main(int argc, char **argv)
{
	struct drv_thread *th;
	double t0, elapsed, *all;
	long total = 0, quarantined = 0, replies[128] = { 0 };
	int ch, i, j, failed = 0;
	size_t k;

	while ((ch = getopt(argc, argv, "p:c:k:r:a:b:m:i:R:")) != -1) {
		switch (ch) {
		case 'p': opts.spec = optarg; break;
		case 'c': opts.conns = atoi(optarg); break;
		case 'k': opts.msgs = atoi(optarg); break;
		case 'r': opts.rcpts = atoi(optarg); break;
		case 'a': opts.hdr_addrs = atoi(optarg); break;
		case 'b': opts.body = strtoull(optarg, NULL, 10); break;
		case 'm':
			if (strcmp(optarg, "pass") == 0)
				opts.kind = KIND_PASS;
			else if (strcmp(optarg, "hold") == 0)
				opts.kind = KIND_HOLD;
			else if (strcmp(optarg, "reject") == 0)
				opts.kind = KIND_REJECT;
			else
				usage();
			break;
		case 'i': opts.idle = atoi(optarg); break;
		case 'R': opts.ready = optarg; break;
		default: usage();
		}
	}
	if (opts.spec == NULL || opts.conns < 1 || opts.msgs < 0 || opts.rcpts < 1 ||
	    opts.hdr_addrs < 1)
		usage();
	/* Body text: 72-column lines, CRLF, as on the wire. */
	for (k = 0; k + 74 <= sizeof(body_buf); k += 74) {
		memset(body_buf + k, 'a' + (k / 74) % 26, 72);
		body_buf[k + 72] = '\r';
		body_buf[k + 73] = '\n';
	}
	memset(body_buf + k, 'z', sizeof(body_buf) - k);
	if ((th = calloc(opts.conns, sizeof(*th))) == NULL)
		return 1;
	t0 = drv_now();
	for (i = 0; i < opts.conns; i++) {
		th[i].id = i;
		if ((th[i].lat = calloc(opts.msgs + 1, sizeof(double))) == NULL)
			return 1;
		if (pthread_create(&th[i].tid, NULL, drv_thread_main, &th[i]) != 0) {
			fprintf(stderr, "driver: pthread_create failed\n");
			return 1;
		}
	}
	if (opts.idle > 0) {
		pthread_mutex_lock(&ready_lock);
		while (ready_count < opts.conns)
			pthread_cond_wait(&ready_cond, &ready_lock);
		pthread_mutex_unlock(&ready_lock);
		if (opts.ready != NULL) {
			int fd = open(opts.ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0)
				close(fd);
		}
	}
	for (i = 0; i < opts.conns; i++)
		pthread_join(th[i].tid, NULL);
	elapsed = drv_now() - t0;
	if (opts.idle > 0)
		elapsed -= opts.idle;
	for (i = 0; i < opts.conns; i++) {
		total += th[i].nlat;
		if (th[i].failed) {
			failed++;
			fprintf(stderr, "driver: connection %d: %s\n", i, th[i].err);
		}
		for (j = 0; j < 128; j++)
			replies[j] += th[i].replies[j];
		quarantined += th[i].quarantined;
	}
	if ((all = calloc(total + 1, sizeof(double))) == NULL)
		return 1;
	for (i = 0, k = 0; i < opts.conns; i++)
		for (j = 0; j < th[i].nlat; j++)
			all[k++] = th[i].lat[j];
	qsort(all, total, sizeof(double), dbl_cmp);
	printf("msgs=%ld secs=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f accept=%ld "
	    "reject=%ld tempfail=%ld other=%ld held=%ld failed_conns=%d\n",
	    total, elapsed, elapsed > 0 ? total / elapsed : 0.0,
	    drv_quantile(all, total, 0.50) * 1e3, drv_quantile(all, total, 0.99) * 1e3,
	    replies[SMFIR_ACCEPT] + replies[SMFIR_CONTINUE], replies[SMFIR_REJECT] +
	    replies[SMFIR_REPLYCODE], replies[SMFIR_TEMPFAIL],
	    total - replies[SMFIR_ACCEPT] - replies[SMFIR_CONTINUE] -
	    replies[SMFIR_REJECT] - replies[SMFIR_REPLYCODE] - replies[SMFIR_TEMPFAIL],
	    quarantined, failed);
	for (i = 0; i < opts.conns; i++)
		free(th[i].lat);
	free(th);
	free(all);
	return failed ? 1 : 0;
}
