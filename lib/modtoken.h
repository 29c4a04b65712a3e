/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * modtoken.h - single-use command tokens for moderation by mail: an HMAC
 * over queue id, hold stamp, action, list and expiry, and the file of
 * used tokens.
 */
#ifndef CCGUARD_MODTOKEN_H
#define CCGUARD_MODTOKEN_H

#include <stddef.h>
#include <time.h>

enum modtoken_action {
	MODTOKEN_RELEASE,		/* held release ID */
	MODTOKEN_RELEASE_WITHOUT,	/* held release --without LIST ID */
	MODTOKEN_REJECT,		/* held reject ID */
	MODTOKEN_DISCARD,		/* held discard ID */
};

enum modtoken_result {
	MODTOKEN_OK,
	MODTOKEN_MALFORMED,	/* not 40 hex digits */
	MODTOKEN_BAD,		/* the MAC does not match: forged, altered, other id/action/key */
	MODTOKEN_EXPIRED,	/* genuine, but past its expiry */
	MODTOKEN_OLD,		/* genuine, but made before tokens named the hold: refused */
};

#define MODTOKEN_EXPIRY_HEX	8	/* expiry, unix time, hex */
#define MODTOKEN_MAC_HEX	32	/* HMAC-SHA256, first 128 bits, hex */
#define MODTOKEN_LEN		(MODTOKEN_EXPIRY_HEX + MODTOKEN_MAC_HEX)
#define MODTOKEN_LIST_MAX	64	/* longest list name in a token */
#define MODTOKEN_STATE_MAX	(1024 * 1024)	/* bytes of used-token state */

struct modtoken_state;

const char *modtoken_action_name(enum modtoken_action);
int	modtoken_action_from_name(const char *name, enum modtoken_action *);
int	modtoken_make(const char *key, size_t keylen, const char *qid, const char *hold,
	    enum modtoken_action, const char *list, time_t expiry, char out[MODTOKEN_LEN + 1]);
enum modtoken_result modtoken_check(const char *key, size_t keylen, const char *qid,
	    const char *hold, enum modtoken_action, const char *list, const char *token,
	    time_t now, time_t *expiry);
const char *modtoken_result_text(enum modtoken_result);

struct modtoken_state *modtoken_state_open(const char *path);
int	modtoken_state_use(struct modtoken_state *, const char *token, time_t now);
void	modtoken_state_close(struct modtoken_state *);

#endif
