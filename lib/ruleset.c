/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ruleset - the compiled policy and its lifetime
 * DESCRIPTION
 *	A ruleset is built once (rules_parse.c fills it, ruleset_finish()
 *	derives what the milter must ask the MTA for) and is then never
 *	modified: any number of threads may evaluate it at once. Its owner is
 *	the policy that holds it (policy.c); ruleset_free() releases every
 *	list, rule, compiled pattern and template it owns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ruleset_impl.h"
#include "strbuf.h"
#include "strmap.h"
#include "template.h"

/* ruleset_new - an empty ruleset with its maps and match context, or NULL */
struct ruleset *
ruleset_new(void)
{
	struct ruleset *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->literals = strmap_new(64);
	rs->domains = strmap_new(16);
	rs->templates = strmap_new(8);
	rs->mctx = pcre2_match_context_create(NULL);
	if (rs->literals == NULL || rs->domains == NULL || rs->templates == NULL ||
	    rs->mctx == NULL)
		return ruleset_free(rs);
	/* Bounded work per match: a hostile header can not stall a thread. */
	pcre2_set_match_limit(rs->mctx, RULESET_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, RULESET_PCRE2_DEPTH_LIMIT);
	return rs;
}

/* ruleset_cond_free - release a condition tree */
void
ruleset_cond_free(struct cond *c)
{
	if (c == NULL)
		return;
	ruleset_cond_free(c->left);
	ruleset_cond_free(c->right);
	free(c->listname);
	free(c->header);
	if (c->re != NULL)
		pcre2_code_free(c->re);
	free(c);
}

static void ruleset_free_prefilters(struct ruleset *);

/* free_template - strmap value destructor for templates */
static void
free_template(void *t)
{
	template_free(t);
}

/* ruleset_free - free a ruleset and all it owns; returns NULL */
struct ruleset *
ruleset_free(struct ruleset *rs)
{
	size_t i, j;

	if (rs == NULL)
		return NULL;
	for (i = 0; i < rs->nlists; i++) {
		free(rs->lists[i].name);
		for (j = 0; j < rs->lists[i].npatterns; j++) {
			pcre2_code_free(rs->lists[i].patterns[j]);
			free(rs->lists[i].pattern_srcs[j]);
		}
		free(rs->lists[i].patterns);
		free(rs->lists[i].pattern_srcs);
	}
	free(rs->lists);
	for (i = 0; i < rs->nrules; i++) {
		free(rs->rules[i].name);
		ruleset_cond_free(rs->rules[i].when);
	}
	free(rs->rules);
	for (i = 0; i < rs->nexamples; i++) {
		struct example *ex = &rs->examples[i];

		free(ex->sender);
		for (j = 0; j < ex->nrcpts; j++)
			free(ex->rcpts[j]);
		free(ex->rcpts);
		for (j = 0; j < ex->nheaders; j++) {
			free(ex->headers[j].name);
			free(ex->headers[j].value);
		}
		free(ex->headers);
		free(ex->auth);
		free(ex->expect_rule);
	}
	free(rs->examples);
	strmap_free(rs->literals, free);
	strmap_free(rs->domains, free);
	strmap_free(rs->templates, free_template);
	for (i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	for (i = 0; i < rs->nheaders; i++)
		free(rs->headers[i]);
	free(rs->headers);
	if (rs->mctx != NULL)
		pcre2_match_context_free(rs->mctx);
	ruleset_free_prefilters(rs);
	free(rs);
	return NULL;
}

/* ruleset_find_list - the list named name, or NULL */
int
ruleset_find_list(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nlists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ruleset_find_rule - the rule named name, or NULL */
struct rule *
ruleset_find_rule(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].name, name) == 0)
			return &rs->rules[i];
	return NULL;
}

/* ruleset_nrules - how many rules there are */
size_t
ruleset_nrules(const struct ruleset *rs)
{
	return rs->nrules;
}

/* ruleset_nlists - how many address lists there are */
size_t
ruleset_nlists(const struct ruleset *rs)
{
	return rs->nlists;
}

/* ruleset_nexamples - how many examples the rule files give */
size_t
ruleset_nexamples(const struct ruleset *rs)
{
	return rs->nexamples;
}

