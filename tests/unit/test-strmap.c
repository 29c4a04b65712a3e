/*
 * test-strmap.c - the string map behind the message's address index and
 * the rule lists: put/get/replace/foreach/free, and resistance to hash
 * flooding, counted in probes rather than timed: 49,000 addresses made to
 * collide under the unseeded FNV-1a hash ccguard once used must cost a
 * lookup no more than twice what random addresses cost.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#include "fnv-collide.h"
#include "testlib.h"

#define FLOOD_N		49000	/* addresses in a 1 MB Cc header */
#define FLOOD_BITS	20	/* colliding low bits: tables up to 2^20 slots */
#define FLOOD_MAX_PROBE	64	/* the longest lookup allowed for any key */

/* count_key - strmap_foreach callback: count keys and their values */
static void
count_key(const char *key, void *value, void *arg)
{
	size_t *sum = arg;

	sum[0]++;
	sum[1] += (uintptr_t)value;
}

/* test_basic - the map's contract */
static void
test_basic(void)
{
	struct strmap *m = strmap_new(0);
	size_t sum[2] = { 0, 0 };
	void *old;
	char key[32];
	int i;

	CHECK(m != NULL, "strmap_new");
	if (m == NULL)
		return;
	CHECK(strmap_get(m, "a@example.org") == NULL, "empty map: no value");
	for (i = 1; i <= 1000; i++) {
		snprintf(key, sizeof(key), "user%d@example.org", i);
		CHECK(strmap_put(m, key, (void *)(uintptr_t)i, &old) == 0, "put %s", key);
		CHECK(old == NULL, "put %s: nothing replaced", key);
	}
	for (i = 1; i <= 1000; i++) {
		snprintf(key, sizeof(key), "user%d@example.org", i);
		CHECK((uintptr_t)strmap_get(m, key) == (uintptr_t)i, "get %s", key);
	}
	CHECK(strmap_get(m, "user0@example.org") == NULL, "absent key");
	CHECK(strmap_get(m, "") == NULL, "empty key absent");
	CHECK(strmap_put(m, "user7@example.org", (void *)(uintptr_t)7000, &old) == 0, "replace");
	CHECK((uintptr_t)old == 7, "replace returns the old value, got %zu", (size_t)(uintptr_t)old);
	CHECK((uintptr_t)strmap_get(m, "user7@example.org") == 7000, "replaced value");
	strmap_foreach(m, count_key, sum);
	CHECK(sum[0] == 1000, "foreach visits every key once, got %zu", sum[0]);
	CHECK(sum[1] == 1000 * 1001 / 2 - 7 + 7000, "foreach values, got %zu", sum[1]);
	CHECK(strmap_free(m, NULL) == NULL, "strmap_free returns NULL");
}

/* load - a map of the addresses; its probe statistics */
static int
load(char **addrs, struct strmap_stats *st)
{
	struct strmap *m = strmap_new(16);	/* grows as msg.c's index does */
	size_t i, bad = 0;

	if (m == NULL)
		return -1;
	for (i = 0; addrs[i] != NULL; i++)
		if (strmap_put(m, addrs[i], (void *)(uintptr_t)(i + 1), NULL) < 0) {
			strmap_free(m, NULL);
			return -1;
		}
	for (i = 0; addrs[i] != NULL; i++)
		bad += (uintptr_t)strmap_get(m, addrs[i]) != i + 1;
	CHECK(bad == 0, "%zu addresses not found again", bad);
	strmap_stats(m, st);
	strmap_free(m, NULL);
	return 0;
}

/* test_flood - colliding addresses cost what random ones cost */
static void
test_flood(void)
{
	char **hostile = fnv_collide(FLOOD_N, FLOOD_BITS, "example.org");
	char **plain = fnv_random(FLOOD_N, 1, "example.org");
	struct strmap_stats hs, ps;
	uint32_t low;
	size_t i, agree = 0;

	CHECK(hostile != NULL && plain != NULL, "generators");
	if (hostile == NULL || plain == NULL)
		goto out;
	/* The generated set is what it claims: one chain under FNV-1a. */
	low = fnv1a_32(hostile[0]) & ((1u << FLOOD_BITS) - 1);
	for (i = 0; hostile[i] != NULL; i++)
		agree += (fnv1a_32(hostile[i]) & ((1u << FLOOD_BITS) - 1)) == low;
	CHECK(agree == FLOOD_N, "%zu of %d generated addresses collide under FNV-1a",
	    agree, FLOOD_N);
	CHECK(strlen(hostile[0]) == strlen(plain[0]), "same length: %s, %s", hostile[0], plain[0]);

	if (load(hostile, &hs) < 0 || load(plain, &ps) < 0) {
		CHECK(0, "out of memory loading the maps");
		goto out;
	}
	printf("colliding: %zu keys, %zu slots, longest lookup %zu probes, %zu in all\n",
	    hs.count, hs.cap, hs.max_probe, hs.total_probes);
	printf("random:    %zu keys, %zu slots, longest lookup %zu probes, %zu in all\n",
	    ps.count, ps.cap, ps.max_probe, ps.total_probes);
	CHECK(hs.count == FLOOD_N && ps.count == FLOOD_N, "all keys distinct and present");
	CHECK(hs.total_probes <= 2 * ps.total_probes,
	    "colliding addresses cost %zu probes, random ones %zu: more than twice",
	    hs.total_probes, ps.total_probes);
	CHECK(hs.max_probe <= FLOOD_MAX_PROBE,
	    "a colliding address takes %zu probes to find (limit %d)", hs.max_probe,
	    FLOOD_MAX_PROBE);
	CHECK(ps.max_probe <= FLOOD_MAX_PROBE,
	    "a random address takes %zu probes to find (limit %d)", ps.max_probe,
	    FLOOD_MAX_PROBE);
out:
	fnv_free(hostile);
	fnv_free(plain);
}

/* main - run the cases */
int
main(void)
{
	test_basic();
	test_flood();
	return test_exit("test-strmap");
}
