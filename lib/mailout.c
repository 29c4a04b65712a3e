/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mailout - build and submit the messages ccguard sends
 * SYNOPSIS
 *	data = mailout_build(&spec, &len);
 *	mailout_submit(&via, rcpts, n, data, len, err, sizeof(err));
 *	reason = mailout_suppress_reason(headers, n);
 * DESCRIPTION
 *	mailout_build() makes an RFC 5322 message with GMime: From, To,
 *	Subject, Date, Message-ID, Auto-Submitted: auto-replied, MIME-Version,
 *	Reply-To and one marking header when asked (moderation by mail),
 *	and In-Reply-To/References when the original Message-ID looks like
 *	one (<...>, printable ASCII, no white space); otherwise they are left
 *	out. With original headers it is multipart/mixed: the text as
 *	text/plain; charset=utf-8, then the original header block as
 *	text/rfc822-headers (never the body; Subject only when allowed; at
 *	most MAILOUT_MAX_HEADERS_PART bytes). Without, a single text/plain.
 *	Values from the original message reach headers only through GMime's
 *	header encoders, after control characters became spaces, so no value
 *	can add a header line; invalid UTF-8 is repaired first.
 *
 *	mailout_submit() hands the message to sendmail (posix_spawn of a
 *	fixed path with an argv, no shell, a clean environment (run.c), the recipients
 *	after "--" so none can be taken for an option) or speaks SMTP to
 *	host:port (MAIL FROM:<> for the null sender). Both stop after
 *	via->timeout seconds; a sendmail still running then is killed.
 *
 *	mailout_suppress_reason() names the header that marks a message as
 *	automatic or list traffic, to which nothing must ever be sent:
 *	Auto-Submitted other than "no" (RFC 3834), Precedence bulk, list or
 *	junk, List-Id, List-Post.
 * DIAGNOSTICS
 *	mailout_build returns NULL when out of memory; mailout_submit returns
 *	-1 with a one-line reason in err.
 * SEE ALSO
 *	notify.c, ccguardctl.c, RFC 3834, RFC 3462
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "diag.h"
#include "mailout.h"
#include "msg.h"
#include "run.h"
#include "sanitize.h"
#include "strbuf.h"

#define MAILOUT_MAX_ADDR	512

/* mailout_address_ok - one address fit for an argv or an SMTP command */
int
mailout_address_ok(const char *a)
{
	size_t n;

	for (n = 0; a[n] != '\0'; n++) {
		unsigned char c = (unsigned char)a[n];

		if (c <= 0x20 || c == 0x7f || c >= 0x80 || strchr("<>()[],;:\"\\", c) != NULL)
			return 0;
	}
	return n > 0 && n <= MAILOUT_MAX_ADDR;
}

