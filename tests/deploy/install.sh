#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deploy/install.sh - "make install DESTDIR=..." lays out a working
# system: the daemon in sbindir, the rules in $(pkgdatadir)/rules, the
# configuration in $(sysconfdir)/ccguard, the systemd unit, sysusers.d and
# tmpfiles.d entries, the manual pages and the example messages; the
# installed daemon accepts the installed configuration and rules, and
# judges the examples as they say (the report to both sides refused, the
# ordinary mail passed); a second install keeps a locally edited
# ccguard.conf; uninstall removes what install added.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/fixtures.sh"	# umask 022: the files written here are not group writable
tmp=$(fixture_dir install) || exit 1
chmod 755 "$tmp"	# the installed tree is read as other users would read it
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
fail=0

# A clean make: the harness's jobserver and flags are not ours.
runmake() {
	(cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@")
}

if ! runmake -s deploy-print-dirs >"$tmp/dirs"; then
	echo "FAIL: make deploy-print-dirs"
	exit 1
fi
. "$tmp/dirs"
for v in sbindir sysconfdir pkgdatadir mandir docdir systemdsystemunitdir sysusersdir tmpfilesdir; do
	eval "val=\${$v:-}"
	case $val in
	/*) ;;
	*) echo "FAIL: $v is \"$val\", not an absolute path"; exit 1 ;;
	esac
done

if ! runmake install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	echo "FAIL: make install DESTDIR=$dest"
	tail -30 "$tmp/install.log"
	exit 1
fi

# want_file PATH [test-flag] - PATH (under DESTDIR) exists as expected
want_file() {
	if ! test "${2:--f}" "$dest$1"; then
		echo "FAIL: missing $1"
		fail=1
	fi
}
want_file "$sbindir/ccguard" -x
want_file "$pkgdatadir/rules/kernel-security.rules"
want_file "$pkgdatadir/rules/kernel-and-distros.reply"
want_file "$sysconfdir/ccguard/ccguard.conf"
want_file "$systemdsystemunitdir/ccguard.service"
want_file "$sysusersdir/ccguard.conf"
want_file "$tmpfilesdir/ccguard.conf"
want_file "$mandir/man8/ccguard.8"
want_file "$mandir/man5/ccguard.conf.5"
want_file "$mandir/man5/ccguard.rules.5"
want_file "$docdir/examples/report-to-both.eml"
want_file "$docdir/examples/ordinary.eml"
[ $fail -eq 0 ] || { find "$dest" -type f | sed "s|^$dest||"; exit 1; }

# Nothing group or world writable: ccguard refuses such rules and config.
if find "$dest" -type f -perm /022 | grep .; then
	echo "FAIL: group or world writable files installed"
	fail=1
fi

# The unit runs the installed daemon with the installed configuration.
unit=$dest$systemdsystemunitdir/ccguard.service
if grep -n '@[a-z]*@' "$unit"; then
	echo "FAIL: unsubstituted @name@ in the installed unit"
	fail=1
fi
for line in "ExecStart=$sbindir/ccguard -c $sysconfdir/ccguard/ccguard.conf" \
    "ExecStartPre=$sbindir/ccguard -n -c $sysconfdir/ccguard/ccguard.conf"; do
	grep -qxF "$line" "$unit" || { echo "FAIL: the unit lacks \"$line\""; fail=1; }
done
grep -q "^rules = $pkgdatadir/rules/kernel-security.rules\$" "$dest$sysconfdir/ccguard/ccguard.conf" ||
	{ echo "FAIL: the installed ccguard.conf does not name the installed rules"; fail=1; }

# The installed daemon loads the installed configuration and rules (the
# paths inside are final ones, so point them into DESTDIR for the check).
sed "s|^rules = |rules = $dest|" "$dest$sysconfdir/ccguard/ccguard.conf" >"$tmp/check.conf"
if ! "$dest$sbindir/ccguard" -n -c "$tmp/check.conf" >"$tmp/check.out" 2>&1; then
	echo "FAIL: the installed ccguard rejects the installed configuration:"
	cat "$tmp/check.out"
	fail=1
fi

# The example messages, through the installed daemon and rules.
examples=$dest$docdir/examples
"$dest$sbindir/ccguard" -c "$tmp/check.conf" -t "$examples/report-to-both.eml" >"$tmp/t1.out" 2>&1
grep -q '^rule: kernel-and-distros (' "$tmp/t1.out" && grep -qx 'action: reject' "$tmp/t1.out" &&
	grep -q '^  550 5\.7\.1 ' "$tmp/t1.out" ||
	{ echo "FAIL: the example report to both sides is not refused:"; cat "$tmp/t1.out"; fail=1; }
"$dest$sbindir/ccguard" -c "$tmp/check.conf" -t "$examples/ordinary.eml" >"$tmp/t2.out" 2>&1
grep -qx 'rule: none matched' "$tmp/t2.out" && grep -qx 'action: pass' "$tmp/t2.out" ||
	{ echo "FAIL: the example ordinary mail does not pass:"; cat "$tmp/t2.out"; fail=1; }

# A second install must not overwrite a site's configuration.
echo "# local edit" >>"$dest$sysconfdir/ccguard/ccguard.conf"
if ! runmake install DESTDIR="$dest" >"$tmp/install2.log" 2>&1; then
	echo "FAIL: second make install"
	tail -30 "$tmp/install2.log"
	fail=1
fi
tail -1 "$dest$sysconfdir/ccguard/ccguard.conf" | grep -qx '# local edit' ||
	{ echo "FAIL: make install overwrote a locally edited ccguard.conf"; fail=1; }

# Uninstall keeps the edited configuration and removes everything else.
if ! runmake uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	echo "FAIL: make uninstall"
	tail -30 "$tmp/uninstall.log"
	fail=1
fi
left=$(find "$dest" -type f | sed "s|^$dest||")
if [ "$left" != "$sysconfdir/ccguard/ccguard.conf" ]; then
	echo "FAIL: after uninstall, want only the edited ccguard.conf left, have:"
	echo "$left"
	fail=1
fi

[ $fail -eq 0 ] && echo "ok: install layout under $sbindir, $pkgdatadir, $sysconfdir/ccguard, units and manuals"
exit $fail
