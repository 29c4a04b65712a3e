# mk/modmail.mk - moderation by mail: tokens and command grammar (modtoken.c,
# modcmd.c, in libccguard.a), ccguardctl mail-command / mail-process / held
# digest (ctl_mail.c), the systemd units, and their tests.
check_PROGRAMS += tests/modmail/test-modtoken
tests_modmail_test_modtoken_SOURCES = tests/modmail/test-modtoken.c tests/unit/testlib.h
tests_modmail_test_modtoken_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_modmail_test_modtoken_LDADD = $(CORE_LIBS)
TESTS += tests/modmail/test-modtoken

milter_ccguardctl_SOURCES += milter/ctl.h milter/ctl_mail.c

# End-to-end through a private Postfix with a pipe(8) service (skips without).
TESTS += tests/modmail/e2e_modmail.sh
EXTRA_DIST += tests/modmail/e2e_modmail.sh tests/modmail/e2e_modmail.py
