# mk/hold.mk - the hold workflow: guidance and moderator notices (notify.c,
# mailout.c), moderator releases (release.c) and ccguardctl(8).
HOLD_SOURCES = milter/mailout.c milter/mailout.h milter/release.c milter/release.h
milter_ccguard_SOURCES += $(HOLD_SOURCES)

sbin_PROGRAMS += milter/ccguardctl
milter_ccguardctl_SOURCES = milter/ccguardctl.c milter/ctl_queue.c milter/ctl_queue.h \
	milter/notify.c milter/notify.h $(HOLD_SOURCES)
milter_ccguardctl_LDADD = $(CORE_LIBS)
dist_man_MANS += man/ccguardctl.8

dist_rules_DATA += rules/kernel-and-distros.guidance rules/moderator-notice.txt

check_PROGRAMS += tests/hold/test-mailout
tests_hold_test_mailout_SOURCES = tests/hold/test-mailout.c tests/unit/testlib.h \
	milter/notify.c milter/notify.h milter/ctl_queue.c milter/ctl_queue.h $(HOLD_SOURCES)
tests_hold_test_mailout_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_hold_test_mailout_LDADD = $(CORE_LIBS)
TESTS += tests/hold/test-mailout
# End-to-end, with tests/e2e/harness.py and a private Postfix (skip without).
HOLD_E2E = tests/hold/e2e_notify.sh tests/hold/e2e_ctl.sh
TESTS += $(HOLD_E2E)
EXTRA_DIST += $(HOLD_E2E) tests/hold/e2e_notify.py tests/hold/e2e_ctl.py \
	tests/hold/holdlib.py
