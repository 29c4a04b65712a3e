# SPDX-License-Identifier: BSD-2-Clause
# tests/ci-packages.sh - the Debian 12 packages ccguard builds and tests with.
# Sourced by .ci/run and the README's quick start.
CCGUARD_BUILD_PACKAGES="build-essential autoconf automake pkg-config libmilter-dev libpcre2-dev libgmime-3.0-dev libidn2-dev libjansson-dev"
# git-email, mutt, s-nail, msmtp: the reporters' clients of tests/e2e/test_clients.py;
# git send-email needs Mail::Address, a Recommends of git-email.
CCGUARD_TEST_PACKAGES="miltertest postfix libsasl2-modules swaks python3 clang libclang-rt-14-dev systemd mandoc libwrap0 m4 debhelper dpkg-dev fakeroot lintian git-email libmailtools-perl mutt s-nail msmtp"
# The package test boots a Debian 12 container with systemd as its PID 1.
CCGUARD_TEST_PACKAGES="$CCGUARD_TEST_PACKAGES systemd-container debootstrap"
# Sendmail's packages conflict with postfix: they are only downloaded, and
# tests/sendmail/ unpacks them into a private directory (see smlib.py).
CCGUARD_SENDMAIL_DEBS=/var/cache/ccguard-tests/sendmail
CCGUARD_SENDMAIL_PACKAGES="sendmail-bin sendmail-base sendmail-cf"

ci_install_packages() {
	if [ "$(id -u)" != 0 ]; then
		echo "ci-packages: not root; assuming the packages are installed" >&2
		return 0
	fi
	# Postfix must not ask questions, and must not grab port 25 on install.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends $CCGUARD_BUILD_PACKAGES $CCGUARD_TEST_PACKAGES >/dev/null &&
	ci_download_sendmail
}

# ci_download_sendmail - the Sendmail .debs for tests/sendmail/, once
ci_download_sendmail() {
	local p
	mkdir -p "$CCGUARD_SENDMAIL_DEBS" || return 1
	for p in $CCGUARD_SENDMAIL_PACKAGES; do
		ls "$CCGUARD_SENDMAIL_DEBS/${p}_"*.deb >/dev/null 2>&1 ||
			(cd "$CCGUARD_SENDMAIL_DEBS" && apt-get download -qq "$p" 2>/dev/null) || return 1
	done
}