/* mailout_envelope_address - "<a@b>" as sent in MAIL FROM -> "a@b"; NULL for <> or junk */
char *
mailout_envelope_address(const char *raw)
{
	const char *s = raw, *e;
	char *out;

	if (raw == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > s && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	if (e == s || (out = strndup(s, (size_t)(e - s))) == NULL)
		return NULL;
	if (!mailout_address_ok(out)) {
		free(out);
		return NULL;
	}
	return out;
}

/* mailout_msgid_ok - looks like <left@right>: printable, no white space */
int
mailout_msgid_ok(const char *id)
{
	size_t n, len = strlen(id);

	if (len < 3 || len > 900 || id[0] != '<' || id[len - 1] != '>')
		return 0;
	for (n = 1; n + 1 < len; n++) {
		unsigned char c = (unsigned char)id[n];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* trimmed - first word of a header value, lower case, in buf */
static const char *
trimmed(const char *v, char *buf, size_t size)
{
	size_t n = 0;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	while (*v != '\0' && *v != ';' && *v != ' ' && *v != '\t' && *v != '\r' &&
	    *v != '\n' && *v != '(' && n + 1 < size)
		buf[n++] = (char)(*v >= 'A' && *v <= 'Z' ? *v - 'A' + 'a' : *v), v++;
	buf[n] = '\0';
	return buf;
}

/* mailout_suppress_reason - the header that forbids an automatic reply, or NULL */
const char *
mailout_suppress_reason(const struct msg_header *h, size_t n)
{
	char buf[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, "Auto-Submitted") == 0 &&
		    strcmp(trimmed(h[i].value, buf, sizeof(buf)), "no") != 0)
			return "Auto-Submitted";
		if (strcasecmp(h[i].name, "Precedence") == 0) {
			trimmed(h[i].value, buf, sizeof(buf));
			if (strcmp(buf, "bulk") == 0 || strcmp(buf, "list") == 0 ||
			    strcmp(buf, "junk") == 0)
				return "Precedence";
		}
		if (strcasecmp(h[i].name, "List-Id") == 0)
			return "List-Id";
		if (strcasecmp(h[i].name, "List-Post") == 0)
			return "List-Post";
	}
	return NULL;
}

/* clean_value - UTF-8 with every control character as a space; g_free() it */
static char *
clean_value(const char *s)
{
	char *v = g_utf8_make_valid(s, -1);

	sanitize_inplace(v, SANITIZE_ONE_LINE);
	return v;
}

/* skip_header - a header the copy leaves out */
static int
skip_header(const struct mailout_spec *s, const char *name)
{
	size_t i;

	if (!s->keep_subject && strcasecmp(name, "Subject") == 0)
		return 1;
	for (i = 0; s->omit != NULL && s->omit[i] != NULL; i++)
		if (strcasecmp(name, s->omit[i]) == 0)
			return 1;
	return 0;
}

/* headers_part - the original headers as a text/rfc822-headers part */
static GMimeObject *
headers_part(const struct mailout_spec *s)
{
	struct strbuf sb;
	GMimePart *part;
	GMimeStream *stream;
	GMimeDataWrapper *w;
	const char *p;
	size_t i;
	int truncated = 0;

	strbuf_init(&sb, MAILOUT_MAX_HEADERS_PART);
	for (i = 0; i < s->nheaders && !truncated; i++) {
		struct strbuf line;

		if (skip_header(s, s->headers[i].name))
			continue;
		/* Folding arrives as "\n\t" or "\r\n\t": keep it, as LF only. */
		strbuf_init(&line, MAILOUT_MAX_HEADERS_PART);
		strbuf_printf(&line, "%s: ", s->headers[i].name);
		for (p = s->headers[i].value; *p != '\0'; p++) {
			if (*p == '\r')
				continue;
			if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
				strbuf_putc(&line, ' ');
			else
				strbuf_putc(&line, *p);
		}
		strbuf_putc(&line, '\n');
		if (strbuf_append(&sb, line.data, line.len) != STRBUF_OK)
			truncated = 1;
		strbuf_free(&line);
	}
	if (truncated)
		strbuf_puts(&sb, "X-Ccguard-Note: more headers were left out\n");
	part = g_mime_part_new_with_type("text", "rfc822-headers");
	stream = g_mime_stream_mem_new_with_buffer(sb.data != NULL ? sb.data : "", sb.len);
	w = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(stream);
	strbuf_free(&sb);
	g_mime_part_set_content_encoding(part,
	    g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT));
	g_mime_object_set_content_disposition_parameter(GMIME_OBJECT(part), "filename",
	    "original-headers.txt");
	g_mime_object_set_disposition(GMIME_OBJECT(part), "inline");
	return GMIME_OBJECT(part);
}

/* text_part - the explanation as text/plain; charset=utf-8 */
static GMimeObject *
text_part(const char *text)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	char *valid = g_utf8_make_valid(text, -1);

	g_mime_text_part_set_text(tp, valid);
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp),
	    g_mime_part_get_best_content_encoding(GMIME_PART(tp), GMIME_ENCODING_CONSTRAINT_7BIT));
	g_free(valid);
	return GMIME_OBJECT(tp);
}

