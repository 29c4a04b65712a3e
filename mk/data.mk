# SPDX-License-Identifier: BSD-2-Clause
# mk/data.mk - what "make install" puts on a system besides the programs:
# the shipped rules and texts, the default ccguard.conf, the example
# messages, the manual pages,
# the systemd units (the daemon's; ccguardctl's mail-command service and
# path unit; the digest's timer), the sysusers.d and tmpfiles.d entries.
#
# Templates (*.in) get the install directories substituted by sed at build
# time, not by configure, so they follow "make prefix=..." and DESTDIR-free
# paths. The patterns are written @name[@] so that configure leaves them be.
# ccguard.conf is never overwritten on install: a site's edits win.

# Shipped rules and texts: package-owned; local changes go in ccguard.conf.
rulesdir = $(pkgdatadir)/rules
dist_rules_DATA = \
	rules/kernel-security.rules \
	rules/kernel-and-distros.reply \
	rules/kernel-and-distros.guidance \
	rules/moderator-notice.txt
dist_rules_DATA += \
	rules/public-lists.list \
	rules/kernel-and-distros-reply.reply \
	rules/distros-and-public.reply \
	rules/distros-and-public.guidance \
	rules/kernel-and-public.reply \
	rules/kernel-and-public.guidance \
	rules/both-distros-lists.reply \
	rules/distros-vs-tag.reply \
	rules/kernel-plain-text.reply \
	rules/kernel-plain-text.guidance

# Site profiles (ccguard.conf "site = NAME") and the texts they choose:
# NAME.site sets actions and "texts"; X.VARIANT.reply is X.reply's text
# for that place. RULE.notice is the moderator's advice for a rule,
# RULE.rejected (or rejected.txt) what the sender of a refused hold reads.
dist_rules_DATA += \
	rules/submission.site \
	rules/kernel-mx.site \
	rules/distros-mx.site \
	rules/relay.site \
	rules/kernel-and-distros.mx.reply \
	rules/kernel-and-distros.distros-mx.reply \
	rules/kernel-and-distros-reply.mx.reply \
	rules/kernel-and-distros-reply.guidance \
	rules/distros-and-public.mx.reply \
	rules/kernel-and-public.mx.reply \
	rules/kernel-plain-text.mx.reply \
	rules/both-distros-lists.mx.reply \
	rules/distros-vs-tag.mx.reply \
	rules/kernel-and-distros.notice \
	rules/kernel-and-distros.kernel-mx.notice \
	rules/kernel-and-distros-reply.notice \
	rules/kernel-and-distros-reply.distros-mx.notice \
	rules/distros-and-public.notice \
	rules/distros-and-public.distros-mx.notice \
	rules/kernel-and-public.notice \
	rules/rejected.txt \
	rules/kernel-and-distros.rejected \
	rules/kernel-and-distros-reply.rejected \
	rules/distros-and-public.rejected \
	rules/kernel-and-public.rejected

# Example messages for "ccguard -t", named by the quick start and the
# README: a new report to both sides (refused) and an ordinary mail.
examplesdir = $(docdir)/examples
dist_examples_DATA = doc/examples/report-to-both.eml doc/examples/ordinary.eml

# The templates' install directories (see the top of this file).
deploy_edit = sed \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@pkgdatadir[@]|$(pkgdatadir)|g'

systemd/ccguard.service: $(srcdir)/systemd/ccguard.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/systemd/ccguard.service.in >$@.tmp && mv $@.tmp $@

etc/ccguard.conf: $(srcdir)/etc/ccguard.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/etc/ccguard.conf.in >$@.tmp && mv $@.tmp $@

# sysusers.d and tmpfiles.d want "<package>.conf"; the sources keep
# descriptive names, so the build tree holds renamed copies.
systemd/sysusers.d/ccguard.conf: $(srcdir)/systemd/ccguard.sysusers
	$(AM_V_GEN)$(MKDIR_P) systemd/sysusers.d && cp $(srcdir)/systemd/ccguard.sysusers $@

systemd/tmpfiles.d/ccguard.conf: $(srcdir)/systemd/ccguard.tmpfiles
	$(AM_V_GEN)$(MKDIR_P) systemd/tmpfiles.d && cp $(srcdir)/systemd/ccguard.tmpfiles $@

