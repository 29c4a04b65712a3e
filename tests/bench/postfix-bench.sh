# SPDX-License-Identifier: BSD-2-Clause
# postfix-bench.sh - part 5 of run-bench.sh: ccguard end to end through
# Postfix. Sourced by run-bench.sh (uses its helpers and milters).
#
# A private Postfix instance lives in the bench's temporary directory: its
# own main.cf, master.cf, queue and data directories, no chroot, listening
# on 127.0.0.1 only, relaying everything to an smtp-sink on loopback. One
# smtpd listener per milter variant (-o smtpd_milters=...) lets the rounds
# alternate the variants without reloading Postfix. smtp-source injects
# (tests/bench/smtp-send.py the mail that is rejected, whatever the milter:
# smtp-source stops at a refusal); the time it takes gives messages/s. The queue drains between runs so
# that delivery of one run does not slow the next.

PF=$W/pf
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data"
P_SINK=$(free_port)
declare -A PF_PORT PF_LABEL
PF_VARIANTS=(none null nulln nullt nullnt stall ccu cct)
PF_LABEL=([none]="no milter" [null]="null milter, replies, unix"
    [nulln]="null milter, no replies, unix" [nullt]="null milter, replies, TCP"
    [nullnt]="null milter, no replies, TCP"
    [stall]="null milter without DATA callback, TCP"
    [ccu]="ccguard, unix" [cct]="ccguard, TCP")

# used_port PORT - already taken by a TCP milter of this part
TCP_PORTS=" "
pf_port() {	# pf_port - a free port not handed out before
	local p
	p=$(free_port)
	while [[ $TCP_PORTS == *" $p "* ]]; do p=$(free_port); done
	TCP_PORTS+="$p "
	echo "$p"
}
# The TCP milters (the unix ones are part 1's, still running).
P_NULLT=$(pf_port)
start_milter pf-nullt "inet:$P_NULLT@127.0.0.1" "$NULLM" -d
PF_NULLT_PID=$LAST_PID
P_NULLNT=$(pf_port)
start_milter pf-nullnt "inet:$P_NULLNT@127.0.0.1" "$NULLM" -n
PF_NULLNT_PID=$LAST_PID
P_STALL=$(pf_port)
start_milter pf-stall "inet:$P_STALL@127.0.0.1" "$NULLM"
PF_STALL_PID=$LAST_PID
P_CCT=$(pf_port)
start_milter pf-cct "inet:$P_CCT@127.0.0.1" "$CCGUARD" -c "$C_SHIP"
PF_CCT_PID=$LAST_PID
declare -A PF_MPID=([none]="" [null]="${MPID[null]}" [nulln]="${MPID[nulln]}"
    [ccu]="${MPID[ccs]}")
PF_MPID+=([nullt]=$PF_NULLT_PID [nullnt]=$PF_NULLNT_PID [stall]=$PF_STALL_PID
    [cct]=$PF_CCT_PID)
declare -A PF_MILTER=([none]="" [null]="unix:$W/null.sock" [nulln]="unix:$W/nulln.sock"
    [nullt]="inet:127.0.0.1:$P_NULLT" [nullnt]="inet:127.0.0.1:$P_NULLNT"
    [stall]="inet:127.0.0.1:$P_STALL"
    [ccu]="unix:$W/ccs.sock" [cct]="inet:127.0.0.1:$P_CCT")

cat >"$PF/etc/main.cf" <<EOF
# A private instance for the benchmark only.
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = $(postconf -d -h command_directory)
daemon_directory = $(postconf -d -h daemon_directory)
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$P_SINK
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
in_flow_delay = 0
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
milter_protocol = 6
milter_default_action = tempfail
default_destination_concurrency_limit = 20
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
# Rejected mail is measured too: no penalty sleeps, no disconnects.
smtpd_soft_error_limit = 1000000
smtpd_hard_error_limit = 1000000
smtpd_error_sleep_time = 0
EOF
{
	for v in "${PF_VARIANTS[@]}"; do
		PF_PORT[$v]=$(pf_port)
		echo "127.0.0.1:${PF_PORT[$v]} inet n - n - - smtpd -o smtpd_milters=${PF_MILTER[$v]}"
	done
	cat <<'EOF'
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
} >"$PF/etc/master.cf"