/* add_from - "addr" or "Name <addr>" */
static void
add_from(GMimeMessage *gm, const char *from)
{
	InternetAddressList *list = internet_address_list_parse(NULL, from);

	if (list != NULL && internet_address_list_length(list) == 1) {
		internet_address_list_append(g_mime_message_get_from(gm), list);
	} else {
		char *v = clean_value(from);

		g_mime_message_add_mailbox(gm, GMIME_ADDRESS_TYPE_FROM, NULL, v);
		g_free(v);
	}
	if (list != NULL)
		g_object_unref(list);
}

/* mailout_build - the whole message, LF line ends; malloc'd, *len set */
char *
mailout_build(const struct mailout_spec *s, size_t *len)
{
	GMimeMessage *gm;
	GMimeStream *out;
	GByteArray *bytes;
	GDateTime *now;
	GMimeObject *body;
	char *v, *id, *ret = NULL, *irt = NULL;

	gm = g_mime_message_new(TRUE);
	add_from(gm, s->from);
	v = clean_value(s->to);
	g_mime_message_add_mailbox(gm, GMIME_ADDRESS_TYPE_TO, NULL, v);
	g_free(v);
	v = clean_value(s->subject);
	g_mime_message_set_subject(gm, v, "utf-8");
	g_free(v);
	now = g_date_time_new_now_local();
	g_mime_message_set_date(gm, now);
	g_date_time_unref(now);
	id = g_mime_utils_generate_message_id(s->hostname != NULL && *s->hostname != '\0' ?
	    s->hostname : "localhost");
	g_mime_message_set_message_id(gm, id);
	g_free(id);
	g_mime_object_set_header(GMIME_OBJECT(gm), "Auto-Submitted", "auto-replied", NULL);
	if (s->reply_to != NULL && *s->reply_to != '\0') {
		v = clean_value(s->reply_to);
		g_mime_message_add_mailbox(gm, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, v);
		g_free(v);
	}
	if (s->mark_header != NULL && s->mark_value != NULL) {
		v = clean_value(s->mark_value);
		g_mime_object_set_header(GMIME_OBJECT(gm), s->mark_header, v, NULL);
		g_free(v);
	}
	if (s->in_reply_to != NULL) {
		irt = g_strstrip(g_strdup(s->in_reply_to));
		if (mailout_msgid_ok(irt)) {
			g_mime_object_set_header(GMIME_OBJECT(gm), "In-Reply-To", irt, NULL);
			g_mime_object_set_header(GMIME_OBJECT(gm), "References", irt, NULL);
		}
		g_free(irt);
	}
	if (s->headers != NULL) {
		GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
		GMimeObject *t = text_part(s->text), *h = headers_part(s);

		g_mime_multipart_add(mp, t);
		g_mime_multipart_add(mp, h);
		g_object_unref(t);
		g_object_unref(h);
		body = GMIME_OBJECT(mp);
	} else
		body = text_part(s->text);
	g_mime_message_set_mime_part(gm, body);
	g_object_unref(body);

	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(gm), NULL, out) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		if ((ret = malloc(bytes->len + 1)) != NULL) {
			memcpy(ret, bytes->data, bytes->len);
			ret[bytes->len] = '\0';
			*len = bytes->len;
		}
	}
	g_object_unref(out);
	g_object_unref(gm);
	return ret;
}

