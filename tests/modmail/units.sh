#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/modmail/units.sh - the systemd units of moderation by mail are valid:
# systemd-analyze verify accepts ccguard-mail.path/.service/.timer and
# ccguard-digest.timer/.service (commands pointed at the built ccguardctl);
# the path unit watches the drop box of the spool that ccguard.conf names by
# default; the mail service has no start limit (a burst of mail must not make
# systemd stop the path unit) and pauses a second before each run; the
# fallback timer starts the mail service; both timers are installable but
# not enabled here. On a scratch root the tmpfiles.d entries make the spool
# root's (0711), its drop box new/ 0730 root:ccguard-mail, cur/ and aside/
# 0700 root, /var/lib/ccguard 0711 root (passable, not listable) and the
# daemon's metrics directory in it 0755 ccguard. Skips (77) without
# systemd-analyze.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: no systemd-analyze"; exit 77; }
ctl=$(cd "$top_builddir" && pwd)/ctl/ccguardctl
[ -x "$ctl" ] || { echo "FAIL: $ctl not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

mkdir -p "$tmp/unit" "$tmp/man/man8"
cp "$top_srcdir/man/ccguardctl.8" "$tmp/man/man8/"
for u in ccguard-mail.service ccguard-digest.service; do
	f=$top_builddir/systemd/$u
	[ -f "$f" ] || { echo "FAIL: $f not generated"; fail=1; continue; }
	grep -n '@[a-z]*@' "$f" && { echo "FAIL: unsubstituted @name@ in $f"; fail=1; }
	sed "s|^ExecStart=[^ ]*|ExecStart=$ctl|" "$f" >"$tmp/unit/$u"
done
cp "$top_srcdir/systemd/ccguard-mail.path" "$top_srcdir/systemd/ccguard-digest.timer" \
	"$top_srcdir/systemd/ccguard-mail.timer" "$tmp/unit/"
grep -qx 'ExecStart=.* mail-process' "$tmp/unit/ccguard-mail.service" ||
	{ echo "FAIL: ccguard-mail.service does not run mail-process"; fail=1; }
grep -qx 'ExecStart=.* held digest' "$tmp/unit/ccguard-digest.service" ||
	{ echo "FAIL: ccguard-digest.service does not run held digest"; fail=1; }
printf 'rules = %s\n' "$top_srcdir/rules/kernel-security.rules" >"$tmp/min.conf"
chmod 600 "$tmp/min.conf"
spool=$("$top_builddir/milter/ccguard" -n -v -c "$tmp/min.conf" 2>/dev/null |
	sed -n 's/^command_spool *= *//p')
[ -n "$spool" ] || { echo "FAIL: ccguard -n -v shows no command_spool"; fail=1; }
grep -qx "PathExistsGlob=$spool/new/cmd.\*" "$tmp/unit/ccguard-mail.path" ||
	{ echo "FAIL: the path unit does not watch $spool/new/cmd.*"; fail=1; }
# The start limit: off in [Unit], where systemd reads StartLimitIntervalSec.
awk '/^\[/ { sect = $0 } sect == "[Unit]" && $0 == "StartLimitIntervalSec=0" { ok = 1 }
    END { exit !ok }' "$tmp/unit/ccguard-mail.service" ||
	{ echo "FAIL: ccguard-mail.service keeps a start limit"; fail=1; }
grep -qx 'ExecStartPre=sleep 1' "$tmp/unit/ccguard-mail.service" ||
	{ echo "FAIL: ccguard-mail.service does not pause before a run"; fail=1; }
grep -q '^TriggerLimit' "$tmp/unit/ccguard-mail.path" &&
	{ echo "FAIL: the path unit sets its own trigger limit"; fail=1; }
grep -qx 'Unit=ccguard-mail.service' "$tmp/unit/ccguard-mail.timer" &&
    grep -qx 'OnUnitInactiveSec=15min' "$tmp/unit/ccguard-mail.timer" ||
	{ echo "FAIL: ccguard-mail.timer does not start the mail service every 15 min"; fail=1; }
for t in ccguard-mail.timer ccguard-digest.timer ccguard-mail.path; do
	grep -qx 'WantedBy=\(timers\|paths\).target' "$tmp/unit/$t" ||
		{ echo "FAIL: $t can not be enabled"; fail=1; }
done
manopt=
command -v man >/dev/null 2>&1 || manopt=--man=no
if ! (cd "$tmp/unit" && MANPATH=$tmp/man systemd-analyze verify $manopt \
    ccguard-mail.path ccguard-mail.service ccguard-mail.timer ccguard-digest.timer \
    ccguard-digest.service) \
    >"$tmp/verify.out" 2>&1 || [ -s "$tmp/verify.out" ]; then
	echo "FAIL: systemd-analyze verify:"
	cat "$tmp/verify.out"
	fail=1
fi

if [ "$(id -u)" -eq 0 ] && command -v systemd-sysusers >/dev/null 2>&1 &&
    command -v systemd-tmpfiles >/dev/null 2>&1; then
	root=$tmp/root
	mkdir -p "$root/etc"
	echo 'postfix:x:4105:' >"$root/etc/group"
	: >"$root/etc/passwd"
	systemd-sysusers --root="$root" "$top_srcdir/systemd/ccguard.sysusers" >/dev/null 2>&1
	systemd-tmpfiles --root="$root" --create "$top_srcdir/systemd/ccguard.tmpfiles" >/dev/null 2>&1
	gid=$(awk -F: '$1 == "ccguard-mail" { print $3 }' "$root/etc/group")
	[ -n "$gid" ] || { echo "FAIL: no ccguard-mail group"; fail=1; }
	sp=$root/var/spool/ccguard/commands
	got=$(stat -c '%a %u %g' "$sp" 2>/dev/null)
	[ "$got" = "711 0 0" ] || { echo "FAIL: spool is \"$got\", want \"711 0 0\""; fail=1; }
	got=$(stat -c '%a %u %g' "$sp/new" 2>/dev/null)
	[ "$got" = "730 0 $gid" ] || { echo "FAIL: spool/new is \"$got\", want \"730 0 $gid\""; fail=1; }
	for d in cur aside; do
		got=$(stat -c '%a %u %g' "$sp/$d" 2>/dev/null)
		[ "$got" = "700 0 0" ] || { echo "FAIL: spool/$d is \"$got\", want \"700 0 0\""; fail=1; }
	done
	got=$(stat -c '%a %u' "$root/var/lib/ccguard" 2>/dev/null)
	[ "$got" = "711 0" ] || { echo "FAIL: /var/lib/ccguard is \"$got\", want \"711 0\""; fail=1; }
	uid=$(awk -F: '$1 == "ccguard" { print $3 }' "$root/etc/passwd")
	got=$(stat -c '%a %u' "$root/var/lib/ccguard/metrics" 2>/dev/null)
	[ -n "$uid" ] && [ "$got" = "755 $uid" ] ||
		{ echo "FAIL: /var/lib/ccguard/metrics is \"$got\", want \"755 $uid\""; fail=1; }
else
	echo "note: not root or no systemd-sysusers/tmpfiles; entries not exercised"
fi
exit $fail
