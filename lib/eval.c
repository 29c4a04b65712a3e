/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	eval - the rule engine
 * SYNOPSIS
 *	eval_message(ruleset, msg, opts, &verdict)
 *	ec = eval_cache_new();  eval_cache_reset(ec);  eval_cache_free(ec);
 *	eval_message_cached(ruleset, msg, opts, &verdict, ec)
 *	eval_body_matters_cached(ruleset, msg, ec)
 * DESCRIPTION
 *	A pure function of the ruleset and the message state: no I/O, no
 *	logging, no libmilter, so the milter, ccguard -t, the rule examples and
 *	the fuzzers share it.
 *
 *	First every distinct address of the message is looked up once: exact
 *	addresses and "@domain" entries by hash, patterns by PCRE2 (JIT, with
 *	match limits). That yields, for each list, the set of places (envelope,
 *	To, Cc, ...) where one of its members was found. Then the rules are
 *	tried in file order; conditions short-circuit and each test is O(1).
 *	The first rule whose condition holds decides, except that a rule in
 *	monitor mode is only recorded and evaluation goes on.
 *
 *	The milter asks twice about one message (at end of headers: could
 *	the body change the verdict, and what is it; at end of message: the
 *	verdict), so what the lookups found is kept in a struct eval_cache,
 *	one per connection: the lists of each address and of the sender,
 *	computed once per message, and the PCRE2 match data, allocated once
 *	per connection. The caller calls eval_cache_reset() when a new
 *	message starts; the cache is also recomputed when the rule set or
 *	the number of addresses differs from the ones it was made for.
 *	The plain eval_message() and eval_body_matters() use a cache of
 *	their own for one call.
 *
 *	The verdict lists the addresses that made the deciding rule fire (the
 *	members of each "recipient in" test that held, in the message's order)
 *	with where each was found. A message the milter could not fully examine
 *	(msg->limit) never passes: unless a rule already stopped it, the
 *	verdict is opts->on_limit. Internal errors give opts->on_error.
 * DIAGNOSTICS
 *	Returns 0; -1 when the verdict comes from an internal error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "eval.h"
#include "msg.h"
#include "release.h"
#include "ruleset_impl.h"
#include "strmap.h"

struct eval_cache {
	pcre2_match_data *md;		/* one per connection */
	const struct ruleset *rs;	/* what the lookups below were made for */
	size_t		 naddrs;
	int		 valid;		/* the lookups are done */
	int		 error;		/* ... and one failed (pattern error) */
	int		*list_src;	/* per list: ADDR_SRC_* mask of its members */
	unsigned char	*sender_in;	/* per list: the sender is a member */
	int		*scope;		/* per list: collect_matches() scratch */
	size_t		 clists;	/* room in the three arrays above */
	int		*ids;		/* the lists of each address, in order */
	size_t		 nids, cids;
	size_t		*off;		/* address i: ids[off[i]] to ids[off[i + 1]] */
	size_t		 coff;
	int		 nomem;		/* an append failed */
};

struct eval_state {
	const struct ruleset *rs;
	const struct msg *m;
	struct eval_cache *ec;
	int		 error;
};

/* pattern_match - 1 match, 0 no match, -1 error (e.g. match limit) */
static int
pattern_match(const pcre2_code *re, const char *s, pcre2_match_data *md,
    pcre2_match_context *mctx)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

/*
 * lists_of - call fn for each used list that addr belongs to.
 * Returns 0, or -1 on a pattern error.
 */
static int
lists_of(const struct ruleset *rs, const char *addr, pcre2_match_data *md,
    void (*fn)(void *, int), void *arg)
{
	const struct listset *ls;
	const char *at;
	size_t i, j;

	if ((ls = strmap_get(rs->literals, addr)) != NULL)
		for (i = 0; i < ls->n; i++)
			fn(arg, ls->ids[i]);
	if ((at = strrchr(addr, '@')) != NULL &&
	    (ls = strmap_get(rs->domains, at + 1)) != NULL)
		for (i = 0; i < ls->n; i++)
			fn(arg, ls->ids[i]);
	/* Patterns: run by run (ruleset.c), skipping a run its prefilter rules out. */
	for (i = 0; i < rs->nprefilters; i++) {
		const struct prefilter *pf = &rs->prefilters[i];

		if (pf->re != NULL) {
			int r = pattern_match(pf->re, addr, md, rs->mctx);

			if (r < 0)
				return -1;
			if (r == 0)
				continue;
		}
		for (j = 0; j < pf->n; j++) {
			int r = pattern_match(pf->code[j], addr, md, rs->mctx);

			if (r < 0)
				return -1;
			if (r > 0)
				fn(arg, pf->list[j]);
		}
	}
	return 0;
}

/* mark_id - remember that the address being looked up is in list id */
static void
mark_id(void *arg, int id)
{
	struct eval_cache *ec = arg;
	int *n;

	if (ec->nids == ec->cids) {
		size_t ncap = ec->cids ? ec->cids * 2 : 16;

		if ((n = realloc(ec->ids, ncap * sizeof(*n))) == NULL) {
			ec->nomem = 1;
			return;
		}
		ec->ids = n;
		ec->cids = ncap;
	}
	ec->ids[ec->nids++] = id;
}

/* mark_sender - strmap callback: the sender is in list id */
static void
mark_sender(void *arg, int id)
{
	struct eval_cache *ec = arg;

	ec->sender_in[id] = 1;
}

/* mark_found - strmap callback: an address is in the list wanted */
static void
mark_found(void *arg, int id)
{
	int *want = arg;

	if (*want == id)
		*want = -1;
}

/* eval_address_in_list - is one canonical address a member of a list? */
int
eval_address_in_list(const struct ruleset *rs, const char *addr, int list)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int want = list;

	if (md == NULL)
		return -1;
	if (lists_of(rs, addr, md, mark_found, &want) < 0)
		want = list;
	pcre2_match_data_free(md);
	return want == -1;
}

