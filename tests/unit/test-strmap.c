/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-strmap.c - the string map behind the message's address index and
 * the rule lists: put/get/replace/foreach/free, and resistance to hash
 * flooding, counted in probes rather than timed: 49,000 addresses made to
 * collide under the unseeded FNV-1a hash ccguard once used must cost a
 * lookup no more than twice what random addresses cost. Also the keyed
 * hash against the SipHash-2-4 reference vectors, and the key's fallback
 * when getrandom() fails (linked with --wrap=getrandom).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strmap.h"

#include "fnv-collide.h"
#include "testlib.h"

#define FLOOD_N		49000	/* addresses in a 1 MB Cc header */
#define FLOOD_BITS	20	/* colliding low bits: tables up to 2^20 slots */
#define FLOOD_MAX_PROBE	64	/* the longest lookup allowed for any key */

/*
 * SipHash-2-4 reference vectors (Aumasson and Bernstein, the reference
 * implementation's vectors_sip64): key 00 01 .. 0f, message 00 01 ..
 * (i-1) for i = 0..63, as 64-bit numbers.
 */
static const uint64_t sip24_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
	0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL, 0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
	0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
	0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL, 0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
	0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
	0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL, 0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
	0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
	0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL, 0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
	0xf935451de4f21df2ULL, 0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
	0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL, 0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
	0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

/* test_siphash - the hash against the reference vectors */
static void
test_siphash(void)
{
	unsigned char key[STRMAP_KEY_BYTES], msg[64];
	uint64_t got;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < 64; i++) {
		got = strmap_siphash24(key, msg, i);
		CHECK(got == sip24_vectors[i], "SipHash-2-4 of %zu bytes: got %016llx, want %016llx",
		    i, (unsigned long long)got, (unsigned long long)sip24_vectors[i]);
	}
	key[0] ^= 1;
	CHECK(strmap_siphash24(key, msg, 15) != sip24_vectors[15], "the key changes the hash");
}

static int getrandom_fails;	/* set in the child of test_no_getrandom */

ssize_t	__real_getrandom(void *, size_t, unsigned int);
ssize_t	__wrap_getrandom(void *, size_t, unsigned int);

/* __wrap_getrandom - getrandom(), or ENOSYS as on a kernel without it */
ssize_t
__wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	if (getrandom_fails) {
		getrandom_fails++;
		errno = ENOSYS;
		return -1;
	}
	return __real_getrandom(buf, len, flags);
}

/*
 * test_no_getrandom - in a fresh process (the key is drawn once per
 * process) where getrandom() fails: the map works and a warning says so
 */
static void
test_no_getrandom(void)
{
	char log[4096];
	FILE *errf = tmpfile();
	size_t n;
	pid_t pid;
	int status;

	if (errf == NULL) {
		CHECK(0, "tmpfile");
		return;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct strmap *m;
		int ok;

		dup2(fileno(errf), 2);
		getrandom_fails = 1;
		m = strmap_new(0);
		ok = m != NULL && strmap_put(m, "a@example.org", (void *)1, NULL) == 0 &&
		    strmap_put(m, "b@example.org", (void *)2, NULL) == 0 &&
		    strmap_get(m, "a@example.org") == (void *)1 &&
		    strmap_get(m, "b@example.org") == (void *)2 &&
		    strmap_get(m, "c@example.org") == NULL;
		strmap_free(m, NULL);
		_exit(!ok ? 1 : getrandom_fails < 2 ? 2 : 0);
	}
	CHECK(pid > 0, "fork");
	if (pid <= 0) {
		fclose(errf);
		return;
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "without getrandom: child status %#x (1: the map failed, 2: getrandom not called)",
	    status);
	rewind(errf);
	n = fread(log, 1, sizeof(log) - 1, errf);
	log[n] = '\0';
	fclose(errf);
	CHECK(strstr(log, "getrandom: Function not implemented") != NULL &&
	    strstr(log, "hash key") != NULL, "without getrandom: logged \"%s\"", log);
}

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
	test_siphash();
	test_no_getrandom();
	test_basic();
	test_flood();
	return test_exit("test-strmap");
}
