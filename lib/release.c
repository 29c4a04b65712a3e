/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	release - verify and create moderator release headers
 * SYNOPSIS
 *	value = release_header_value(key, keylen, qid, when, rcpts, n);
 *	state = release_check(keypath, msg, now, &nheaders);
 *	rk = release_key_open(path);  state = release_state_of(rk, msg, now, &n);
 *	release_key_read(path, daemon_user, &key, &len, why, whysize);
 *	release_key_create(path, group);
 * DESCRIPTION
 *	When a moderator releases a held message with some recipients removed
 *	(ccguardctl held release --without), the message is submitted again
 *	and passes the milter once more. Its headers still name both lists, so
 *	the rules would hold it again; the header
 *
 *		X-Ccguard-Released: id=QID; t=UNIXTIME; mac=HEX
 *
 *	tells ccguard that a moderator approved exactly this recipient set.
 *	mac is HMAC-SHA256 (GLib's g_compute_hmac_for_string) keyed with the
 *	release_key file, over "ccguard-release-1", the held queue id, the
 *	time, and the canonical envelope recipients (addr.c's form, sorted,
 *	duplicates removed), one per line. Any change of the recipients, the
 *	id or the time breaks it. A header older than RELEASE_MAX_AGE, or
 *	from the future by more than five minutes, is not accepted, so a
 *	copy seen by a recipient can not be replayed for long.
 *
 *	release_check() is VALID only for exactly one header that verifies;
 *	any other header count or content is INVALID and the caller removes
 *	the headers and evaluates the message as usual. A missing or short
 *	key file makes every header INVALID: the daemon never fails open.
 *	The daemon reads the key once per policy (release_key_open(), again
 *	on reload); a key not readable then is tried again when a header
 *	needs it, so a key made by ccguardctl init-key later still counts.
 *
 *	Whoever can write the key can forge releases, hold stamps and mail
 *	command tokens: release_key_read() refuses a key file that is not
 *	owned by root or the daemon's user, or that its group or others may
 *	write, and warns when anyone may read it.
 * DIAGNOSTICS
 *	Functions return -1 / NULL on failure with errno set where it applies.
 * SEE ALSO
 *	ccguardctl(8), policy.c (loads the key), eval.c (decides)
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "addr.h"
#include "diag.h"
#include "msg.h"
#include "release.h"
#include "strbuf.h"

#define RELEASE_KEY_MAX		4096
#define RELEASE_SKEW		300	/* seconds a clock may run ahead */

/* A policy's key: read once, kept in memory until the policy goes. */
struct release_key {
	pthread_mutex_t	 lock;		/* guards a late first read */
	char		*path;		/* key file, or NULL: no key */
	char		*daemon_user;	/* who else may own it besides root, or NULL */
	char		*key;		/* its content, or NULL: not readable yet */
	size_t		 len;
};

/* release_qid_ok - a Postfix queue id: 1 to 64 letters and digits */
int
release_qid_ok(const char *qid)
{
	size_t n;

	for (n = 0; qid[n] != '\0'; n++)
		if (!((qid[n] >= '0' && qid[n] <= '9') || (qid[n] >= 'A' && qid[n] <= 'Z') ||
		    (qid[n] >= 'a' && qid[n] <= 'z')))
			return 0;
	return n > 0 && n <= 64;
}

/* key_owner_ok - may a key file belong to uid: root, this process, or the daemon's user? */
static int
key_owner_ok(uid_t uid, const char *daemon_user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (uid == 0 || uid == geteuid())
		return 1;
	return daemon_user != NULL && *daemon_user != '\0' &&
	    getpwnam_r(daemon_user, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
	    res->pw_uid == uid;
}

/*
 * release_key_read - the key file's content without trailing white space.
 * A key that others could change is refused: it must be owned by root or
 * by the daemon's user and writable by its owner alone. A key others can
 * read is used, and 1 returned with the warning in why.
 */
int
release_key_read(const char *path, const char *daemon_user, char **key, size_t *len,
    char *why, size_t whysize)
{
	char buf[RELEASE_KEY_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, rv = 0;

	*key = NULL;
	*len = 0;
	diag_set(why, whysize, "%s", "");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0) {
		diag_set(why, whysize, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_set(why, whysize, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || !key_owner_ok(st.st_uid, daemon_user)) {
		diag_set(why, whysize, "%s: refused: %s; it must belong to root or to the "
		    "daemon's user and be writable by its owner alone (chmod 0640)", path,
		    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ? "writable by group or others" :
		    "owned by another user");
		close(fd);
		errno = EPERM;
		return -1;
	}
	if ((st.st_mode & S_IROTH) != 0) {
		diag_set(why, whysize, "%s: readable by anyone, who can then forge releases "
		    "and mail command tokens (chmod 0640)", path);
		rv = 1;
	}
	while (got < RELEASE_KEY_MAX && (n = read(fd, buf + got, RELEASE_KEY_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' ||
	    buf[got - 1] == ' ' || buf[got - 1] == '\t'))
		got--;
	if (got < RELEASE_KEY_MIN) {
		explicit_bzero(buf, sizeof(buf));
		diag_set(why, whysize, "%s: shorter than %d bytes", path, RELEASE_KEY_MIN);
		errno = EINVAL;
		return -1;
	}
	if ((*key = malloc(got + 1)) == NULL) {
		explicit_bzero(buf, sizeof(buf));
		diag_set(why, whysize, "%s: out of memory", path);
		return -1;
	}
	memcpy(*key, buf, got);
	(*key)[got] = '\0';
	*len = got;
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

/* release_key_create - a new random key, mode 0640, never overwriting */
int
release_key_create(const char *path, const char *group)
{
	unsigned char raw[32];
	char hex[sizeof(raw) * 2 + 2];
	struct group *gr;
	size_t i;
	int fd, saved;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[2 * sizeof(raw)] = '\n';
	hex[2 * sizeof(raw) + 1] = '\0';
	explicit_bzero(raw, sizeof(raw));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0)
		return -1;
	/* The daemon runs as its own user: give its group read access. */
	if (group != NULL && *group != '\0' && (gr = getgrnam(group)) != NULL)
		(void)fchown(fd, (uid_t)-1, gr->gr_gid);
	if (fchmod(fd, 0640) < 0 || write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(path);
		explicit_bzero(hex, sizeof(hex));
		errno = saved;
		return -1;
	}
	explicit_bzero(hex, sizeof(hex));
	return close(fd);
}

/*
 * release_hmac_hex - the first digits hex digits of HMAC-SHA256(key, data)
 * into out (digits + 1 bytes): the one MAC of release headers' kin, hold
 * stamps (holdhdr.c) and mail command tokens (modtoken.c). 0, or -1.
 */
int
release_hmac_hex(const char *key, size_t keylen, const char *data, size_t len, char *out,
    size_t digits)
{
	char *mac;

	if (key == NULL || keylen == 0 || digits > 64) {
		errno = EINVAL;
		return -1;
	}
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, keylen, data,
	    (gssize)len);
	if (mac == NULL || strlen(mac) < digits) {
		g_free(mac);
		errno = ENOMEM;
		return -1;
	}
	memcpy(out, mac, digits);
	out[digits] = '\0';
	explicit_bzero(mac, strlen(mac));
	g_free(mac);
	return 0;
}

/* cmp_str - qsort order of strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* struct collect - canonical addresses gathered for a MAC */
struct collect {
	char	**v;
	size_t	  n, cap;
};

/* collect_add - addr sink: keep a copy of each address */
static int
collect_add(void *arg, const char *addr, int how)
{
	struct collect *c = arg;
	char **nv;

	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? c->cap * 2 : 16;
		if ((nv = realloc(c->v, c->cap * sizeof(*nv))) == NULL)
			return ADDR_NOMEM;
		c->v = nv;
	}
	if ((c->v[c->n] = strdup(addr)) == NULL)
		return ADDR_NOMEM;
	c->n++;
	return ADDR_OK;
}

/* collect_free - free the collected addresses */
static void
collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

/* release_mac - hex HMAC-SHA256 over the release data; g_free() it */
static char *
release_mac(const char *key, size_t keylen, const char *qid, time_t when, struct collect *c)
{
	struct strbuf sb;
	char *mac;
	size_t i;

	if (c->n > 0)
		qsort(c->v, c->n, sizeof(*c->v), cmp_str);
	strbuf_init(&sb, 0);
	strbuf_printf(&sb, "ccguard-release-1\n%s\n%lld\n", qid, (long long)when);
	for (i = 0; i < c->n; i++) {
		if (i > 0 && strcmp(c->v[i], c->v[i - 1]) == 0)
			continue;
		strbuf_puts(&sb, c->v[i]);
		strbuf_putc(&sb, '\n');
	}
	if (strbuf_str(&sb)[0] == '\0') {
		strbuf_free(&sb);
		return NULL;
	}
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, keylen,
	    strbuf_str(&sb), (gssize)sb.len);
	strbuf_free(&sb);
	return mac;
}

/* release_header_value - "id=QID; t=TIME; mac=HEX" for these recipients; malloc'd */
char *
release_header_value(const char *key, size_t keylen, const char *qid, time_t when,
    char *const *rcpts, size_t nrcpts)
{
	struct collect c = { NULL, 0, 0 };
	char *mac, *out = NULL;
	size_t i;

	if (!release_qid_ok(qid))
		return NULL;
	for (i = 0; i < nrcpts; i++)
		if (addr_from_envelope(rcpts[i], collect_add, &c) == ADDR_NOMEM) {
			collect_free(&c);
			return NULL;
		}
	if ((mac = release_mac(key, keylen, qid, when, &c)) != NULL) {
		if (asprintf(&out, "id=%s; t=%lld; mac=%s", qid, (long long)when, mac) < 0)
			out = NULL;
		g_free(mac);
	}
	collect_free(&c);
	return out;
}

/* parse_value - split "id=QID; t=TIME; mac=HEX"; 0 when well-formed */
static int
parse_value(const char *v, char *qid, size_t qidsize, long long *when, char *mac, size_t macsize)
{
	int n = 0;
	char tail;

	while (*v == ' ' || *v == '\t')
		v++;
	if (strncmp(v, "id=", 3) != 0)
		return -1;
	v += 3;
	while (v[n] != '\0' && v[n] != ';' && (size_t)n + 1 < qidsize) {
		qid[n] = v[n];
		n++;
	}
	qid[n] = '\0';
	if (v[n] != ';' || !release_qid_ok(qid))
		return -1;
	v += n + 1;
	while (*v == ' ')
		v++;
	if (sscanf(v, "t=%lld; mac=%64[0-9a-f]%c", when, mac, &tail) != 2)
		return -1;
	return strlen(mac) == 64 && macsize > 64 ? 0 : -1;
}

/* release_verify - is this message a moderator's release under this key? */
static enum release_state
release_verify(const char *key, size_t keylen, const struct msg *m, time_t now,
    size_t *nheaders)
{
	struct collect c = { NULL, 0, 0 };
	enum release_state st = RELEASE_INVALID;
	const char *value;
	char qid[80], mac[80], *want = NULL;
	long long when;
	size_t i, diff = 0;

	if ((*nheaders = msg_header_count(m, RELEASE_HEADER)) == 0)
		return RELEASE_NONE;
	value = msg_header(m, RELEASE_HEADER, 0);
	if (*nheaders != 1 || m->limit != NULL || m->error != NULL ||
	    parse_value(value, qid, sizeof(qid), &when, mac, sizeof(mac)) < 0 ||
	    when > (long long)now + RELEASE_SKEW || when + RELEASE_MAX_AGE < (long long)now ||
	    key == NULL)
		goto out;
	for (i = 0; i < m->naddrs; i++)
		if ((m->addrs[i].sources & ADDR_SRC_ENVELOPE) &&
		    collect_add(&c, m->addrs[i].addr, 0) != ADDR_OK)
			goto out;
	if ((want = release_mac(key, keylen, qid, (time_t)when, &c)) == NULL ||
	    strlen(want) != strlen(mac))
		goto out;
	/* Compare in constant time: the MAC is a secret until it matches. */
	for (i = 0; want[i] != '\0'; i++)
		diff |= (size_t)(want[i] ^ mac[i]);
	if (diff == 0)
		st = RELEASE_VALID;
out:
	g_free(want);
	collect_free(&c);
	return st;
}

/* release_check - release_state_of() with the key file read for this one message */
enum release_state
release_check(const char *keypath, const struct msg *m, time_t now, size_t *nheaders)
{
	struct release_key *rk = release_key_open(keypath, NULL, NULL);	/* NULL: no key */
	enum release_state st = release_state_of(rk, m, now, nheaders);

	release_key_free(rk);
	return st;
}

/*
 * release_key_open - the key of a policy, read now; a key that can not be
 * read now is tried again when needed (ccguardctl init-key may come later).
 * A key refused for its owner or mode, or readable by anyone, is a warning
 * in d (when given): ccguard -n and the log say so.
 */
struct release_key *
release_key_open(const char *path, const char *daemon_user, struct diag *d)
{
	struct release_key *rk;
	const char *text;
	char why[512];
	size_t plen;
	int r;

	if ((rk = calloc(1, sizeof(*rk))) == NULL)
		return NULL;
	if ((path != NULL && (rk->path = strdup(path)) == NULL) ||
	    (daemon_user != NULL && (rk->daemon_user = strdup(daemon_user)) == NULL)) {
		free(rk->path);
		free(rk);
		return NULL;
	}
	pthread_mutex_init(&rk->lock, NULL);
	if (rk->path == NULL)
		return rk;
	r = release_key_read(rk->path, rk->daemon_user, &rk->key, &rk->len, why, sizeof(why));
	/* The diagnostic names the file already. */
	plen = strlen(rk->path);
	text = strncmp(why, rk->path, plen) == 0 && why[plen] == ':' ? why + plen + 2 : why;
	if (r < 0)
		rk->key = NULL;
	/* Not there yet is normal (no moderation); unsafe is not. */
	if (d != NULL && (r == 1 || (r < 0 && errno == EPERM)))
		diag_warning(d, rk->path, 0, "%s", text);
	return rk;
}

/* release_key_get - the key bytes, or -1 when there is no readable key */
int
release_key_get(struct release_key *rk, const char **key, size_t *len)
{
	char why[512];
	int rv = -1;

	*key = NULL;
	*len = 0;
	if (rk == NULL)
		return -1;
	pthread_mutex_lock(&rk->lock);
	/* Once read, the key stays until the policy is reloaded. */
	if (rk->key == NULL && rk->path != NULL &&
	    release_key_read(rk->path, rk->daemon_user, &rk->key, &rk->len, why,
	    sizeof(why)) < 0)
		rk->key = NULL;
	if (rk->key != NULL) {
		*key = rk->key;
		*len = rk->len;
		rv = 0;
	}
	pthread_mutex_unlock(&rk->lock);
	return rv;
}

/*
 * release_key_forget - wipe the key from memory and never read it again:
 * for a child that gives up root to read hostile input (ctl_mail.c)
 */
void
release_key_forget(struct release_key *rk)
{
	if (rk == NULL)
		return;
	if (rk->key != NULL) {
		explicit_bzero(rk->key, rk->len);
		free(rk->key);
		rk->key = NULL;
		rk->len = 0;
	}
	free(rk->path);
	rk->path = NULL;
}

/* release_key_free - forget a key (wiped); returns NULL */
struct release_key *
release_key_free(struct release_key *rk)
{
	if (rk == NULL)
		return NULL;
	if (rk->key != NULL) {
		explicit_bzero(rk->key, rk->len);
		free(rk->key);
	}
	free(rk->path);
	free(rk->daemon_user);
	pthread_mutex_destroy(&rk->lock);
	free(rk);
	return NULL;
}

/* release_state_of - the release state of a message under a loaded key */
enum release_state
release_state_of(struct release_key *rk, const struct msg *m, time_t now, size_t *nheaders)
{
	const char *key = NULL;
	size_t keylen = 0;

	if (msg_header_count(m, RELEASE_HEADER) > 0)
		(void)release_key_get(rk, &key, &keylen);
	return release_verify(key, keylen, m, now, nheaders);
}
