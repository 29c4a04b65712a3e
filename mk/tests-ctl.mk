# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-ctl.mk - tests of the hold workflow and ccguardctl: the messages
# (lib/notify.c, lib/mailout.c) and the Postfix queue access
# (tests/hold/test-mailout, tests/hold/test-queue-json), held mail through
# a private Postfix, and moderation by mail.
check_PROGRAMS += tests/hold/test-mailout
tests_hold_test_mailout_SOURCES = tests/hold/test-mailout.c tests/unit/testlib.h \
	$(CTL_QUEUE_SOURCES)
tests_hold_test_mailout_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_QUEUE_CPPFLAGS) -I$(top_srcdir)/ctl \
	-I$(top_srcdir)/tests/unit
tests_hold_test_mailout_LDADD = $(CORE_LIBS) $(CTL_QUEUE_LIBS)
TESTS += tests/hold/test-mailout
# The postqueue -j reader (jansson) on real Postfix output and hostile lines.
check_PROGRAMS += tests/hold/test-queue-json
tests_hold_test_queue_json_SOURCES = tests/hold/test-queue-json.c tests/unit/testlib.h \
	$(CTL_QUEUE_SOURCES)
tests_hold_test_queue_json_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_QUEUE_CPPFLAGS) -I$(top_srcdir)/ctl \
	-I$(top_srcdir)/tests/unit
tests_hold_test_queue_json_LDADD = $(CORE_LIBS) $(CTL_QUEUE_LIBS)
TESTS += tests/hold/test-queue-json
EXTRA_DIST += tests/hold/postqueue-j.txt
# End-to-end, with tests/e2e/harness.py and a private Postfix (skip without).
HOLD_E2E = tests/hold/e2e_notify.sh tests/hold/e2e_ctl.sh
TESTS += $(HOLD_E2E)
EXTRA_DIST += $(HOLD_E2E) tests/hold/e2e_notify.py tests/hold/e2e_ctl.py \
	tests/hold/holdlib.py

# Moderation by mail, end-to-end through a private Postfix with a pipe(8)
# service (skips without).
TESTS += tests/modmail/e2e_modmail.sh
EXTRA_DIST += tests/modmail/e2e_modmail.sh tests/modmail/e2e_modmail.py tests/modmail/modlib.py
# Authentication-Results: the MTA's own (a test milter stands in for its DKIM
# verifier) counts, outside copies in every form do not.
check_PROGRAMS += tests/modmail/armilter
tests_modmail_armilter_SOURCES = tests/modmail/armilter.c
tests_modmail_armilter_LDADD = $(MILTER_LIBS)
TESTS += tests/modmail/e2e_authres.py
EXTRA_DIST += tests/modmail/e2e_authres.py
# The spool, the two halves' privileges, the release key, others' holds.
TESTS += tests/modmail/e2e_spool.py
EXTRA_DIST += tests/modmail/e2e_spool.py
# A quoted digest of 20 messages and re-wrapped notices decide nothing.
TESTS += tests/modmail/e2e_ambiguous.py
EXTRA_DIST += tests/modmail/e2e_ambiguous.py
