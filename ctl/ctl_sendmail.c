/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ctl_sendmail - Sendmail's quarantine as ccguardctl's hold queue
 * SYNOPSIS
 *	ctlq_sendmail_init(&q, sendmail_path, sendmail_cf, err, size);
 *	ctlq_sendmail.list	sendmail -C CF -bp -qQ (mailq -qQ)
 *	ctlq_sendmail.cat	the quarantined queue file (hf) and data file (df)
 *	ctlq_sendmail.release	sendmail -C CF -qQ -qIID -Q, then -qIID
 *	ctlq_sendmail.remove	the hf and df files, under the queue file's lock
 * DESCRIPTION
 *	ccguard holds a message under Sendmail by quarantining it
 *	(smfi_quarantine): Sendmail renames its queue file from qfID to hfID,
 *	keeps the reason in the file's 'q' line, and leaves it alone until
 *	it is released. Sendmail's own commands list quarantined messages
 *	and release them; it has no command that prints a queued message or
 *	deletes one, so those two read and remove the files in the queue
 *	directory named by the QueueDirectory option of sendmail.cf (one
 *	directory, with or without qf/ and df/ subdirectories; queue groups
 *	and wildcards are refused).
 *
 *	Queue ids are letters and digits (release_qid_ok) before they reach
 *	an argv or a path. "-qI" selects ids by substring, so a release is
 *	refused while another quarantined id contains the one asked for.
 * DIAGNOSTICS
 *	-1 with a one-line reason in err.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_queue.h"
#include "diag.h"
#include "release.h"
#include "strbuf.h"

#define SM_MAX_FILE	(256 * 1024 * 1024)
#define SM_MAX_CF	(16 * 1024 * 1024)

/* sm_read_file - the whole file (at most max bytes), NUL-terminated; -1 and errno */
static int
sm_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct strbuf sb;
	char buf[65536];
	ssize_t n;
	int fd, saved;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	strbuf_init(&sb, max);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			strbuf_free(&sb);
			errno = saved;
			return -1;
		}
		if (strbuf_append(&sb, buf, (size_t)n) != STRBUF_OK) {
			close(fd);
			strbuf_free(&sb);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	*len = sb.len;
	if ((*out = strbuf_steal(&sb)) == NULL && (*out = strdup("")) == NULL)
		return -1;
	return 0;
}

