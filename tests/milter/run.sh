#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/run.sh - run one miltertest scenario against milter/ccguard.
#
# usage: run.sh SCENARIO.lua
#
# Starts the built daemon on a unix socket in a new temporary directory
# with a configuration made for the scenario, runs the scenario with
# miltertest(8), checks that the daemon is still running and stops
# cleanly on SIGTERM, and removes everything it made. A scenario with the
# line "-- stops: yes" stops the daemon itself: then it must have exited,
# cleanly, when the scenario ends. Exits 77 (skip) when miltertest is not
# installed.
#
# The configuration holds "socket", an empty "user" (no privilege drop)
# and "log_pass = yes", then every "-- conf: LINE" of the scenario, and
# the shipped rules unless the scenario names its own "rules". Before the
# daemon starts, each "-- copy: FILE" is copied into the temporary
# directory, in the order given (a later file replaces an earlier one of
# the same name); FILE may be a shell pattern such as rules/*, which must
# match something. In those lines @top_srcdir@, @srcdir@ (tests/milter)
# and @work@ (the temporary directory) are replaced. ccguard never reads
# the source tree in place (it refuses group-writable files, and a
# checkout may have any umask): @top_srcdir@ and the scenario's
# TOP_SRCDIR and SRCDIR name a private copy of rules/ and tests/milter's
# fixtures in the temporary directory (tests/fixtures.sh).
#
# Environment (set by make check): top_srcdir, top_builddir, MILTERTEST.
set -u

scenario=${1:?usage: run.sh SCENARIO.lua}
name=$(basename "$scenario" .lua)
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
srcdir=$top_srcdir/tests/milter
daemon=$top_builddir/milter/ccguard
. "$top_srcdir/tests/fixtures.sh"

miltertest=${MILTERTEST:-}
[ -n "$miltertest" ] || miltertest=$(command -v miltertest 2>/dev/null)
if [ -z "$miltertest" ] || [ ! -x "$miltertest" ]; then
	echo "SKIP: $name: miltertest not found (install the Debian package miltertest)"
	exit 77
fi
if [ ! -x "$daemon" ]; then
	echo "ERROR: $name: $daemon not built"
	exit 99
fi

work=$(fixture_dir mt) || exit 99
pid=
# cleanup - stop the daemon if it still runs and remove the directory
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 99' HUP INT PIPE TERM

conf=$work/ccguard.conf
sock=$work/ccguard.sock
log=$work/ccguard.log

# The private source: the shipped rules and this directory's fixtures.
fix=$work/src
mkdir -p "$fix/tests/milter" && fixture_rules "$fix" >/dev/null &&
    fixture_copy "$fix/tests/milter" "$srcdir"/*.rules "$srcdir"/*.reply "$srcdir"/short ||
    exit 99

# subst - the scenario's placeholders, on stdin
subst() {
	sed -e "s|@top_srcdir@|$fix|g" -e "s|@srcdir@|$fix/tests/milter|g" \
	    -e "s|@work@|$work|g"
}

sed -n 's/^-- copy: *//p' "$scenario" | subst | while IFS= read -r f; do
	# Split on newlines only (none): a pattern is expanded, blanks kept.
	IFS='
'
	set -- $f
	unset IFS
	[ -e "$1" ] || { echo "ERROR: $name: no file $f to copy"; exit 99; }
	cp "$@" "$work/" || exit 99
done || exit 99
{
	echo "# made by tests/milter/run.sh for $name"
	echo "socket = unix:$sock"
	echo "user ="
	echo "log_pass = yes"
	echo "moderator ="	# no hold notices through the system's sendmail
	sed -n 's/^-- conf: *//p' "$scenario" | subst
} >"$conf"
grep -q '^rules *=' "$conf" ||
	echo "rules = $fix/rules/kernel-security.rules" >>"$conf"

# fail - report with the daemon's log and exit non-zero
fail() {
	echo "FAIL: $name: $*"
	echo "--- configuration"; cat "$conf"
	echo "--- daemon log"; cat "$log"
	exit 1
}

"$daemon" -c "$conf" >"$log" 2>&1 &
pid=$!
i=0
# Listening, not only bound: the socket file exists a moment before listen().
listening() {
	"${PYTHON3:-python3}" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(1)' "$sock" 2>/dev/null
}
while ! listening; do
	kill -0 "$pid" 2>/dev/null || { wait "$pid"; pid=; fail "the daemon did not start"; }
	i=$((i + 1))
	[ "$i" -le 200 ] || fail "no socket after 10 seconds"
	sleep 0.05
done

echo "# $name: ccguard pid $pid, socket $sock"
# Lua 5.3 prefers LUA_PATH_5_3 when it is set.
LUA_PATH="$srcdir/?.lua;;"
LUA_PATH_5_3=$LUA_PATH
export LUA_PATH LUA_PATH_5_3
to=
command -v timeout >/dev/null 2>&1 && to="timeout 120"
$to "$miltertest" -s "$scenario" -D SOCKET="unix:$sock" -D WORK="$work" \
    -D CONF="$conf" -D LOG="$log" -D PID="$pid" -D TOP_SRCDIR="$fix" \
    -D SRCDIR="$fix/tests/milter"
rc=$?
case $rc in
0)	;;
124)	fail "miltertest timed out" ;;
134)	fail "miltertest crashed (status 134: a reply longer than its 1024-byte buffer?)" ;;
*)	fail "miltertest exited with status $rc" ;;
esac

if grep -q '^-- stops: yes$' "$scenario"; then
	# The scenario saw the daemon exit (a zombie until reaped here).
	case $(sed -n 's/.*) \(.\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) in
	''|Z|X) ;;
	*) fail "the scenario ended, the daemon still runs" ;;
	esac
else
	kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; pid=; fail "the daemon died (status $rc)"; }
	kill -TERM "$pid"
fi
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "the daemon exited with status $rc on SIGTERM"
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|stack smashing' "$log" >/dev/null; then
	fail "sanitizer or stack report in the daemon log"
fi
grep -q 'stopped' "$log" || fail "the daemon did not log its clean stop"
exit 0
