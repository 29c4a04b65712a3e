/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fnv-collide.c - hostile input for hash tables: distinct mail addresses
 * whose 32-bit FNV-1a hashes agree in their low bits, the attack that
 * turned ccguard's address index (FNV-1a, unseeded, linear probing) into
 * a quadratic scan. Used by test-strmap (make check) and gen-cc (make
 * bench); see fnv-collide.h.
 *
 * FNV-1a is h = (h ^ byte) * prime mod 2^32. Multiplying by an odd number
 * and xoring a byte never carry information from high bits into low ones,
 * so the low `bits` bits of the state after a string depend only on the
 * low `bits` bits before it, and each step is invertible modulo 2^bits.
 * So: fix a target state T; walk every suffix of FNV_SUFFIX characters
 * backwards from T to the state it needs before it, and remember one
 * suffix per such state. Then every prefix (a counter) gets the suffix
 * its own state needs, and prefix + suffix ends in state T. The domain
 * is the same for all, so the low bits stay equal to the end.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv-collide.h"

#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u
#define FNV_SUFFIX	5		/* 36^5 suffixes: every 20-bit state is reached */
#define FNV_PREFIX	4		/* 36^4 distinct prefixes */
#define FNV_NONE	UINT32_MAX

static const char fnv_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
#define FNV_NALPHA	(sizeof(fnv_alphabet) - 1)

/* fnv1a_32 - the 32-bit FNV-1a hash of s */
uint32_t
fnv1a_32(const char *s)
{
	uint32_t h = FNV_BASIS;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	return h;
}

/* fnv_step - the FNV-1a state after one more byte */
static uint32_t
fnv_step(uint32_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

/* odd_inverse - x such that a * x == 1 mod 2^32 (a odd), by Newton's method */
static uint32_t
odd_inverse(uint32_t a)
{
	uint32_t x = a;		/* correct to 3 bits; each step doubles that */
	int i;

	for (i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

/* suffix_text - the index'th suffix as FNV_SUFFIX characters, last one first */
static void
suffix_text(uint32_t index, char *out)
{
	int i;

	for (i = FNV_SUFFIX - 1; i >= 0; i--) {
		out[i] = fnv_alphabet[index % FNV_NALPHA];
		index /= FNV_NALPHA;
	}
}

/*
 * fill_table - for each state s (mod 2^bits), one suffix index that takes
 * s to target; walks the suffixes from their last character backwards
 */
static void
fill_table(uint32_t *table, uint32_t mask, uint32_t pinv, uint32_t state, int depth,
    uint32_t index, uint32_t scale)
{
	size_t c;

	if (depth == FNV_SUFFIX) {
		if (table[state] == FNV_NONE)
			table[state] = index;
		return;
	}
	for (c = 0; c < FNV_NALPHA; c++) {
		uint32_t before = ((state * pinv) ^ (unsigned char)fnv_alphabet[c]) & mask;

		fill_table(table, mask, pinv, before, depth + 1, index + (uint32_t)c * scale,
		    scale * FNV_NALPHA);
	}
}

/* fnv_collide - n addresses "PPPPSSSSS@domain" whose hashes agree in the low bits */
char **
fnv_collide(size_t n, unsigned bits, const char *domain)
{
	uint32_t mask = bits >= 32 ? UINT32_MAX : ((uint32_t)1 << bits) - 1;
	uint32_t *table, target, i, limit = 1;
	char **out, local[FNV_PREFIX + FNV_SUFFIX + 1];
	size_t got = 0;
	int k;

	if (bits < 8 || bits > 24)
		return NULL;
	for (k = 0; k < FNV_PREFIX; k++)
		limit *= FNV_NALPHA;
	if ((table = malloc(((size_t)mask + 1) * sizeof(*table))) == NULL)
		return NULL;
	if ((out = calloc(n + 1, sizeof(*out))) == NULL) {
		free(table);
		return NULL;
	}
	memset(table, 0xff, ((size_t)mask + 1) * sizeof(*table));
	/* The state after "@domain" is what the table sees; T is before it. */
	target = 0x2f5a3c1u & mask;
	fill_table(table, mask, odd_inverse(FNV_PRIME), target, 0, 0, 1);
	for (i = 0; i < limit && got < n; i++) {
		uint32_t h = FNV_BASIS, v = i;

		for (k = FNV_PREFIX - 1; k >= 0; k--) {
			local[k] = fnv_alphabet[v % FNV_NALPHA];
			v /= FNV_NALPHA;
		}
		for (k = 0; k < FNV_PREFIX; k++)
			h = fnv_step(h, (unsigned char)local[k]);
		if (table[h & mask] == FNV_NONE)
			continue;
		suffix_text(table[h & mask], local + FNV_PREFIX);
		local[FNV_PREFIX + FNV_SUFFIX] = '\0';
		if (asprintf(&out[got], "%s@%s", local, domain) < 0)
			break;
		got++;
	}
	free(table);
	if (got < n) {
		fnv_free(out);
		return NULL;
	}
	return out;
}

/* fnv_random - n distinct addresses of the same shape, from a seeded generator */
char **
fnv_random(size_t n, unsigned long seed, const char *domain)
{
	char **out, local[FNV_PREFIX + FNV_SUFFIX + 1];
	uint64_t x = seed * 2 + 1;
	size_t got, k;

	if ((out = calloc(n + 1, sizeof(*out))) == NULL)
		return NULL;
	for (got = 0; got < n; got++) {
		/* The counter as prefix keeps them distinct; the rest is random. */
		uint32_t v = (uint32_t)got;

		for (k = FNV_PREFIX; k-- > 0; ) {
			local[k] = fnv_alphabet[v % FNV_NALPHA];
			v /= FNV_NALPHA;
		}
		for (k = FNV_PREFIX; k < FNV_PREFIX + FNV_SUFFIX; k++) {
			x ^= x << 13;	/* xorshift64 */
			x ^= x >> 7;
			x ^= x << 17;
			local[k] = fnv_alphabet[x % FNV_NALPHA];
		}
		local[FNV_PREFIX + FNV_SUFFIX] = '\0';
		if (asprintf(&out[got], "%s@%s", local, domain) < 0) {
			fnv_free(out);
			return NULL;
		}
	}
	return out;
}

/* fnv_free - release a list from fnv_collide() or fnv_random() */
void
fnv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
