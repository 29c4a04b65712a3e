/*
 * testlib.h - the smallest table-driven test harness: CHECK prints
 * "file:line: got X, want Y" and counts failures; test_exit() returns the
 * automake exit status.
 */
#ifndef CCGUARD_TESTLIB_H
#define CCGUARD_TESTLIB_H

#include <stdio.h>
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

static inline int
test_exit(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	return test_failures == 0 ? 0 : 1;
}

#endif
