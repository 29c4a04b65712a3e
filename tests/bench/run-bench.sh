#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run-bench.sh - ccguard's benchmarks: throughput, latency and memory
# against a null milter and a bare Postfix. Run by `make bench`.
#
# Every measurement alternates the variants compared, BENCH_ROUNDS times
# (default 5), and reports medians, so the ratios hold on a shared, noisy
# machine even when the absolute numbers do not; each ratio's spread over
# the rounds (lowest and highest round) is printed with it. Parts:
#   1. direct milter protocol (tests/bench/driver): the null milter that
#      replies to every step, the null milter that replies only at end of
#      message (the floor: no-reply flags), the null milter reading the
#      body, ccguard with the shipped rules (ordinary, held and rejected
#      mail), ccguard with a generated set of 1,000 rules and 10,000 list
#      entries, and milter-regex when BENCH_MILTER_REGEX names its
#      program (see "milter-regex" below);
#   2. one message with 1,000, 10,000 and 100,000 recipients;
#   3. peak RSS of ccguard for a small and a 50 MB body;
#   4. RSS of ccguard with 200 idle and 200 busy connections;
#   5. end to end through a private Postfix on loopback (smtp-source ->
#      Postfix -> smtp-sink), skipped with a message when not root;
#   6. hash flooding: ccguard -t on a 1 MB Cc header of 49,000 addresses
#      made to collide under FNV-1a (tests/bench/gen-cc) against one of
#      random addresses, as a ratio.
# It then prints the targets and whether each was met. It never fails on a
# missed target: it is a measurement, not a test. BENCH_QUICK=1 makes every
# run shorter (for trying the script out); BENCH_PARTS="1 5" runs only the
# parts listed.
#
# milter-regex: not part of ccguard and not built here. To put it in the
# same run, build it outside the tree (it needs libmilter-dev) and name it:
#	BENCH_MILTER_REGEX=/path/to/milter-regex make bench
# It is started in the foreground (-d) with a one-rule configuration that
# rejects the same pair ccguard stops (tests/bench/milter-regex.conf).
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
ROUNDS=${BENCH_ROUNDS:-5}
QUICK=${BENCH_QUICK:-0}
PARTS=${BENCH_PARTS:-1 2 3 4 5 6}
CCGUARD=$top_builddir/milter/ccguard
DRIVER=$top_builddir/tests/bench/driver
NULLM=$top_builddir/tests/bench/nullmilter
GENCC=$top_builddir/tests/bench/gen-cc
RULES=$top_srcdir/rules/kernel-security.rules

part() {	# part N - whether BENCH_PARTS selects part N
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}

scale() {	# scale N - N, or a tenth of it in quick mode
	if [ "$QUICK" = 1 ]; then echo $(( ($1 + 9) / 10 )); else echo "$1"; fi
}

