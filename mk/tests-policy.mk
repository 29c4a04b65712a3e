# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-policy.mk - tests of the shipped policy (rules and texts, mk/data.mk).

# The shipped rules through ccguard -n and -t, and the body scanner.
# test-texts renders every text of every site profile (doc/texts.md).
check_PROGRAMS += tests/policy/test-texts
tests_policy_test_texts_SOURCES = tests/policy/test-texts.c tests/unit/testlib.h
tests_policy_test_texts_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_policy_test_texts_LDADD = $(CORE_LIBS)
TESTS += tests/policy/test-texts
# Every ccguard.conf and rule-file example of the manual pages, README.md
# and doc/*.md.
TESTS += tests/deploy/doc_examples.py
EXTRA_DIST += tests/deploy/doc_examples.py doc/texts.md
check_PROGRAMS += tests/policy/test-mime-scan
tests_policy_test_mime_scan_SOURCES = tests/policy/test-mime-scan.c
tests_policy_test_mime_scan_LDADD = $(CORE_LIBS)
# test_e2e_policy.py imports tests/e2e/harness.py and skips (77) without it,
# without root or without Postfix.
TESTS += tests/policy/test-mime-scan \
	tests/policy/test_rules_check.py \
	tests/policy/test_rules_table.py \
	tests/policy/test_e2e_policy.py
EXTRA_DIST += tests/policy/policytest.py \
	tests/policy/test_rules_check.py \
	tests/policy/test_rules_table.py \
	tests/policy/test_e2e_policy.py \
	tests/policy/fixtures/wrong-example.rules \
	tests/policy/fixtures/lint.rules \
	tests/policy/fixtures/optional-list.rules \
	tests/policy/fixtures/missing-list.rules \
	tests/policy/eml/binary-reproducer.eml \
	tests/policy/eml/both-distros.eml \
	tests/policy/eml/distros-public.eml \
	tests/policy/eml/html-alternative.eml \
	tests/policy/eml/html-only.eml \
	tests/policy/eml/kernel-public.eml \
	tests/policy/eml/list-copy.eml \
	tests/policy/eml/markdown-body.eml \
	tests/policy/eml/nested-markdown-attachment.eml \
	tests/policy/eml/new-report.eml \
	tests/policy/eml/no-vs-tag.eml \
	tests/policy/eml/pgp-signed.eml \
	tests/policy/eml/plain.eml \
	tests/policy/eml/reply-both.eml

# (the policy table lives in doc/policy.md)
