/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify.h - messages ccguard sends: guidance to the sender of a held or
 * advised message, and a notice to the moderators.
 */
#ifndef CCGUARD_NOTIFY_H
#define CCGUARD_NOTIFY_H

#include <stddef.h>
#include <time.h>

struct policy;
struct verdict;
struct msg;
struct conf;

#define NOTIFY_RATE_SLOTS	4096	/* senders remembered by the rate limit */
#define NOTIFY_RATE_WINDOW	3600	/* seconds */

void	notify_init(void);

/* The parts, for the daemon's notifier, ccguardctl and the tests. */
const char *notify_gate(const struct conf *, const struct msg *);
int	notify_rate_take(const char *sender, size_t limit, time_t now);
void	notify_rate_reset(void);
char	*notify_guidance_build(const struct policy *, const struct verdict *,
	    const struct msg *, char **rcpt, size_t *len);
char	*notify_moderator_build(const struct policy *, const struct verdict *,
	    const struct msg *, const char *guidance, size_t *len);
char	*notify_moderator_build_to(const struct policy *, const struct verdict *,
	    const struct msg *, const char *to, const char *guidance, size_t *len);
const char *notify_class_gate(const struct conf *, const char *sender_class);
char	*notify_from(const struct conf *);
int	notify_send(const struct conf *, const char *rcpt, const char *data, size_t len);

#endif
