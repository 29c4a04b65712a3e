#!/bin/bash
# tests/package/systemd-container.sh - the Debian package under a real
# systemd: a Debian 12 container booted with systemd-nspawn (systemd is its
# PID 1), Postfix installed in it with apt, then the package.
#
# SPDX-License-Identifier: BSD-2-Clause
#
# usage: systemd-container.sh PACKAGE.deb
#
# What it shows, each as an "ok:" or "FAIL:" line:
# - the install enables ccguard.service and no timer or path unit, and
#   systemd starts the daemon after its check (ccguard -n); it serves the
#   container's Postfix (a report to both lists gets the 550);
# - "systemctl reload" checks, then reloads; with a broken configuration it
#   fails and the daemon keeps running unchanged;
# - the timers and the path unit are listed disabled; once enabled, the
#   timers are scheduled and a command mail stored in the spool (as the
#   MTA's pipe stores it) starts ccguard-mail.service; a burst of them does
#   not stop the path unit (systemd's start limit), and every one is
#   acted on;
# - "systemctl stop" is quick; a purge leaves nothing of the package.
#
# The container has its own network namespace (--private-network): its
# Postfix has its own port 25, and nothing in it reaches the host's.
# What apt needs inside is downloaded before the boot, through the host's
# network, from the mirror of the host's apt sources.
#
# The root file system (debootstrap --variant=minbase) is kept in
# /var/cache/ccguard-tests/nspawn-bookworm and used read-only under an
# overlay, so a second run starts in seconds; CI (CI set) makes a fresh one
# every time. Exit status 0 when every check passed, 1 otherwise.
set -u
deb=${1:?usage: systemd-container.sh PACKAGE.deb}
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
note() { echo "note: $*"; }
stamp() { echo "[$(( $(date +%s) - t0 ))s] $*"; }

cache=/var/cache/ccguard-tests/nspawn-bookworm
suite=bookworm
work=$(mktemp -d /var/tmp/ccguard-nspawn.XXXXXX)
root=$work/root
nspawn_pid=
pid1=
overlay=no
t0=$(date +%s)

