#!/bin/sh
# tests/deploy/manpages.sh - every manual page renders without a complaint:
# mandoc -Tlint reports no warning or error, and man(1)/groff with warnings
# enabled prints nothing on stderr; the example rule files printed in
# ccguard.rules(5) are valid and pass their own examples. Skips (77) when
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
# The rule files shown in ccguard.rules(5) EXAMPLES load together and pass
# their own examples (the shipped-policy excerpt first, then the local file).
ccguard=${top_builddir:-.}/milter/ccguard
if [ -x "$ccguard" ]; then
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	awk -v dir="$tmp" '
	    /^\.Bd -literal/ { inb = 1; first = 1; next }
	    /^\.Ed/ { if (out != "") close(out); inb = 0; out = ""; next }
	    inb && first { first = 0; if ($1 == "list") out = sprintf("%s/ex%d.rules", dir, ++n) }
	    inb && out != "" { print > out }
	' "$top_srcdir/man/ccguard.rules.5"
	cp "$top_srcdir/rules/kernel-and-distros.reply" "$tmp/"
	n=$(ls "$tmp"/ex*.rules 2>/dev/null | wc -l)
	if [ "$n" -ne 2 ]; then
		echo "FAIL: want 2 rule-file examples in ccguard.rules(5), found $n"
		fail=1
	else
		printf 'rules = %s/ex1.rules\nrules = %s/ex2.rules\nmoderator = mod@example.org\nnotify_smtp = 127.0.0.1:25\n' "$tmp" "$tmp" >"$tmp/ex.conf"
		if ! "$ccguard" -n -c "$tmp/ex.conf" >"$tmp/ex.out" 2>&1 || grep -q warning "$tmp/ex.out"; then
			echo "FAIL: the rule files in ccguard.rules(5) EXAMPLES do not load cleanly:"
			cat "$tmp/ex.out"
			fail=1
		fi
	fi
fi

if [ $ran -eq 0 ]; then
	echo "SKIP: neither mandoc nor man+groff is installed"
	exit 77
fi
exit $fail
