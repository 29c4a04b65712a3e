# SPDX-License-Identifier: BSD-2-Clause
# mk/ctl.mk - ctl/ccguardctl, the moderator's tool: held-mail commands on
# the Postfix queue (ctl_queue.c) or Sendmail's quarantine (ctl_sendmail.c,
# ctl_backend.c), moderation by mail and the digest (ctl_mail.c), the
# daemon's counters and the versions (ctl_info.c).
sbin_PROGRAMS += ctl/ccguardctl
CTL_QUEUE_SOURCES = ctl/ctl_queue.c ctl/ctl_queue.h
# ctl_queue.c reads postqueue -j with jansson: only the programs built from
# it link jansson (the tool and its tests), never the daemon.
CTL_QUEUE_CPPFLAGS = $(JANSSON_CFLAGS)
CTL_QUEUE_LIBS = $(JANSSON_LIBS)
ctl_ccguardctl_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_QUEUE_CPPFLAGS)
ctl_ccguardctl_SOURCES = ctl/ccguardctl.c ctl/ctl.h ctl/ctl_held.c $(CTL_QUEUE_SOURCES) \
	ctl/ctl_mail.c ctl/ctl_backend.c ctl/ctl_sendmail.c ctl/ctl_info.c ctl/ctl_info.h
ctl_ccguardctl_LDADD = $(CORE_LIBS) $(CTL_QUEUE_LIBS)
EXTRA_DIST += doc/moderation.md
