#!/bin/bash
# quickstart.sh - the README's two commands, for a fresh Debian 12 machine (root).
#
#   ./quickstart.sh start   install build dependencies, build, and start
#                           ccguard with the shipped rules on 127.0.0.1:8891;
#                           print the Postfix main.cf lines that attach it
#   ./quickstart.sh test    install build and test dependencies, build, and
#                           run every test suite (what CI runs); ends with
#                           "N passed, M failed"
set -eu
cd "$(dirname "$0")"
top=$PWD
. tests/ci-packages.sh
export DEBIAN_FRONTEND=noninteractive

case "${1:-}" in
start)
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $CCGUARD_BUILD_PACKAGES >/dev/null
		getent passwd ccguard >/dev/null ||
			adduser --system --group --no-create-home --home /nonexistent ccguard >/dev/null
	fi
	./autogen.sh >/dev/null
	mkdir -p _run && cd _run
	../configure -q
	make -j2 >/dev/null
	cat > ccguard.conf <<CONF
# Quick-start configuration: the shipped rules, straight from the source tree.
socket = inet:8891@127.0.0.1
rules = $top/rules/kernel-security.rules
CONF
	[ "$(id -u)" = 0 ] || echo "user =" >> ccguard.conf
	chmod 644 ccguard.conf
	./milter/ccguard -n -c ccguard.conf
	if [ -f ccguard.pid ] && kill -0 "$(cat ccguard.pid)" 2>/dev/null; then
		kill "$(cat ccguard.pid)"; sleep 1
	fi
	setsid ./milter/ccguard -c ccguard.conf >ccguard.log 2>&1 < /dev/null &
	echo $! > ccguard.pid
	sleep 1
	kill -0 "$(cat ccguard.pid)" || { cat ccguard.log; exit 1; }
	cat <<MSG

ccguard is running (pid $(cat ccguard.pid), log: $top/_run/ccguard.log, also syslog)
on inet:8891@127.0.0.1 with $top/rules/kernel-security.rules.

Attach it to Postfix by adding to /etc/postfix/main.cf:

    smtpd_milters = inet:127.0.0.1:8891
    non_smtpd_milters = inet:127.0.0.1:8891
    milter_default_action = tempfail
    milter_protocol = 6

then run: postfix reload
Try a message without sending it:  $top/_run/milter/ccguard -c $top/_run/ccguard.conf -t message.eml --rcpt security@kernel.org
Stop it:  kill \$(cat $top/_run/ccguard.pid)
MSG
	;;
test)
	ci_install_packages
	exec tests/run-all.sh
	;;
*)
	echo "usage: $0 start|test" >&2
	exit 64
	;;
esac
