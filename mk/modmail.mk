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

# The command parser's fuzz target (tests/fuzz/fuzz-modcmd.c): its corpus
# is replayed by tests/fuzz/replay-corpus.sh; with --enable-fuzzers it is a
# libFuzzer binary too, and part of "make fuzz-smoke".
FUZZ_NAMES += modcmd
check_PROGRAMS += tests/fuzz/replay-modcmd
tests_fuzz_replay_modcmd_SOURCES = tests/fuzz/fuzz-modcmd.c tests/fuzz/fuzz-main.c $(FUZZ_COMMON)
tests_fuzz_replay_modcmd_LDADD = $(CORE_LIBS)
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-modcmd
tests_fuzz_fuzz_modcmd_SOURCES = tests/fuzz/fuzz-modcmd.c $(FUZZ_COMMON)
tests_fuzz_fuzz_modcmd_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_modcmd_LDFLAGS = $(FUZZER_LINK)
tests_fuzz_fuzz_modcmd_LDADD = $(FUZZER_DEPS)
endif

# systemd: the root service started by a path unit when a command is
# spooled, and the daily digest (timer shipped, not enabled).
systemd/ccguard-mail.service: $(srcdir)/systemd/ccguard-mail.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/systemd/ccguard-mail.service.in >$@.tmp && mv $@.tmp $@
systemd/ccguard-digest.service: $(srcdir)/systemd/ccguard-digest.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/systemd/ccguard-digest.service.in >$@.tmp && mv $@.tmp $@
systemdsystemunit_DATA += systemd/ccguard-mail.service systemd/ccguard-digest.service
dist_systemdsystemunit_DATA = systemd/ccguard-mail.path systemd/ccguard-digest.timer
EXTRA_DIST += systemd/ccguard-mail.service.in systemd/ccguard-digest.service.in
CLEANFILES += systemd/ccguard-mail.service systemd/ccguard-digest.service
all-local: systemd/ccguard-mail.service systemd/ccguard-digest.service

TESTS += tests/modmail/units.sh
EXTRA_DIST += tests/modmail/units.sh doc/moderation.md
