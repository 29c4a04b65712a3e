/*
 * NAME
 *	strmap - string-keyed hash map
 * DESCRIPTION
 *	Keys are copied and owned by the map; values are the caller's, and
 *	strmap_free() hands each to free_value (when not NULL). Lookups are
 *	O(1) on average (FNV-1a, linear probing, load kept under 1/2), so a
 *	message with 100,000 addresses and a rule set with 10,000 list entries
 *	cost time linear in their sizes. strmap_put() returns 0, or -1 when out
 *	of memory (the map is then unchanged).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct strmap_slot {
	char	*key;		/* NULL: empty slot */
	void	*value;
	uint32_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t	 cap;		/* a power of two */
	size_t	 count;
};

static uint32_t
strmap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

struct strmap *
strmap_new(size_t hint)
{
	struct strmap *m;
	size_t cap = 16;

	while (cap < hint * 2 && cap < ((size_t)1 << 30))
		cap <<= 1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->slots = calloc(cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	m->cap = cap;
	return m;
}

static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	for (;;) {
		struct strmap_slot *s = &m->slots[i];

		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s = strmap_find(m, key, strmap_hash(key));

	return s->key != NULL ? s->value : NULL;
}

/* strmap_grow - double the table; on failure the map stays as it was */
static int
strmap_grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots, *s;
	size_t i, oldcap = m->cap;

	if ((m->slots = calloc(oldcap * 2, sizeof(*m->slots))) == NULL) {
		m->slots = old;
		return -1;
	}
	m->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = strmap_find(m, old[i].key, old[i].hash);
		*s = old[i];
	}
	free(old);
	return 0;
}

/* strmap_put - insert or replace; a replaced value is returned in *old */
int
strmap_put(struct strmap *m, const char *key, void *value, void **old)
{
	uint32_t h = strmap_hash(key);
	struct strmap_slot *s;

	if (old != NULL)
		*old = NULL;
	s = strmap_find(m, key, h);
	if (s->key != NULL) {
		if (old != NULL)
			*old = s->value;
		s->value = value;
		return 0;
	}
	if ((m->count + 1) * 2 > m->cap) {
		if (strmap_grow(m) < 0)
			return -1;
		s = strmap_find(m, key, h);
	}
	if ((s->key = strdup(key)) == NULL)
		return -1;
	s->hash = h;
	s->value = value;
	m->count++;
	return 0;
}

void
strmap_foreach(const struct strmap *m, void (*fn)(const char *, void *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			fn(m->slots[i].key, m->slots[i].value, arg);
}

/* strmap_stats - probe lengths of the keys present (for tests) */
void
strmap_stats(const struct strmap *m, struct strmap_stats *st)
{
	size_t i, probes;

	memset(st, 0, sizeof(*st));
	st->count = m->count;
	st->cap = m->cap;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		probes = ((i - (m->slots[i].hash & (m->cap - 1))) & (m->cap - 1)) + 1;
		st->total_probes += probes;
		if (probes > st->max_probe)
			st->max_probe = probes;
	}
}

struct strmap *
strmap_free(struct strmap *m, void (*free_value)(void *))
{
	size_t i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		free(m->slots[i].key);
		if (free_value != NULL)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	free(m);
	return NULL;
}
