# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-oracle.mk - the MTAs as the oracle: the differential tests of how
# ccguard reads addresses (tests/oracle/, doc/oracle.md), against a private
# Postfix (default and strict settings) and a private Sendmail 8.17 in its
# own network namespace. Like the e2e and Sendmail tests they need root,
# Postfix, and the Sendmail packages of tests/ci-packages.sh, and exit 77
# (skip) without them; tests/run-all.sh counts such a skip as a failure in
# CI. *.py tests run as set up in mk/tests-e2e.mk.
ORACLE_TESTS = \
	tests/oracle/test_oracle.py \
	tests/oracle/test_oracle_strict.py \
	tests/oracle/test_oracle_sendmail.py

TESTS += $(ORACLE_TESTS)
EXTRA_DIST += $(ORACLE_TESTS) \
	tests/oracle/oracle.py \
	tests/oracle/sendmail_oracle.py \
	tests/oracle/forms.txt \
	tests/oracle/differences.txt \
	tests/oracle/differences-sendmail.txt \
	doc/oracle.md
