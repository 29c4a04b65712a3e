#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/deploy/manpages.sh - every manual page renders without a complaint:
# mandoc -Tlint reports no warning or error, and man(1)/groff with warnings
# enabled prints nothing on stderr (doc_examples.py loads the examples).
# Skips (77) when
# neither mandoc nor man is installed.
set -u
: "${top_srcdir:?}"
pages="man/ccguard.8 man/ccguard.conf.5 man/ccguard.rules.5"
fail=0 ran=0
bs=$(printf '\b')	# overstrike, in case man keeps bold and underline

for p in $pages; do
	[ -s "$top_srcdir/$p" ] || { echo "FAIL: $p is missing or empty"; fail=1; }
done
[ $fail -eq 0 ] || exit 1

if command -v mandoc >/dev/null 2>&1; then
	ran=1
	for p in $pages; do
		if ! out=$(mandoc -Tlint -Wwarning "$top_srcdir/$p" 2>&1) || [ -n "$out" ]; then
			echo "FAIL: mandoc -Tlint $p:"
			echo "$out"
			fail=1
		fi
	done
fi
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
	ran=1
	for p in $pages; do
		err=$(MANWIDTH=80 man --warnings -l "$top_srcdir/$p" 2>&1 >/dev/null)
		if [ -n "$err" ]; then
			echo "FAIL: man -l $p:"
			echo "$err"
			fail=1
		fi
		# The page must have its NAME and DESCRIPTION sections.
		text=$(MANWIDTH=80 man -l "$top_srcdir/$p" 2>/dev/null | sed "s/.$bs//g")
		for s in NAME DESCRIPTION; do
			echo "$text" | grep -q "^$s" || { echo "FAIL: $p has no $s section"; fail=1; }
		done
	done
fi
# The examples the pages show (rule files, ccguard.conf) are checked by
# tests/deploy/doc_examples.py, with those of README.md and doc/*.md.

if [ $ran -eq 0 ]; then
	echo "SKIP: neither mandoc nor man+groff is installed"
	exit 77
fi
exit $fail