/* sm_path - QDIR[/sub]/PREFIXqid: the subdirectory when Sendmail uses one */
static int
sm_path(const struct ctlq *q, const char *sub, const char *prefix, const char *qid,
    char *path, size_t size)
{
	struct stat st;
	int n;

	n = snprintf(path, size, "%s/%s", q->sm_qdir, sub);
	if (n > 0 && (size_t)n < size && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		n = snprintf(path, size, "%s/%s/%s%s", q->sm_qdir, sub, prefix, qid);
	else
		n = snprintf(path, size, "%s/%s%s", q->sm_qdir, prefix, qid);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* sm_queue_dir - the QueueDirectory option of sendmail.cf, malloc'd */
static char *
sm_queue_dir(const char *cf, char *err, size_t errsize)
{
	char *text, *line, *save = NULL, *dir = NULL;
	size_t len;
	int qgroups = 0;

	if (sm_read_file(cf, SM_MAX_CF, &text, &len) < 0) {
		diag_set(err, errsize, "cannot read %s: %s", cf, strerror(errno));
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		if (line[0] == 'Q' && isalnum((unsigned char)line[1]))
			qgroups++;
		if (strncmp(line, "O QueueDirectory=", 17) != 0)
			continue;
		v = line + 17;
		free(dir);
		dir = strndup(v, strcspn(v, " \t\r"));
	}
	free(text);
	if (dir == NULL) {
		/* Sendmail's compiled-in default. */
		dir = strdup("/var/spool/mqueue");
	}
	if (dir == NULL) {
		diag_set(err, errsize, "out of memory");
		return NULL;
	}
	if (dir[0] != '/' || strchr(dir, '*') != NULL || qgroups > 0) {
		diag_set(err, errsize, "%s: only one queue directory, given by an absolute path and "
		    "without queue groups, is supported (QueueDirectory=%s)", cf, dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* ctlq_sendmail_init - the sendmail program, its .cf and its queue directory */
int
ctlq_sendmail_init(struct ctlq *q, const char *binary, const char *cf, char *err, size_t errsize)
{
	memset(q, 0, sizeof(*q));
	if (binary == NULL || binary[0] != '/' || cf == NULL || cf[0] != '/') {
		diag_set(err, errsize, "sendmail_path and sendmail_config must be absolute paths");
		return -1;
	}
	if ((q->sm_binary = strdup(binary)) == NULL || (q->sm_cf = strdup(cf)) == NULL) {
		diag_set(err, errsize, "out of memory");
		return -1;
	}
	if ((q->sm_qdir = sm_queue_dir(cf, err, errsize)) == NULL)
		return -1;
	return 0;
}

/* sm_clear - free the Sendmail fields */
static void
sm_clear(struct ctlq *q)
{
	free(q->sm_binary);
	free(q->sm_cf);
	free(q->sm_qdir);
	q->sm_binary = q->sm_cf = q->sm_qdir = NULL;
}

/* sm_unbracket - an address without one pair of angle brackets, malloc'd */
static char *
sm_unbracket(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\r'))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	return strndup(s, len);
}

/*
 * ctlq_sendmail_parse_qf - envelope and headers of a Sendmail queue file.
 * T is the arrival time, S the sender, R a recipient ("R" flags ":" address),
 * H a header ("H" ["?" condition "?"] name ":" value, continued on lines
 * that start with white space). Headers with a condition (Return-Path and
 * the like, added per mailer at delivery) are left out. headers (may be
 * NULL) gets "Name: value" lines. 0, or -1 when out of memory.
 */
int
ctlq_sendmail_parse_qf(const char *text, size_t len, struct ctlq_entry *e, struct strbuf *headers)
{
	const char *p = text, *end = text + len, *nl, *v;
	char **nv;
	int in_header = 0;

	memset(e, 0, sizeof(*e));
	if ((e->queue_name = strdup("hold")) == NULL || (e->sender = strdup("")) == NULL)
		return -1;
	for (; p < end; p = nl + 1) {
		size_t l;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = (size_t)(nl - p);
		if (l > 0 && (p[0] == ' ' || p[0] == '\t')) {
			if (in_header && headers != NULL) {
				strbuf_append(headers, p, l);
				strbuf_putc(headers, '\n');
			}
			continue;
		}
		in_header = 0;
		if (l == 0)
			continue;
		switch (p[0]) {
		case 'T':
			e->arrival = (time_t)strtoll(p + 1, NULL, 10);
			break;
		case 'S':
			free(e->sender);
			if ((e->sender = sm_unbracket(p + 1, l - 1)) == NULL)
				return -1;
			break;
		case 'R':
			v = memchr(p, ':', l);
			v = v != NULL ? v + 1 : p + 1;
			if ((nv = realloc(e->rcpts, (e->nrcpts + 1) * sizeof(*nv))) == NULL)
				return -1;
			e->rcpts = nv;
			if ((nv[e->nrcpts] = sm_unbracket(v, (size_t)(nl - v))) == NULL)
				return -1;
			e->nrcpts++;
			break;
		case 'H':
			v = p + 1;
			if (v < nl && *v == '?') {
				const char *c = memchr(v + 1, '?', (size_t)(nl - v - 1));

				if (c == NULL || c != v + 1)
					break;	/* conditional header: not part of the message */
				v = c + 1;
			}
			in_header = 1;
			if (headers != NULL) {
				strbuf_append(headers, v, (size_t)(nl - v));
				strbuf_putc(headers, '\n');
			}
			break;
		case '.':
			p = end;
			nl = end;
			break;
		default:
			break;
		}
		if (nl == end)
			break;
	}
	if (headers != NULL && headers->error != STRBUF_OK)
		return -1;
	return 0;
}

/* sm_load - parse the quarantined queue file of qid; -1 with err, -2 when it is not there */
static int
sm_load(struct ctlq *q, const char *qid, struct ctlq_entry *e, struct strbuf *headers,
    char *err, size_t errsize)
{
	char path[4096], *text;
	struct stat st;
	size_t len;

	memset(e, 0, sizeof(*e));
	if (!release_qid_ok(qid) || sm_path(q, "qf", "hf", qid, path, sizeof(path)) < 0) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	if (sm_read_file(path, SM_MAX_FILE, &text, &len) < 0) {
		int gone = errno == ENOENT;

		diag_set(err, errsize, "%s: %s", path, strerror(errno));
		return gone ? -2 : -1;
	}
	if (ctlq_sendmail_parse_qf(text, len, e, headers) < 0 ||
	    (e->queue_id = strdup(qid)) == NULL) {
		free(text);
		ctlq_entry_clear(e);
		diag_set(err, errsize, "out of memory");
		return -1;
	}
	free(text);
	if (sm_path(q, "df", "df", qid, path, sizeof(path)) == 0 && stat(path, &st) == 0)
		e->size = (long long)st.st_size;
	return 0;
}

/* sm_run - run the sendmail program with -C CF and up to 4 more arguments */
static int
sm_run(struct ctlq *q, const char *a1, const char *a2, const char *a3, char **out,
    char *err, size_t errsize)
{
	const char *argv[8];
	size_t i = 0, len;

	argv[i++] = q->sm_binary;
	argv[i++] = "-C";
	argv[i++] = q->sm_cf;
	argv[i++] = a1;
	if (a2 != NULL)
		argv[i++] = a2;
	if (a3 != NULL)
		argv[i++] = a3;
	argv[i] = NULL;
	return ctlq_run(argv, out, &len, err, errsize) == 0 ? 0 : -1;
}

/* sm_list - the quarantined messages mailq -qQ names */
static int
sm_list(struct ctlq *q, struct ctlq_entry **out, size_t *n, char *err, size_t errsize)
{
	struct ctlq_entry e, *v = NULL;
	char *text, *line, *save = NULL, id[64];
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (sm_run(q, "-bp", "-qQ", NULL, &text, err, errsize) < 0) {
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789");
		const char *rest = line + l;

		/* "ID[*X-] SIZE DATE <sender>": an id, perhaps a mark, a size. */
		if (l < 6 || l >= sizeof(id))
			continue;
		if (*rest == '*' || *rest == 'X' || *rest == '-')
			rest++;
		if (*rest != ' ' || !isdigit((unsigned char)rest[strspn(rest, " ")]))
			continue;
		memcpy(id, line, l);
		id[l] = '\0';
		if ((r = sm_load(q, id, &e, NULL, err, errsize)) < 0) {
			if (r == -2)
				continue;	/* released or deleted meanwhile */
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

/* sm_cat - the header section (from the queue file) or the body (the df file) */
static int
sm_cat(struct ctlq *q, const char *qid, int body, char **out, size_t *len, char *err,
    size_t errsize)
{
	struct ctlq_entry e;
	struct strbuf h;
	char path[4096];

	*out = NULL;
	*len = 0;
	if (body) {
		if (!release_qid_ok(qid) || sm_path(q, "df", "df", qid, path, sizeof(path)) < 0) {
			diag_set(err, errsize, "not a queue id: %s", qid);
			return -1;
		}
		if (sm_read_file(path, SM_MAX_FILE, out, len) < 0) {
			diag_set(err, errsize, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	strbuf_init(&h, SM_MAX_FILE);
	if (sm_load(q, qid, &e, &h, err, errsize) < 0) {
		strbuf_free(&h);
		return -1;
	}
	ctlq_entry_clear(&e);
	*len = h.len;
	if ((*out = strbuf_steal(&h)) == NULL && (*out = strdup("")) == NULL) {
		diag_set(err, errsize, "out of memory");
		return -1;
	}
	return 0;
}

/* sm_ambiguous - does another quarantined id contain qid ("-qI" matches substrings)? */
static int
sm_ambiguous(struct ctlq *q, const char *qid)
{
	char path[4096], dir[4096];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (sm_path(q, "qf", "hf", qid, path, sizeof(path)) < 0)
		return 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
	if ((d = opendir(dir)) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "hf", 2) == 0 && strcmp(de->d_name + 2, qid) != 0 &&
		    strstr(de->d_name + 2, qid) != NULL)
			found = 1;
	closedir(d);
	return found;
}

/* sm_release - unquarantine with Sendmail's -qQ -qIID -Q, then deliver it now */
static int
sm_release(struct ctlq *q, const char *qid, char *err, size_t errsize)
{
	char sel[80], path[4096], *out, ignored[256];

	if (!release_qid_ok(qid) || strlen(qid) > 60 ||
	    sm_path(q, "qf", "hf", qid, path, sizeof(path)) < 0) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	if (sm_ambiguous(q, qid)) {
		diag_set(err, errsize, "another quarantined queue id contains %s; release it with "
		    "Sendmail's own commands", qid);
		return -1;
	}
	snprintf(sel, sizeof(sel), "-qI%s", qid);
	if (sm_run(q, "-qQ", sel, "-Q", &out, err, errsize) < 0) {
		free(out);
		return -1;
	}
	free(out);
	if (access(path, F_OK) == 0) {
		diag_set(err, errsize, "sendmail -qQ %s -Q left the message quarantined", sel);
		return -1;
	}
	/* Deliver at once; should this fail, the next queue run delivers it. */
	if (sm_run(q, sel, NULL, NULL, &out, ignored, sizeof(ignored)) < 0)
		ctlq_delivery_left(qid, ignored);
	free(out);
	return 0;
}

/* sm_remove - delete the quarantined message: its hf, df and xf files, under the lock */
static int
sm_remove(struct ctlq *q, const char *qid, char *err, size_t errsize)
{
	char hf[4096], path[4096];
	struct stat a, b;
	int fd;

	if (!release_qid_ok(qid) || sm_path(q, "qf", "hf", qid, hf, sizeof(hf)) < 0) {
		diag_set(err, errsize, "not a queue id: %s", qid);
		return -1;
	}
	if ((fd = open(hf, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		diag_set(err, errsize, "%s: %s", hf, strerror(errno));
		return -1;
	}
	/* Sendmail locks a queue file (flock on Linux) while it works on it. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		diag_set(err, errsize, "%s is in use by Sendmail; try again", hf);
		close(fd);
		return -1;
	}
	if (fstat(fd, &a) < 0 || stat(hf, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		diag_set(err, errsize, "%s: no longer quarantined", hf);
		close(fd);
		return -1;
	}
	if (unlink(hf) < 0) {
		diag_set(err, errsize, "unlink %s: %s", hf, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (sm_path(q, "df", "df", qid, path, sizeof(path)) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		fprintf(stderr, "ccguardctl: %s: deleted, but %s remains: %s\n", qid, path,
		    strerror(errno));
	if (sm_path(q, "xf", "xf", qid, path, sizeof(path)) == 0)
		(void)unlink(path);
	return 0;
}

const struct ctlq_backend ctlq_sendmail = {
	"sendmail", sm_list, sm_cat, sm_release, sm_remove, sm_clear
};
