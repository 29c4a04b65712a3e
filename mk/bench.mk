# SPDX-License-Identifier: BSD-2-Clause
# mk/bench.mk - `make bench`: throughput, latency and memory of ccguard
# against a null milter and a bare Postfix (tests/bench/run-bench.sh).
#
# The load driver and the null milter are built only by `make bench`, with
# plain rules, so `make` and `make check` never compile them. The run is
# not a test: it prints a table and the targets met or not, and never fails
# the build for a missed target.
BENCH_PROGS = tests/bench/driver$(EXEEXT) tests/bench/nullmilter$(EXEEXT) \
	tests/bench/gen-cc$(EXEEXT)

tests/bench/driver$(EXEEXT): $(srcdir)/tests/bench/driver.c
	@$(MKDIR_P) tests/bench
	$(AM_V_CCLD)$(CC) $(DEFS) $(CPPFLAGS) -std=gnu11 $(WARN_CFLAGS) $(CFLAGS) \
	    $(LDFLAGS) -o $@ $(srcdir)/tests/bench/driver.c -lpthread

tests/bench/nullmilter$(EXEEXT): $(srcdir)/tests/bench/nullmilter.c
	@$(MKDIR_P) tests/bench
	$(AM_V_CCLD)$(CC) $(DEFS) $(CPPFLAGS) -std=gnu11 $(WARN_CFLAGS) $(CFLAGS) \
	    $(LDFLAGS) -o $@ $(srcdir)/tests/bench/nullmilter.c $(MILTER_LIBS)

tests/bench/gen-cc$(EXEEXT): $(srcdir)/tests/bench/gen-cc.c \
    $(srcdir)/tests/unit/fnv-collide.c $(srcdir)/tests/unit/fnv-collide.h
	@$(MKDIR_P) tests/bench
	$(AM_V_CCLD)$(CC) $(DEFS) -I$(top_builddir) $(CPPFLAGS) -std=gnu11 $(WARN_CFLAGS) \
	    $(CFLAGS) $(LDFLAGS) -o $@ $(srcdir)/tests/bench/gen-cc.c \
	    $(srcdir)/tests/unit/fnv-collide.c

bench: milter/ccguard$(EXEEXT) $(BENCH_PROGS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    bash $(srcdir)/tests/bench/run-bench.sh

.PHONY: bench
EXTRA_DIST += tests/bench/driver.c tests/bench/nullmilter.c tests/bench/gen-cc.c \
	tests/bench/run-bench.sh tests/bench/postfix-bench.sh \
	tests/bench/milter-regex.conf tests/bench/profile.sh \
	tests/bench/smtp-send.py doc/performance.md
CLEANFILES += $(BENCH_PROGS) tests/bench/large.rules tests/bench/regex.rules \
	tests/bench/body.rules