/* write_all - write within the deadline; -1 on error or timeout */
static int
write_all(int fd, const char *p, size_t len, const struct timespec *deadline)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, run_ms_left(deadline)) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* submit_sendmail - run sendmail with the message on its stdin, within the deadline */
static int
submit_sendmail(const struct mailout_via *via, char *const *rcpts, size_t nrcpts,
    const char *data, size_t len, const struct timespec *deadline, char *err, size_t errsize)
{
	const char **argv;
	struct run_io io;
	size_t i, argc = 0;
	int status, werr;
	enum run_result rr;

	if (via->sendmail_path == NULL || via->sendmail_path[0] != '/') {
		diag_set(err, errsize, "sendmail_path must be an absolute path");
		return -1;
	}
	if ((argv = calloc(nrcpts + 10, sizeof(*argv))) == NULL) {
		diag_set(err, errsize, "out of memory");
		return -1;
	}
	argv[argc++] = via->sendmail_path;
	argv[argc++] = "-i";
	if (via->postfix_config != NULL && via->postfix_config[0] != '\0') {
		argv[argc++] = "-C";
		argv[argc++] = via->postfix_config;
	}
	argv[argc++] = "-f";
	argv[argc++] = via->envelope_from != NULL && via->envelope_from[0] != '\0' ?
	    via->envelope_from : "<>";
	argv[argc++] = "--";
	for (i = 0; i < nrcpts; i++)
		argv[argc++] = rcpts[i];
	argv[argc] = NULL;
	memset(&io, 0, sizeof(io));
	io.in = data;
	io.inlen = len;
	io.deadline = deadline;
	rr = run_program(argv, &io, &status, &werr, err, errsize);
	free(argv);
	if (rr == RUN_NOT_RUN)
		return -1;
	if (rr == RUN_TIMEOUT) {
		diag_set(err, errsize, "%s did not finish in %d seconds; killed",
		    via->sendmail_path, via->timeout);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && werr == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		diag_set(err, errsize, "could not run %s", via->sendmail_path);
	else if (WIFEXITED(status))
		diag_set(err, errsize, "%s exited with status %d", via->sendmail_path,
		    WEXITSTATUS(status));
	else if (werr != 0)
		diag_set(err, errsize, "writing to %s: %s", via->sendmail_path, strerror(werr));
	else
		diag_set(err, errsize, "%s was killed by signal %d", via->sendmail_path,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

struct smtp {
	int	 fd;
	char	 buf[1024];
	size_t	 len;
	const struct timespec *deadline;
};

/* smtp_reply - read one (multi-line) reply; its code, or -1 */
static int
smtp_reply(struct smtp *s, char *line, size_t size)
{
	struct pollfd pfd;
	char *nl;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
			size_t l = (size_t)(nl - s->buf) + 1;
			int last = l >= 4 && s->buf[3] != '-';
			int code = l >= 4 ? atoi(s->buf) : -1;

			snprintf(line, size, "%.*s", (int)(l > 1 ? l - 1 : 0), s->buf);
			line[strcspn(line, "\r")] = '\0';
			/* The reply ends up in the log: printable ASCII only. */
			sanitize_inplace(line, SANITIZE_PRINTABLE);
			memmove(s->buf, nl + 1, s->len - l);
			s->len -= l;
			if (last)
				return code;
		}
		if (s->len == sizeof(s->buf))
			s->len = 0;	/* an overlong line: drop what we have */
		pfd.fd = s->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, run_ms_left(s->deadline)) <= 0)
			return -1;
		if ((n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		s->len += (size_t)n;
	}
}

/* smtp_cmd - send a command, expect a reply class (2 or 3) */
static int
smtp_cmd(struct smtp *s, const char *cmd, int want, char *err, size_t errsize)
{
	char line[512];
	int code;

	if (cmd != NULL && write_all(s->fd, cmd, strlen(cmd), s->deadline) < 0) {
		diag_set(err, errsize, "SMTP write: %s", strerror(errno));
		return -1;
	}
	if ((code = smtp_reply(s, line, sizeof(line))) < 0) {
		diag_set(err, errsize, "SMTP: no reply%s%.*s", cmd != NULL ? " to " : "",
		    cmd != NULL ? (int)strcspn(cmd, "\r") : 0, cmd != NULL ? cmd : "");
		return -1;
	}
	if (code / 100 != want) {
		diag_set(err, errsize, "SMTP: %s", line);
		return -1;
	}
	return 0;
}

/* smtp_connect - a TCP connection to "host:port" ("[v6]:port" too) */
static int
smtp_connect(const char *hostport, const struct timespec *deadline, char *err, size_t errsize)
{
	struct addrinfo hints, *res, *ai;
	char host[256], *port;
	struct pollfd pfd;
	int fd = -1, r, soerr;
	socklen_t sl;

	if (hostport[0] == '[') {
		snprintf(host, sizeof(host), "%s", hostport + 1);
		if ((port = strstr(host, "]:")) == NULL) {
			diag_set(err, errsize, "notify_smtp: want host:port, not %s", hostport);
			return -1;
		}
		*port = '\0';
		port += 2;
	} else {
		snprintf(host, sizeof(host), "%s", hostport);
		if ((port = strrchr(host, ':')) == NULL) {
			diag_set(err, errsize, "notify_smtp: want host:port, not %s", hostport);
			return -1;
		}
		*port++ = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		diag_set(err, errsize, "%s: %s", hostport, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			sl = sizeof(soerr);
			if (poll(&pfd, 1, run_ms_left(deadline)) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		diag_set(err, errsize, "cannot connect to %s", hostport);
	return fd;
}

/* submit_smtp - one SMTP transaction */
static int
submit_smtp(const struct mailout_via *via, char *const *rcpts, size_t nrcpts,
    const char *data, size_t len, const struct timespec *deadline, char *err, size_t errsize)
{
	struct smtp s;
	struct strbuf sb;
	char cmd[1100];
	size_t i;
	const char *p, *end = data + len;
	int r = -1;

	memset(&s, 0, sizeof(s));
	s.deadline = deadline;
	if ((s.fd = smtp_connect(via->smtp, deadline, err, errsize)) < 0)
		return -1;
	if (smtp_cmd(&s, NULL, 2, err, errsize) < 0)
		goto out;
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", via->helo != NULL && mailout_address_ok(via->helo) ?
	    via->helo : "localhost");
	if (smtp_cmd(&s, cmd, 2, err, errsize) < 0)
		goto out;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", via->envelope_from != NULL ?
	    via->envelope_from : "");
	if (smtp_cmd(&s, cmd, 2, err, errsize) < 0)
		goto out;
	for (i = 0; i < nrcpts; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpts[i]);
		if (smtp_cmd(&s, cmd, 2, err, errsize) < 0)
			goto out;
	}
	if (smtp_cmd(&s, "DATA\r\n", 3, err, errsize) < 0)
		goto out;
	/* CRLF line ends and dot-stuffing. */
	strbuf_init(&sb, 0);
	for (p = data; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (*p == '.')
			strbuf_putc(&sb, '.');
		strbuf_append(&sb, p, l);
		strbuf_puts(&sb, "\r\n");
		p = nl != NULL ? nl + 1 : end;
	}
	strbuf_puts(&sb, ".\r\n");
	if (sb.error != STRBUF_OK) {
		/* A cut message must not be sent as if whole. */
		diag_set(err, errsize, "out of memory preparing the message");
		strbuf_free(&sb);
		goto out;
	}
	if (write_all(s.fd, sb.data, sb.len, deadline) < 0) {
		diag_set(err, errsize, "SMTP write: %s", strerror(errno));
		strbuf_free(&sb);
		goto out;
	}
	strbuf_free(&sb);
	if (smtp_cmd(&s, NULL, 2, err, errsize) < 0)
		goto out;
	r = 0;
	(void)smtp_cmd(&s, "QUIT\r\n", 2, cmd, sizeof(cmd));
out:
	close(s.fd);
	return r;
}

/* mailout_submit - send data to rcpts; 0, or -1 with err set */
int
mailout_submit(const struct mailout_via *via, char *const *rcpts, size_t nrcpts,
    const char *data, size_t len, char *err, size_t errsize)
{
	struct timespec deadline;
	size_t i;

	if (nrcpts == 0) {
		diag_set(err, errsize, "no recipients");
		return -1;
	}
	for (i = 0; i < nrcpts; i++)
		if (!mailout_address_ok(rcpts[i])) {
			diag_set(err, errsize, "unusable recipient address");
			return -1;
		}
	if (via->envelope_from != NULL && via->envelope_from[0] != '\0' &&
	    !mailout_address_ok(via->envelope_from)) {
		diag_set(err, errsize, "unusable sender address");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += via->timeout > 0 ? via->timeout : 60;
	if (via->smtp != NULL && via->smtp[0] != '\0')
		return submit_smtp(via, rcpts, nrcpts, data, len, &deadline, err, errsize);
	return submit_sendmail(via, rcpts, nrcpts, data, len, &deadline, err, errsize);
}
