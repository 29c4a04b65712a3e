# mk/tests-deploy.mk - tests of what "make install" puts on a system
# (mk/data.mk): the install itself, the units, the manual pages, the
# default configuration, the socket Postfix talks to, ccguardctl's units;
# and of the README's quick start (it builds a copy of the tree: a minute).
TESTS += tests/deploy/install.sh tests/deploy/units.sh \
	tests/deploy/manpages.sh tests/deploy/conf.sh tests/deploy/postfix-socket.sh
EXTRA_DIST += tests/deploy/install.sh tests/deploy/units.sh \
	tests/deploy/manpages.sh tests/deploy/conf.sh tests/deploy/postfix-socket.sh
TESTS += tests/modmail/units.sh
EXTRA_DIST += tests/modmail/units.sh
TESTS += tests/deploy/quickstart.sh
EXTRA_DIST += tests/deploy/quickstart.sh
