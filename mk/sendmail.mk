# mk/sendmail.mk - Sendmail: ccguardctl's Sendmail quarantine backend, and
# the end-to-end tests with a real, private Sendmail 8.17 (tests/sendmail/).
# They skip (77) unless run as root with the Debian sendmail packages
# downloaded (tests/ci-packages.sh); CI counts such a skip as a failure.
milter_ccguardctl_SOURCES += milter/ctl_backend.c milter/ctl_sendmail.c

SENDMAIL_TESTS = tests/sendmail/test_sendmail_mta.py tests/sendmail/test_sendmail_ctl.py
TESTS += $(SENDMAIL_TESTS)
EXTRA_DIST += $(SENDMAIL_TESTS) tests/sendmail/smlib.py

# The queue-file parser of the Sendmail backend, without Sendmail.
check_PROGRAMS += tests/sendmail/test-qf
tests_sendmail_test_qf_SOURCES = tests/sendmail/test-qf.c tests/unit/testlib.h \
	milter/ctl_sendmail.c milter/ctl_queue.c milter/ctl_queue.h $(HOLD_SOURCES)
tests_sendmail_test_qf_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_sendmail_test_qf_LDADD = $(CORE_LIBS)
TESTS += tests/sendmail/test-qf