W=$(mktemp -d /tmp/ccguard-bench.XXXXXX) || exit 1
chmod 755 "$W"
PIDS=()
PF_STARTED=0
cleanup() {
	local p
	if [ "$PF_STARTED" = 1 ]; then
		postfix -c "$W/pf/etc" stop >/dev/null 2>&1
	fi
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ---------------------------------------------------------------

median() {	# median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

field() {	# field NAME LINE - the value of NAME=value in a driver line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

ratio() {	# ratio A B - A/B with three decimals
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.3f\n", a / b }'
}

spread() {	# spread "A1 A2 .." "B1 B2 .." - lowest-highest of Ai/Bi, round by round
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); lo = ""; hi = ""
		for (i = 1; i <= n; i++) {
			if (y[i] + 0 == 0) continue
			r = x[i] / y[i]
			if (lo == "" || r < lo) lo = r
			if (hi == "" || r > hi) hi = r
		}
		if (lo == "") print "-"; else printf "%.2f-%.2f\n", lo, hi }'
}

verdict() {	# verdict COND - "met" or "NOT met" for an awk condition
	if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi
}

wait_socket() {	# wait_socket PATH - until a unix socket exists (10 s)
	local i
	for i in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "bench: $1 did not appear" >&2
	return 1
}

wait_port() {	# wait_port PORT - until something listens on 127.0.0.1:PORT
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: nothing listens on port $1" >&2
	return 1
}

free_port() {	# free_port - a TCP port on 127.0.0.1 that nothing listens on
	local p
	while :; do
		p=$(( 20000 + RANDOM % 30000 ))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

LAST_PID=
start_milter() {	# start_milter NAME SPEC CMD... - start, wait, remember
	local name=$1 spec=$2
	shift 2
	"$@" -p "$spec" >"$W/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
	case $spec in
	unix:*) wait_socket "${spec#unix:}" && chmod 666 "${spec#unix:}" ;;
	inet:*) spec=${spec#inet:}; wait_port "${spec%@*}" ;;
	esac
}

stop_pid() {	# stop_pid PID - stop one process this script started
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

rss() {		# rss PID FIELD - VmRSS or VmHWM of a process, in KiB
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

TCK=$(getconf CLK_TCK)
cpu_ticks() {	# cpu_ticks PID - user+system CPU ticks of a process (all threads)
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

drive() {	# drive SPEC ARGS... - one driver run; its result line
	local out
	if ! out=$("$DRIVER" -p "$@" 2>"$W/driver.err"); then
		echo "bench: driver failed ($*): $(head -3 "$W/driver.err")" >&2
	fi
	echo "$out"
}

conf() {	# conf NAME RULEFILE... - a ccguard.conf for the bench
	local f=$W/$1.conf r
	shift
	{
		echo "user ="
		echo "moderator ="	# held mail: no notice through the system's sendmail
		for r in "$@"; do echo "rules = $r"; done
		echo "max_recipients = 200000"
		echo "max_addresses = 400000"
		echo "max_header_bytes = 67108864"
	} >"$f"
	echo "$f"
}

# --- generated rule sets (into the build directory) ------------------------

# gen_large_rules FILE EVERY - 1,000 rules over 1,000 lists of 10 entries:
# 8 addresses, one @domain, and one more entry that is a regex in every
# EVERY-th list (an address otherwise); a quarter of the rules also test a
# header with a regex. None matches the bench traffic, so every message
# evaluates all of them.
gen_large_rules() {
	awk -v every="$2" 'BEGIN {
		printf "# generated by run-bench.sh: 1,000 rules, 10,000 list entries,"
		printf " a regex in one list in %d.\n", every
		for (i = 0; i < 1000; i++) {
			printf "list gen%d {\n", i
			for (j = 0; j < 8; j++)
				printf "\tuser%d.%d@team%d.example.net\n", j, i, i
			printf "\t@sub%d.example.invalid\n", i
			if (i % every == 0)
				printf "\t/^alias%d[.-][a-z]+@example\\.com$/i\n", i
			else
				printf "\tsecurity-alias%d@team%d.example.net\n", i, i
			printf "}\n"
		}
		for (i = 0; i < 1000; i++) {
			printf "rule gen-%d {\n\twhen recipient in gen%d and recipient in kernel-security", i, i
			if (i % 4 == 0)
				printf "\n\t     and header Subject matches /embargo-%d\\b/", i
			printf "\n\taction hold\n}\n"
		}
	}' >"$1"
}

gen_body_rules() {
	cat >"$1" <<'EOR'
# body.rules - generated by run-bench.sh: one rule that needs the body.
rule bench-executable {
	when recipient in kernel-security and body executable
	action hold
}
EOR
}

mkdir -p "$top_builddir/tests/bench"
LARGE=$top_builddir/tests/bench/large.rules
REGEX=$top_builddir/tests/bench/regex.rules
BODYR=$top_builddir/tests/bench/body.rules
gen_large_rules "$LARGE" 10
gen_large_rules "$REGEX" 1
[ -s "$BODYR" ] || gen_body_rules "$BODYR"
C_SHIP=$(conf shipped "$RULES")
C_LARGE=$(conf large "$RULES" "$LARGE")
C_REGEX=$(conf regex "$RULES" "$REGEX")
C_BODY=$(conf body "$RULES" "$BODYR")
for c in "$C_SHIP" "$C_LARGE" "$C_REGEX" "$C_BODY"; do
	if ! "$CCGUARD" -n -c "$c" >"$W/check.out" 2>&1; then
		echo "bench: ccguard -n rejects $c:" >&2
		cat "$W/check.out" >&2
		exit 1
	fi
done

echo "ccguard benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $ROUNDS rounds (medians)"
echo "rules: shipped $(grep -c '^rule ' "$RULES") rules; generated" \
    "$(grep -c '^rule ' "$LARGE") rules, $(grep -cE "^	(user|security|@|/)" "$LARGE")" \
    "list entries ($(grep -c "^	/" "$LARGE") regexes; the regex-heavy set:" \
    "$(grep -c "^	/" "$REGEX"))"
echo

# --- 1. direct milter protocol --------------------------------------------

declare -A MPID
start_milter null "unix:$W/null.sock" "$NULLM" -d
MPID[null]=$LAST_PID
start_milter nulln "unix:$W/nulln.sock" "$NULLM" -n
MPID[nulln]=$LAST_PID
start_milter nullb "unix:$W/nullb.sock" "$NULLM" -d -b
MPID[nullb]=$LAST_PID
start_milter ccs "unix:$W/ccs.sock" "$CCGUARD" -c "$C_SHIP"
MPID[ccs]=$LAST_PID
start_milter ccl "unix:$W/ccl.sock" "$CCGUARD" -c "$C_LARGE"
MPID[ccl]=$LAST_PID
start_milter ccr "unix:$W/ccr.sock" "$CCGUARD" -c "$C_REGEX"
MPID[ccr]=$LAST_PID
MREGEX=${BENCH_MILTER_REGEX:-}
if [ -n "$MREGEX" ]; then
	if [ -x "$MREGEX" ]; then
		start_milter mregex "unix:$W/mregex.sock" "$MREGEX" -d \
		    -c "$top_srcdir/tests/bench/milter-regex.conf"
		MPID[mregex]=$LAST_PID
	else
		echo "bench: BENCH_MILTER_REGEX=$MREGEX is not an executable; left out" >&2
		MREGEX=
	fi
fi

if part 1; then
	NMSG=$(scale 1000)
	DARGS=(-c 4 -k "$NMSG" -r 3 -a 12 -b 4096)
	# variant: socket name and message kind
	VARIANTS=(null nulln nullb ccs ccl ccr null-hold ccs-hold null-reject ccs-reject)
	[ -n "$MREGEX" ] && VARIANTS+=(mregex)
	declare -A LABEL=([null]="null milter, replies to every step"
	    [nulln]="null milter, no replies (the floor)"
	    [nullb]="null milter, reads body" [ccs]="ccguard, shipped rules"
	    [ccl]="ccguard, 1,000 rules" [ccr]="ccguard, 1,000 rules, 1,000 regex"
	    [null-hold]="null milter, replies; held kind" [ccs-hold]="ccguard, held mail"
	    [null-reject]="null milter, replies; rejected kind"
	    [ccs-reject]="ccguard, rejected mail" [mregex]="milter-regex, one pair rule")
	declare -A RATE P50 P99 CPU
	for v in "${VARIANTS[@]}"; do RATE[$v]=; P50[$v]=; P99[$v]=; CPU[$v]=; done
	echo "1. Direct milter protocol, unix socket: 4 connections x $NMSG messages," \
	    "3 RCPT, 12 header addresses, 4 KiB body"
	for r in $(seq "$ROUNDS"); do
		for v in "${VARIANTS[@]}"; do
			sock=${v%%-*} kind=pass
			case $v in *-hold) kind=hold ;; *-reject) kind=reject ;; esac
			c0=$(cpu_ticks "${MPID[$sock]}")
			line=$(drive "unix:$W/$sock.sock" "${DARGS[@]}" -m "$kind")
			c1=$(cpu_ticks "${MPID[$sock]}")
			CPU[$v]+=" $(awk -v a="$c0" -v b="$c1" -v t="$TCK" -v n="$(field msgs "$line")" \
			    'BEGIN { printf "%.1f", (n > 0 ? (b - a) / t * 1e6 / n : 0) }')"
			RATE[$v]+=" $(field rate "$line")"
			P50[$v]+=" $(field p50_ms "$line")"
			P99[$v]+=" $(field p99_ms "$line")"
		done
	done
	declare -A MRATE MCPU MP99
	printf '   %-38s %8s %7s %7s %9s %10s %9s %9s\n' variant "msgs/s" "p50 ms" "p99 ms" \
	    "rate/null" "CPU us/msg" "CPU/null" "p99/null"
	for v in "${VARIANTS[@]}"; do
		MRATE[$v]=$(median ${RATE[$v]})
		MCPU[$v]=$(median ${CPU[$v]})
		MP99[$v]=$(median ${P99[$v]})
	done
	for v in "${VARIANTS[@]}"; do
		base=null
		case $v in *-hold) base=null-hold ;; *-reject) base=null-reject ;; esac
		printf '   %-38s %8.0f %7.3f %7.3f %9s %10.1f %9s %9s\n' "${LABEL[$v]}" "${MRATE[$v]}" \
		    "$(median ${P50[$v]})" "${MP99[$v]}" \
		    "$(ratio "${MRATE[$v]}" "${MRATE[$base]}")" "${MCPU[$v]}" \
		    "$(ratio "${MCPU[$v]}" "${MCPU[$base]}")" "$(ratio "${MP99[$v]}" "${MP99[$base]}")"
	done
	echo "   (ratios against the null milter that replies to every step, with the"
	echo "   same kind of message; CPU: the milter process's user+system time per"
	echo "   message, which depends less than the rates on what else the machine runs."
	echo "   Rate ratio spread over the $ROUNDS rounds: ccguard/null" \
	    "$(spread "${RATE[ccs]}" "${RATE[null]}"), CPU $(spread "${CPU[ccs]}" "${CPU[null]}"))"
	echo
