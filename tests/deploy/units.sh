#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deploy/units.sh - the generated systemd files are valid and the unit
# stays hardened.
#
# - systemd-analyze verify accepts ccguard.service (its commands pointed at
#   the built daemon, its Documentation= pages looked up in man/);
# - a reload is checked with "ccguard -n" first and signalled without
#   /bin/kill (procps, not on a minimal system): the second ExecReload=
#   line, run here as systemd runs it, sends SIGHUP to $MAINPID;
# - systemd-analyze security --offline rates it no worse than MAX_EXPOSURE,
#   so dropping a hardening line fails here;
# - systemd-sysusers and systemd-tmpfiles, run on a scratch root, create the
#   ccguard user and the Postfix socket directory 2750 ccguard:postfix.
# Skips (77) when systemd-analyze is not installed.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
MAX_EXPOSURE=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed"
	exit 77
fi
built=$top_builddir/systemd/ccguard.service
ccguard=$top_builddir/milter/ccguard
[ -f "$built" ] || { echo "FAIL: $built not generated"; exit 1; }
[ -x "$ccguard" ] || { echo "FAIL: $ccguard not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

if grep -n '@[a-z]*@' "$built"; then
	echo "FAIL: unsubstituted @name@ in $built"
	fail=1
fi
check_line=$(sed -n 's/^ExecStartPre=//p' "$built")
for key in Type=simple User=ccguard Group=ccguard "ExecReload=$check_line" \
    'ExecReload=/bin/sh -c '\''kill -HUP "$1"'\'' ccguard-reload $MAINPID' \
    Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= \
    'SystemCallFilter=@system-service' MemoryDenyWriteExecute=no; do
	grep -qxF "$key" "$built" || { echo "FAIL: the unit lacks \"$key\""; fail=1; }
done

if grep -n '^Exec[A-Za-z]*=.*/bin/kill' "$built"; then
	echo "FAIL: the unit runs /bin/kill, which a minimal system lacks"
	fail=1
fi
# The signalling line as systemd runs it ($MAINPID substituted; its
# quoting is the shell's here), on a process that records the signal.
sig_line=$(grep '^ExecReload=' "$built" | sed -n '2s/^ExecReload=//p')
sh -c 'trap "echo HUP >\"\$0\"; exit 0" HUP; while :; do sleep 0.05; done' "$tmp/got-hup" &
hup_pid=$!
sleep 0.2
eval "$(printf '%s\n' "$sig_line" | sed "s/[$]MAINPID/$hup_pid/")"
i=0
while [ ! -s "$tmp/got-hup" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill "$hup_pid" 2>/dev/null
wait "$hup_pid" 2>/dev/null
if [ "$(cat "$tmp/got-hup" 2>/dev/null)" = HUP ]; then
	echo "ok: the second ExecReload= line sends SIGHUP to \$MAINPID"
else
	echo "FAIL: the second ExecReload= line ($sig_line) sent no SIGHUP"
	fail=1
fi

# Point the commands at the built daemon so verify can check them.
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$built")
[ -n "$exec_path" ] || { echo "FAIL: no ExecStart= in $built"; exit 1; }
mkdir -p "$tmp/unit" "$tmp/man/man5" "$tmp/man/man8"
sed "s|$exec_path|$(cd "$top_builddir" && pwd)/milter/ccguard|g" "$built" >"$tmp/unit/ccguard.service"
cp "$top_srcdir/man/ccguard.8" "$tmp/man/man8/"
cp "$top_srcdir/man/ccguard.conf.5" "$top_srcdir/man/ccguard.rules.5" "$tmp/man/man5/"

# Without man(1), verify can not look the Documentation= pages up.
manopt=
command -v man >/dev/null 2>&1 || manopt=--man=no
if ! MANPATH=$tmp/man systemd-analyze verify $manopt "$tmp/unit/ccguard.service" >"$tmp/verify.out" 2>&1; then
	echo "FAIL: systemd-analyze verify:"
	cat "$tmp/verify.out"
	fail=1
elif [ -s "$tmp/verify.out" ]; then
	echo "FAIL: systemd-analyze verify warns:"
	cat "$tmp/verify.out"
	fail=1
fi

if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=yes "$tmp/unit/ccguard.service" >"$tmp/sec.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for ccguard.service: \([0-9.]*\).*/\1/p' "$tmp/sec.out")
	if [ -z "$score" ]; then
		echo "FAIL: no exposure score from systemd-analyze security:"
		tail -5 "$tmp/sec.out"
		fail=1
	elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
		echo "FAIL: exposure $score is above $MAX_EXPOSURE; findings:"
		grep '✗' "$tmp/sec.out"
		fail=1
	else
		echo "ok: exposure level $score (at most $MAX_EXPOSURE)"
	fi
else
	echo "note: this systemd-analyze has no security --offline; score not checked"
fi

# sysusers.d and tmpfiles.d on a scratch root that has a postfix group.
if [ "$(id -u)" -ne 0 ]; then
	echo "note: not root; sysusers.d and tmpfiles.d entries not exercised"
elif command -v systemd-sysusers >/dev/null 2>&1 && command -v systemd-tmpfiles >/dev/null 2>&1; then
	root=$tmp/root
	mkdir -p "$root/etc"
	echo 'postfix:x:4105:' >"$root/etc/group"
	: >"$root/etc/passwd"
	if ! systemd-sysusers --root="$root" "$top_srcdir/systemd/ccguard.sysusers" >"$tmp/su.out" 2>&1; then
		echo "FAIL: systemd-sysusers:"; cat "$tmp/su.out"; fail=1
	fi
	uid=$(awk -F: '$1 == "ccguard" { print $3 }' "$root/etc/passwd")
	shell=$(awk -F: '$1 == "ccguard" { print $7 }' "$root/etc/passwd")
	[ -n "$uid" ] || { echo "FAIL: sysusers created no ccguard user"; fail=1; }
	case $shell in
	*nologin|*false) ;;
	*) echo "FAIL: the ccguard user has the login shell \"$shell\""; fail=1 ;;
	esac
	if ! systemd-tmpfiles --root="$root" --create "$top_srcdir/systemd/ccguard.tmpfiles" >"$tmp/tf.out" 2>&1; then
		echo "FAIL: systemd-tmpfiles:"; cat "$tmp/tf.out"; fail=1
	fi
	got=$(stat -c '%a %u %g' "$root/var/spool/postfix/ccguard" 2>/dev/null)
	if [ "$got" != "2750 $uid 4105" ]; then
		echo "FAIL: socket directory is \"$got\", want \"2750 $uid 4105\" (mode, ccguard, postfix)"
		fail=1
	fi
else
	echo "note: systemd-sysusers/systemd-tmpfiles missing; entries not exercised"
fi

exit $fail
