# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-unit.mk - table-driven unit tests of the shared library's
# modules (tests/unit/, tests/modmail/test-modtoken) and the rule-file
# fixtures they read (tests/rules/).
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_TOP_SRCDIR='"$(abs_top_srcdir)"'
check_PROGRAMS += tests/unit/test-addr tests/unit/test-rules tests/unit/test-eval tests/unit/test-strbuf
tests_unit_test_addr_SOURCES = tests/unit/test-addr.c tests/unit/testlib.h
tests_unit_test_addr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_addr_LDADD = $(CORE_LIBS)
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c tests/unit/testlib.h
tests_unit_test_rules_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rules_LDADD = $(CORE_LIBS)
tests_unit_test_eval_SOURCES = tests/unit/test-eval.c tests/unit/testlib.h
tests_unit_test_eval_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_eval_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test-addr tests/unit/test-rules tests/unit/test-eval tests/unit/test-strbuf
# The two readings of a recipient, and the MTA's name (lib/msg.c).
check_PROGRAMS += tests/unit/test-msg
tests_unit_test_msg_SOURCES = tests/unit/test-msg.c tests/unit/testlib.h
tests_unit_test_msg_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test-msg
# The same fixtures through the real binary: ccguard -n against the .ref files.
TESTS += tests/rules/check-refs.sh

# Rule-file fixtures: valid files, broken files with their expected
# diagnostics (.ref), list and reply files they name.
EXTRA_DIST += \
	tests/rules/check-refs.sh \
	tests/rules/bad-duplicate.ref \
	tests/rules/bad-duplicate.rules \
	tests/rules/bad-example.ref \
	tests/rules/bad-example.rules \
	tests/rules/bad-keyword.ref \
	tests/rules/bad-keyword.rules \
	tests/rules/bad-many.ref \
	tests/rules/bad-many.rules \
	tests/rules/bad-missing-brace.ref \
	tests/rules/bad-missing-brace.rules \
	tests/rules/bad-missing-parts.ref \
	tests/rules/bad-missing-parts.rules \
	tests/rules/bad-regex.ref \
	tests/rules/bad-regex.rules \
	tests/rules/bad-smtp-code.ref \
	tests/rules/bad-smtp-code.rules \
	tests/rules/bad-string.ref \
	tests/rules/bad-string.rules \
	tests/rules/bad-template.ref \
	tests/rules/bad-template.reply \
	tests/rules/bad-template.rules \
	tests/rules/bad-unknown-list.ref \
	tests/rules/bad-unknown-list.rules \
	tests/rules/valid-all.ref \
	tests/rules/valid-all.rules \
	tests/rules/valid.list \
	tests/rules/valid.reply \
	tests/rules/warn-lint.ref \
	tests/rules/warn-lint.rules
tests_unit_test_strbuf_SOURCES = tests/unit/test-strbuf.c tests/unit/testlib.h
tests_unit_test_strbuf_LDADD = $(CORE_LIBS)
# The string map, and hash flooding counted in probes (fnv-collide.c makes
# the hostile address set; tests/bench/gen-cc.c writes it as a message).
check_PROGRAMS += tests/unit/test-strmap
tests_unit_test_strmap_SOURCES = tests/unit/test-strmap.c tests/unit/testlib.h \
	tests/unit/fnv-collide.c tests/unit/fnv-collide.h
tests_unit_test_strmap_LDADD = $(CORE_LIBS)
tests_unit_test_strmap_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=getrandom
TESTS += tests/unit/test-strmap
# Private copies of what the tests hand to ccguard, whatever the checkout's
# umask: sourced by the shell tests, imported by the Python ones.
EXTRA_DIST += tests/fixtures.sh tests/fixtures.py
# The moderation tokens and command grammar (lib/modtoken.c, lib/modcmd.c).
check_PROGRAMS += tests/modmail/test-modtoken
tests_modmail_test_modtoken_SOURCES = tests/modmail/test-modtoken.c tests/unit/testlib.h
tests_modmail_test_modtoken_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_modmail_test_modtoken_LDADD = $(CORE_LIBS)
TESTS += tests/modmail/test-modtoken
# The counters and the metrics file (lib/metrics.c).
check_PROGRAMS += tests/unit/test-metrics
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c tests/unit/testlib.h
tests_unit_test_metrics_LDADD = $(CORE_LIBS) -lpthread
TESTS += tests/unit/test-metrics
# What the reader of a stranger's command message can and can not do (lib/privdrop.c).
check_PROGRAMS += tests/modmail/test-privdrop
tests_modmail_test_privdrop_SOURCES = tests/modmail/test-privdrop.c tests/unit/testlib.h
tests_modmail_test_privdrop_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_modmail_test_privdrop_LDADD = $(CORE_LIBS)
TESTS += tests/modmail/test-privdrop
