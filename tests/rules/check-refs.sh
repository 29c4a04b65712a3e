#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# check-refs.sh - golden test of "ccguard -n" on the rule-file fixtures.
#
# Each tests/rules/*.rules file that has a .ref file is checked through the
# real binary with a temporary ccguard.conf naming it. Standard error, with
# the fixture directory removed from paths, must equal the .ref file
# exactly; files named bad-* must make ccguard -n fail (EX_CONFIG), all
# others must pass. test-rules.c checks the same files through the library.
# ccguard reads private copies of the fixtures (tests/fixtures.sh).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/fixtures.sh"
ccguard=$top_builddir/milter/ccguard
if [ ! -x "$ccguard" ]; then
	echo "check-refs: $ccguard not built" >&2
	exit 99
fi
tmp=$(fixture_dir refs) || exit 99
trap 'rm -rf "$tmp"' EXIT
# The fixtures, privately: ccguard refuses group-writable rule files.
mkdir "$tmp/rules" && fixture_copy "$tmp/rules" "$top_srcdir"/tests/rules/* || exit 99
dir=$tmp/rules
failed=0 n=0
for ref in "$dir"/*.ref; do
	name=$(basename "$ref" .ref)
	n=$((n + 1))
	# A moderator and an SMTP path: the notification warning (tested in
	# tests/policy/test-texts) is not what these fixtures are about.
	printf 'user =\nrules = %s/%s.rules\nmoderator = mod@example.org\nnotify_smtp = 127.0.0.1:25\n' "$dir" "$name" > "$tmp/ccguard.conf"
	"$ccguard" -n -c "$tmp/ccguard.conf" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	sed "s|$dir/||g" "$tmp/err" > "$tmp/got"
	case $name in
	bad-*)	want_rc=78 ;;
	*)	want_rc=0 ;;
	esac
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL: $name: ccguard -n exit status $rc, want $want_rc"
		failed=$((failed + 1))
	fi
	if ! diff -u "$ref" "$tmp/got"; then
		echo "FAIL: $name: diagnostics differ from $name.ref (diff above: - want, + got)"
		failed=$((failed + 1))
	fi
	if [ "$want_rc" -eq 0 ] && ! grep -q '^ccguard: configuration OK' "$tmp/out"; then
		echo "FAIL: $name: no 'configuration OK' line"
		failed=$((failed + 1))
	fi
done
if [ "$n" -lt 13 ]; then
	echo "FAIL: only $n .ref files found in $dir"
	failed=$((failed + 1))
fi
echo "check-refs: $n fixtures, $failed failures"
[ "$failed" -eq 0 ]
