/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	modtoken - single-use command tokens for moderation by mail
 * SYNOPSIS
 *	modtoken_make(key, keylen, qid, hold, action, list, expiry, out);
 *	r = modtoken_check(key, keylen, qid, hold, action, list, token, now, &expiry);
 *	st = modtoken_state_open(path);  r = modtoken_state_use(st, token, now);
 *	modtoken_state_close(st);
 * DESCRIPTION
 *	A token authorises one decision about one held message: it is
 *
 *		EEEEEEEEMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM
 *
 *	8 hex digits of the expiry (unix time) and the first 128 bits, in
 *	hex, of HMAC-SHA256 keyed with the release key (release_hmac_hex)
 *	over "ccguard-command-2", the queue id, the hold stamp's nonce, the
 *	action name, the list name (empty unless release-without) and the
 *	expiry, one per line. Changing any of them, or the key, breaks the
 *	MAC. The nonce is what the daemon wrote into the message's hold
 *	header (holdhdr.c), unique to that hold: Postfix's short queue ids
 *	can repeat, and a token must never act on a later message that got
 *	the same id. Tokens of version 1 (before holds were stamped: queue
 *	id, action, list, expiry) are recognised only to refuse them with a
 *	clear reason (MODTOKEN_OLD). The MAC is checked first (in constant
 *	time) and then the expiry, so a forged token is never reported as
 *	merely expired.
 *
 *	Single use: modtoken_state_use() records a token in a small state
 *	file (one token a line, mode 0600, this user's) while PATH.lock is
 *	flock(2)ed by modtoken_state_open() until modtoken_state_close().
 *	Each use writes the whole new list to PATH.new, syncs it, renames it
 *	over PATH and syncs the directory: a failed write or a crash leaves
 *	the old list, and a use that could not be written is refused, so a
 *	token never works twice. Entries past their expiry are dropped on
 *	each write, so the file stays small.
 * DIAGNOSTICS
 *	modtoken_make and the state functions return -1 on failure (errno);
 *	modtoken_state_use returns 1 for a token used before.
 * SEE ALSO
 *	modcmd.c, ctl_mail.c, release.c, doc/moderation.md
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "modtoken.h"
#include "release.h"
#include "strbuf.h"

static const char *const action_names[] = {
	[MODTOKEN_RELEASE] = "release",
	[MODTOKEN_RELEASE_WITHOUT] = "release-without",
	[MODTOKEN_REJECT] = "reject",
	[MODTOKEN_DISCARD] = "discard",
};

/* modtoken_action_name - the command word of an action */
const char *
modtoken_action_name(enum modtoken_action a)
{
	return (size_t)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "?";
}

/* modtoken_action_from_name - the action for a command word; -1 if none */
int
modtoken_action_from_name(const char *name, enum modtoken_action *a)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(name, action_names[i]) == 0) {
			*a = (enum modtoken_action)i;
			return 0;
		}
	return -1;
}

/*
 * token_mac - the hex MAC (MODTOKEN_MAC_HEX digits) into out; -1 on bad
 * input. Version 2 covers the hold stamp's nonce; version 1 (tokens made
 * before holds were stamped) did not, and is only recognised to refuse it.
 */
static int
token_mac(int version, const char *key, size_t keylen, const char *qid, const char *hold,
    enum modtoken_action a, const char *list, unsigned long expiry, char *out)
{
	struct strbuf sb;
	int r;

	if (key == NULL || keylen == 0 || qid == NULL || *qid == '\0' ||
	    (version == 2 && (hold == NULL || *hold == '\0' || strchr(hold, '\n') != NULL)) ||
	    (size_t)a >= sizeof(action_names) / sizeof(action_names[0]) ||
	    (a == MODTOKEN_RELEASE_WITHOUT) != (list != NULL && *list != '\0') ||
	    (list != NULL && strlen(list) > MODTOKEN_LIST_MAX) || strchr(qid, '\n') != NULL ||
	    (list != NULL && strchr(list, '\n') != NULL)) {
		errno = EINVAL;
		return -1;
	}
	strbuf_init(&sb, 4096);
	if (version == 2)
		strbuf_printf(&sb, "ccguard-command-2\n%s\n%s\n%s\n%s\n%08lx\n", qid, hold,
		    action_names[a], list != NULL ? list : "", expiry);
	else
		strbuf_printf(&sb, "ccguard-command-1\n%s\n%s\n%s\n%08lx\n", qid,
		    action_names[a], list != NULL ? list : "", expiry);
	if (sb.error != STRBUF_OK) {
		strbuf_free(&sb);
		errno = ENOMEM;
		return -1;
	}
	r = release_hmac_hex(key, keylen, strbuf_str(&sb), sb.len, out, MODTOKEN_MAC_HEX);
	strbuf_free(&sb);
	return r;
}