systemdsystemunit_DATA = systemd/ccguard.service
sysusers_DATA = systemd/sysusers.d/ccguard.conf
tmpfiles_DATA = systemd/tmpfiles.d/ccguard.conf
all-local: etc/ccguard.conf

dist_man_MANS += man/ccguard.8 man/ccguard.conf.5 man/ccguard.rules.5 man/ccguardctl.8

EXTRA_DIST += systemd/ccguard.service.in systemd/ccguard.sysusers \
	systemd/ccguard.tmpfiles etc/ccguard.conf.in
CLEANFILES += systemd/ccguard.service etc/ccguard.conf \
	systemd/sysusers.d/ccguard.conf systemd/tmpfiles.d/ccguard.conf

# ccguardctl's units: the root service started by a path unit when a
# command is spooled (and by a fallback timer), and the daily digest
# (timers shipped, not enabled).
systemd/ccguard-mail.service: $(srcdir)/systemd/ccguard-mail.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/systemd/ccguard-mail.service.in >$@.tmp && mv $@.tmp $@
systemd/ccguard-digest.service: $(srcdir)/systemd/ccguard-digest.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(deploy_edit) $(srcdir)/systemd/ccguard-digest.service.in >$@.tmp && mv $@.tmp $@
systemdsystemunit_DATA += systemd/ccguard-mail.service systemd/ccguard-digest.service
# ccguard-mail.timer: the fallback run of the mail service (shipped disabled).
dist_systemdsystemunit_DATA = systemd/ccguard-mail.path systemd/ccguard-digest.timer \
	systemd/ccguard-mail.timer
EXTRA_DIST += systemd/ccguard-mail.service.in systemd/ccguard-digest.service.in
CLEANFILES += systemd/ccguard-mail.service systemd/ccguard-digest.service
all-local: systemd/ccguard-mail.service systemd/ccguard-digest.service

# The configuration: installed once, then it belongs to the site. Uninstall
# removes it only while it is still the shipped text.
ccguardconfdir = $(sysconfdir)/ccguard
install-data-local: deploy-install-conf
deploy-install-conf: etc/ccguard.conf
	$(MKDIR_P) '$(DESTDIR)$(ccguardconfdir)'
	@if test -f '$(DESTDIR)$(ccguardconfdir)/ccguard.conf'; then \
		echo "keeping the existing $(DESTDIR)$(ccguardconfdir)/ccguard.conf"; \
	else \
		echo " $(INSTALL_DATA) etc/ccguard.conf '$(DESTDIR)$(ccguardconfdir)/ccguard.conf'"; \
		$(INSTALL_DATA) etc/ccguard.conf '$(DESTDIR)$(ccguardconfdir)/ccguard.conf'; \
	fi
uninstall-local: deploy-uninstall-conf
deploy-uninstall-conf:
	@f='$(DESTDIR)$(ccguardconfdir)/ccguard.conf'; \
	if test -f "$$f" && cmp -s etc/ccguard.conf "$$f"; then \
		echo " rm -f '$$f'"; rm -f "$$f"; \
	elif test -f "$$f"; then \
		echo "keeping the locally changed $$f"; \
	fi

# Staged installs (distcheck) must not write to the system's unit dirs.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system' \
	--with-sysusersdir='$$(prefix)/lib/sysusers.d' \
	--with-tmpfilesdir='$$(prefix)/lib/tmpfiles.d'

# For tests/deploy/install.sh: the install directories, as make sees them.
deploy-print-dirs:
	@echo "sbindir=$(sbindir)"
	@echo "sysconfdir=$(sysconfdir)"
	@echo "pkgdatadir=$(pkgdatadir)"
	@echo "mandir=$(mandir)"
	@echo "docdir=$(docdir)"
	@echo "systemdsystemunitdir=$(systemdsystemunitdir)"
	@echo "sysusersdir=$(sysusersdir)"
	@echo "tmpfilesdir=$(tmpfilesdir)"

.PHONY: deploy-install-conf deploy-uninstall-conf deploy-print-dirs
