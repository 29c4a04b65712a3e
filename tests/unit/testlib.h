/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testlib.h - the smallest table-driven test harness: CHECK prints
 * "file:line: got X, want Y" and counts failures; test_exit() returns the
 * automake exit status. Helpers for the unit tests' fixture paths.
 */
#ifndef CCGUARD_TESTLIB_H
#define CCGUARD_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures, test_checks;

#define CHECK(cond, ...) do {						\
	test_checks++;							\
	if (!(cond)) {							\
		test_failures++;					\
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_STR(got, want, label) \
	CHECK(strcmp((got), (want)) == 0, "%s: got \"%s\", want \"%s\"", (label), (got), (want))

/* test_exit - print the summary; the automake exit status */
static inline int
test_exit(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	return test_failures == 0 ? 0 : 1;
}

/* test_srcdir - the source tree: $top_srcdir, else the build-time one */
static inline const char *
test_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	if (s != NULL && *s != '\0')
		return s;
#ifdef TEST_TOP_SRCDIR
	return TEST_TOP_SRCDIR;
#else
	return ".";
#endif
}

/* test_path - "$top_srcdir/rel" in a static rotating buffer */
static inline const char *
test_path(const char *rel)
{
	static char buf[4][4096];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", test_srcdir(), rel);
	return b;
}

#endif
