# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-hostile.mk - hardening tests: the hostile-address table, limits,
# injection, rule-file permissions, fault injection, the stress test (the
# fuzz targets are in mk/tests-fuzz.mk).

HARNESS_H = tests/hostile/harness.h

check_PROGRAMS += tests/hostile/test-hostile tests/hostile/test-limits \
	tests/hostile/test-injection
tests_hostile_test_hostile_SOURCES = tests/hostile/test-hostile.c $(HARNESS_H)
tests_hostile_test_hostile_LDADD = $(CORE_LIBS)
tests_hostile_test_limits_SOURCES = tests/hostile/test-limits.c $(HARNESS_H)
tests_hostile_test_limits_LDADD = $(CORE_LIBS)
tests_hostile_test_injection_SOURCES = tests/hostile/test-injection.c $(HARNESS_H)
tests_hostile_test_injection_LDADD = $(CORE_LIBS)
TESTS += tests/hostile/test-hostile tests/hostile/test-limits \
	tests/hostile/test-injection tests/hostile/test-perms.sh

# Generated realistic messages: read as written and as plain addresses alike.
check_PROGRAMS += tests/hostile/test-realistic
tests_hostile_test_realistic_SOURCES = tests/hostile/test-realistic.c $(HARNESS_H)
tests_hostile_test_realistic_LDADD = $(CORE_LIBS)
TESTS += tests/hostile/test-realistic
EXTRA_DIST += tests/hostile/hostile.cases tests/hostile/test-perms.sh

# Allocation failure injection: the test and libccguard.a are linked with
# --wrap for each allocator, so tests/fault/fault.c decides which call fails.
FAULT_WRAP = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
	-Wl,--wrap=strdup -Wl,--wrap=strndup -Wl,--wrap=asprintf \
	-Wl,--wrap=idn2_to_ascii_8z -Wl,--wrap=g_mime_parser_options_new \
	-Wl,--wrap=pcre2_match_data_create_8
check_PROGRAMS += tests/fault/test-fault
tests_fault_test_fault_SOURCES = tests/fault/test-fault.c tests/fault/fault.c \
	tests/fault/fault.h $(HARNESS_H)
tests_fault_test_fault_LDFLAGS = $(AM_LDFLAGS) $(FAULT_WRAP)
tests_fault_test_fault_LDADD = $(CORE_LIBS)
TESTS += tests/fault/test-fault

# Load test of the daemon over the milter protocol (python3).
TESTS += tests/stress/test-stress.sh
EXTRA_DIST += tests/stress/test-stress.sh tests/stress/stress.py
