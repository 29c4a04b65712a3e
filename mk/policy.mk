# mk/policy.mk - the shipped policy beyond the basic pair, and its tests.
dist_rules_DATA += \
	rules/public-lists.list \
	rules/kernel-and-distros-reply.reply \
	rules/distros-and-public.reply \
	rules/distros-and-public.guidance \
	rules/kernel-and-public.reply \
	rules/kernel-and-public.guidance \
	rules/both-distros-lists.reply \
	rules/distros-vs-tag.reply \
	rules/kernel-plain-text.reply \
	rules/kernel-plain-text.guidance

# Tests: the shipped rules through ccguard -n and -t, and the body scanner.
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

# (the policy table lives in README.md)
