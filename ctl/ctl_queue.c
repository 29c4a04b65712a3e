/*
 * NAME
 *	ctl_queue - Postfix queue access for ccguardctl
 * SYNOPSIS
 *	ctlq_init(&q, config_dir, err, size);
 *	ctlq_list(&q, &entries, &n, ...)	postqueue -j (every queue)
 *	ctlq_cat(&q, qid, body, &text, &len, ...)	postcat -h -q or -b -q
 *	ctlq_super(&q, "-H" or "-d", qid, ...)	postsuper, on the hold queue
 * DESCRIPTION
 *	Postfix's own programs are the interface to its queue. They are run
 *	from Postfix's command_directory (asked of /usr/sbin/postconf), by
 *	absolute path, with an argv, without a shell, with a fixed minimal
 *	environment, and with "-c DIR" when a configuration directory other
 *	than the default is named. Queue ids are checked to be letters and
 *	digits before they reach an argv, so none can look like an option.
 *
 *	postqueue -j writes one JSON object per message; ctlq_parse_json_line
 *	reads the fields used here with a small parser that accepts only
 *	well-formed JSON (strings with escapes, numbers, true/false/null,
 *	arrays, objects, nested at most 8 deep).
 * DIAGNOSTICS
 *	-1 with a one-line reason in err.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_queue.h"
#include "diag.h"
#include "msg.h"
#include "release.h"
#include "run.h"
#include "strbuf.h"

#ifndef CCGUARD_POSTCONF
#define CCGUARD_POSTCONF "/usr/sbin/postconf"
#endif

#define CTLQ_MAX_OUTPUT	(256 * 1024 * 1024)

/* ctlq_run - run argv[0] (absolute), collect stdout; its exit status or -1 */
int
ctlq_run(const char *const *argv, char **out, size_t *len, char *err, size_t errsize)
{
	struct strbuf sb;
	struct run_io io;
	int status, werr;

	*out = NULL;
	*len = 0;
	strbuf_init(&sb, CTLQ_MAX_OUTPUT);
	memset(&io, 0, sizeof(io));
	io.out = &sb;
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

/* --- a small JSON reader, enough for postqueue -j ------------------------ */

struct jp {
	const char	*p;
	int		 depth;
};

/* jp_ws - skip JSON white space */
static void
jp_ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')
		j->p++;
}

/* jp_hex4 - four hex digits of a \u escape */
static int
jp_hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* put_utf8 - one code point as UTF-8 */
static void
put_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80)
		strbuf_putc(sb, (char)cp);
	else if (cp < 0x800) {
		strbuf_putc(sb, (char)(0xc0 | (cp >> 6)));
		strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_putc(sb, (char)(0xe0 | (cp >> 12)));
		strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_putc(sb, (char)(0xf0 | (cp >> 18)));
		strbuf_putc(sb, (char)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

/* jp_string - a JSON string; malloc'd (NUL bytes become '?') or NULL */
static char *
jp_string(struct jp *j)
{
	struct strbuf sb;
	unsigned cp, lo;

	if (*j->p != '"')
		return NULL;
	j->p++;
	strbuf_init(&sb, 1024 * 1024);
	for (;;) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '\0' || c < 0x20)
			goto bad;
		j->p++;
		if (c == '"')
			break;
		if (c != '\\') {
			strbuf_putc(&sb, (char)c);
			continue;
		}
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			strbuf_putc(&sb, (char)c);
			break;
		case 'b': strbuf_putc(&sb, '\b'); break;
		case 'f': strbuf_putc(&sb, '\f'); break;
		case 'n': strbuf_putc(&sb, '\n'); break;
		case 'r': strbuf_putc(&sb, '\r'); break;
		case 't': strbuf_putc(&sb, '\t'); break;
		case 'u':
			if (jp_hex4(j->p, &cp) < 0)
				goto bad;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && j->p[0] == '\\' && j->p[1] == 'u' &&
			    jp_hex4(j->p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				j->p += 6;
			}
			put_utf8(&sb, cp == 0 ? '?' : cp);
			break;
		default:
			goto bad;
		}
	}
	if (sb.error != STRBUF_OK)
		goto bad;	/* a cut queue id or address must never be used */
	if (sb.data == NULL)
		return strdup("");
	return strbuf_steal(&sb);
bad:
	strbuf_free(&sb);
	return NULL;
}

static int jp_skip(struct jp *);

/* jp_skip - pass over any value; -1 when malformed */
static int
jp_skip(struct jp *j)
{
	char *s;

	jp_ws(j);
	if (*j->p == '"') {
		if ((s = jp_string(j)) == NULL)
			return -1;
		free(s);
		return 0;
	}
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';

		if (++j->depth > 8)
			return -1;
		j->p++;
		jp_ws(j);
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				jp_ws(j);
				if ((s = jp_string(j)) == NULL)
					return -1;
				free(s);
				jp_ws(j);
				if (*j->p++ != ':')
					return -1;
			}
			if (jp_skip(j) < 0)
				return -1;
			jp_ws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ != close)
				return -1;
			j->depth--;
			return 0;
		}
	}
	if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "null", 4) == 0) {
		j->p += 4;
		return 0;
	}
	if (strncmp(j->p, "false", 5) == 0) {
		j->p += 5;
		return 0;
	}
	if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		char *end;

		strtod(j->p, &end);
		if (end == j->p)
			return -1;
		j->p = end;
		return 0;
	}
	return -1;
}

