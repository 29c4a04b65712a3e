# mk/unit.mk - table-driven unit tests of the core modules (tests/unit/)
# and the rule-file fixtures they read (tests/rules/).
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_TOP_SRCDIR='"$(abs_top_srcdir)"'
check_PROGRAMS += tests/unit/test-addr tests/unit/test-rules tests/unit/test-eval
tests_unit_test_addr_SOURCES = tests/unit/test-addr.c tests/unit/testlib.h
tests_unit_test_addr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_addr_LDADD = $(CORE_LIBS)
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c tests/unit/testlib.h
tests_unit_test_rules_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rules_LDADD = $(CORE_LIBS)
tests_unit_test_eval_SOURCES = tests/unit/test-eval.c tests/unit/testlib.h
tests_unit_test_eval_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_eval_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test-addr tests/unit/test-rules tests/unit/test-eval
