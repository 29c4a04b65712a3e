/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * release.h - the X-Ccguard-Released header: proof that a moderator
 * re-submitted a held message with a reduced recipient list.
 */
#ifndef CCGUARD_RELEASE_H
#define CCGUARD_RELEASE_H

#include <stddef.h>
#include <time.h>

struct diag;
struct msg;
struct release_key;

#define RELEASE_HEADER		"X-Ccguard-Released"
#define RELEASE_MAX_AGE		(24 * 60 * 60)	/* seconds a release stays valid */
#define RELEASE_KEY_MIN		16		/* bytes of key material, at least */

enum release_state {
	RELEASE_NONE,		/* no release header */
	RELEASE_VALID,		/* exactly one, and it verifies */
	RELEASE_INVALID,	/* present but forged, stale, or unverifiable */
};

int	release_key_read(const char *path, const char *daemon_user, char **key, size_t *len,
	    char *why, size_t whysize);
int	release_key_create(const char *path, const char *group);
int	release_qid_ok(const char *qid);
int	release_hmac_hex(const char *key, size_t keylen, const char *data, size_t len,
	    char *out, size_t digits);
char	*release_header_value(const char *key, size_t keylen, const char *qid,
	    time_t when, char *const *rcpts, size_t nrcpts);
enum release_state release_check(const char *keypath, const struct msg *, time_t now,
	    size_t *nheaders);
struct release_key *release_key_open(const char *path, const char *daemon_user, struct diag *);
int	release_key_get(struct release_key *, const char **key, size_t *len);
struct release_key *release_key_free(struct release_key *);
void	release_key_forget(struct release_key *);
enum release_state release_state_of(struct release_key *, const struct msg *, time_t now,
	    size_t *nheaders);

#endif
