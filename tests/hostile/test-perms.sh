#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# test-perms.sh - ccguard -n refuses rule files, reply templates and the
# configuration when they are group or world writable (whoever can write
# them can switch the filter off), and names the file; the same files with
# mode 644 pass.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
ccguard=$top_builddir/milter/ccguard
[ -x "$ccguard" ] || { echo "SKIP: $ccguard not built"; exit 77; }
. "$top_srcdir/tests/fixtures.sh"
tmp=$(fixture_dir perms) || exit 99
trap 'rm -rf "$tmp"' EXIT
fixture_copy "$tmp" "$top_srcdir"/rules/* || exit 99
printf 'rules = %s\nuser =\n' "$tmp/kernel-security.rules" > "$tmp/ccguard.conf"
fail=0

reset() { chmod 644 "$tmp/kernel-security.rules" "$tmp/kernel-and-distros.reply" "$tmp/ccguard.conf"; }

# expect_ok LABEL - ccguard -n succeeds
expect_ok() {
	if ! "$ccguard" -n -c "$tmp/ccguard.conf" >"$tmp/out" 2>&1; then
		echo "FAIL: $1: ccguard -n failed:"; cat "$tmp/out"; fail=1
	fi
}

# expect_refused LABEL FILE - ccguard -n fails and names FILE
expect_refused() {
	if "$ccguard" -n -c "$tmp/ccguard.conf" >"$tmp/out" 2>&1; then
		echo "FAIL: $1: ccguard -n accepted it"; fail=1
	elif ! grep -F "$2" "$tmp/out" | grep -q 'writable'; then
		echo "FAIL: $1: the diagnostic does not name $2:"; cat "$tmp/out"; fail=1
	else
		echo "ok: $1: $(head -1 "$tmp/out")"
	fi
}

reset; expect_ok "mode 644 everywhere"
chmod 664 "$tmp/kernel-security.rules"; expect_refused "rule file 664" "$tmp/kernel-security.rules"
reset; chmod 646 "$tmp/kernel-security.rules"; expect_refused "rule file 646" "$tmp/kernel-security.rules"
reset; chmod 664 "$tmp/kernel-and-distros.reply"; expect_refused "reply template 664" "$tmp/kernel-and-distros.reply"
reset; chmod 666 "$tmp/ccguard.conf"; expect_refused "ccguard.conf 666" "$tmp/ccguard.conf"
reset; expect_ok "mode 644 again"
exit $fail
