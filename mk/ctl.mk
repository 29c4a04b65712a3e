# mk/ctl.mk - ctl/ccguardctl, the moderator's tool: held-mail commands on
# the Postfix queue (ctl_queue.c) or Sendmail's quarantine (ctl_sendmail.c,
# ctl_backend.c), moderation by mail and the digest (ctl_mail.c).
sbin_PROGRAMS += ctl/ccguardctl
CTL_QUEUE_SOURCES = ctl/ctl_queue.c ctl/ctl_queue.h
ctl_ccguardctl_SOURCES = ctl/ccguardctl.c ctl/ctl.h $(CTL_QUEUE_SOURCES) \
	ctl/ctl_mail.c ctl/ctl_backend.c ctl/ctl_sendmail.c
ctl_ccguardctl_LDADD = $(CORE_LIBS)
EXTRA_DIST += doc/moderation.md
