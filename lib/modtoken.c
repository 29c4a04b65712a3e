/*
 * NAME
 *	modtoken - single-use command tokens for moderation by mail
 * SYNOPSIS
 *	modtoken_make(key, keylen, qid, action, list, expiry, out);
 *	r = modtoken_check(key, keylen, qid, action, list, token, now, &expiry);
 *	fd = modtoken_state_open(path);  r = modtoken_state_use(fd, token, now);
 * DESCRIPTION
 *	A token authorises one decision about one held message: it is
 *
 *		EEEEEEEEMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM
 *
 *	8 hex digits of the expiry (unix time) and the first 128 bits, in
 *	hex, of HMAC-SHA256 (GLib's GHmac, as release.c) keyed with the
 *	release key over "ccguard-command-1", the queue id, the action name,
 *	the list name (empty unless release-without) and the expiry, one per
 *	line. Changing any of them, or the key, breaks the MAC. The MAC is
 *	checked first (in constant time) and then the expiry, so a forged
 *	token is never reported as merely expired.
 *
 *	Single use: modtoken_state_use() records a token in a small state
 *	file ("EXPIRY MAC" lines, mode 0600) under an exclusive flock(2) held
 *	by modtoken_state_open()'s descriptor until it is closed; entries past
 *	their expiry are dropped on each write, so the file stays small.
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

#include <glib.h>

#include "modtoken.h"
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

/* token_mac - the hex MAC (MODTOKEN_MAC_HEX digits) into out; -1 on bad input */
static int
token_mac(const char *key, size_t keylen, const char *qid, enum modtoken_action a,
    const char *list, unsigned long expiry, char *out)
{
	struct strbuf sb;
	char *mac;

	if (key == NULL || keylen == 0 || qid == NULL || *qid == '\0' ||
	    (size_t)a >= sizeof(action_names) / sizeof(action_names[0]) ||
	    (a == MODTOKEN_RELEASE_WITHOUT) != (list != NULL && *list != '\0') ||
	    (list != NULL && strlen(list) > MODTOKEN_LIST_MAX) || strchr(qid, '\n') != NULL ||
	    (list != NULL && strchr(list, '\n') != NULL)) {
		errno = EINVAL;
		return -1;
	}
	strbuf_init(&sb, 4096);
	strbuf_printf(&sb, "ccguard-command-1\n%s\n%s\n%s\n%08lx\n", qid, action_names[a],
	    list != NULL ? list : "", expiry);
	if (sb.error != STRBUF_OK) {
		strbuf_free(&sb);
		errno = ENOMEM;
		return -1;
	}
	mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)key, keylen,
	    strbuf_str(&sb), (gssize)sb.len);
	strbuf_free(&sb);
	if (mac == NULL || strlen(mac) < MODTOKEN_MAC_HEX) {
		g_free(mac);
		errno = ENOMEM;
		return -1;
	}
	memcpy(out, mac, MODTOKEN_MAC_HEX);
	out[MODTOKEN_MAC_HEX] = '\0';
	explicit_bzero(mac, strlen(mac));
	g_free(mac);
	return 0;
}

/* modtoken_make - the token for this decision, valid until expiry */
int
modtoken_make(const char *key, size_t keylen, const char *qid, enum modtoken_action a,
    const char *list, time_t expiry, char out[MODTOKEN_LEN + 1])
{
	char mac[MODTOKEN_MAC_HEX + 1];

	if (expiry <= 0 || (unsigned long long)expiry > 0xffffffffULL) {
		errno = EINVAL;
		return -1;
	}
	if (token_mac(key, keylen, qid, a, list, (unsigned long)expiry, mac) < 0)
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

/* modtoken_check - is token the genuine, unexpired token for this decision? */
enum modtoken_result
modtoken_check(const char *key, size_t keylen, const char *qid, enum modtoken_action a,
    const char *list, const char *token, time_t now, time_t *expiry)
{
	char mac[MODTOKEN_MAC_HEX + 1];
	unsigned long e = 0;
	unsigned diff = 0;
	size_t i;
	int v;

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
	if (token_mac(key, keylen, qid, a, list, e, mac) < 0)
		return MODTOKEN_BAD;
	/* Constant time: the MAC is a secret until it matches. */
	for (i = 0; i < MODTOKEN_MAC_HEX; i++)
		diff |= (unsigned)(mac[i] ^ (token[MODTOKEN_EXPIRY_HEX + i] | 0x20));
	explicit_bzero(mac, sizeof(mac));
	if (diff != 0)
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
	}
	return "?";
}

/* modtoken_state_open - open (create) the used-token file, locked; fd or -1 */
int
modtoken_state_open(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* modtoken_state_use - 0: now marked used; 1: used before; -1: error */
int
modtoken_state_use(int fd, const char *token, time_t now)
{
	struct strbuf keep;
	char *buf, *line, *nl;
	unsigned long e;
	ssize_t n;
	size_t got = 0;
	int used = 0;

	if (token == NULL || strlen(token) != MODTOKEN_LEN || strchr(token, ' ') != NULL ||
	    strchr(token, '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || (buf = malloc(MODTOKEN_STATE_MAX + 1)) == NULL)
		return -1;
	while (got < MODTOKEN_STATE_MAX && (n = read(fd, buf + got, MODTOKEN_STATE_MAX - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
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
		strbuf_free(&keep);
		errno = keep.error == STRBUF_FULL ? EFBIG : ENOMEM;
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || ftruncate(fd, 0) < 0 ||
	    (keep.len > 0 && write(fd, keep.data, keep.len) != (ssize_t)keep.len) ||
	    fsync(fd) < 0) {
		strbuf_free(&keep);
		return -1;
	}
	strbuf_free(&keep);
	return used;
}