/* jp_recipients - [{"address": "..."}, ...] into e->rcpts */
static int
jp_recipients(struct jp *j, struct ctlq_entry *e)
{
	char *key, *addr, **nv;

	jp_ws(j);
	if (*j->p++ != '[')
		return -1;
	jp_ws(j);
	if (*j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		jp_ws(j);
		if (*j->p++ != '{')
			return -1;
		addr = NULL;
		for (;;) {
			jp_ws(j);
			if (*j->p == '}')
				break;
			if ((key = jp_string(j)) == NULL)
				goto bad;
			jp_ws(j);
			if (*j->p++ != ':') {
				free(key);
				goto bad;
			}
			jp_ws(j);
			if (strcmp(key, "address") == 0 && addr == NULL) {
				if ((addr = jp_string(j)) == NULL) {
					free(key);
					goto bad;
				}
			} else if (jp_skip(j) < 0) {
				free(key);
				goto bad;
			}
			free(key);
			jp_ws(j);
			if (*j->p == ',')
				j->p++;
		}
		j->p++;
		if (addr != NULL) {
			if ((nv = realloc(e->rcpts, (e->nrcpts + 1) * sizeof(*nv))) == NULL)
				goto bad;
			e->rcpts = nv;
			e->rcpts[e->nrcpts++] = addr;
		}
		jp_ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != ']')
			return -1;
		return 0;
	}
bad:
	free(addr);
	return -1;
}

/* ctlq_parse_json_line - one postqueue -j object; 0, or -1 when malformed */
int
ctlq_parse_json_line(const char *line, struct ctlq_entry *e)
{
	struct jp j = { line, 1 };
	char *key, **field;
	int r = -1;

	memset(e, 0, sizeof(*e));
	jp_ws(&j);
	if (*j.p++ != '{')
		return -1;
	for (;;) {
		jp_ws(&j);
		if (*j.p == '}') {
			j.p++;
			break;
		}
		if ((key = jp_string(&j)) == NULL)
			goto out;
		jp_ws(&j);
		if (*j.p++ != ':') {
			free(key);
			goto out;
		}
		jp_ws(&j);
		field = strcmp(key, "queue_id") == 0 ? &e->queue_id :
		    strcmp(key, "queue_name") == 0 ? &e->queue_name :
		    strcmp(key, "sender") == 0 ? &e->sender : NULL;
		if (field != NULL && *field == NULL) {
			if ((*field = jp_string(&j)) == NULL) {
				free(key);
				goto out;
			}
		} else if (strcmp(key, "arrival_time") == 0 || strcmp(key, "message_size") == 0) {
			char *end;
			long long v = strtoll(j.p, &end, 10);

			if (end == j.p) {
				free(key);
				goto out;
			}
			j.p = end;
			if (key[0] == 'a')
				e->arrival = (time_t)v;
			else
				e->size = v;
		} else if (strcmp(key, "recipients") == 0) {
			if (jp_recipients(&j, e) < 0) {
				free(key);
				goto out;
			}
		} else if (jp_skip(&j) < 0) {
			free(key);
			goto out;
		}
		free(key);
		jp_ws(&j);
		if (*j.p == ',')
			j.p++;
		else if (*j.p != '}')
			goto out;
	}
	jp_ws(&j);
	if (*j.p == '\0' && e->queue_id != NULL && e->queue_name != NULL)
		r = 0;
out:
	if (r < 0) {
		free(e->queue_id);
		free(e->queue_name);
		free(e->sender);
		while (e->nrcpts > 0)
			free(e->rcpts[--e->nrcpts]);
		free(e->rcpts);
		memset(e, 0, sizeof(*e));
	} else if (e->sender == NULL)
		e->sender = strdup("");
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

/* ctlq_super - postsuper OP QID hold ("-H": release; "-d": delete) */
int
ctlq_super(struct ctlq *q, const char *op, const char *qid, char *err, size_t errsize)
{
	const char *argv[8];
	char path[4096], *out;
	size_t i, len;
	int r;

	if (!release_qid_ok(qid)) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	i = ctlq_tool(q, argv, path, sizeof(path), "postsuper");
	argv[i++] = op;
	argv[i++] = qid;
	if (strcmp(op, "-d") == 0)
		argv[i++] = "hold";
	argv[i] = NULL;
	r = ctlq_run(argv, &out, &len, err, errsize);
	free(out);
	return r == 0 ? 0 : -1;
}

