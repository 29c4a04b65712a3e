#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# quickstart.sh - the README's two commands, for a fresh Debian 12 machine (root).
#
#   ./quickstart.sh start   install build dependencies, build, and start
#                           ccguard with the shipped rules on 127.0.0.1:8891;
#                           print the Postfix main.cf lines that attach it,
#                           and how to try the example messages
#   ./quickstart.sh test    install build and test dependencies, build, and
#                           run every test suite (what CI runs); ends with
#                           "N passed, M failed"
#
# "start" says nothing but its result: the output of the package manager,
# autoreconf, configure and make goes to _run/quickstart.log, which is
# shown when a step fails. CCGUARD_PORT chooses another port than 8891.
set -eu
cd "$(dirname "$0")"
top=$PWD
. tests/ci-packages.sh
export DEBIAN_FRONTEND=noninteractive

# quiet WHAT COMMAND... - run a step with its output in the log; on failure show it
quiet() {
	local what=$1
	shift
	if ! "$@" >>"$log" 2>&1; then
		echo "quickstart: $what failed; the end of $log:" >&2
		tail -30 "$log" >&2
		exit 1
	fi
}

case "${1:-}" in
start)
	port=${CCGUARD_PORT:-8891}
	mkdir -p _run
	log=$top/_run/quickstart.log
	: >"$log"
	if [ "$(id -u)" = 0 ]; then
		quiet "apt-get update" apt-get update -qq
		quiet "installing the build dependencies" \
			apt-get install -y -qq --no-install-recommends $CCGUARD_BUILD_PACKAGES
		getent passwd ccguard >/dev/null ||
			quiet "creating the user ccguard" useradd --system --user-group \
				--no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ccguard
	fi
	quiet "autogen.sh" ./autogen.sh
	cd _run
	quiet "configure" ../configure -q
	quiet "make" make -j2
	cat > ccguard.conf <<CONF
# Quick-start configuration: the shipped rules, straight from the source tree.
socket = inet:$port@127.0.0.1
rules = $top/rules/kernel-security.rules
CONF
	[ "$(id -u)" = 0 ] || echo "user =" >> ccguard.conf
	chmod 644 ccguard.conf
	quiet "ccguard -n (the configuration check)" ./milter/ccguard -n -c ccguard.conf
	if [ -f ccguard.pid ] && kill -0 "$(cat ccguard.pid)" 2>/dev/null; then
		kill "$(cat ccguard.pid)"
		while kill -0 "$(cat ccguard.pid)" 2>/dev/null; do sleep 0.1; done
	fi
	setsid ./milter/ccguard -c ccguard.conf >ccguard.log 2>&1 < /dev/null &
	echo $! > ccguard.pid
	sleep 1
	kill -0 "$(cat ccguard.pid)" || { cat ccguard.log; exit 1; }
	cat <<MSG

ccguard is running (pid $(cat ccguard.pid), log: $top/_run/ccguard.log, also syslog)
on inet:$port@127.0.0.1 with $top/rules/kernel-security.rules.

Attach it to Postfix by adding to /etc/postfix/main.cf:

    smtpd_milters = inet:127.0.0.1:$port
    non_smtpd_milters = inet:127.0.0.1:$port
    milter_default_action = tempfail
    milter_protocol = 6

then run: postfix reload

Try the example messages without sending them (a report to both sides,
which is refused, and an ordinary mail, which passes):

    $top/_run/milter/ccguard -c $top/_run/ccguard.conf -t $top/doc/examples/report-to-both.eml
    $top/_run/milter/ccguard -c $top/_run/ccguard.conf -t $top/doc/examples/ordinary.eml

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
