/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * action.h - carry out a verdict through the MTA, and log it.
 */
#ifndef CCGUARD_ACTION_H
#define CCGUARD_ACTION_H

struct verdict;
struct msg;
struct policy;

/* What the MTA can be asked to do; libmilter's in callbacks.c, a recorder in tests. */
struct mta_ops {
	int	(*setreply)(void *ctx, const char *code, const char *dsn, char *const *lines);
	int	(*addheader)(void *ctx, const char *name, const char *value);
	int	(*delheader)(void *ctx, const char *name, int index);
	int	(*quarantine)(void *ctx, const char *reason);
};

/* The answer for the MTA. */
enum action_result {
	RESULT_ACCEPT,		/* deliver (possibly held) */
	RESULT_REJECT,
	RESULT_TEMPFAIL,
};

/* Side effects for held and notify verdicts (guidance, moderator notice). */
typedef void (*action_notify_fn)(const struct policy *, const struct verdict *,
    const struct msg *);
void	action_set_notifier(action_notify_fn);

enum action_result action_apply(const struct policy *, const struct verdict *,
	    const struct msg *, const struct mta_ops *, void *ctx);
void	action_log(const struct policy *, const struct verdict *, const struct msg *);

#endif