fi

# --- 2. recipients ----------------------------------------------------------

if part 2; then
	echo "2. One message, N recipients: N/2 in RCPT TO, N/2 in Cc headers" \
	    "(ccguard shipped rules vs null milter)"
	printf '   %-10s %12s %12s %14s %16s\n' N "ccguard ms" "null ms" "ccguard-null" "extra us/rcpt"
	declare -A PERRCPT CMS
	for n in 1000 10000 100000; do
		k=$(( n >= 100000 ? 1 : n >= 10000 ? 3 : 10 ))
		cs= ns=
		for r in $(seq "$ROUNDS"); do
			line=$(drive "unix:$W/ccs.sock" -c 1 -k "$k" -r $(( n / 2 )) -a $(( n / 2 )) -m pass)
			cs+=" $(field p50_ms "$line")"
			line=$(drive "unix:$W/null.sock" -c 1 -k "$k" -r $(( n / 2 )) -a $(( n / 2 )) -m pass)
			ns+=" $(field p50_ms "$line")"
		done
		cm=$(median $cs) nm=$(median $ns)
		CMS[$n]=$cm
		PERRCPT[$n]=$(awk -v c="$cm" -v z="$nm" -v n="$n" 'BEGIN { printf "%.3f", (c - z) * 1000 / n }')
		printf '   %-10s %12.1f %12.1f %14.1f %16s\n' "$n" "$cm" "$nm" \
		    "$(awk -v c="$cm" -v z="$nm" 'BEGIN { print c - z }')" "${PERRCPT[$n]}"
	done
	LINEAR=$(awk -v a="${CMS[1000]}" -v b="${CMS[100000]}" \
	    'BEGIN { printf "%.2f", (b / 100000) / (a / 1000) }')
	echo "   ccguard time per recipient at 100,000 / at 1,000: $LINEAR (1 = linear)"
	echo
