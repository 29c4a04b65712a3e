#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# replay-corpus.sh - run every fuzz corpus input (seeds and the regression
# inputs of crashes once found) through its target without libFuzzer; a
# crash, a sanitizer report or a broken property fails the test.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
fail=0
for n in addr rules template message modcmd modmail; do
	d=$top_srcdir/tests/fuzz/corpus/$n
	[ -d "$d" ] || { echo "FAIL: no corpus $d"; fail=1; continue; }
	"$top_builddir/tests/fuzz/replay-$n" "$d" || { echo "FAIL: replay-$n"; fail=1; }
done
exit $fail
