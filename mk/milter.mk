# SPDX-License-Identifier: BSD-2-Clause
# mk/milter.mk - milter/ccguard, the daemon: the libmilter glue, signals,
# a prompt stop, socket options, the notifier's worker thread and the
# metrics file's writer thread, on lib/libccguard.a.
sbin_PROGRAMS += milter/ccguard
milter_ccguard_SOURCES = milter/main.c milter/callbacks.c milter/callbacks.h \
	milter/sighup.c milter/sighup.h milter/notify_worker.c milter/notify_worker.h \
	milter/nodelay.c milter/stop.c milter/stop.h milter/metrics_writer.c milter/metrics_writer.h
milter_ccguard_LDADD = $(CORE_LIBS) $(MILTER_LIBS)
