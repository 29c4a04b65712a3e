/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point, and
 * FUZZ_CHECK, which aborts (so both libFuzzer and the corpus replay report
 * the input) when a property that must hold for any input does not.
 */
#ifndef CCGUARD_FUZZ_H
#define CCGUARD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(cond, what) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, (what));			\
		abort();						\
	}								\
} while (0)

#endif
