# SPDX-License-Identifier: BSD-2-Clause
# mk/package.mk - the Debian packaging (debian/) and its test
# (tests/package/test-package.sh, and systemd-container.sh for the part
# under systemd), which tests/run-all.sh runs as a CI stage on the tarball
# "make distcheck" made: it installs the package on the machine, so "make
# check" does not run it.
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/postinst debian/prerm debian/postrm \
	debian/README.Debian debian/ccguard.docs debian/ccguard.sysusers \
	tests/package/test-package.sh tests/package/systemd-container.sh