/* modtoken_make - the token for this decision, valid until expiry */
int
modtoken_make(const char *key, size_t keylen, const char *qid, const char *hold,
    enum modtoken_action a, const char *list, time_t expiry, char out[MODTOKEN_LEN + 1])
{
	char mac[MODTOKEN_MAC_HEX + 1];

	if (expiry <= 0 || (unsigned long long)expiry > 0xffffffffULL) {
		errno = EINVAL;
		return -1;
	}
	if (token_mac(2, key, keylen, qid, hold, a, list, (unsigned long)expiry, mac) < 0)
		return -1;
	snprintf(out, MODTOKEN_LEN + 1, "%08lx%s", (unsigned long)expiry, mac);
	return 0;
}

/* hexval - value of one hex digit, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* mac_equal - the token's MAC digits against the computed ones, in constant time */
static int
mac_equal(const char *mac, const char *token_mac_hex)
{
	unsigned diff = 0;
	size_t i;

	/* Constant time: the MAC is a secret until it matches. */
	for (i = 0; i < MODTOKEN_MAC_HEX; i++)
		diff |= (unsigned)(mac[i] ^ (token_mac_hex[i] | 0x20));
	return diff == 0;
}

/*
 * modtoken_check - is token the genuine, unexpired token for this decision
 * about this hold? A genuine token of the old kind (not bound to the hold
 * stamp, so a recycled queue id could reuse it) is MODTOKEN_OLD.
 */
enum modtoken_result
modtoken_check(const char *key, size_t keylen, const char *qid, const char *hold,
    enum modtoken_action a, const char *list, const char *token, time_t now, time_t *expiry)
{
	char mac[MODTOKEN_MAC_HEX + 1];
	unsigned long e = 0;
	size_t i;
	int v, ok;

	if (expiry != NULL)
		*expiry = 0;
	if (token == NULL || strlen(token) != MODTOKEN_LEN)
		return MODTOKEN_MALFORMED;
	for (i = 0; i < MODTOKEN_LEN; i++) {
		if ((v = hexval(token[i])) < 0)
			return MODTOKEN_MALFORMED;
		if (i < MODTOKEN_EXPIRY_HEX)
			e = e * 16 + (unsigned long)v;
	}
	if (token_mac(2, key, keylen, qid, hold, a, list, e, mac) < 0)
		return MODTOKEN_BAD;
	ok = mac_equal(mac, token + MODTOKEN_EXPIRY_HEX);
	if (!ok && token_mac(1, key, keylen, qid, NULL, a, list, e, mac) == 0 &&
	    mac_equal(mac, token + MODTOKEN_EXPIRY_HEX)) {
		explicit_bzero(mac, sizeof(mac));
		return MODTOKEN_OLD;
	}
	explicit_bzero(mac, sizeof(mac));
	if (!ok)
		return MODTOKEN_BAD;
	if (expiry != NULL)
		*expiry = (time_t)e;
	if ((long long)e < (long long)now)
		return MODTOKEN_EXPIRED;
	return MODTOKEN_OK;
}

/* modtoken_result_text - a short explanation of a check result */
const char *
modtoken_result_text(enum modtoken_result r)
{
	switch (r) {
	case MODTOKEN_OK:
		return "valid";
	case MODTOKEN_MALFORMED:
		return "the token is not 40 hex digits";
	case MODTOKEN_BAD:
		return "the token is not valid for this command and message";
	case MODTOKEN_EXPIRED:
		return "the token has expired";
	case MODTOKEN_OLD:
		return "the token is of an older kind, which does not name the hold and so could "
		    "act on another message that got the same queue id; such tokens are no "
		    "longer taken (\"ccguardctl held digest\" or a new notice gives new ones)";
	}
	return "?";
}

/* struct modtoken_state - the used-token file, locked while this is open */
struct modtoken_state {
	char	*path;		/* the state file */
	char	*tmp;		/* its next version, written then renamed over it */
	int	 lockfd;	/* PATH.lock, flock(2)ed */
};

/* own_private_file - a regular file of ours that nobody else may read or write? */
static int
own_private_file(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_mode & 077) == 0 && st->st_uid == geteuid();
}

