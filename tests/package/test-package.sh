#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/package/test-package.sh - build the Debian package from the source
# tarball, lint it, install it on this machine as a container operator
# would (no systemd), prove it works with the system's Postfix, purge it,
# check that nothing is left but what policy lets stay; then install it
# again in a Debian 12 container that runs systemd (systemd-container.sh).
#
# usage: test-package.sh [TARBALL]
#
# TARBALL is the source tarball the package is built from: tests/run-all.sh
# gives the one "make distcheck" made and checked. Without it, "make dist"
# makes one from this tree.
#
# Run by tests/run-all.sh as one stage (root, Debian 12). It changes the
# system and puts it back: Postfix's main.cf is restored (or removed when
# there was none), a Postfix this script started is stopped, the users
# ccguard and ccguard-mail are deleted again when they did not exist before. This machine has no
# systemd as PID 1 (CI's has none): the postinst must say that it started
# nothing and what to run, and the test runs exactly that, as root in the
# foreground, reloads it (ccguard -n, then SIGHUP) and stops it (SIGTERM).
#
# Exit status: 0 when every check passed, 1 otherwise, 77 when it can not
# run here (not root, a tool missing); tests/run-all.sh treats 77 as a
# failure in CI.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=${1:-}
fail=0
step() { echo "--- $*"; }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

if [ "$(id -u)" != 0 ]; then echo "SKIP: the package test needs root"; exit 77; fi
for t in dpkg-buildpackage lintian apt-get postfix postconf python3 systemd-nspawn debootstrap \
	nsenter; do
	command -v "$t" >/dev/null || { echo "SKIP: the package test needs $t"; exit 77; }
done
if [ -n "$tarball" ] && [ ! -f "$tarball" ]; then echo "FAIL: no tarball $tarball"; exit 1; fi
if dpkg-query -W -f='${Status}' ccguard 2>/dev/null | grep -q 'ok installed'; then
	echo "FAIL: a ccguard package is installed already; not touching it"
	exit 1
fi

t0=$(date +%s)
work=$(mktemp -d /var/tmp/ccguard-package.XXXXXX)
maincf=/etc/postfix/main.cf
had_maincf=0; [ -e "$maincf" ] && had_maincf=1 && cp -p "$maincf" "$work/main.cf.orig"
# The package's system users (debian/ccguard.sysusers): those it creates go again.
new_users=
for u in ccguard ccguard-mail; do getent passwd "$u" >/dev/null || new_users="$new_users $u"; done
postfix_was_running=0; postfix status >/dev/null 2>&1 && postfix_was_running=1
milter_pid=

# restore - put the machine back as it was, whatever happened
restore() {
	set +e
	if [ -n "$milter_pid" ] && kill -0 "$milter_pid" 2>/dev/null; then
		kill "$milter_pid"; sleep 1; kill -9 "$milter_pid" 2>/dev/null
	fi
	[ -d /run/systemd/system ] && systemctl stop ccguard.service >/dev/null 2>&1
	if dpkg-query -W -f='${Status}' ccguard 2>/dev/null | grep -q installed; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ccguard >/dev/null 2>&1
	fi
	[ -n "${held_qid:-}" ] && postsuper -d "$held_qid" hold >/dev/null 2>&1
	if [ "$postfix_was_running" = 0 ]; then postfix stop >/dev/null 2>&1; fi
	if [ "$had_maincf" = 1 ]; then cp -p "$work/main.cf.orig" "$maincf"; else rm -f "$maincf"; fi
	[ "$postfix_was_running" = 1 ] && postfix reload >/dev/null 2>&1
	for u in $new_users; do
		if getent passwd "$u" >/dev/null; then
			userdel "$u" >/dev/null 2>&1; groupdel "$u" >/dev/null 2>&1
		fi
	done
	rm -rf "$work"
}
trap restore EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- build
if [ -z "$tarball" ]; then
	step "make dist (no tarball given)"
	mkdir -p "$work/dist"
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh) >"$work/dist.log" 2>&1
	if ! (cd "$work/dist" && "$top/configure" -q && make dist) >>"$work/dist.log" 2>&1; then
		tail -20 "$work/dist.log"; bad "make dist failed"; exit 1
	fi
	tarball=$(ls "$work"/dist/ccguard-*.tar.gz)
