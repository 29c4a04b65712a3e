/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	strmap - string-keyed hash map
 * DESCRIPTION
 *	Keys are copied and owned by the map; values are the caller's, and
 *	strmap_free() hands each to free_value (when not NULL). Lookups are
 *	O(1) on average (linear probing, load kept under 1/2), so a message
 *	with 100,000 addresses and a rule set with 10,000 list entries cost
 *	time linear in their sizes. strmap_put() returns 0, or -1 when out of
 *	memory (the map is then unchanged).
 *
 *	Keys come from mail, so the hash is keyed: SipHash-2-4 (Aumasson and
 *	Bernstein, 2012) with a 128-bit key drawn once per process from
 *	getrandom(). Without the key nobody can choose addresses that share
 *	a slot; an unkeyed hash (FNV-1a, before) let one 1 MB header of
 *	colliding addresses cost seconds. Should getrandom() fail (a kernel
 *	without it, or no entropy yet early at boot), the key is taken from
 *	the clock, the process id and addresses, and a warning is logged:
 *	weaker, but still not known in advance. Iteration order therefore
 *	differs from one process to the next; callers that print keys must
 *	not depend on it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "strmap.h"

struct strmap_slot {
	char	*key;		/* NULL: empty slot */
	void	*value;
	uint64_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t	 cap;		/* a power of two */
	size_t	 count;
};

static unsigned char strmap_key[STRMAP_KEY_BYTES];
static pthread_once_t strmap_key_once = PTHREAD_ONCE_INIT;

#define ROTL64(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

/* load64_le - eight bytes as a little-endian number */
static uint64_t
load64_le(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* sip_round - one SipRound on the state v[4] */
static void
sip_round(uint64_t *v)
{
	v[0] += v[1]; v[1] = ROTL64(v[1], 13); v[1] ^= v[0]; v[0] = ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL64(v[1], 17); v[1] ^= v[2]; v[2] = ROTL64(v[2], 32);
}

/* strmap_siphash24 - SipHash-2-4 of data under a 16-byte key */
uint64_t
strmap_siphash24(const unsigned char key[STRMAP_KEY_BYTES], const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + (len & ~(size_t)7);
	uint64_t k0 = load64_le(key), k1 = load64_le(key + 8), m, v[4];
	unsigned char last[8];

	v[0] = k0 ^ 0x736f6d6570736575ULL;	/* "somepseudorandomlygeneratedbytes" */
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (; p < end; p += 8) {
		m = load64_le(p);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	/* The last 0..7 bytes, and the length's low byte on top. */
	memset(last, 0, sizeof(last));
	memcpy(last, p, len & 7);
	last[7] = (unsigned char)len;
	m = load64_le(last);
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * strmap_key_fallback - a key when getrandom() fails: SipHash of the
 * clocks, the process ids and addresses that ASLR moves, under two
 * fixed keys. Not secret from a local user, but not known in advance by
 * whoever writes a mail.
 */
static void
strmap_key_fallback(void)
{
	struct {
		struct timespec	 real, mono;
		pid_t		 pid, ppid;
		const void	*stack, *data, *code;
	} mix;
	unsigned char k[STRMAP_KEY_BYTES];
	uint64_t h;

	memset(&mix, 0, sizeof(mix));
	clock_gettime(CLOCK_REALTIME, &mix.real);
	clock_gettime(CLOCK_MONOTONIC, &mix.mono);
	mix.pid = getpid();
	mix.ppid = getppid();
	mix.stack = &mix;
	mix.data = strmap_key;
	mix.code = (const void *)(uintptr_t)strmap_key_fallback;
	memset(k, 0x5a, sizeof(k));
	h = strmap_siphash24(k, &mix, sizeof(mix));
	memcpy(strmap_key, &h, 8);
	memset(k, 0xa5, sizeof(k));
	h = strmap_siphash24(k, &mix, sizeof(mix));
	memcpy(strmap_key + 8, &h, 8);
}

/* strmap_key_init - draw the process's hash key (once, via pthread_once) */
static void
strmap_key_init(void)
{
	size_t got = 0;
	ssize_t n;
	int err = 0;

	while (got < sizeof(strmap_key)) {
		/* Never block: early at boot a mail filter must still start. */
		n = getrandom(strmap_key + got, sizeof(strmap_key) - got, GRND_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		got += (size_t)n;
	}
	if (got == sizeof(strmap_key))
		return;
	strmap_key_fallback();
	log_warnx("getrandom: %s: the address hash key comes from the clock and process "
	    "id instead (weaker against crafted addresses)", strerror(err));
}

/* strmap_hash - the keyed hash of a key */
static uint64_t
strmap_hash(const char *s)
{
	return strmap_siphash24(strmap_key, s, strlen(s));
}

/* strmap_new - an empty map sized for about hint keys; NULL when out of memory */
struct strmap *
strmap_new(size_t hint)
{
	struct strmap *m;
	size_t cap = 16;

	while (cap < hint * 2 && cap < ((size_t)1 << 30))
		cap <<= 1;
	pthread_once(&strmap_key_once, strmap_key_init);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->slots = calloc(cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	m->cap = cap;
	return m;
}

/* strmap_find - the slot holding key, or the empty slot where it would go */
static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	for (;;) {
		struct strmap_slot *s = &m->slots[i];

		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

/* strmap_get - the value stored for key, or NULL */
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
	uint64_t h = strmap_hash(key);
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

/* strmap_foreach - call fn(key, value, arg) for every entry, in no set order */
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

/* strmap_free - release the map, each value through free_value; returns NULL */
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