/* struct envelope_hit - addr sink state of eval_envelope_in_list */
struct envelope_hit {
	const struct ruleset *rs;
	int	 list;
	int	 found;
};

/* envelope_hit_sink - addr sink: note a form of the address that is in the list */
static int
envelope_hit_sink(void *arg, const char *addr, int how)
{
	struct envelope_hit *h = arg;

	(void)how;
	/* An error counts as a member: such a recipient is held back, not released. */
	if (eval_address_in_list(h->rs, addr, h->list) != 0)
		h->found = 1;
	return ADDR_OK;
}

/*
 * eval_envelope_in_list - is an envelope address, in any of its canonical
 * forms (addr.c), a member of a list? (ccguardctl's release --without and
 * the moderator's command lines decide with this.)
 */
int
eval_envelope_in_list(const struct ruleset *rs, const char *envelope, int list)
{
	struct envelope_hit h = { rs, list, 0 };

	addr_from_envelope(envelope, envelope_hit_sink, &h);
	return h.found;
}

/* cond_eval - 1 true, 0 false; sets st->error on failure */
static int
cond_eval(struct eval_state *st, const struct cond *c)
{
	size_t i;

	if (st->error)
		return 0;
	switch (c->kind) {
	case COND_AND:
		return cond_eval(st, c->left) && cond_eval(st, c->right);
	case COND_OR:
		return cond_eval(st, c->left) || cond_eval(st, c->right);
	case COND_NOT:
		return !cond_eval(st, c->left);
	case COND_TRUE:
		return 1;
	case COND_RCPT_IN:
		return (st->ec->list_src[c->list] & c->scope) != 0;
	case COND_SENDER_IN:
		return st->ec->sender_in[c->list];
	case COND_AUTHENTICATED:
		return st->m->auth != NULL && st->m->auth[0] != '\0';
	case COND_BODY:
		return (st->m->body_flags & c->body_flags) != 0;
	case COND_HEADER_EXISTS:
		return msg_header(st->m, c->header, 0) != NULL;
	case COND_HEADER_MATCHES:
		for (i = 0; ; i++) {
			const char *v = msg_header(st->m, c->header, i);
			int r;

			if (v == NULL)
				return 0;
			if ((r = pattern_match(c->re, v, st->ec->md, st->rs->mctx)) < 0) {
				st->error = 1;
				return 0;
			}
			if (r > 0)
				return 1;
		}
	}
	return 0;
}