fi

# --- 3. body size and peak RSS ----------------------------------------------

if part 3; then
	echo "3. Peak RSS (VmHWM) of ccguard reading the body (a rule tests it)"
	start_milter ccb "unix:$W/ccb.sock" "$CCGUARD" -c "$C_BODY"
	CCB_PID=$LAST_PID
	line=$(drive "unix:$W/ccb.sock" -c 1 -k 20 -b 4096 -m pass)
	HWM_SMALL=$(rss "$CCB_PID" VmHWM)
	BIG=$(( 50 * 1024 * 1024 ))
	line=$(drive "unix:$W/ccb.sock" -c 1 -k 2 -b "$BIG" -m pass)
	HWM_BIG=$(rss "$CCB_PID" VmHWM)
	BIG_MS=$(field p50_ms "$line")
	stop_pid "$CCB_PID"
	printf '   after 20 x 4 KiB bodies: %6d KiB; after 2 x 50 MB bodies: %6d KiB (+%d KiB); 50 MB message: %.0f ms\n' \
	    "$HWM_SMALL" "$HWM_BIG" $(( HWM_BIG - HWM_SMALL )) "$BIG_MS"
	echo
fi

# --- 4. memory per connection -----------------------------------------------

if part 4; then
	echo "4. RSS with 200 connections (fresh process each; KiB)"
	conn_mem() {	# conn_mem NAME CMD... - base, idle and busy RSS in KiB
		local name=$1 pid base idle busy
		shift
		start_milter "$name" "unix:$W/$name.sock" "$@"
		pid=$LAST_PID
		drive "unix:$W/$name.sock" -c 1 -k 5 -m pass >/dev/null
		base=$(rss "$pid" VmRSS)
		rm -f "$W/ready"
		"$DRIVER" -p "unix:$W/$name.sock" -c 200 -k 0 -i 3 -R "$W/ready" >/dev/null 2>&1 &
		local dp=$!
		for _ in $(seq 100); do [ -e "$W/ready" ] && break; sleep 0.1; done
		sleep 0.5
		idle=$(rss "$pid" VmRSS)
		wait "$dp"
		rm -f "$W/ready"
		"$DRIVER" -p "unix:$W/$name.sock" -c 200 -k 20 -r 3 -a 12 -i 2 -R "$W/ready" >/dev/null 2>&1 &
		dp=$!
		for _ in $(seq 600); do [ -e "$W/ready" ] && break; sleep 0.1; done
		busy=$(rss "$pid" VmHWM)
		wait "$dp"
		stop_pid "$pid"
		echo "$base $idle $busy"
	}
	read -r CB CI CBU <<<"$(conn_mem ccm "$CCGUARD" -c "$C_SHIP")"
	read -r NB NI NBU <<<"$(conn_mem nullm "$NULLM" -d)"
	printf '   %-22s %10s %12s %12s %14s %14s\n' "" base "200 idle" "200 busy" "idle/conn" "busy/conn"
	printf '   %-22s %10d %12d %12d %14.1f %14.1f\n' "ccguard" "$CB" "$CI" "$CBU" \
	    "$(awk -v a="$CI" -v b="$CB" 'BEGIN { print (a - b) / 200 }')" \
	    "$(awk -v a="$CBU" -v b="$CB" 'BEGIN { print (a - b) / 200 }')"
	printf '   %-22s %10d %12d %12d %14.1f %14.1f\n' "null milter" "$NB" "$NI" "$NBU" \
	    "$(awk -v a="$NI" -v b="$NB" 'BEGIN { print (a - b) / 200 }')" \
	    "$(awk -v a="$NBU" -v b="$NB" 'BEGIN { print (a - b) / 200 }')"
	PERCONN=$(awk -v a="$CBU" -v b="$CB" -v c="$NBU" -v d="$NB" \
	    'BEGIN { x = (a - b - (c - d)) / 200; printf "%.1f", x }')
	PERCONN_IDLE=$(awk -v a="$CI" -v b="$CB" -v c="$NI" -v d="$NB" \
	    'BEGIN { x = (a - b - (c - d)) / 200; printf "%.1f", x }')
	echo "   ccguard's own per connection (beyond libmilter's): idle $PERCONN_IDLE KiB, busy $PERCONN KiB"
	echo
