# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-fuzz.mk - the fuzz targets: replay drivers in "make check", and
# (with --enable-fuzzers) the libFuzzer targets and "make fuzz-smoke".
# HARNESS_H is set in mk/tests-hostile.mk.

# Fuzz targets. The replay drivers run every corpus input (seeds and
# regression cases) in "make check" with any compiler; --enable-fuzzers
# (CC=clang) adds the libFuzzer binaries, built with the core sources
# compiled again with -fsanitize=fuzzer-no-link,address,undefined.
FUZZ_NAMES = addr rules template message modcmd modmail
FUZZ_COMMON = tests/fuzz/fuzz.h
FUZZ_DEFS = -DFUZZ_TOP_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += tests/fuzz/replay-addr tests/fuzz/replay-rules \
	tests/fuzz/replay-template tests/fuzz/replay-message
tests_fuzz_replay_addr_SOURCES = tests/fuzz/fuzz-addr.c tests/fuzz/fuzz-main.c $(FUZZ_COMMON)
tests_fuzz_replay_addr_LDADD = $(CORE_LIBS)
tests_fuzz_replay_rules_SOURCES = tests/fuzz/fuzz-rules.c tests/fuzz/fuzz-main.c $(FUZZ_COMMON)
tests_fuzz_replay_rules_LDADD = $(CORE_LIBS)
tests_fuzz_replay_rules_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=fopen
tests_fuzz_replay_template_SOURCES = tests/fuzz/fuzz-template.c tests/fuzz/fuzz-main.c $(FUZZ_COMMON)
tests_fuzz_replay_template_LDADD = $(CORE_LIBS)
tests_fuzz_replay_message_SOURCES = tests/fuzz/fuzz-message.c tests/fuzz/fuzz-main.c \
	$(FUZZ_COMMON) $(HARNESS_H)
tests_fuzz_replay_message_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_DEFS)
tests_fuzz_replay_message_LDADD = $(CORE_LIBS)
TESTS += tests/fuzz/replay-corpus.sh
EXTRA_DIST += tests/fuzz/replay-corpus.sh tests/fuzz/corpus

if ENABLE_FUZZERS
FUZZER_COMPILE = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g
FUZZER_LINK = -fsanitize=fuzzer,address,undefined
noinst_LIBRARIES += tests/fuzz/libccguard-fuzz.a
tests_fuzz_libccguard_fuzz_a_SOURCES = $(lib_libccguard_a_SOURCES)
tests_fuzz_libccguard_fuzz_a_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
FUZZER_DEPS = tests/fuzz/libccguard-fuzz.a $(GMIME_LIBS) $(PCRE2_LIBS) $(IDN2_LIBS)

noinst_PROGRAMS += tests/fuzz/fuzz-addr tests/fuzz/fuzz-rules \
	tests/fuzz/fuzz-template tests/fuzz/fuzz-message
tests_fuzz_fuzz_addr_SOURCES = tests/fuzz/fuzz-addr.c $(FUZZ_COMMON)
tests_fuzz_fuzz_addr_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_addr_LDFLAGS = $(FUZZER_LINK)
tests_fuzz_fuzz_addr_LDADD = $(FUZZER_DEPS)
tests_fuzz_fuzz_rules_SOURCES = tests/fuzz/fuzz-rules.c $(FUZZ_COMMON)
tests_fuzz_fuzz_rules_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_rules_LDFLAGS = $(FUZZER_LINK) -Wl,--wrap=fopen
tests_fuzz_fuzz_rules_LDADD = $(FUZZER_DEPS)
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz-template.c $(FUZZ_COMMON)
tests_fuzz_fuzz_template_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_template_LDFLAGS = $(FUZZER_LINK)
tests_fuzz_fuzz_template_LDADD = $(FUZZER_DEPS)
tests_fuzz_fuzz_message_SOURCES = tests/fuzz/fuzz-message.c $(FUZZ_COMMON) $(HARNESS_H)
tests_fuzz_fuzz_message_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_DEFS)
tests_fuzz_fuzz_message_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_message_LDFLAGS = $(FUZZER_LINK)
tests_fuzz_fuzz_message_LDADD = $(FUZZER_DEPS)

# fuzz-smoke: each target for FUZZ_SECONDS on a scratch copy of its corpus
# (new inputs stay in the build tree); a crash fails the target and leaves
# the input in fuzz-artifacts/. Inputs are kept to FUZZ_MAX_LEN bytes, so
# long seeds are cut while fuzzing; make check replays them whole.
FUZZ_SECONDS = 30
FUZZ_MAX_LEN = 16384
fuzz-smoke: $(FUZZ_NAMES:%=tests/fuzz/fuzz-%)
	@set -e; for n in $(FUZZ_NAMES); do \
	  mkdir -p fuzz-work/$$n fuzz-artifacts; \
	  echo "fuzz-$$n: $(FUZZ_SECONDS) s"; \
	  top_srcdir='$(abs_top_srcdir)' ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    ./tests/fuzz/fuzz-$$n -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	    -rss_limit_mb=2048 -max_len=$(FUZZ_MAX_LEN) -print_final_stats=1 \
	    -artifact_prefix=fuzz-artifacts/$$n- \
	    fuzz-work/$$n $(srcdir)/tests/fuzz/corpus/$$n 2>fuzz-work/$$n.log \
	    || { tail -40 fuzz-work/$$n.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' fuzz-work/$$n.log | tail -1; \
	done
else
fuzz-smoke:
	@echo "fuzz-smoke: configure with CC=clang --enable-fuzzers first" >&2; exit 1
endif
.PHONY: fuzz-smoke
CLEANFILES += fuzz-work/*/* fuzz-work/*.log

# The command parser's fuzz target (tests/fuzz/fuzz-modcmd.c): its corpus
# is replayed by tests/fuzz/replay-corpus.sh; with --enable-fuzzers it is a
# libFuzzer binary too, and part of "make fuzz-smoke" (FUZZ_NAMES).
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

# The two readings of a command message (tests/fuzz/fuzz-modmail.c): the
# unprivileged reader's (modmail_read) and the root half's (the report).
check_PROGRAMS += tests/fuzz/replay-modmail
tests_fuzz_replay_modmail_SOURCES = tests/fuzz/fuzz-modmail.c tests/fuzz/fuzz-main.c $(FUZZ_COMMON)
tests_fuzz_replay_modmail_LDADD = $(CORE_LIBS)
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-modmail
tests_fuzz_fuzz_modmail_SOURCES = tests/fuzz/fuzz-modmail.c $(FUZZ_COMMON)
tests_fuzz_fuzz_modmail_CFLAGS = $(AM_CFLAGS) $(FUZZER_COMPILE)
tests_fuzz_fuzz_modmail_LDFLAGS = $(FUZZER_LINK)
tests_fuzz_fuzz_modmail_LDADD = $(FUZZER_DEPS)
endif