# cleanup - halt the container, unmount, remove the work directory
cleanup() {
	set +e
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill -TERM "$nspawn_pid"
		for _ in $(seq 1 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	[ "$overlay" = yes ] && umount "$root" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# mirror - the Debian mirror the host's apt uses for $suite/main
mirror() {
	apt-cache policy 2>/dev/null |
		sed -n "s|^ *[0-9]* \\(https\\?://[^ ]*\\) $suite/main .*|\\1|p" | head -1
}

# make_root DIR - a minimal Debian with systemd, its package lists current
make_root() {
	local m
	m=$(mirror)
	[ -n "$m" ] || { echo "no $suite/main mirror in the host's apt sources"; return 1; }
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
		"$suite" "$1" "$m" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log"; return 1; }
	# The package test installs Postfix and ccguard's libraries into it.
	systemd-nspawn -q --register=no --keep-unit -D "$1" apt-get -q update \
		>"$work/update.log" 2>&1 || { tail -20 "$work/update.log"; return 1; }
}

# ct CMD... - run a command in the booted container (its namespaces)
ct() {
	nsenter -t "$pid1" -a "$@"
}

# wait_until SECONDS CMD... - until CMD succeeds; 1 when it never did
wait_until() {
	local end=$(( $(date +%s) + $1 ))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# ---------------------------------------------------------------- the root
stamp "--- root file system"
if [ -n "${CI:-}" ]; then
	make_root "$root" || { bad "debootstrap failed"; exit 1; }
	ok "a fresh root file system (CI) in $(( $(date +%s) - t0 ))s"
else
	if [ ! -e "$cache/.complete" ]; then
		rm -rf "$cache" && mkdir -p "$cache" && make_root "$cache" &&
			touch "$cache/.complete" || { rm -rf "$cache"; bad "debootstrap failed"; exit 1; }
		ok "root file system made and kept in $cache in $(( $(date +%s) - t0 ))s"
	fi
	mkdir -p "$root" "$work/upper" "$work/overlay-work"
	if mount -t overlay overlay -o "lowerdir=$cache,upperdir=$work/upper,workdir=$work/overlay-work" \
		"$root" 2>/dev/null; then
		overlay=yes
	else
		cp -a "$cache/." "$root/" || { bad "cannot copy $cache"; exit 1; }
	fi
	ok "root file system from $cache (overlay: $overlay)"
fi

# Postfix and ccguard's dependencies, downloaded now (the booted
# container has no network); apt's lists refreshed first.
cp "$deb" "$root/root/ccguard.deb"
if ! systemd-nspawn -q --register=no --keep-unit -D "$root" /bin/sh -c \
	'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only \
	--no-install-recommends postfix /root/ccguard.deb' >"$work/download.log" 2>&1; then
	tail -20 "$work/download.log"; bad "downloading Postfix and ccguard's dependencies failed"; exit 1
fi

# ---------------------------------------------------------------- boot
stamp "--- boot"
# Its name resolves without DNS (there is none inside): Postfix's
# installation asks for the host's full name.
echo pkgtest >"$root/etc/hostname"
echo "127.0.1.1 pkgtest.example.test pkgtest" >>"$root/etc/hosts"
systemd-nspawn -q --register=no --keep-unit --private-network --resolv-conf=off \
	-D "$root" -b --console=pipe \
	>"$work/console.log" 2>&1 </dev/null &
nspawn_pid=$!
# found_pid1 - the container's PID 1: nspawn's child that runs systemd
# (nspawn has short-lived helper children too)
found_pid1() {
	local p
	pid1=
	for p in $(pgrep -P "$nspawn_pid"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in systemd|init) pid1=$p ;; esac
	done
	[ -n "$pid1" ]
}
bus_up() { found_pid1 && ct test -S /run/systemd/private 2>/dev/null; }
wait_until 120 bus_up ||
	{ cat "$work/console.log"; bad "the container did not boot"; exit 1; }
state=$(timeout 120 nsenter -t "$pid1" -a systemctl is-system-running --wait 2>&1)
if [ "$state" = running ]; then
	ok "systemd runs as the container's PID 1: $state"
else
	ct systemctl --failed --no-pager; bad "the container's systemd is \"$state\""
fi

# ---------------------------------------------------------------- Postfix
stamp "--- Postfix, installed with apt"
printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
	"postfix postfix/mailname string container.example.test" | ct debconf-set-selections
if ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download \
	--no-install-recommends postfix >"$work/postfix.log" 2>&1; then
	ok "Postfix installed"
else
	tail -20 "$work/postfix.log"; bad "installing Postfix failed"; exit 1
fi
wait_until 30 ct systemctl is-active --quiet postfix@-.service &&
	ok "Postfix runs (postfix@-.service)" || bad "Postfix does not run"

# ---------------------------------------------------------------- install
stamp "--- install ccguard with apt"
# (Not --no-download: apt refuses it with a .deb file. Everything it
# needs is in its archive cache; the container has no network anyway.)
if ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends /root/ccguard.deb >"$work/install.log" 2>&1; then
	ok "installed"
else
	cat "$work/install.log"; bad "apt-get install ccguard.deb failed"; exit 1
fi
sed -i 's/\r$//' "$work/install.log"
links=$(sed -n 's/^Created symlink \([^ ]*ccguard[^ ]*\) .*/\1/p' "$work/install.log" | sort | tr '\n' ' ')
[ "$links" = "/etc/systemd/system/multi-user.target.wants/ccguard.service " ] &&
	ok "the install enabled ccguard.service and nothing else of ccguard's" ||
	bad "the install created these links: ${links:-none} (want only ccguard.service's)"
grep -q '^ccguard listens on unix:/var/spool/postfix/ccguard/ccguard.sock\.$' "$work/install.log" &&
	ok "the postinst says where ccguard listens" ||
	{ cat "$work/install.log"; bad "no \"ccguard listens on\" after a start under systemd"; }
units="ccguard.service ccguard-mail.service ccguard-mail.path ccguard-mail.timer ccguard-digest.service ccguard-digest.timer"
listed=$(ct systemctl list-unit-files --no-legend --no-pager 'ccguard*' | awk '{ print $1 "=" $2 }' | sort | tr '\n' ' ')
echo "unit files: $listed"
for u in $units; do
	case $listed in *"$u="*) ;; *) bad "unit file $u is not installed" ;; esac
done
for u in ccguard-mail.path ccguard-mail.timer ccguard-digest.timer; do
	state=$(ct systemctl is-enabled "$u" 2>&1)
	[ "$state" = disabled ] && ok "$u ships disabled" || bad "$u is \"$state\", want disabled"
done
state=$(ct systemctl is-enabled ccguard.service 2>&1)
[ "$state" = enabled ] && ok "ccguard.service is enabled" || bad "ccguard.service is \"$state\""

# ---------------------------------------------------------------- service
stamp "--- ccguard.service under systemd"
wait_until 20 ct systemctl is-active --quiet ccguard.service &&
	ok "systemd runs ccguard.service" ||
	{ ct systemctl status ccguard --no-pager; bad "ccguard.service is not active"; }
journal() { ct journalctl -q --no-pager -o cat -u "$1"; }
j=$(journal ccguard.service)
check_at=$(grep -n 'configuration OK' <<<"$j" | head -1 | cut -d: -f1)
start_at=$(grep -n 'starting: socket' <<<"$j" | head -1 | cut -d: -f1)
[ -n "$check_at" ] && [ -n "$start_at" ] && [ "$check_at" -lt "$start_at" ] &&
	ok "systemd ran \"ccguard -n\" before the daemon (journal)" ||
	{ echo "$j"; bad "no \"ccguard -n\" before the start in the journal"; }
user=$(ct stat -c %U "/proc/$(ct systemctl show -p MainPID --value ccguard.service)" 2>&1)
[ "$user" = ccguard ] && ok "the daemon runs as ccguard" || bad "the daemon runs as \"$user\""
sock=$(ct stat -c '%U:%G %a' /var/spool/postfix/ccguard/ccguard.sock 2>&1)
[ "$sock" = "ccguard:postfix 770" ] && ok "socket: $sock" || bad "socket: \"$sock\""

# smtp_pair - a report to both lists through the container's Postfix;
# prints the server's replies (bash's /dev/tcp: the container has no Python)
smtp_pair() {
	ct bash -c '
		exec 3<>/dev/tcp/127.0.0.1/25 || exit 1
		say() { printf "%s\r\n" "$1" >&3; }
		hear() { local l; while IFS= read -r -t 30 l <&3; do echo "$l"; [ "${l:3:1}" = "-" ] || return 0; done; return 1; }
		hear && say "EHLO client.example.test" && hear &&
		say "MAIL FROM:<reporter@example.org>" && hear &&
		say "RCPT TO:<security@kernel.org>" && hear &&
		say "RCPT TO:<linux-distros@vs.openwall.org>" && hear &&
		say "DATA" && hear &&
		say "From: reporter@example.org" && say "To: security@kernel.org" &&
		say "Cc: linux-distros@vs.openwall.org" && say "Subject: [report] use-after-free" &&
		say "Message-ID: <container-test@example.org>" && say "" &&
		say "foo() frees twice." && say "." && hear
		say "QUIT"; hear'
}
# Accepted mail to other domains waits in the queue (and would find no
# network): "Local only" would refuse those recipients before the milter.
ct postconf -e 'smtpd_milters = unix:ccguard/ccguard.sock' 'non_smtpd_milters = $smtpd_milters' \
	'milter_default_action = tempfail' 'milter_protocol = 6' \
	'default_transport = smtp' 'relay_transport = smtp' 'defer_transports = smtp'
ct postfix reload >/dev/null 2>&1
smtp_pair >"$work/smtp.log" 2>&1
grep -q '^550[ -]5\.7\.1 ' "$work/smtp.log" &&
	ok "the container's Postfix refuses the pair with ccguard's 550" ||
	{ cat "$work/smtp.log"; bad "no 550 from ccguard through the container's Postfix"; }

# ---------------------------------------------------------------- reload
stamp "--- systemctl reload"
main_pid=$(ct systemctl show -p MainPID --value ccguard.service)
reloads() { journal ccguard.service | grep -c 'reload: .* rules, .* lists in force'; }
before=$(reloads)
if ct systemctl reload ccguard.service >"$work/reload.log" 2>&1; then
	ok "systemctl reload ccguard succeeds"
else
	cat "$work/reload.log"; journal ccguard.service | tail -5; bad "systemctl reload ccguard fails"
fi
more_reloads() { [ "$(reloads)" -gt "$before" ]; }
wait_until 10 more_reloads && ok "the daemon reloaded (journal)" || bad "no reload in the journal"
[ "$(ct systemctl show -p MainPID --value ccguard.service)" = "$main_pid" ] &&
	ok "the same process reloaded" || bad "the main process changed on reload"

ct cp -p /etc/ccguard/ccguard.conf /root/ccguard.conf.good
ct sh -c 'echo "no_such_setting = 1" >> /etc/ccguard/ccguard.conf'
before=$(reloads)
if ct systemctl reload ccguard.service >/dev/null 2>&1; then
	bad "systemctl reload succeeded with a broken configuration"
else
	ok "systemctl reload fails with a broken configuration"
fi
journal ccguard.service | grep -q 'no_such_setting' &&
	ok "the journal names the broken line" || bad "the journal does not name the broken line"
sleep 1
[ "$(reloads)" = "$before" ] && ct systemctl is-active --quiet ccguard.service &&
	[ "$(ct systemctl show -p MainPID --value ccguard.service)" = "$main_pid" ] &&
	ok "the daemon runs on, unsignalled, with its rules" ||
	bad "a refused reload changed the running daemon"
ct cp -p /root/ccguard.conf.good /etc/ccguard/ccguard.conf

# ---------------------------------------------------------------- timers
stamp "--- timers"
for t in ccguard-digest.timer ccguard-mail.timer; do
	if ! ct systemctl enable --now "$t" >/dev/null 2>&1; then
		bad "systemctl enable --now $t failed"
		continue
	fi
	timers=$(ct systemctl list-timers --no-legend --no-pager "$t")
	echo "$timers"
	grep -q " $t " <<<"$timers " && ok "$t, once enabled, is listed by systemctl list-timers" ||
		bad "$t is not listed by systemctl list-timers"
done

# ---------------------------------------------------------------- mail path
stamp "--- moderation by mail: the path unit"
# spool_files - the regular files in the command spool (any layout)
spool_files() { ct find /var/spool/ccguard -type f 2>/dev/null | sort; }
# store N - N command mails from a stranger, stored as the MTA's pipe does
store() {
	local i
	for i in $(seq 1 "$1"); do
		printf '%s\n' "From: stranger-$i@example.org" "To: ccguard-commands@example.test" \
			"Subject: burst $i" "Message-ID: <burst-$i-$RANDOM@example.org>" "" "nothing" |
			ct setpriv --reuid=ccguard-mail --regid=ccguard-mail --clear-groups \
				ccguardctl -c /etc/ccguard/ccguard.conf mail-command ||
			{ echo "mail-command failed for mail $i"; return 1; }
		[ -n "${2:-}" ] && sleep "$2"
	done
	return 0
}
spool_empty_of() { [ -z "$(comm -12 <(printf '%s\n' "$1") <(spool_files))" ]; }
store 1 || bad "the pipe user could not store a command mail"
first=$(spool_files)
[ -n "$first" ] && ok "a command mail stored in the spool" || bad "nothing in the spool after mail-command"
sleep 2
[ "$(spool_files)" = "$first" ] && ok "with the path unit disabled, it stays there" ||
	bad "something acted on the spool while the path unit was disabled"
ct systemctl enable --now ccguard-mail.path >/dev/null 2>&1 || bad "systemctl enable --now ccguard-mail.path failed"
wait_until 30 spool_empty_of "$first" &&
	ok "enabled, the path unit started ccguard-mail.service, which took the mail" ||
	{ journal ccguard-mail.service | tail -10; bad "the stored mail was not acted on"; }
journal ccguard-mail.service | grep -q . && ok "ccguard-mail.service ran (journal)" ||
	bad "ccguard-mail.service has no journal"

# A burst: one mail every 0.1 s for 5 s, so that the service is started
# again and again, more often than systemd's default start limit allows.
store 50 0.1 >"$work/burst.log" 2>&1 || { cat "$work/burst.log"; bad "storing the burst failed"; }
store 1 || bad "the pipe user could not store a command mail after the burst"
all=$(spool_files)
path_failed() { [ "$(ct systemctl is-active ccguard-mail.path 2>&1)" = failed ]; }
burst_done() { spool_empty_of "$all" || path_failed; }
if wait_until 90 burst_done && ! path_failed; then
	ok "every mail of the burst, and one after it, was acted on"
else
	bad "$(comm -12 <(printf '%s\n' "$all") <(spool_files) | wc -l) mail(s) of the burst left in the spool"
fi
state=$(ct systemctl is-active ccguard-mail.path 2>&1)
result=$(ct systemctl show -p Result --value ccguard-mail.path ccguard-mail.service | grep . | tr '\n' ' ')
if [ "$state" = active ] && [ "$result" = "success success " ]; then
	ok "the path unit stays active through the burst (results: $result)"
else
	ct systemctl status ccguard-mail.path ccguard-mail.service --no-pager | head -30
	bad "after the burst the path unit is \"$state\" (results: $result)"
fi

# ---------------------------------------------------------------- stop, purge
stamp "--- stop, remove, purge"
s0=$(date +%s%N)
ct systemctl stop ccguard.service
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
[ "$ms" -lt 3000 ] && ok "systemctl stop ccguard took ${ms} ms" || bad "systemctl stop ccguard took ${ms} ms"
ct systemctl start ccguard.service
if ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ccguard >"$work/purge.log" 2>&1; then
	ok "purged"
else
	cat "$work/purge.log"; bad "apt-get purge ccguard failed"
fi
ct systemctl daemon-reload
left=$(ct sh -c 'for p in /etc/ccguard /var/spool/postfix/ccguard /run/ccguard /var/spool/ccguard \
	/var/lib/ccguard /usr/sbin/ccguard /usr/sbin/ccguardctl /usr/share/ccguard /usr/share/doc/ccguard \
	/etc/systemd/system/*/ccguard* /lib/systemd/system/ccguard* /usr/lib/sysusers.d/ccguard.conf \
	/usr/lib/tmpfiles.d/ccguard.conf /var/lib/systemd/deb-systemd-helper-enabled/*ccguard* \
	/var/lib/systemd/deb-systemd-helper-enabled/*/*ccguard* /var/lib/systemd/timers/*ccguard*; do
		[ -e "$p" ] || [ -L "$p" ] && echo "$p"; done' | tr '\n' ' ')
[ -z "$left" ] && ok "purge left none of the package's files, links, spool or state" ||
	bad "purge left: $left"
loaded=$(ct systemctl list-units --all --no-legend --no-pager 'ccguard*' | tr '\n' ' ')
[ -z "$loaded" ] && ok "systemd knows no ccguard unit any more" || bad "systemd still has: $loaded"
ct systemctl is-active --quiet postfix@-.service && ok "Postfix still runs" || bad "Postfix stopped"

echo "container test: $(( $(date +%s) - t0 ))s"
exit "$fail"
