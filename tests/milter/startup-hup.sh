#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/startup-hup.sh - a SIGHUP that arrives while the daemon is
# still starting (before libmilter waits for signals) must not kill it:
# the reload it asks for happens once the daemon runs.
#
# The rule file is a FIFO, so the daemon is caught for certain in the
# middle of loading its rules: opening the FIFO for writing returns only
# once the daemon has opened it for reading. The signal is sent then,
# the rules are written, and the reload must read them once more.
#
# Environment (set by make check): top_srcdir, top_builddir.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
daemon=$top_builddir/milter/ccguard
[ -x "$daemon" ] || { echo "ERROR: $daemon not built"; exit 99; }
command -v mkfifo >/dev/null 2>&1 || { echo "SKIP: no mkfifo"; exit 77; }
command -v timeout >/dev/null 2>&1 || { echo "SKIP: no timeout(1)"; exit 77; }
. "$top_srcdir/tests/fixtures.sh"

work=$(fixture_dir hup) || exit 99
pid=
# cleanup - stop the daemon (even one stuck reading the FIFO) and tidy up
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 99' HUP INT PIPE TERM

rules=$top_srcdir/rules/kernel-security.rules
fifo=$work/kernel-security.rules
log=$work/ccguard.log
# Everything the rules name (replies, guidance, list files) beside the FIFO.
for f in "$top_srcdir"/rules/*; do
	[ "$f" = "$rules" ] || fixture_copy "$work" "$f" || exit 99
done
mkfifo -m 600 "$fifo" || exit 99
# What a good load of the rules reports.
in_force="reload: $(grep -c '^rule[[:space:]]' "$rules") rules, $(grep -c '^list[[:space:]]' "$rules") lists in force"
cat >"$work/ccguard.conf" <<EOF
socket = unix:$work/ccguard.sock
user =
rules = $fifo
EOF
# fail - report with the daemon's log
fail() {
	echo "FAIL: $*"
	echo "--- daemon log"; cat "$log"
	exit 1
}

"$daemon" -c "$work/ccguard.conf" >"$log" 2>&1 &
pid=$!
timeout 10 sh -c 'exec 3>"$1" && kill -HUP "$2" && cat "$3" >&3' sh "$fifo" "$pid" "$rules" ||
	fail "could not hand the rules to the starting daemon"
# wait_log TEXT - wait up to 5 seconds for TEXT in the log
wait_log() {
	i=0
	until grep -q "$1" "$log"; do
		i=$((i + 1))
		[ "$i" -le 100 ] || fail "no \"$1\" in the log"
		kill -0 "$pid" 2>/dev/null || fail "the daemon died"
		sleep 0.05
	done
}
# Once started, the daemon has closed the FIFO (a writer opening it
# earlier would add to the first load's input). The pending SIGHUP then
# makes it read its rules again.
wait_log 'starting:'
timeout 10 sh -c 'cat "$2" >"$1"' sh "$fifo" "$rules" ||
	fail "the daemon did not reload after a SIGHUP sent during startup"
wait_log "$in_force"
kill -0 "$pid" 2>/dev/null || fail "the daemon died after the reload"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "the daemon exited with status $rc on SIGTERM"
cat "$log"
echo "PASS"
