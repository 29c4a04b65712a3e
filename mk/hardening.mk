# mk/hardening.mk - hardening tests: the hostile-address table, limits,
# injection, rule-file permissions, fault injection, the stress test, and
# (with --enable-fuzzers) the libFuzzer targets and "make fuzz-smoke".

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
EXTRA_DIST += tests/hostile/hostile.cases tests/hostile/test-perms.sh
