# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-sendmail.mk - Sendmail: ccguardctl's Sendmail quarantine
# backend (ctl/ctl_sendmail.c), and the end-to-end tests with a real,
# private Sendmail 8.17 (tests/sendmail/). They skip (77) unless run as root
# with the Debian sendmail packages downloaded (tests/ci-packages.sh); CI
# counts such a skip as a failure.

SENDMAIL_TESTS = tests/sendmail/test_sendmail_mta.py tests/sendmail/test_sendmail_ctl.py \
	tests/sendmail/test_sendmail_macros.py
TESTS += $(SENDMAIL_TESTS)
EXTRA_DIST += $(SENDMAIL_TESTS) tests/sendmail/smlib.py

# The queue-file parser of the Sendmail backend, without Sendmail.
check_PROGRAMS += tests/sendmail/test-qf
tests_sendmail_test_qf_SOURCES = tests/sendmail/test-qf.c tests/unit/testlib.h \
	ctl/ctl_sendmail.c $(CTL_QUEUE_SOURCES)
tests_sendmail_test_qf_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_QUEUE_CPPFLAGS) -I$(top_srcdir)/ctl \
	-I$(top_srcdir)/tests/unit
tests_sendmail_test_qf_LDADD = $(CORE_LIBS) $(CTL_QUEUE_LIBS)
TESTS += tests/sendmail/test-qf
