# SPDX-License-Identifier: BSD-2-Clause
# mk/tests-milter.mk - tests of the daemon over the milter protocol.
#
# Milter-level tests: each tests/milter/NAME.lua scenario is run by
# miltertest(8) against the built daemon through tests/milter/run.sh,
# which skips (77) when miltertest is missing. make writes one tiny
# executable wrapper per scenario, tests/milter/NAME.mt, so that each
# scenario is its own test without claiming TEST_EXTENSIONS.
# shipped-reply.sh (the full shipped reply, through ccguard -t) and
# startup-hup.sh (SIGHUP during startup) need no miltertest. The .mt
# wrappers hold absolute paths of the build: never commit them.

MILTER_SCENARIOS = \
	tests/milter/negotiate.mt \
	tests/milter/client.mt \
	tests/milter/reject.mt \
	tests/milter/hold.mt \
	tests/milter/pass.mt \
	tests/milter/notcounted.mt \
	tests/milter/forged.mt \
	tests/milter/multi.mt \
	tests/milter/abort.mt \
	tests/milter/sighup.mt \
	tests/milter/sighup-broken.mt \
	tests/milter/body.mt \
	tests/milter/vs-tag.mt \
	tests/milter/limits.mt \
	tests/milter/metrics.mt \
	tests/milter/mta-macros.mt \
	tests/milter/stop.mt \
	tests/milter/stop-idle.mt

$(MILTER_SCENARIOS): Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/milter && \
	{ echo '#!/bin/sh'; \
	  echo '# made by make from mk/tests-milter.mk'; \
	  echo 'exec $(SHELL) "$(abs_top_srcdir)/tests/milter/run.sh" "$(abs_top_srcdir)/$(@:.mt=.lua)"'; \
	} >$@-t && chmod +x $@-t && mv -f $@-t $@

check_SCRIPTS += $(MILTER_SCENARIOS)
TESTS += $(MILTER_SCENARIOS) tests/milter/shipped-reply.sh tests/milter/startup-hup.sh
# The strict reader of the metrics text format (metrics.lua reads the file
# through it), and its own test that it refuses what the format forbids.
TESTS += tests/milter/test_promtext.py
CLEANFILES += $(MILTER_SCENARIOS)
EXTRA_DIST += \
	tests/milter/run.sh \
	tests/milter/mtlib.lua \
	tests/milter/short.rules \
	tests/milter/short.reply \
	tests/milter/short/distros-vs-tag.reply \
	tests/milter/server-name.rules \
	tests/milter/server-name.reply \
	tests/milter/shipped-reply.sh \
	tests/milter/startup-hup.sh \
	tests/milter/promtext.py \
	tests/milter/test_promtext.py \
	$(MILTER_SCENARIOS:.mt=.lua)
