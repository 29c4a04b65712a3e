# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-e2e.mk - end-to-end tests: real Postfix + ccguard + an SMTP sink on
# 127.0.0.1 (tests/e2e/, see doc/e2e.md). They skip (77) unless run as root
# with Postfix installed.
#
# Python tests (*.py in TESTS) run with $(PYTHON3) -B (no __pycache__ in the
# source tree). Other fragments may add *.py tests to TESTS and import
# tests/e2e/harness.py; TEST_EXTENSIONS is defined here only.
TEST_EXTENSIONS = .py
PY_LOG_COMPILER = $(PYTHON3) -B

E2E_TESTS = \
	tests/e2e/test_reject.py \
	tests/e2e/test_bounce.py \
	tests/e2e/test_hold.py \
	tests/e2e/test_pass.py \
	tests/e2e/test_session.py \
	tests/e2e/test_milter_down.py \
	tests/e2e/test_milter_killed.py \
	tests/e2e/test_milter_stalled.py \
	tests/e2e/test_concurrent.py \
	tests/e2e/test_sendmail.py \
	tests/e2e/test_reload_traffic.py \
	tests/e2e/test_reload_broken.py \
	tests/e2e/test_header_cut_premise.py \
	tests/e2e/test_header_cuts.py \
	tests/e2e/test_clients.py \
	tests/e2e/test_mta_macros.py

TESTS += $(E2E_TESTS)
EXTRA_DIST += tests/e2e/harness.py $(E2E_TESTS) doc/e2e.md
