#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deploy/postfix-socket.sh - the socket layout that doc/operating.md
# and ccguard.tmpfiles prescribe works with a real Postfix.
#
# A private Postfix instance (own config and queue directory, SMTP on a free
# loopback port, nothing ever leaves: every transport is discard) gets
# "smtpd_milters = unix:ccguard/ccguard.sock", and ccguard listens on
# <queue>/ccguard/ccguard.sock in a directory made like the tmpfiles.d entry
# (set-group-ID, group postfix) after dropping to an unprivileged user.
# Checked: the socket is srwxrwx--- with group postfix; a message to both
# lists is refused with 550 by a chrooted smtpd and by a non-chrooted one;
# and "unix:/ccguard/ccguard.sock", which only a chrooted smtpd can resolve,
# gives a non-chrooted one 451 (milter_default_action = tempfail); with the
# documented milter_connect_macros, the log names the client's address.
# Skips (77) unless run as root with Postfix and python3 installed.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
py=${PYTHON3:-python3}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to run a Postfix instance"; exit 77; }
for tool in postfix postconf "$py"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done
id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null 2>&1 ||
	{ echo "SKIP: no postfix user or postdrop group"; exit 77; }
ccguard=$(cd "$top_builddir" && pwd)/milter/ccguard
[ -x "$ccguard" ] || { echo "FAIL: $ccguard not built"; exit 1; }

. "$top_srcdir/tests/fixtures.sh"
tmp=$(fixture_dir deploy-pf) || exit 1
chmod 755 "$tmp"
# The rules, privately (ccguard reads them as root, before it drops to nobody).
mkdir -m 700 "$tmp/fixtures" && rules=$(fixture_rules "$tmp/fixtures") || exit 1
etc=$tmp/etc spool=$tmp/spool
ccpid=
cleanup() {
	postfix -c "$etc" stop >/dev/null 2>&1
	[ -n "$ccpid" ] && kill "$ccpid" 2>/dev/null && wait "$ccpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail=0

port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$etc" "$spool" "$tmp/data"
chown postfix "$tmp/data"
cat >"$etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $spool
data_directory = $tmp/data
mail_owner = postfix
setgid_group = postdrop
myhostname = ccguard-deploy.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard:test
relay_transport = discard:test
alias_maps =
alias_database =
local_recipient_maps =
smtpd_peername_lookup = no
maillog_file_prefixes = $tmp
maillog_file = $tmp/maillog
smtpd_milters = unix:ccguard/ccguard.sock
milter_default_action = tempfail
milter_protocol = 6
milter_connect_macros = j {daemon_name} {daemon_addr} v _ {client_addr}
EOF

# master_cf CHROOT - the services this test needs, chrooted or not
master_cf() {
	cat >"$etc/master.cf" <<EOF
127.0.0.1:$port inet n - $1 - - smtpd
cleanup unix n - $1 - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - $1 - - trivial-rewrite
bounce unix - - $1 - 0 bounce
defer unix - - $1 - 0 bounce
trace unix - - $1 - 0 bounce
discard unix - - $1 - - discard
error unix - - $1 - - error
anvil unix - - $1 - 1 anvil
scache unix - - $1 - 1 scache
flush unix n - $1 1000? 0 flush
proxymap unix - - n - - proxymap
postlog unix-dgram n - n - 1 postlogd
EOF
}

# pf_restart - (re)start the instance and wait for its SMTP port
pf_restart() {
	postfix -c "$etc" stop >/dev/null 2>&1
	i=0
	while postfix -c "$etc" status >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	if ! postfix -c "$etc" start >"$tmp/start.out" 2>&1; then
		echo "FAIL: postfix start:"; cat "$tmp/start.out"; tail -5 "$tmp/maillog" 2>/dev/null
		exit 1
	fi
	i=0
	until "$py" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "FAIL: Postfix does not listen on port $port"; tail -5 "$tmp/maillog"; exit 1; }
		sleep 0.2
	done
}

# send - print the SMTP code Postfix gives a message to both lists
send() {
	"$py" - "$port" <<'EOF'
"""Send one message to both lists; print the SMTP code of the outcome."""
import smtplib, sys
msg = ("From: reporter@example.org\r\nTo: security@kernel.org\r\n"
       "Cc: linux-distros@vs.openwall.org\r\nSubject: test\r\n\r\nbody\r\n")
try:
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
    s.sendmail("reporter@example.org",
               ["security@kernel.org", "linux-distros@vs.openwall.org"], msg)
    print(250)
except smtplib.SMTPRecipientsRefused as e:
    print(list(e.recipients.values())[0][0])
except smtplib.SMTPResponseException as e:
    print(e.smtp_code)
except Exception as e:
    print("error", e)
EOF
}

master_cf y
pf_restart

# The socket directory, as ccguard.tmpfiles makes it (nobody stands in for
# the ccguard user, which need not exist here).
mkdir -p "$spool/ccguard"
chown nobody:postfix "$spool/ccguard"
chmod 2750 "$spool/ccguard"
printf 'rules = %s\nsocket = unix:%s/ccguard/ccguard.sock\nuser = nobody\n' "$rules" "$spool" >"$tmp/ccguard.conf"
"$ccguard" -c "$tmp/ccguard.conf" 2>"$tmp/ccguard.err" &
ccpid=$!
i=0
until [ -S "$spool/ccguard/ccguard.sock" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "FAIL: ccguard made no socket"; cat "$tmp/ccguard.err"; exit 1; }
	sleep 0.1
done
got=$(stat -c '%A %G' "$spool/ccguard/ccguard.sock")
[ "$got" = "srwxrwx--- postfix" ] ||
	{ echo "FAIL: socket is \"$got\", want \"srwxrwx--- postfix\""; fail=1; }

# check LABEL WANT - one message, and the code it must get
check() {
	code=$(send)
	if [ "$code" = "$2" ]; then
		echo "ok: $1: $code"
	else
		echo "FAIL: $1: got \"$code\", want $2"
		grep -E 'warning|milter' "$tmp/maillog" | tail -3
		fail=1
	fi
}
check "chrooted smtpd, unix:ccguard/ccguard.sock" 550

master_cf n
pf_restart
check "non-chrooted smtpd, unix:ccguard/ccguard.sock" 550

postconf -c "$etc" -e 'smtpd_milters = unix:/ccguard/ccguard.sock'
pf_restart
check "non-chrooted smtpd, unix:/ccguard/ccguard.sock (chroot-only form)" 451

grep -q 'action=reject rule=kernel-and-distros' "$tmp/ccguard.err" ||
	{ echo "FAIL: ccguard logged no reject"; cat "$tmp/ccguard.err"; fail=1; }
# The documented milter_connect_macros line gives the log the client address.
grep -q 'action=reject .* client=[^ ]*\[127\.0\.0\.1\]$' "$tmp/ccguard.err" ||
	{ echo "FAIL: no client address in ccguard's log"; cat "$tmp/ccguard.err"; fail=1; }
exit $fail