# The test messages (smtp-source -F): 12 header addresses, 2 KB of text;
# "hold" is a reply in a thread (held), "reject" a new report (rejected).
pf_message() {	# pf_message pass|hold|reject
	local i
	echo "From: Reporter <reporter@example.org>"
	echo "To: Security Officers <security@kernel.org>, Maintainer <maint1@example.org>"
	printf 'Cc: '
	[ "$1" != pass ] && printf 'linux-distros@vs.openwall.org, '
	for i in $(seq 10); do printf '"Dev %d" <dev%d@lists.example.net>%s' "$i" "$i" \
	    "$([ "$i" -lt 10 ] && echo ', ')"; done
	echo
	echo "Subject: [PATCH] net: fix use-after-free in the bench path"
	echo "Date: Sat, 28 Nov 2026 09:59:57 +0000"
	echo "Message-ID: <bench-$1@example.org>"
	if [ "$1" = hold ]; then
		echo "In-Reply-To: <report-1@example.org>"
		echo "References: <report-1@example.org>"
	fi
	echo "MIME-Version: 1.0"
	echo "Content-Type: text/plain; charset=utf-8"
	echo
	for i in $(seq 28); do
		echo "Line $i of the report: the quick brown fox jumps over the lazy dog."
	done
}
pf_message pass >"$W/pass.eml"
pf_message hold >"$W/hold.eml"
pf_message reject >"$W/reject.eml"

smtp-sink -u postfix "127.0.0.1:$P_SINK" 256 >"$W/sink.log" 2>&1 &
PIDS+=($!)
wait_port "$P_SINK" || true
if ! postfix -c "$PF/etc" check >"$W/pf-check.log" 2>&1 ||
    ! postfix -c "$PF/etc" start >"$W/pf-start.log" 2>&1; then
	echo "5. Postfix end to end: SKIPPED (the private instance did not start:" \
	    "$(tail -1 "$W/pf-start.log" "$W/pf-check.log" 2>/dev/null | grep -v '^=' | head -2))"
	return 0
fi
PF_STARTED=1
for v in "${PF_VARIANTS[@]}"; do wait_port "${PF_PORT[$v]}" || true; done

pf_drain() {	# pf_drain - wait (60 s at most) until nothing awaits delivery
	local i
	for i in $(seq 600); do
		[ -z "$(find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/deferred" \
		    "$PF/spool/maildrop" -type f 2>/dev/null | head -1)" ] && return 0
		sleep 0.1
	done
}

pf_run() {	# pf_run VARIANT KIND SESSIONS COUNT - messages/s, or "fail"
	local t0 t1 c0=0 c1=0 pid=${PF_MPID[$1]}
	pf_drain
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	t0=$(date +%s.%N)
	if [ "$2" = reject ]; then
		# smtp-source gives up at the first refusal: one session, every kind of milter.
		if ! python3 "$top_srcdir/tests/bench/smtp-send.py" 127.0.0.1 "${PF_PORT[$1]}" "$4" \
		    "$W/$2.eml" >"$W/source.log" 2>&1; then
			echo "bench: smtp-send failed ($1 $2): $(tail -1 "$W/source.log")" >&2
			echo fail
			return
		fi
	elif ! smtp-source -s "$3" -m "$4" -d -M client.bench.test -f reporter@example.org \
	    -t security@kernel.org -F "$W/$2.eml" "127.0.0.1:${PF_PORT[$1]}" \
	    >"$W/source.log" 2>&1; then
		echo "bench: smtp-source failed ($1 $2 -s $3): $(tail -1 "$W/source.log")" >&2
		echo fail
		return
	fi
	t1=$(date +%s.%N)
	[ -n "$pid" ] && c1=$(cpu_ticks "$pid")
	PF_CPU["$1 $2 $3"]+=" $(awk -v a="$c0" -v b="$c1" -v t="$TCK" -v n="$4" \
	    'BEGIN { printf "%.1f", (b - a) / t * 1e6 / n }')"
	awk -v n="$4" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }'
}

