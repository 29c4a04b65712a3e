# SPDX-License-Identifier: BSD-2-Clause
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
# Every source file carries the SPDX licence line in its first comment;
# "tests/deploy/spdx.py --fix" adds it where it is missing.
TESTS += tests/deploy/spdx.py
EXTRA_DIST += tests/deploy/spdx.py
# "-V" of both programs: their version and their libraries' run-time versions.
TESTS += tests/deploy/version.py
EXTRA_DIST += tests/deploy/version.py
TESTS += tests/deploy/quickstart.sh
EXTRA_DIST += tests/deploy/quickstart.sh
