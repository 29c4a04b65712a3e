/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eval.h - decide a verdict for a message; never blocks, never logs.
 */
#ifndef CCGUARD_EVAL_H
#define CCGUARD_EVAL_H

#include <time.h>

#include "verdict.h"

struct ruleset;
struct msg;
struct release_key;
struct eval_cache;		/* per connection: lookups and match data */

struct eval_opts {
	enum action	on_limit;	/* when a limit stopped the examination */
	enum action	on_error;	/* when something failed */
	int		file_actions;	/* examples: rules exactly as written */
};

int	eval_message(const struct ruleset *, const struct msg *,
	    const struct eval_opts *, struct verdict *);
int	eval_body_matters(const struct ruleset *, const struct msg *);
int	eval_message_cached(const struct ruleset *, const struct msg *,
	    const struct eval_opts *, struct verdict *, struct eval_cache *);
int	eval_message_released(const struct ruleset *, struct release_key *, time_t now,
	    const struct msg *, const struct eval_opts *, struct verdict *,
	    struct eval_cache *);
int	eval_body_matters_cached(const struct ruleset *, const struct msg *,
	    struct eval_cache *);
struct eval_cache *eval_cache_new(void);
void	eval_cache_reset(struct eval_cache *);
struct eval_cache *eval_cache_free(struct eval_cache *);
int	eval_address_in_list(const struct ruleset *, const char *addr, int list);
int	eval_envelope_in_list(const struct ruleset *, const char *envelope, int list);

#endif