/* ruleset_needs_body - does some enabled rule look at the body? */
int
ruleset_needs_body(const struct ruleset *rs)
{
	return rs->needs_body;
}

/* ruleset_list_name - the name of list number list */
const char *
ruleset_list_name(const struct ruleset *rs, size_t list)
{
	return list < rs->nlists ? rs->lists[list].name : NULL;
}

/* ruleset_list_used - does some rule refer to list number list? */
int
ruleset_list_used(const struct ruleset *rs, size_t list)
{
	return list < rs->nlists && rs->lists[list].used;
}

/* rule_name - a rule's name */
const char *
rule_name(const struct rule *r)
{
	return r->name;
}

/* rule_file - the file a rule was written in */
const char *
rule_file(const struct rule *r)
{
	return r->file;
}

/* rule_line - the line a rule starts on */
int
rule_line(const struct rule *r)
{
	return r->line;
}

/* rule_reply - a rule's SMTP reply text, or NULL: the built-in one */
const struct template *
rule_reply(const struct rule *r)
{
	return r->reply;
}

/* rule_guidance - a rule's guidance text for the sender, or NULL: none */
const struct template *
rule_guidance(const struct rule *r)
{
	return r->guidance;
}

/* ruleset_intern_file - keep one copy of a file name for diagnostics */
const char *
ruleset_intern_file(struct ruleset *rs, const char *path)
{
	char **nf;
	size_t i;

	for (i = 0; i < rs->nfiles; i++)
		if (strcmp(rs->files[i], path) == 0)
			return rs->files[i];
	if ((nf = realloc(rs->files, (rs->nfiles + 1) * sizeof(*nf))) == NULL)
		return NULL;
	rs->files = nf;
	if ((nf[rs->nfiles] = strdup(path)) == NULL)
		return NULL;
	return nf[rs->nfiles++];
}

/* cond_lists - add the lists of "recipient in" tests below c, once each, in tree order */
static void
cond_lists(const struct ruleset *rs, const struct cond *c, int *lists, size_t *n, size_t max)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->kind == COND_RCPT_IN && c->list >= 0 && (size_t)c->list < rs->nlists &&
	    *n < max) {
		for (i = 0; i < *n && lists[i] != c->list; i++)
			;
		if (i == *n)
			lists[(*n)++] = c->list;
	}
	cond_lists(rs, c->left, lists, n, max);
	cond_lists(rs, c->right, lists, n, max);
}

/* ruleset_rule_lists - the lists a rule's condition tests recipients against; how many */
size_t
ruleset_rule_lists(const struct ruleset *rs, const struct rule *r, int *lists, size_t max)
{
	size_t n = 0;

	cond_lists(rs, r->when, lists, &n, max);
	return n;
}

/* ruleset_needs_header - does any rule look at header name? */
int
ruleset_needs_header(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nheaders; i++)
		if (strcasecmp(rs->headers[i], name) == 0)
			return 1;
	return 0;
}

/* ruleset_add_header - ask the MTA for this header; -1 when out of memory */
static int
ruleset_add_header(struct ruleset *rs, const char *name)
{
	char **nh;

	if (ruleset_needs_header(rs, name))
		return 0;
	if ((nh = realloc(rs->headers, (rs->nheaders + 1) * sizeof(*nh))) == NULL)
		return -1;
	rs->headers = nh;
	if ((nh[rs->nheaders] = strdup(name)) == NULL)
		return -1;
	rs->nheaders++;
	return 0;
}

/*
 * ruleset_scan_cond - note the headers and body a condition looks at; -1
 * when out of memory (a header not asked for would never match)
 */
static int
ruleset_scan_cond(struct ruleset *rs, const struct cond *c)
{
	if (c == NULL)
		return 0;
	if ((c->kind == COND_HEADER_MATCHES || c->kind == COND_HEADER_EXISTS) &&
	    ruleset_add_header(rs, c->header) < 0)
		return -1;
	if (c->kind == COND_BODY)
		rs->needs_body = 1;
	if (ruleset_scan_cond(rs, c->left) < 0)
		return -1;
	return ruleset_scan_cond(rs, c->right);
}