fi

# --- 5. end to end through Postfix ------------------------------------------

PF_DONE=0
if ! part 5; then
	echo "5. Postfix end to end: not selected (BENCH_PARTS)"
elif [ "$(id -u)" != 0 ]; then
	echo "5. Postfix end to end: SKIPPED (needs root for a private Postfix instance)"
elif ! command -v postfix >/dev/null || ! command -v smtp-source >/dev/null ||
    ! command -v smtp-sink >/dev/null; then
	echo "5. Postfix end to end: SKIPPED (postfix, smtp-source or smtp-sink missing)"
else
	. "$top_srcdir/tests/bench/postfix-bench.sh"
fi
echo

# --- 6. hash flooding ---------------------------------------------------------

if part 6; then
	NFLOOD=49000
	"$GENCC" collide "$NFLOOD" >"$W/cc-collide.eml" &&
	    "$GENCC" random "$NFLOOD" >"$W/cc-random.eml" || exit 1
	echo "6. Hash flooding: ccguard -t on one message with $NFLOOD addresses in Cc" \
	    "($(( $(stat -c %s "$W/cc-collide.eml") / 1024 )) KiB)"
	declare -A FLOOD=([collide]= [random]=)
	for r in $(seq "$ROUNDS"); do
		for v in collide random; do
			t0=$(date +%s.%N)
			"$CCGUARD" -c "$C_SHIP" -t "$W/cc-$v.eml" >"$W/flood.out" 2>&1 ||
			    echo "bench: ccguard -t failed on cc-$v.eml: $(tail -1 "$W/flood.out")" >&2
			t1=$(date +%s.%N)
			FLOOD[$v]+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
		done
	done
	FL_C=$(median ${FLOOD[collide]}) FL_R=$(median ${FLOOD[random]})
	FL_RATIO=$(ratio "$FL_C" "$FL_R")
	printf '   %-44s %10.1f ms\n' "addresses colliding under FNV-1a" "$FL_C"
	printf '   %-44s %10.1f ms\n' "random addresses of the same length" "$FL_R"
	printf '   %-44s %10s\n' "colliding / random" "$FL_RATIO"
	echo