/* collect_tests - the (list, scope) pairs of recipient tests that hold */
static void
collect_tests(struct eval_state *st, const struct cond *c, int negated,
    int *scope_by_list)
{
	if (c == NULL)
		return;
	if (c->kind == COND_NOT) {
		collect_tests(st, c->left, !negated, scope_by_list);
		return;
	}
	if (c->kind == COND_RCPT_IN && !negated &&
	    (st->ec->list_src[c->list] & c->scope) != 0)
		scope_by_list[c->list] |= c->scope;
	collect_tests(st, c->left, negated, scope_by_list);
	collect_tests(st, c->right, negated, scope_by_list);
}

/* collect_matches - the addresses behind the deciding rule */
static int
collect_matches(struct eval_state *st, const struct rule *r, struct verdict *v)
{
	const struct msg *m = st->m;
	struct eval_cache *ec = st->ec;
	size_t i, j;

	memset(ec->scope, 0, (st->rs->nlists + 1) * sizeof(*ec->scope));
	collect_tests(st, r->when, 0, ec->scope);
	if ((v->matches = calloc(m->naddrs + 1, sizeof(*v->matches))) == NULL)
		return -1;
	for (i = 0; i < m->naddrs; i++) {
		int hit = 0;

		/* The address's lists, as looked up once in eval_prepare(). */
		for (j = ec->off[i]; j < ec->off[i + 1]; j++)
			hit |= m->addrs[i].sources & ec->scope[ec->ids[j]];
		if (hit == 0)
			continue;
		v->matches[v->nmatches].addr = m->addrs[i].addr;
		v->matches[v->nmatches].sources = m->addrs[i].sources;
		v->matches[v->nmatches].how = m->addrs[i].how;
		v->nmatches++;
	}
	return 0;
}

/* verdict_set_code - the SMTP code of a verdict: the rule's, or the default */
static void
verdict_set_code(struct verdict *v, enum action a, const struct rule *r)
{
	if (r != NULL && (a == ACTION_REJECT || a == ACTION_TEMPFAIL) &&
	    r->code[0] == (a == ACTION_REJECT ? '5' : '4')) {
		memcpy(v->code, r->code, sizeof(v->code));
		memcpy(v->dsn, r->dsn, sizeof(v->dsn));
	} else if (a == ACTION_REJECT)
		verdict_default_code(0, 0, v->code, v->dsn);
	else if (a == ACTION_TEMPFAIL)
		verdict_default_code(1, v->origin != ORIGIN_RULES, v->code, v->dsn);
}

/* is_stopping - does this action end the evaluation of later rules? */
static int
is_stopping(enum action a)
{
	return a == ACTION_HOLD || a == ACTION_REJECT || a == ACTION_TEMPFAIL;
}

/* eval_cache_new - an empty cache, or NULL when out of memory */
struct eval_cache *
eval_cache_new(void)
{
	struct eval_cache *ec;

	if ((ec = calloc(1, sizeof(*ec))) == NULL)
		return NULL;
	if ((ec->md = pcre2_match_data_create(1, NULL)) == NULL) {
		free(ec);
		return NULL;
	}
	return ec;
}

/* eval_cache_reset - a new message: forget the lookups, keep the memory */
void
eval_cache_reset(struct eval_cache *ec)
{
	if (ec == NULL)
		return;
	ec->valid = 0;
	ec->error = 0;
	ec->rs = NULL;
}

/* eval_cache_free - release a cache; returns NULL */
struct eval_cache *
eval_cache_free(struct eval_cache *ec)
{
	if (ec == NULL)
		return NULL;
	if (ec->md != NULL)
		pcre2_match_data_free(ec->md);
	free(ec->list_src);
	free(ec->sender_in);
	free(ec->scope);
	free(ec->ids);
	free(ec->off);
	free(ec);
	return NULL;
}

/* eval_cache_size - room for nlists lists and naddrs addresses; 0 or -1 */
static int
eval_cache_size(struct eval_cache *ec, size_t nlists, size_t naddrs)
{
	if (nlists + 1 > ec->clists) {
		size_t n = nlists + 1;
		int *ls = realloc(ec->list_src, n * sizeof(*ls));
		int *sc;
		unsigned char *si;

		if (ls == NULL)
			return -1;
		ec->list_src = ls;
		if ((sc = realloc(ec->scope, n * sizeof(*sc))) == NULL)
			return -1;
		ec->scope = sc;
		if ((si = realloc(ec->sender_in, n)) == NULL)
			return -1;
		ec->sender_in = si;
		ec->clists = n;
	}
	if (naddrs + 1 > ec->coff) {
		size_t *o = realloc(ec->off, (naddrs + 1) * sizeof(*o));

		if (o == NULL)
			return -1;
		ec->off = o;
		ec->coff = naddrs + 1;
	}
	return 0;
}

