/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ctl_queue - Postfix queue access for ccguardctl
 * SYNOPSIS
 *	ctlq_init(&q, config_dir, err, size);
 *	ctlq_list(&q, &entries, &n, ...)	postqueue -j (every queue)
 *	ctlq_cat(&q, qid, body, &text, &len, ...)	postcat -h -q or -b -q
 *	ctlq_super(&q, "-H" or "-d", qid, ...)	postsuper, on the hold queue
 *	ctlq_deliver(&q, qid, ...)		postqueue -i: deliver it now
 * DESCRIPTION
 *	Postfix's own programs are the interface to its queue. They are run
 *	from Postfix's command_directory (asked of /usr/sbin/postconf), by
 *	absolute path, with an argv, without a shell, with a fixed minimal
 *	environment, and with "-c DIR" when a configuration directory other
 *	than the default is named. Queue ids are checked to be letters and
 *	digits before they reach an argv, so none can look like an option.
 *
 *	postqueue -j writes one JSON object per message; ctlq_parse_json_line
 *	decodes it with jansson (Debian: libjansson-dev), and takes a line
 *	only when it is one whole object with nothing after it.
 *	Why jansson: queue entries carry hostile mail data, and jansson is a
 *	strict RFC 8259 decoder. It refuses bytes that are not UTF-8, lone
 *	surrogates, raw control characters, unknown escapes, duplicate keys
 *	and anything after the value, and it gives each string's length, so
 *	an escaped NUL cannot cut an address short (it becomes '?', as
 *	before). postqueue -j (Postfix 3.7) writes only valid UTF-8: it turns
 *	8-bit bytes that are not UTF-8 into '?', so being strict refuses
 *	nothing Postfix writes. json-glib, on the GLib that GMime brings
 *	already, was not taken: it accepts what is not JSON (two objects on
 *	one line, single quotes, comments, unknown escapes, a bad \u escape
 *	read as another character) and silently cuts a string at an escaped
 *	NUL. json-c is strict in grammar but lets through invalid UTF-8, lone
 *	surrogates (as U+FFFD), raw control characters and NaN.
 *
 *	A string longer than CTLQ_MAX_FIELD, a missing queue id or queue
 *	name, or a field of the wrong type refuses the line, and with it the
 *	listing: a queue entry that cannot be read whole is not acted on.
 *
 *	postsuper reports on its stderr what it did ("postsuper: ID:
 *	removed", "postsuper: Deleted: 1 message"), whether or not that is a
 *	terminal. ccguardctl says what was done in its own words, so that
 *	chatter is dropped; anything else postsuper or postqueue says (a
 *	warning) still reaches the person, and when they fail, their last
 *	line is the reason given.
 *
 *	postsuper -H moves a released message to the deferred queue, which
 *	Postfix scans only every queue_run_delay (300 s by default), so a
 *	release then asks for that one message's delivery with postqueue -i
 *	(the flush(8) service; allowed to everyone by the default
 *	authorized_flush_users).
 * DIAGNOSTICS
 *	-1 with a one-line reason in err.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_queue.h"
#include "diag.h"
#include "msg.h"
#include "release.h"
#include "run.h"
#include "sanitize.h"
#include "strbuf.h"

#ifndef CCGUARD_POSTCONF
#define CCGUARD_POSTCONF "/usr/sbin/postconf"
#endif

#define CTLQ_MAX_OUTPUT	(256 * 1024 * 1024)
#define CTLQ_MAX_FIELD	(1024 * 1024)	/* longest queue id, sender or recipient taken */

/* ctlq_spawn - run argv[0] (absolute), collect stdout (and stderr too with err_to_out) */
static int
ctlq_spawn(const char *const *argv, int err_to_out, char **out, size_t *len, char *err,
    size_t errsize)
{
	struct strbuf sb;
	struct run_io io;
	int status, werr;

	*out = NULL;
	*len = 0;
	strbuf_init(&sb, CTLQ_MAX_OUTPUT);
	memset(&io, 0, sizeof(io));
	io.out = &sb;
	io.err_to_out = err_to_out;
	if (run_program(argv, &io, &status, &werr, err, errsize) != RUN_DONE) {
		strbuf_free(&sb);
		return -1;
	}
	*len = sb.len;
	*out = strbuf_steal(&sb);
	if (*out == NULL && (*out = strdup("")) == NULL) {
		diag_set(err, errsize, "out of memory");
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		diag_set(err, errsize, "could not run %s", argv[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		diag_set(err, errsize, "%s exited with status %d", argv[0], WEXITSTATUS(status));
	else if (!WIFEXITED(status))
		diag_set(err, errsize, "%s was killed", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ctlq_run - run argv[0] (absolute), collect stdout; its exit status or -1 */
int
ctlq_run(const char *const *argv, char **out, size_t *len, char *err, size_t errsize)
{
	return ctlq_spawn(argv, 0, out, len, err, errsize);
}

/* ctlq_chatter - is line postsuper's report of what it did to qid? */
static int
ctlq_chatter(const char *line, const char *qid)
{
	static const char *const counts[] = { "Deleted: ", "Released from hold: ", NULL };
	static const char prog[] = "postsuper: ";
	size_t n = strlen(qid), k;
	const char *p;

	if (strncmp(line, prog, sizeof(prog) - 1) != 0)
		return 0;
	line += sizeof(prog) - 1;
	if (strncmp(line, qid, n) == 0 && (strcmp(line + n, ": removed") == 0 ||
	    strcmp(line + n, ": released from hold") == 0))
		return 1;
	for (k = 0; counts[k] != NULL; k++) {
		if (strncmp(line, counts[k], strlen(counts[k])) != 0)
			continue;
		p = line + strlen(counts[k]);
		if (!isdigit((unsigned char)*p))
			return 0;
		p += strspn(p, "0123456789");
		return strcmp(p, " message") == 0 || strcmp(p, " messages") == 0;
	}
	return 0;
}

/*
 * ctlq_run_quiet - run a Postfix program acting on qid, its stdout and
 * stderr collected: on success what is not chatter goes to our stderr;
 * on failure its last line (its fatal error) is the reason in err
 */
static int
ctlq_run_quiet(const char *const *argv, const char *qid, char *err, size_t errsize)
{
	char *text, *line, *save = NULL, *last = NULL;
	size_t len;
	int r;

	r = ctlq_spawn(argv, 1, &text, &len, err, errsize);
	if (text == NULL)
		return -1;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		sanitize_inplace(line, SANITIZE_PRINTABLE);
		if (r != 0)
			last = line;
		else if (!ctlq_chatter(line, qid))
			fprintf(stderr, "%s\n", line);
	}
	if (r != 0 && last != NULL)
		diag_set(err, errsize, "%s", last);
	free(text);
	return r == 0 ? 0 : -1;
}

/* ctlq_init - find Postfix's command directory */
int
ctlq_init(struct ctlq *q, const char *config, char *err, size_t errsize)
{
	const char *argv[6];
	char *out;
	size_t len, i = 0;

	memset(q, 0, sizeof(*q));
	if (config != NULL && config[0] != '\0') {
		if (config[0] != '/') {
			diag_set(err, errsize, "postfix_config must be an absolute path");
			return -1;
		}
		if ((q->config = strdup(config)) == NULL)
			return -1;
	}
	argv[i++] = CCGUARD_POSTCONF;
	if (q->config != NULL) {
		argv[i++] = "-c";
		argv[i++] = q->config;
	}
	argv[i++] = "-h";
	argv[i++] = "command_directory";
	argv[i] = NULL;
	if (ctlq_run(argv, &out, &len, err, errsize) != 0) {
		free(out);
		return -1;
	}
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] != '/') {
		diag_set(err, errsize, "postconf: command_directory is not an absolute path");
		free(out);
		return -1;
	}
	q->command_dir = out;
	return 0;
}

/* ctlq_clear - free what ctlq_init allocated */
void
ctlq_clear(struct ctlq *q)
{
	free(q->config);
	free(q->command_dir);
	memset(q, 0, sizeof(*q));
}

/* ctlq_tool - argv for a Postfix program: path, [-c DIR]; returns next index */
static size_t
ctlq_tool(struct ctlq *q, const char **argv, char *path, size_t size, const char *name)
{
	size_t i = 0;

	snprintf(path, size, "%s/%s", q->command_dir, name);
	argv[i++] = path;
	if (q->config != NULL) {
		argv[i++] = "-c";
		argv[i++] = q->config;
	}
	return i;
}

/* --- the postqueue -j reader, on jansson ----------------------------------- */

/* ctlq_json_string - a decoded JSON string value, copied; NULL when it is not one */
static char *
ctlq_json_string(const json_t *v)
{
	const char *s;
	char *copy;
	size_t len, i;

	if (v == NULL || !json_is_string(v))
		return NULL;
	s = json_string_value(v);
	len = json_string_length(v);
	if (s == NULL || len > CTLQ_MAX_FIELD)
		return NULL;	/* a cut queue id or address must never be used */
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)	/* \u0000 must not end the string early */
		copy[i] = s[i] == '\0' ? '?' : s[i];
	copy[len] = '\0';
	return copy;
}

/* ctlq_json_field - the string member key of o into *field; absent is fine, -1 when bad */
static int
ctlq_json_field(const json_t *o, const char *key, char **field)
{
	const json_t *v;

	if ((v = json_object_get(o, key)) == NULL)
		return 0;
	return (*field = ctlq_json_string(v)) == NULL ? -1 : 0;
}

/* ctlq_json_number - the integer member key of o into *out; absent is fine, -1 when bad */
static int
ctlq_json_number(const json_t *o, const char *key, long long *out)
{
	const json_t *v;

	if ((v = json_object_get(o, key)) == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	*out = (long long)json_integer_value(v);
	return 0;
}

/* ctlq_json_recipients - [{"address": "..."}, ...] into e->rcpts; -1 when bad */
static int
ctlq_json_recipients(const json_t *o, struct ctlq_entry *e)
{
	const json_t *list, *r, *a;
	char *addr, **nv;
	size_t i, n;

	if ((list = json_object_get(o, "recipients")) == NULL)
		return 0;
	if (!json_is_array(list))
		return -1;
	n = json_array_size(list);
	for (i = 0; i < n; i++) {
		r = json_array_get(list, i);
		if (r == NULL || !json_is_object(r))
			return -1;
		if ((a = json_object_get(r, "address")) == NULL)
			continue;	/* no address: nothing to act on */
		if ((addr = ctlq_json_string(a)) == NULL)
			return -1;
		if ((nv = realloc(e->rcpts, (e->nrcpts + 1) * sizeof(*nv))) == NULL) {
			free(addr);
			return -1;
		}
		e->rcpts = nv;
		e->rcpts[e->nrcpts++] = addr;
	}
	return 0;
}

/* ctlq_parse_json_line - one postqueue -j object; 0, or -1 when malformed */
int
ctlq_parse_json_line(const char *line, struct ctlq_entry *e)
{
	json_error_t jerr;
	json_t *o;
	long long arrival = 0;
	int r = -1;

	memset(e, 0, sizeof(*e));
	/* one whole, well-formed object and nothing after it (jansson's default) */
	o = json_loadb(line, strlen(line), JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (o == NULL || !json_is_object(o))
		goto out;
	if (ctlq_json_field(o, "queue_id", &e->queue_id) < 0 ||
	    ctlq_json_field(o, "queue_name", &e->queue_name) < 0 ||
	    ctlq_json_field(o, "sender", &e->sender) < 0 ||
	    ctlq_json_number(o, "arrival_time", &arrival) < 0 ||
	    ctlq_json_number(o, "message_size", &e->size) < 0 ||
	    ctlq_json_recipients(o, e) < 0)
		goto out;
	e->arrival = (time_t)arrival;
	if (e->queue_id != NULL && e->queue_name != NULL)
		r = 0;
out:
	json_decref(o);
	if (r == 0 && e->sender == NULL && (e->sender = strdup("")) == NULL)
		r = -1;
	if (r < 0)
		ctlq_entry_clear(e);
	return r;
}

/* ctlq_entries_free - free a list from ctlq_list */
void
ctlq_entries_free(struct ctlq_entry *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		ctlq_entry_clear(&v[i]);
	free(v);
}

/* ctlq_entry_clear - free the fields of one entry (not the entry itself) */
void
ctlq_entry_clear(struct ctlq_entry *e)
{
	size_t k;

	free(e->queue_id);
	free(e->queue_name);
	free(e->sender);
	for (k = 0; k < e->nrcpts; k++)
		free(e->rcpts[k]);
	free(e->rcpts);
	memset(e, 0, sizeof(*e));
}

/* ctlq_entries_push - append e to the array (taking it); -1 and e cleared when out of memory */
int
ctlq_entries_push(struct ctlq_entry **v, size_t *n, struct ctlq_entry *e)
{
	struct ctlq_entry *nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		ctlq_entry_clear(e);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = *e;
	return 0;
}

/* ctlq_list - every queued message, from postqueue -j */
int
ctlq_list(struct ctlq *q, struct ctlq_entry **out, size_t *n, char *err, size_t errsize)
{
	const char *argv[6];
	char path[4096], *text, *line, *save = NULL;
	struct ctlq_entry e, *v = NULL;
	size_t len, i, cnt = 0;

	*out = NULL;
	*n = 0;
	i = ctlq_tool(q, argv, path, sizeof(path), "postqueue");
	argv[i++] = "-j";
	argv[i] = NULL;
	if (ctlq_run(argv, &text, &len, err, errsize) != 0) {
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (ctlq_parse_json_line(line, &e) < 0) {
			diag_set(err, errsize, "postqueue -j: unexpected output");
			ctlq_entries_free(v, cnt);
			free(text);
			return -1;
		}
		if (ctlq_entries_push(&v, &cnt, &e) < 0) {
			ctlq_entries_free(v, cnt);
			free(text);
			diag_set(err, errsize, "out of memory");
			return -1;
		}
	}
	free(text);
	*out = v;
	*n = cnt;
	return 0;
}

/* ctlq_cat - the message's header (body = 0) or body (body = 1) section */
int
ctlq_cat(struct ctlq *q, const char *qid, int body, char **out, size_t *len,
    char *err, size_t errsize)
{
	const char *argv[8];
	char path[4096];
	size_t i;

	*out = NULL;
	if (!release_qid_ok(qid)) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	i = ctlq_tool(q, argv, path, sizeof(path), "postcat");
	argv[i++] = body ? "-b" : "-h";
	argv[i++] = "-q";
	argv[i++] = qid;
	argv[i] = NULL;
	if (ctlq_run(argv, out, len, err, errsize) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ctlq_act - run "TOOL OP QID [LAST]" quietly (ctlq_run_quiet), for one queue id */
static int
ctlq_act(struct ctlq *q, const char *tool, const char *op, const char *qid, const char *last,
    char *err, size_t errsize)
{
	const char *argv[8];
	char path[4096];
	size_t i;

	if (!release_qid_ok(qid)) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	i = ctlq_tool(q, argv, path, sizeof(path), tool);
	argv[i++] = op;
	argv[i++] = qid;
	if (last != NULL)
		argv[i++] = last;
	argv[i] = NULL;
	return ctlq_run_quiet(argv, qid, err, errsize);
}

/* ctlq_super - postsuper OP QID hold ("-H": release; "-d": delete) */
int
ctlq_super(struct ctlq *q, const char *op, const char *qid, char *err, size_t errsize)
{
	return ctlq_act(q, "postsuper", op, qid, strcmp(op, "-d") == 0 ? "hold" : NULL,
	    err, errsize);
}

/* ctlq_deliver - postqueue -i QID: deliver a released message now */
int
ctlq_deliver(struct ctlq *q, const char *qid, char *err, size_t errsize)
{
	return ctlq_act(q, "postqueue", "-i", qid, NULL, err, errsize);
}

/* ctlq_delivery_left - say that a released message waits for the MTA's next queue run */
void
ctlq_delivery_left(const char *qid, const char *why)
{
	fprintf(stderr, "ccguardctl: %s: released; delivery is left to the next queue run (%s)\n",
	    qid, why);
}