fi

# --- targets ----------------------------------------------------------------

echo "Targets"
target() {	# target TEXT VALUE COND - one line of the target list
	printf '   %-64s %8s  %s\n' "$1" "$2" "$(verdict "$3")"
}
if part 1; then
	x=$(ratio "${MRATE[ccs]}" "${MRATE[null]}")
	target "direct, ordinary mail: ccguard / null milter rate >= 1.0" "$x" "$x >= 1.0"
	x=$(ratio "${MCPU[ccs]}" "${MCPU[null]}")
	target "direct, ordinary mail: ccguard / null milter CPU <= 1.0" "$x" "$x <= 1.0"
	x=$(ratio "${MP99[ccs]}" "${MP99[null]}")
	target "direct, ordinary mail: ccguard / null milter p99 <= 1.2" "$x" "$x <= 1.2"
	x=$(ratio "${MRATE[ccs-hold]}" "${MRATE[null-hold]}")
	target "direct, held mail: ccguard / null milter rate >= 0.9" "$x" "$x >= 0.9"
	x=$(ratio "${MRATE[ccs-reject]}" "${MRATE[null-reject]}")
	target "direct, rejected mail: ccguard / null milter rate >= 0.9" "$x" "$x >= 0.9"
	x=$(ratio "${MRATE[ccl]}" "${MRATE[ccs]}")
	target "direct: 1,000 rules / shipped rules rate >= 0.8" "$x" "$x >= 0.8"
	printf '   %-64s %8s\n' "   (ccguard / the floor, null milter with no replies: rate)" \
	    "$(ratio "${MRATE[ccs]}" "${MRATE[nulln]}")"
	if [ -n "$MREGEX" ]; then
		printf '   %-64s %8s\n' "   (ccguard / milter-regex: rate)" \
		    "$(ratio "${MRATE[ccs]}" "${MRATE[mregex]}")"
	fi
fi
if part 4; then
	target "memory: ccguard's own per busy connection < 64 KiB" "$PERCONN" "$PERCONN < 64"
fi
if part 3; then
	target "memory: peak RSS growth, 50 MB body vs 4 KiB (KiB, < 1024)" \
	    "$(( HWM_BIG - HWM_SMALL ))" "$(( HWM_BIG - HWM_SMALL )) < 1024"
fi
if part 2; then
	target "recipients: time per recipient, 100,000 vs 1,000 (linear: <= 2)" \
	    "$LINEAR" "$LINEAR <= 2"
fi
if part 6; then
	printf '   %-62s %8s  %s\n' "hash flooding: colliding / random addresses <= 2" \
	    "$FL_RATIO" "$(verdict "$FL_RATIO <= 2")"
fi
if [ "$PF_DONE" = 1 ]; then
	pf_targets
else
	echo "   Postfix targets: not measured"
fi
