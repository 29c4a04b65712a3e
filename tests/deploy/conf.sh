#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deploy/conf.sh - the shipped ccguard.conf documents every setting at
# its real default.
#
# Every setting "ccguard -n -v" reports must have an entry in ccguard.conf(5)
# and appear exactly once in the generated etc/ccguard.conf as a commented
# "#name = value" line (rules and notify_smtp as live lines). Uncommenting
# all of them must load (each value is valid) and give exactly the settings
# of a file that sets only the live lines (each value is the compiled
# default). hostname is computed at start-up, and moderator from it, so
# they only have to be documented. The shipped file as it is loads, and
# "ccguard -n" has no warning for it: every hold is told to someone.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
ccguard=$top_builddir/milter/ccguard
conf=$top_builddir/etc/ccguard.conf
fail=0

[ -x "$ccguard" ] || { echo "FAIL: $ccguard not built"; exit 1; }
[ -f "$conf" ] || { echo "FAIL: $conf not generated"; exit 1; }
. "$top_srcdir/tests/fixtures.sh"
tmp=$(fixture_dir conf) || exit 1
trap 'rm -rf "$tmp"' EXIT
rules=$(fixture_rules "$tmp") || exit 1

if grep -n '@[a-z]*@' "$conf"; then
	echo "FAIL: unsubstituted @name@ in $conf"
	fail=1
fi

# The compiled settings, from a file with only the live lines.
live='^\(rules\|notify_smtp\) = '
{ printf 'rules = %s\n' "$rules"; grep "$live" "$conf" | grep -v '^rules = '; } >"$tmp/minimal.conf"
if ! "$ccguard" -n -v -c "$tmp/minimal.conf" >"$tmp/minimal.out" 2>&1; then
	echo "FAIL: ccguard -n on a minimal configuration"
	cat "$tmp/minimal.out"
	exit 1
fi
sed -n 's/^\([a-z_][a-z_]*\) = .*/\1/p' "$tmp/minimal.out" | sort -u >"$tmp/names"
[ -s "$tmp/names" ] || { echo "FAIL: ccguard -n -v listed no settings"; exit 1; }

while read -r name; do
	if echo "$name = " | grep -q "$live"; then
		n=$(grep -c "^$name = " "$conf")
	else
		n=$(grep -c "^#$name = \\{0,1\\}" "$conf")
	fi
	if [ "$n" -ne 1 ]; then
		echo "FAIL: setting \"$name\" appears $n times as a default line in ccguard.conf (want 1)"
		fail=1
	fi
done <"$tmp/names"

# ccguard.conf(5) has an entry for every setting too.
while read -r name; do
	grep -q "^\.It Cm $name No = " "$top_srcdir/man/ccguard.conf.5" ||
		{ echo "FAIL: ccguard.conf(5) does not document \"$name\""; fail=1; }
done <"$tmp/names"

# Uncomment every documented default (not the examples, which are indented
# or name a rule) and point rules at the source tree.
sed -e 's/^#\([a-z_][a-z_]* =\)/\1/' -e '/^hostname =/d' -e '/^moderator =/d' \
    -e "s|^rules = .*|rules = $rules|" "$conf" >"$tmp/all.conf"
if ! "$ccguard" -n -v -c "$tmp/all.conf" >"$tmp/all.out" 2>&1; then
	echo "FAIL: ccguard.conf with every default uncommented does not load:"
	cat "$tmp/all.out"
	fail=1
else
	# Warnings name the file they are about; compare the settings only.
	grep -v -e '^ccguard: configuration OK' -e ': warning: ' "$tmp/minimal.out" >"$tmp/a"
	grep -v -e '^ccguard: configuration OK' -e ': warning: ' "$tmp/all.out" >"$tmp/b"
	if ! diff -u "$tmp/a" "$tmp/b"; then
		echo "FAIL: a commented default in ccguard.conf is not the compiled default"
		fail=1
	fi
fi

# The shipped file as it is must load too (against the source-tree rules).
sed "s|^rules = .*|rules = $rules|" "$conf" >"$tmp/shipped.conf"
if ! "$ccguard" -n -c "$tmp/shipped.conf" >"$tmp/shipped.out" 2>&1; then
	echo "FAIL: the shipped ccguard.conf does not load:"
	cat "$tmp/shipped.out"
	fail=1
elif grep 'warning' "$tmp/shipped.out"; then
	echo "FAIL: ccguard -n warns about the shipped ccguard.conf"
	fail=1
fi

[ $fail -eq 0 ] && echo "ok: ccguard.conf documents $(wc -l <"$tmp/names") settings at their defaults"
exit $fail