M10=$(scale 1000)
M1=$(scale 300)
echo "5. Postfix end to end (smtp-source -> Postfix $(postconf -d -h mail_version) ->" \
    "smtp-sink, loopback): messages/s"
declare -A PFR PF_CPU
PF_CASES=("none pass 10" "null pass 10" "nullt pass 10" "nulln pass 10" "ccu pass 10"
    "cct pass 10"
    "none pass 1" "null pass 1" "nullt pass 1" "nulln pass 1" "nullnt pass 1"
    "stall pass 1" "ccu pass 1" "cct pass 1"
    "null hold 1" "nullt hold 1" "ccu hold 1" "cct hold 1"
    "null reject 1" "nullt reject 1" "ccu reject 1" "cct reject 1")
for r in $(seq "$ROUNDS"); do
	for c in "${PF_CASES[@]}"; do
		set -- $c
		pf_run "$1" "$2" "$3" "$([ "$3" = 10 ] && echo "$M10" || echo "$M1")" >"$W/rate"
		PFR["$c"]+=" $(cat "$W/rate")"
	done
done
pf_drain
HELD=$(find "$PF/spool/hold" -type f 2>/dev/null | wc -l)
declare -A PFM
printf '   %-40s %-6s %4s %9s %9s %9s %14s\n' variant message sess "msgs/s" "vs none" \
    "vs null" "milter CPU us"
pf_row() {	# pf_row VARIANT KIND SESSIONS - one row: rates against no milter and null
	local k="$1 $2 $3" m base=null
	case $1 in cct|nullt|nullnt|stall) base=nullt ;; esac
	m=$(median $(echo ${PFR[$k]} | tr ' ' '\n' | grep -v fail))
	PFM[$k]=$m
	printf '   %-40s %-6s %4s %9.1f %9s %9s %14s\n' "${PF_LABEL[$1]}" "$2" "$3" "$m" \
	    "$([ "$2" = pass ] && ratio "$m" "${PFM[none pass $3]}" || echo -)" \
	    "$([ "$1" = none ] && echo - || ratio "$m" "${PFM[$base $2 $3]:-0}")" \
	    "$([ "$1" = none ] && echo - || median ${PF_CPU[$k]:-})"
}
for c in "${PF_CASES[@]}"; do pf_row $c; done
echo "   (the null milters pass every kind; ccguard held $HELD messages, expected" \
    "$(( ROUNDS * 2 * M1 )); TCP rows are compared with the TCP null milter."
echo "   Spread over the rounds, ccguard unix / no milter, 1 session:" \
    "$(spread "${PFR[ccu pass 1]}" "${PFR[none pass 1]}"); 10 sessions:" \
    "$(spread "${PFR[ccu pass 10]}" "${PFR[none pass 10]}"))"
PF_DONE=1

pf_targets() {	# pf_targets - the Postfix lines of the target list
	local x s v
	for s in 10 1; do
		for v in ccu cct; do
			x=$(ratio "${PFM[$v pass $s]}" "${PFM[none pass $s]}")
			target "Postfix, $s session(s), $([ $v = ccu ] && echo unix || echo TCP): ccguard / no milter >= 0.9" \
			    "$x" "$x >= 0.9"
		done
	done
	for k in hold reject; do
		x=$(ratio "${PFM[ccu $k 1]}" "${PFM[null $k 1]}")
		target "Postfix, $k, unix: ccguard / null milter >= 0.98" "$x" "$x >= 0.98"
		x=$(ratio "${PFM[cct $k 1]}" "${PFM[nullt $k 1]}")
		target "Postfix, $k, TCP: ccguard / null milter >= 0.98" "$x" "$x >= 0.98"
	done
}
