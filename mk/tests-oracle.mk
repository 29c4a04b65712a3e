# mk/tests-oracle.mk - Postfix as the oracle: the differential test of how ccguard
# reads addresses (tests/oracle/, doc/oracle.md). Like the e2e tests it needs
# root and Postfix, and exits 77 (skip) without them; tests/run-all.sh counts
# such a skip as a failure in CI. *.py tests run as set up in mk/tests-e2e.mk.
ORACLE_TESTS = \
	tests/oracle/test_oracle.py \
	tests/oracle/test_oracle_strict.py

TESTS += $(ORACLE_TESTS)
EXTRA_DIST += $(ORACLE_TESTS) \
	tests/oracle/oracle.py \
	tests/oracle/forms.txt \
	tests/oracle/differences.txt \
	doc/oracle.md