/*
 * eval_lookup - look every address and the sender up once, unless the
 * cache already holds this message's lookups; 0, or -1 on failure
 * (st->error set for a pattern error)
 */
static int
eval_lookup(struct eval_state *st)
{
	const struct ruleset *rs = st->rs;
	const struct msg *m = st->m;
	struct eval_cache *ec = st->ec;
	size_t i, j;

	if (ec->valid && ec->rs == rs && ec->naddrs == m->naddrs) {
		st->error = ec->error;
		return ec->error ? -1 : 0;
	}
	ec->valid = 0;
	if (eval_cache_size(ec, rs->nlists, m->naddrs) < 0)
		return -1;
	memset(ec->list_src, 0, (rs->nlists + 1) * sizeof(*ec->list_src));
	memset(ec->sender_in, 0, rs->nlists + 1);
	ec->nids = 0;
	ec->nomem = 0;
	ec->error = 0;
	for (i = 0; i < m->naddrs; i++) {
		ec->off[i] = ec->nids;
		if (lists_of(rs, m->addrs[i].addr, ec->md, mark_id, ec) < 0) {
			ec->error = 1;
			break;
		}
		if (ec->nomem)
			return -1;
		for (j = ec->off[i]; j < ec->nids; j++)
			ec->list_src[ec->ids[j]] |= m->addrs[i].sources;
	}
	if (!ec->error) {
		ec->off[m->naddrs] = ec->nids;
		if (m->sender != NULL && lists_of(rs, m->sender, ec->md, mark_sender, ec) < 0)
			ec->error = 1;
	}
	/* A pattern error is kept: it would happen again. */
	ec->rs = rs;
	ec->naddrs = m->naddrs;
	ec->valid = 1;
	st->error = ec->error;
	return ec->error ? -1 : 0;
}

/* eval_prepare - set up st for one question about m; 0, or -1 on failure */
static int
eval_prepare(struct eval_state *st, const struct ruleset *rs, const struct msg *m,
    struct eval_cache *ec)
{
	memset(st, 0, sizeof(*st));
	st->rs = rs;
	st->m = m;
	st->ec = ec;
	if (ec == NULL)
		return -1;
	return eval_lookup(st);
}

/* Kleene logic for eval_body_matters(): the body's facts are not known yet. */
enum tri { TRI_FALSE, TRI_TRUE, TRI_UNKNOWN };

/* cond_eval3 - a condition in three-valued logic, the body unknown */
static enum tri
cond_eval3(struct eval_state *st, const struct cond *c)
{
	enum tri l, r;

	switch (c->kind) {
	case COND_BODY:
		return TRI_UNKNOWN;
	case COND_AND:
		if ((l = cond_eval3(st, c->left)) == TRI_FALSE)
			return TRI_FALSE;
		if ((r = cond_eval3(st, c->right)) == TRI_FALSE)
			return TRI_FALSE;
		return l == TRI_TRUE && r == TRI_TRUE ? TRI_TRUE : TRI_UNKNOWN;
	case COND_OR:
		if ((l = cond_eval3(st, c->left)) == TRI_TRUE)
			return TRI_TRUE;
		if ((r = cond_eval3(st, c->right)) == TRI_TRUE)
			return TRI_TRUE;
		return l == TRI_FALSE && r == TRI_FALSE ? TRI_FALSE : TRI_UNKNOWN;
	case COND_NOT:
		l = cond_eval3(st, c->left);
		return l == TRI_UNKNOWN ? TRI_UNKNOWN : l == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	default:
		return cond_eval(st, c) ? TRI_TRUE : TRI_FALSE;
	}
}

/*
 * eval_body_matters_cached - could the body's MIME facts change this message's
 * verdict (or what monitor mode logs)? Rules are walked in order with the
 * body unknown: the first rule that holds whatever the body says decides,
 * so the body cannot matter; a rule whose outcome depends on the body
 * means it does. Errors answer "it matters", the safe side.
 */
int
eval_body_matters_cached(const struct ruleset *rs, const struct msg *m,
    struct eval_cache *ec)
{
	struct eval_state st;
	size_t i;
	int matters = 0;