/* state_read - the state file's content into a malloc'd buffer (empty when absent); -1 on error */
static char *
state_read(const char *path)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	if ((buf = malloc(MODTOKEN_STATE_MAX + 1)) == NULL)
		return NULL;
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return buf;
		saved = errno;
		free(buf);
		errno = saved;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !own_private_file(&st) || st.st_size > MODTOKEN_STATE_MAX) {
		close(fd);
		free(buf);
		errno = EPERM;
		return NULL;
	}
	while (got < MODTOKEN_STATE_MAX && (n = read(fd, buf + got, MODTOKEN_STATE_MAX - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			free(buf);
			errno = saved;
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return buf;
}

/* state_write - the new state into a temporary file, synced, renamed over the old; 0 or -1 */
static int
state_write(const struct modtoken_state *st, const char *data, size_t len)
{
	char *dir, *slash;
	int fd, dfd, saved;

	(void)unlink(st->tmp);	/* a left-over of a run that died: ours, under the lock */
	if ((fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -1;
	if (fdio_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(st->tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(st->tmp, st->path) < 0) {
		saved = errno;
		unlink(st->tmp);
		errno = saved;
		return -1;
	}
	/* The rename itself must survive a crash: sync the directory. */
	if ((dir = strdup(st->path)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	else
		strcpy(dir, ".");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) < 0) {
		saved = errno;
		if (dfd >= 0)
			close(dfd);
		free(dir);
		errno = saved;
		return -1;
	}
	close(dfd);
	free(dir);
	return 0;
}

/*
 * modtoken_state_open - lock the used-token file (PATH.lock, created) for
 * as long as the handle is open; NULL with errno on failure, EPERM when
 * the file or its lock is not this user's alone
 */
struct modtoken_state *
modtoken_state_open(const char *path)
{
	struct modtoken_state *st;
	struct stat sb;
	char *buf;
	int saved;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->lockfd = -1;
	if (asprintf(&st->tmp, "%s.new", path) < 0) {
		st->tmp = NULL;
		goto fail;
	}
	if ((st->path = strdup(path)) == NULL || asprintf(&buf, "%s.lock", path) < 0)
		goto fail;
	st->lockfd = open(buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(buf);
	if (st->lockfd < 0)
		goto fail;
	if (fstat(st->lockfd, &sb) < 0)
		goto fail;
	if (!own_private_file(&sb)) {
		errno = EPERM;
		goto fail;
	}
	if (flock(st->lockfd, LOCK_EX) < 0)
		goto fail;
	/* Say now, not at the first token, when the file is unusable. */
	if ((buf = state_read(st->path)) == NULL)
		goto fail;
	free(buf);
	return st;
fail:
	saved = errno;
	modtoken_state_close(st);
	errno = saved;
	return NULL;
}

/* modtoken_state_close - unlock and forget the used-token file */
void
modtoken_state_close(struct modtoken_state *st)
{
	if (st == NULL)
		return;
	if (st->lockfd >= 0)
		close(st->lockfd);
	free(st->path);
	free(st->tmp);
	free(st);
}

/*
 * modtoken_state_use - 0: now marked used; 1: used before; -1: error. The
 * file is replaced whole (a temporary file, synced, renamed over it), so a
 * failed write or a crash leaves the old list, never a shorter one; when
 * the new list can not be written the token counts as not usable (-1).
 */
int
modtoken_state_use(struct modtoken_state *st, const char *token, time_t now)
{
	struct strbuf keep;
	char *buf, *line, *nl;
	unsigned long e;
	int used = 0, r;

	if (token == NULL || strlen(token) != MODTOKEN_LEN || strchr(token, ' ') != NULL ||
	    strchr(token, '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((buf = state_read(st->path)) == NULL)
		return -1;
	strbuf_init(&keep, MODTOKEN_STATE_MAX);
	for (line = buf; *line != '\0'; line = nl != NULL ? nl + 1 : line + strlen(line)) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		/* A line is a token; its first 8 digits are its expiry. */
		if (strlen(line) != MODTOKEN_LEN || sscanf(line, "%8lx", &e) != 1)
			continue;
		if (strncasecmp(line, token, MODTOKEN_LEN) == 0)
			used = 1;
		if ((long long)e >= (long long)now)
			strbuf_printf(&keep, "%s\n", line);
	}
	free(buf);
	if (!used)
		strbuf_printf(&keep, "%.*s\n", MODTOKEN_LEN, token);
	if (keep.error != STRBUF_OK) {
		errno = keep.error == STRBUF_FULL ? EFBIG : ENOMEM;
		strbuf_free(&keep);
		return -1;
	}
	r = state_write(st, keep.data != NULL ? keep.data : "", keep.len);
	strbuf_free(&keep);
	return r < 0 ? -1 : used;
}
