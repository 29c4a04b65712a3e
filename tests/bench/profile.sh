#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# profile.sh - where ccguard's time goes per message: instruction counts
# under callgrind (steady, whatever else the machine runs) for ccguard
# with the shipped rules and for the null milter that replies to every
# step, the same driver traffic as `make bench` part 1, then a perf
# profile (cpu-clock samples: this machine's hardware counters may be
# off) of ccguard under load. Not a test; run by hand after `make bench`
# built the helpers:
#	top_srcdir=.. top_builddir=. bash ../tests/bench/profile.sh [MESSAGES]
# Needs valgrind (callgrind_annotate) and, for the second half, perf
# (Debian: linux-perf); a missing tool skips its half.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
N=${1:-2000}
CCGUARD=$top_builddir/milter/ccguard
DRIVER=$top_builddir/tests/bench/driver
NULLM=$top_builddir/tests/bench/nullmilter
W=$(mktemp -d /tmp/ccguard-profile.XXXXXX) || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
printf 'user =\nlog_pass = no\nmoderator =\nrules = %s\n' "$top_srcdir/rules/kernel-security.rules" >"$W/c.conf"

wait_sock() {	# wait_sock PATH - until the socket exists (60 s: valgrind is slow)
	local i
	for i in $(seq 600); do [ -S "$1" ] && return 0; sleep 0.1; done
	echo "profile: $1 did not appear" >&2
	return 1
}

# callgrind NAME CMD... - instructions per message of one milter
callgrind() {
	local name=$1 pid total
	shift
	valgrind --tool=callgrind --callgrind-out-file="$W/$name.out" "$@" \
	    -p "unix:$W/$name.sock" >"$W/$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_sock "$W/$name.sock" || return 1
	"$DRIVER" -p "unix:$W/$name.sock" -c 1 -k "$N" -r 3 -a 12 -b 4096 -m pass >/dev/null
	kill "$pid"; wait "$pid" 2>/dev/null
	total=$(callgrind_annotate "$W/$name.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	echo "$name: $(awk -v t="$total" -v n="$N" 'BEGIN { printf "%.0f", t / n }') instructions per message"
}

if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	echo "callgrind, $N messages on one connection (startup included, spread over them):"
	callgrind null "$NULLM" -d
	callgrind ccguard "$CCGUARD" -c "$W/c.conf"
	echo
	echo "ccguard, functions by inclusive instructions (top 25):"
	callgrind_annotate --inclusive=yes "$W/ccguard.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -28
	echo
	echo "ccguard, by own instructions (top 20):"
	callgrind_annotate "$W/ccguard.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -23
else
	echo "profile: valgrind not installed; no instruction counts"
fi

if command -v perf >/dev/null; then
	"$CCGUARD" -c "$W/c.conf" -p "unix:$W/perf.sock" >"$W/perf.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_sock "$W/perf.sock" || exit 1
	perf record -q -g -e cpu-clock -o "$W/perf.data" -p "$pid" >/dev/null 2>&1 &
	rec=$!
	sleep 0.5
	"$DRIVER" -p "unix:$W/perf.sock" -c 4 -k "$N" -r 3 -a 12 -b 4096 -m pass
	kill -INT "$rec"; wait "$rec" 2>/dev/null
	echo
	echo "perf (cpu-clock), ccguard's samples by shared object:"
	perf report -i "$W/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
	echo
	echo "perf (cpu-clock), by symbol (top 25):"
	perf report -i "$W/perf.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
else
	echo "profile: perf not installed (Debian: linux-perf); no sampling profile"
fi