	if (!rs->needs_body)
		return 0;
	if (eval_prepare(&st, rs, m, ec) < 0)
		return 1;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		enum tri t;

		if (!r->enabled)
			continue;
		t = cond_eval3(&st, r->when);
		if (st.error || t == TRI_UNKNOWN) {
			matters = 1;
			break;
		}
		if (t == TRI_TRUE && !r->monitor)
			break;
	}
	return matters;
}

/* eval_body_matters - eval_body_matters_cached() with a cache for one call */
int
eval_body_matters(const struct ruleset *rs, const struct msg *m)
{
	struct eval_cache *ec;
	int r;

	if (!rs->needs_body)
		return 0;
	ec = eval_cache_new();
	r = eval_body_matters_cached(rs, m, ec);
	eval_cache_free(ec);
	return r;
}

/* eval_message - eval_message_cached() with a cache for one call */
int
eval_message(const struct ruleset *rs, const struct msg *m,
    const struct eval_opts *opts, struct verdict *v)
{
	struct eval_cache *ec = eval_cache_new();
	int r;

	r = eval_message_cached(rs, m, opts, v, ec);
	eval_cache_free(ec);
	return r;
}

/*
 * eval_message_released - the verdict for a message at its end: a
 * moderator's release (release.c) that verifies under the key is accepted
 * as released; any other message goes through the rules
 */
int
eval_message_released(const struct ruleset *rs, struct release_key *key, time_t now,
    const struct msg *m, const struct eval_opts *opts, struct verdict *v,
    struct eval_cache *ec)
{
	size_t nrel;

	if (release_state_of(key, m, now, &nrel) == RELEASE_VALID) {
		memset(v, 0, sizeof(*v));
		v->action = ACTION_ACCEPT;
		v->origin = ORIGIN_RELEASED;
		return 0;
	}
	return eval_message_cached(rs, m, opts, v, ec);
}

/* eval_message_cached - decide the verdict for one message */
int
eval_message_cached(const struct ruleset *rs, const struct msg *m,
    const struct eval_opts *opts, struct verdict *v, struct eval_cache *ec)
{
	struct eval_state st;
	size_t i;
	int rv = 0;

	memset(v, 0, sizeof(*v));
	if (eval_prepare(&st, rs, m, ec) < 0)
		goto fail;

	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		enum action a = opts->file_actions ? r->file_action : r->action;
		int monitor = opts->file_actions ? r->file_action == ACTION_MONITOR : r->monitor;

		if (!opts->file_actions && !r->enabled)
			continue;
		if (!cond_eval(&st, r->when)) {
			if (st.error)
				goto fail;
			continue;
		}
		if (monitor) {
			if (v->nmonitored < VERDICT_MAX_MONITORED) {
				v->monitored[v->nmonitored] = r;
				v->monitored_would[v->nmonitored] = a;
				v->nmonitored++;
			}
			continue;
		}
		v->rule = r;
		v->action = a;
		break;
	}
	if (v->rule != NULL && collect_matches(&st, v->rule, v) < 0) {
		st.error = 0;
		goto fail;
	}
	v->origin = ORIGIN_RULES;
	/*
	 * Against a limit, a rule that stops the message on what was examined
	 * stands: the same message would meet the same limit again. An
	 * internal error always gives on_error, as documented above: what was
	 * lost may be what keeps a rule from firing ("not header In-Reply-To
	 * exists" turned a held reply into a 5xx reject), and a retry will
	 * most likely succeed. Anything else must not pass.
	 */
	if (m->error != NULL) {
		v->origin = ORIGIN_ERROR;
		v->reason = m->error;
		v->action = opts->on_error;
		rv = -1;
	} else if (m->limit != NULL && !is_stopping(v->action)) {
		v->origin = ORIGIN_LIMIT;
		v->reason = m->limit;
		v->action = opts->on_limit;
	}
	verdict_set_code(v, v->action, v->origin == ORIGIN_RULES ? v->rule : NULL);
	goto out;
fail:
	free(v->matches);
	v->matches = NULL;
	v->nmatches = 0;
	v->rule = NULL;
	v->origin = ORIGIN_ERROR;
	v->reason = st.error ? "pattern match limit or error" : "out of memory";
	v->action = opts->on_error;
	verdict_set_code(v, v->action, NULL);
	rv = -1;
out:
	return rv;
}