fi
step "build with dpkg-buildpackage -us -uc -b from $(basename "$tarball")"
mkdir -p "$work/src"
tar -xzf "$tarball" -C "$work/src" || { bad "cannot unpack $tarball"; exit 1; }
srcdir=$(ls -d "$work"/src/ccguard-*/)
b0=$(date +%s)
if ! (cd "$srcdir" && dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	bad "dpkg-buildpackage failed"
	exit 1
fi
ok "built in $(( $(date +%s) - b0 ))s: $(cd "$work/src" && ls ./*.deb | tr '\n' ' ')"
deb=$(ls "$work"/src/ccguard_*_*.deb | head -1)

step "lintian: no errors, no warnings"
if lintian --fail-on error,warning "$work"/src/ccguard_*.changes >"$work/lintian.log" 2>&1; then
	ok "lintian: $(grep -c '^[EW]:' "$work/lintian.log") errors or warnings"
else
	cat "$work/lintian.log"; bad "lintian reports errors or warnings"
fi

# ---------------------------------------------------------------- install
step "install"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" \
	>"$work/install.log" 2>&1; then
	cat "$work/install.log"; bad "apt-get install $deb failed"; exit 1
fi
grep -q 'smtpd_milters = unix:ccguard/ccguard.sock' "$work/install.log" &&
	grep -q 'does not edit' "$work/install.log" &&
	ok "the install says how to attach ccguard to Postfix" ||
	{ cat "$work/install.log"; bad "no message about attaching ccguard to Postfix"; }
# Without systemd: nothing started, and it says so and what to run.
sed -i 's/\r$//' "$work/install.log"
run_cmd=$(sed -n 's|^    \(/usr/sbin/ccguard -c /etc/ccguard/ccguard.conf\)$|\1|p' "$work/install.log")
grep -q '^ccguard: not started: this system does not run systemd' "$work/install.log" &&
	[ -n "$run_cmd" ] && ! grep -q 'ccguard listens on' "$work/install.log" &&
	ok "without systemd the postinst says it started nothing, and what to run: $run_cmd" ||
	{ cat "$work/install.log"; bad "the postinst does not say that it started nothing and what to run"; }

getent passwd ccguard >/dev/null && ok "the user ccguard exists" || bad "no user ccguard"
dpkg-query -W -f='${Conffiles}\n' ccguard | grep -q '^ /etc/ccguard/ccguard.conf ' &&
	ok "/etc/ccguard/ccguard.conf is a conffile" || bad "ccguard.conf is not a conffile"
key=$(stat -c '%U:%G %a' /etc/ccguard/release.key 2>/dev/null)
[ "$key" = "root:ccguard 640" ] && [ "$(wc -c </etc/ccguard/release.key)" -ge 64 ] &&
	ok "release key: $key" || bad "release key: \"$key\" (want root:ccguard 640)"
keysum=$(sha256sum </etc/ccguard/release.key)
sd=$(stat -c '%U:%G %a' /var/spool/postfix/ccguard 2>/dev/null)
[ "$sd" = "ccguard:postfix 2750" ] && ok "socket directory in Postfix's chroot: $sd" ||
	bad "/var/spool/postfix/ccguard: \"$sd\" (want ccguard:postfix 2750)"
ccguard -n -c /etc/ccguard/ccguard.conf >"$work/n.log" 2>&1 && ok "ccguard -n passes" ||
	{ cat "$work/n.log"; bad "ccguard -n fails"; }
[ -L /etc/systemd/system/multi-user.target.wants/ccguard.service ] &&
	ok "the service is enabled" || bad "ccguard.service is not enabled"
enabled=$(ls -d /etc/systemd/system/*.wants/ccguard-* 2>/dev/null | tr '\n' ' ')
[ -z "$enabled" ] && ok "no timer or path unit is enabled" || bad "enabled on install: $enabled"

# A reinstall of the same version keeps the key and a local conffile edit.
echo "# local edit" >> /etc/ccguard/ccguard.conf
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confold \
	"$deb" >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log"; bad "reinstall failed"; }
grep -q '^# local edit$' /etc/ccguard/ccguard.conf && ok "a reinstall keeps the edited conffile" ||
	bad "the conffile edit was lost"
[ "$(sha256sum </etc/ccguard/release.key)" = "$keysum" ] && ok "a reinstall keeps the key" ||
	bad "the release key changed on reinstall"

# A configuration that "ccguard -n" refuses is not started.
echo "no_such_setting = 1" >> /etc/ccguard/ccguard.conf
/var/lib/dpkg/info/ccguard.postinst configure 0.1.0 >"$work/broken.log" 2>&1
grep -q 'not started: "ccguard -n" finds errors' "$work/broken.log" &&
	grep -q 'no_such_setting' "$work/broken.log" &&
	ok "with a broken ccguard.conf the postinst does not start ccguard and says why" ||
	{ cat "$work/broken.log"; bad "a broken configuration was not reported"; }
sed -i '/^no_such_setting = 1$/d' /etc/ccguard/ccguard.conf

# ---------------------------------------------------------------- service
step "run it as the postinst said: as root, in the foreground"
[ -n "$run_cmd" ] || run_cmd="/usr/sbin/ccguard -c /etc/ccguard/ccguard.conf"
(exec setsid $run_cmd) </dev/null >"$work/ccguard.log" 2>&1 &
milter_pid=$!
for i in $(seq 1 100); do [ -S /var/spool/postfix/ccguard/ccguard.sock ] && break; sleep 0.1; done
ss=$(stat -c '%U:%G %a' /var/spool/postfix/ccguard/ccguard.sock 2>/dev/null)
[ "$ss" = "ccguard:postfix 770" ] && ok "ccguard listens: socket $ss" ||
	{ cat "$work/ccguard.log" 2>/dev/null; bad "socket: \"$ss\" (want ccguard:postfix 770)"; }
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$milter_pid/status" 2>/dev/null)
[ -n "$uid" ] && [ "$uid" = "$(id -u ccguard)" ] && ok "it runs as the user ccguard" ||
	bad "it runs as uid \"$uid\", not ccguard"
# reloaded - the daemon logged N good reloads (stderr: no syslog needed)
reloaded() { [ "$(grep -c 'reload: .* rules, .* lists in force' "$work/ccguard.log")" -ge "$1" ]; }
if ccguard -n -c /etc/ccguard/ccguard.conf >/dev/null && kill -HUP "$milter_pid"; then
	for i in $(seq 1 100); do reloaded 1 && break; sleep 0.1; done
	reloaded 1 && kill -0 "$milter_pid" && ok "reload: ccguard -n, then SIGHUP" ||
		{ cat "$work/ccguard.log"; bad "no reload after SIGHUP"; }
else
	bad "ccguard -n or kill -HUP failed"
fi

# ---------------------------------------------------------------- Postfix
step "a message through the system Postfix (main.cf lines added by this test)"
if [ "$had_maincf" = 0 ]; then
	printf '%s\n' "# main.cf written by ccguard's package test; removed when it ends" \
		"compatibility_level = 3.6" > "$maincf"
fi
cat >> "$maincf" <<'CF'
# --- added by ccguard's package test; removed when it ends
myhostname = pkgtest.example.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
defer_transports = smtp
smtpd_sender_restrictions = check_sender_access inline:{hold@example.org=HOLD}
smtpd_milters = unix:ccguard/ccguard.sock
non_smtpd_milters = $smtpd_milters
milter_default_action = tempfail
milter_protocol = 6
CF
newaliases >/dev/null 2>&1
if [ "$postfix_was_running" = 1 ]; then postfix reload >/dev/null 2>&1; else postfix start >/dev/null 2>&1; fi
python3 - >"$work/smtp.log" 2>&1 <<'PY'
# The pair is refused with ccguard's multi-line reply; a message the
# Postfix configuration holds stays held (for the purge check below).
import smtplib, sys, time
for i in range(100):
    try:
        s = smtplib.SMTP("127.0.0.1", 25, timeout=60)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("cannot connect to Postfix on 127.0.0.1:25")
msg = ("From: reporter@example.org\r\nTo: security@kernel.org\r\n"
       "Cc: linux-distros@vs.openwall.org\r\nSubject: [report] uaf\r\n"
       "Message-ID: <pkg-test@example.org>\r\n\r\nfoo() frees twice.\r\n")
try:
    s.sendmail("reporter@example.org", ["security@kernel.org", "linux-distros@vs.openwall.org"], msg)
    sys.exit("the pair was accepted")
except smtplib.SMTPDataError as e:
    text = e.smtp_error.decode()
    print("reply:", e.smtp_code, text.replace("\n", " | ")[:300])
    # The first line of the reply text the package installed for the rule.
    with open("/usr/share/ccguard/rules/kernel-and-distros.reply", encoding="utf-8") as f:
        first = f.readline().strip()
    if e.smtp_code != 550 or not text.startswith("5.7.1 " + first) \
            or text.count("\n") < 2:
        sys.exit("not ccguard's multi-line 550 reply")
s.sendmail("hold@example.org", ["maintainer@example.com"],
           "From: hold@example.org\r\nSubject: held\r\n\r\nheld by Postfix\r\n")
s.quit()
print("OK")
PY
if tail -1 "$work/smtp.log" | grep -qx OK; then
	ok "$(head -1 "$work/smtp.log")"
else
	cat "$work/smtp.log"; bad "the system Postfix did not reject the pair with ccguard's reply"
fi
held_qid=$(for i in $(seq 1 50); do
	q=$(postqueue -j 2>/dev/null | python3 -c 'import json,sys
for l in sys.stdin:
    j = json.loads(l)
    if j["queue_name"] == "hold": print(j["queue_id"])' | head -1)
	[ -n "$q" ] && { echo "$q"; break; }; sleep 0.2; done)
[ -n "$held_qid" ] && ok "a held message is in Postfix's hold queue: $held_qid" ||
	bad "no held message to check the purge with"

# ---------------------------------------------------------------- remove, purge
step "stop with SIGTERM; remove keeps the configuration; purge removes it"
s0=$(date +%s%N)
kill -TERM "$milter_pid"
wait "$milter_pid"
rc=$?
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
milter_pid=
[ "$rc" = 0 ] && [ "$ms" -lt 3000 ] && grep -q 'stopped' "$work/ccguard.log" &&
	ok "SIGTERM: stopped in $ms ms, status 0" || bad "SIGTERM: status $rc after $ms ms"

DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ccguard >"$work/remove.log" 2>&1 ||
	{ cat "$work/remove.log"; bad "apt-get remove failed"; }
[ -f /etc/ccguard/ccguard.conf ] && [ -f /etc/ccguard/release.key ] && [ ! -e /usr/sbin/ccguard ] &&
	ok "remove: program gone, ccguard.conf and the key kept" || bad "remove did not keep the configuration"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ccguard >"$work/purge.log" 2>&1 ||
	{ cat "$work/purge.log"; bad "apt-get purge failed"; }
left=
for p in /etc/ccguard /var/spool/postfix/ccguard /run/ccguard /var/spool/ccguard /var/lib/ccguard \
	/usr/sbin/ccguard /usr/sbin/ccguardctl /usr/share/ccguard /usr/share/doc/ccguard \
	/lib/systemd/system/ccguard* /usr/lib/sysusers.d/ccguard.conf /usr/lib/tmpfiles.d/ccguard.conf \
	/etc/systemd/system/*.wants/ccguard* /var/lib/systemd/deb-systemd-helper-enabled/*ccguard* \
	/var/lib/systemd/deb-systemd-helper-enabled/*/*ccguard*; do
	[ -e "$p" ] || [ -L "$p" ] && left="$left $p"
done
[ -z "$left" ] && ok "purge left none of the package's files, configuration, key or directories" ||
	bad "purge left:$left"
dpkg-query -W ccguard >/dev/null 2>&1 && bad "dpkg still knows ccguard" || ok "dpkg has forgotten ccguard"
getent passwd ccguard >/dev/null && ok "the system user ccguard stays (Debian keeps system users)" ||
	bad "the user ccguard was deleted"
postqueue -j 2>/dev/null | grep -q "\"queue_id\": *\"$held_qid\"" &&
	ok "the held mail is still in Postfix's hold queue" || bad "held mail was lost in the purge"

echo "package test without systemd: $(( $(date +%s) - t0 ))s"

# ---------------------------------------------------------------- systemd
step "under a real systemd: a Debian 12 container (systemd-container.sh)"
"$top/tests/package/systemd-container.sh" "$deb" || fail=1

echo "package test: $(( $(date +%s) - t0 ))s"
[ "$fail" = 0 ] && echo "PASS: package" || echo "FAIL: package"
exit "$fail"
