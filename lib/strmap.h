/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strmap.h - open-addressing hash map from NUL-terminated strings to
 * pointers, with a keyed hash (SipHash-2-4, a random key per process).
 */
#ifndef CCGUARD_STRMAP_H
#define CCGUARD_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_KEY_BYTES	16

struct strmap;

struct strmap *strmap_new(size_t hint);
void	*strmap_get(const struct strmap *, const char *key);
int	 strmap_put(struct strmap *, const char *key, void *value, void **old);
void	 strmap_foreach(const struct strmap *, void (*)(const char *, void *, void *), void *);
struct strmap *strmap_free(struct strmap *, void (*free_value)(void *));

/*
 * For tests: the shape of the table. A lookup of a key reads the slots
 * from the key's home slot to its own; probes counts them (1: it sits at
 * home). A hash an attacker can steer makes max_probe grow with count.
 */
struct strmap_stats {
	size_t	 count;		/* keys */
	size_t	 cap;		/* slots */
	size_t	 max_probe;	/* the longest lookup of a present key */
	size_t	 total_probes;	/* the sum over all present keys */
};
void	 strmap_stats(const struct strmap *, struct strmap_stats *);

/* The hash itself, for its reference test vectors. */
uint64_t strmap_siphash24(const unsigned char key[STRMAP_KEY_BYTES], const void *, size_t);

#endif