/* ruleset_free_prefilters - drop the pattern runs (the patterns stay) */
static void
ruleset_free_prefilters(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->nprefilters; i++) {
		if (rs->prefilters[i].re != NULL)
			pcre2_code_free(rs->prefilters[i].re);
		free(rs->prefilters[i].list);
		free(rs->prefilters[i].code);
	}
	free(rs->prefilters);
	rs->prefilters = NULL;
	rs->nprefilters = 0;
}

/* Patterns per combined pattern: PCRE2 limits a compiled pattern's size. */
#define RULESET_PREFILTER_RUN	64

/* prefilter_close - compile the combined pattern of a finished run */
static void
prefilter_close(struct prefilter *pf, struct strbuf *all, int combinable)
{
	PCRE2_SIZE off;
	int err;

	pf->re = NULL;
	if (combinable && pf->n >= 2 && all->len > 0) {
		pf->re = pcre2_compile((PCRE2_SPTR)strbuf_str(all), all->len,
		    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
		if (pf->re != NULL)
			(void)pcre2_jit_compile(pf->re, PCRE2_JIT_COMPLETE);
	}
	strbuf_reset(all);
}

/*
 * ruleset_build_prefilters - cut the used lists' patterns into runs of up
 * to RULESET_PREFILTER_RUN, each with one pattern that matches whenever
 * any of the run does. eval.c tries that first: an address it does not
 * match (the common case) skips the whole run, so many patterns cost a
 * few matches per address. A run that holds a pattern that can not be
 * combined unchanged (back references, recursion, verbs), or whose
 * combined pattern does not compile, has none: its patterns are tried one
 * by one. Every pattern of a used list is in exactly one run; eval.c
 * matches patterns only through runs. Returns -1 when out of memory.
 */
static int
ruleset_build_prefilters(struct ruleset *rs)
{
	struct strbuf all;
	struct prefilter *pf = NULL, *npf;
	size_t i, j;
	int combinable = 1;

	strbuf_init(&all, 0);
	for (i = 0; i < rs->nlists; i++) {
		const struct addrlist *l = &rs->lists[i];

		if (!l->used)
			continue;
		for (j = 0; j < l->npatterns; j++) {
			if (pf == NULL || pf->n == RULESET_PREFILTER_RUN) {
				if (pf != NULL)
					prefilter_close(pf, &all, combinable);
				npf = realloc(rs->prefilters, (rs->nprefilters + 1) * sizeof(*npf));
				if (npf == NULL)
					goto fail;
				rs->prefilters = npf;
				pf = &npf[rs->nprefilters++];
				memset(pf, 0, sizeof(*pf));
				pf->list = calloc(RULESET_PREFILTER_RUN, sizeof(*pf->list));
				pf->code = calloc(RULESET_PREFILTER_RUN, sizeof(*pf->code));
				if (pf->list == NULL || pf->code == NULL)
					goto fail;
				combinable = 1;
			}
			pf->list[pf->n] = (int)i;
			pf->code[pf->n] = l->patterns[j];
			if (l->pattern_srcs[j] == NULL)
				combinable = 0;
			else {
				if (pf->n > 0)
					strbuf_putc(&all, '|');
				strbuf_puts(&all, l->pattern_srcs[j]);
			}
			/* A combined pattern missing a part would skip matches. */
			if (all.error != STRBUF_OK)
				goto fail;
			pf->n++;
		}
	}
	if (pf != NULL)
		prefilter_close(pf, &all, combinable);
	strbuf_free(&all);
	return 0;
fail:
	strbuf_free(&all);
	ruleset_free_prefilters(rs);
	return -1;
}

/*
 * ruleset_finish - derive what evaluation and the milter need: the pattern
 * runs, and whether to ask the MTA for bodies; -1 when out of memory
 */
int
ruleset_finish(struct ruleset *rs)
{
	size_t i;

	if (ruleset_build_prefilters(rs) < 0)
		return -1;

	rs->needs_body = 0;
	for (i = 0; i < rs->nrules; i++)
		if (rs->rules[i].enabled && ruleset_scan_cond(rs, rs->rules[i].when) < 0)
			return -1;
	return 0;
}
