# mk/deploy.mk - what "make install" puts on a system besides the daemon and
# the shipped rules: the systemd unit, sysusers.d and tmpfiles.d entries, the
# default ccguard.conf and the manual pages; and the tests of all that.
#
# Templates (*.in) get the install directories substituted by sed at build
# time, not by configure, so they follow "make prefix=..." and DESTDIR-free
# paths. The patterns are written @name[@] so that configure leaves them be.
# ccguard.conf is never overwritten on install: a site's edits win.

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

dist_man_MANS += man/ccguard.8 man/ccguard.conf.5 man/ccguard.rules.5

EXTRA_DIST += systemd/ccguard.service.in systemd/ccguard.sysusers \
	systemd/ccguard.tmpfiles etc/ccguard.conf.in
CLEANFILES += systemd/ccguard.service etc/ccguard.conf \
	systemd/sysusers.d/ccguard.conf systemd/tmpfiles.d/ccguard.conf

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
	@echo "systemdsystemunitdir=$(systemdsystemunitdir)"
	@echo "sysusersdir=$(sysusersdir)"
	@echo "tmpfilesdir=$(tmpfilesdir)"

.PHONY: deploy-install-conf deploy-uninstall-conf deploy-print-dirs

TESTS += tests/deploy/install.sh tests/deploy/units.sh \
	tests/deploy/manpages.sh tests/deploy/conf.sh tests/deploy/postfix-socket.sh
EXTRA_DIST += tests/deploy/install.sh tests/deploy/units.sh \
	tests/deploy/manpages.sh tests/deploy/conf.sh tests/deploy/postfix-socket.sh
