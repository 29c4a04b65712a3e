# postfix-bench.sh - part 5 of run-bench.sh: ccguard end to end through
# Postfix. Sourced by run-bench.sh (uses its helpers and milters).
#
# A private Postfix instance lives in the bench's temporary directory: its
# own main.cf, master.cf, queue and data directories, no chroot, listening
# on 127.0.0.1 only, relaying everything to an smtp-sink on loopback. One
# smtpd listener per milter variant (-o smtpd_milters=...) lets the rounds
# alternate the variants without reloading Postfix. smtp-source injects;
# the time it takes gives messages/s. The queue drains between runs so
# that delivery of one run does not slow the next.

PF=$W/pf
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data"
P_SINK=$(free_port)
declare -A PF_PORT PF_LABEL
PF_VARIANTS=(none null nullt stall ccu cct)
PF_LABEL=([none]="no milter" [null]="null milter, unix"
    [nullt]="null milter, TCP" [stall]="null milter without DATA callback, TCP"
    [ccu]="ccguard, unix" [cct]="ccguard, TCP")

# The TCP milters (the unix ones are part 1's, still running).
P_NULLT=$(free_port)
start_milter pf-nullt "inet:$P_NULLT@127.0.0.1" "$NULLM" -d
PF_NULLT_PID=$LAST_PID
P_STALL=$(free_port)
while [ "$P_STALL" = "$P_NULLT" ]; do P_STALL=$(free_port); done
start_milter pf-stall "inet:$P_STALL@127.0.0.1" "$NULLM"
PF_STALL_PID=$LAST_PID
P_CCT=$(free_port)
while [ "$P_CCT" = "$P_NULLT" ] || [ "$P_CCT" = "$P_STALL" ]; do P_CCT=$(free_port); done
start_milter pf-cct "inet:$P_CCT@127.0.0.1" "$CCGUARD" -c "$C_SHIP"
PF_CCT_PID=$LAST_PID
declare -A PF_MPID=([none]="" [null]="${MPID[null]}" [ccu]="${MPID[ccs]}")
PF_MPID+=([nullt]=$PF_NULLT_PID [stall]=$PF_STALL_PID [cct]=$PF_CCT_PID)
declare -A PF_MILTER=([none]="" [null]="unix:$W/null.sock"
    [nullt]="inet:127.0.0.1:$P_NULLT" [stall]="inet:127.0.0.1:$P_STALL"
    [ccu]="unix:$W/ccs.sock" [cct]="inet:127.0.0.1:$P_CCT")

cat >"$PF/etc/main.cf" <<EOF
# A private instance for the benchmark only.
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
command_directory = $(postconf -h command_directory)
daemon_directory = $(postconf -h daemon_directory)
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
EOF
{
	for v in "${PF_VARIANTS[@]}"; do
		PF_PORT[$v]=$(free_port)
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

# The test messages (smtp-source -F): 12 header addresses, 2 KB of text.
pf_message() {	# pf_message pass|hold
	local i
	echo "From: Reporter <reporter@example.org>"
	echo "To: Security Officers <security@kernel.org>, Maintainer <maint1@example.org>"
	printf 'Cc: '
	[ "$1" = hold ] && printf 'linux-distros@vs.openwall.org, '
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
	if ! smtp-source -s "$3" -m "$4" -d -M client.bench.test -f reporter@example.org \
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
echo "5. Postfix end to end (smtp-source -> Postfix $(postconf -h mail_version) ->" \
    "smtp-sink, loopback): messages/s"
declare -A PFR PF_CPU
PF_CASES10=(none null ccu)
PF_CASES1=("null pass" "nullt pass" "stall pass" "ccu pass" "cct pass"
    "null hold" "ccu hold" "cct hold")
for r in $(seq "$ROUNDS"); do
	for v in "${PF_CASES10[@]}"; do
		pf_run "$v" pass 10 "$M10" >"$W/rate"
		PFR["$v pass 10"]+=" $(cat "$W/rate")"
	done
	for c in "${PF_CASES1[@]}"; do
		set -- $c
		pf_run "$1" "$2" 1 "$M1" >"$W/rate"
		PFR["$1 $2 1"]+=" $(cat "$W/rate")"
	done
done
pf_drain
HELD=$(find "$PF/spool/hold" -type f 2>/dev/null | wc -l)
declare -A PFM
printf '   %-42s %-6s %9s %9s %10s %14s\n' variant message sessions "msgs/s" "vs null" \
    "milter CPU us"
pf_row() {	# pf_row VARIANT KIND SESSIONS
	local k="$1 $2 $3" m
	m=$(median $(echo ${PFR[$k]} | tr ' ' '\n' | grep -v fail))
	PFM[$k]=$m
	printf '   %-42s %-6s %9s %9.1f %10s %14s\n' "${PF_LABEL[$1]}" "$2" "$3" "$m" \
	    "$(ratio "$m" "${PFM[null $2 $3]:-${PFM[null pass $3]}}")" \
	    "$([ "$1" = none ] && echo - || median ${PF_CPU[$k]})"
}
pf_row null pass 10; pf_row none pass 10; pf_row ccu pass 10
pf_row null pass 1; pf_row nullt pass 1; pf_row stall pass 1
pf_row ccu pass 1; pf_row cct pass 1
pf_row null hold 1; pf_row ccu hold 1; pf_row cct hold 1
echo "   (the null milter passes the \"hold\" message; ccguard held $HELD messages," \
    "expected $(( ROUNDS * 2 * M1 )))"
PF_DONE=1

pf_targets() {	# pf_targets - the Postfix lines of the target list
	local x
	x=$(ratio "${PFM[ccu pass 10]}" "${PFM[null pass 10]}")
	printf '   %-62s %8s  %s\n' "Postfix, 10 sessions: ccguard / null milter >= 0.97" "$x" \
	    "$(verdict "$x >= 0.97")"
	x=$(ratio "${PFM[ccu pass 1]}" "${PFM[null pass 1]}")
	printf '   %-62s %8s  %s\n' "Postfix, 1 session: ccguard / null milter >= 0.97" "$x" \
	    "$(verdict "$x >= 0.97")"
	x=$(ratio "${PFM[cct pass 1]}" "${PFM[ccu pass 1]}")
	printf '   %-62s %8s  %s\n' "Postfix, 1 session, passed: ccguard TCP / unix >= 0.9" "$x" \
	    "$(verdict "$x >= 0.9")"
	x=$(ratio "${PFM[cct hold 1]}" "${PFM[ccu hold 1]}")
	printf '   %-62s %8s  %s\n' "Postfix, 1 session, held: ccguard TCP / unix >= 0.9" "$x" \
	    "$(verdict "$x >= 0.9")"
}
