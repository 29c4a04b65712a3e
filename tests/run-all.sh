#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/run-all.sh - build and run every test suite the way CI does, and
# end with one summary line, exactly "N passed, M failed" (the automake
# harness prints none); the line before it counts the skipped tests.
# Stages: normal build + make check, make distcheck, the Debian package
# built from distcheck's tarball (tests/package/: without systemd on this
# machine, and under systemd in a container), sanitizer build + make
# check, and the fuzz smoke run when clang is present. Each stage prints
# how long it took.
#
# In CI (CI set) nothing may be skipped: every suite runs on real parts
# that CI installs (root, Postfix, Sendmail, miltertest, systemd-nspawn),
# so a skipped test is counted as a failure there.
set -u
cd "$(dirname "$0")/.."
top=$PWD
passed=0 failed=0 skipped=0
t_all=$(date +%s)

# count_log DIR - add the counts of an automake test-suite.log
count_log() {
	local log=$1/test-suite.log p f s e
	if [ ! -f "$log" ]; then failed=$((failed + 1)); return; fi
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skip ${s:-0}
}

# skip N - N tests skipped; in CI each is a failure
skip() {
	skipped=$((skipped + $1))
	if [ -n "${CI:-}" ]; then failed=$((failed + $1)); fi
}

# took T0 - seconds since T0
took() { echo "$(( $(date +%s) - $1 ))s"; }

stage() {	# stage NAME COMMAND... : one pass/fail for a whole step
	local name=$1 out t0
	t0=$(date +%s)
	shift
	out=$(mktemp)
	if "$@" >"$out" 2>&1; then
		passed=$((passed + 1))
		echo "=== $name ($(took "$t0"))"
	else
		echo "=== FAILED: $name ($(took "$t0")); its last output:"; tail -40 "$out"
		failed=$((failed + 1))
	fi
	rm -f "$out"
}

# summary - the skipped count, then the last line
summary() {
	if [ -n "${CI:-}" ]; then
		echo "$skipped skipped (each counted as a failure in CI); total $(took "$t_all")"
	else
		echo "$skipped skipped; total $(took "$t_all")"
	fi
	echo "$passed passed, $failed failed"
}

./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; failed=1; summary; exit 1; }

# 1. Normal build, all tests.
rm -rf _build && mkdir _build && cd _build
stage configure ../configure --enable-werror -q
stage build make -j2
t0=$(date +%s)
make -j2 check >/dev/null 2>&1
count_log .
echo "=== make check ($(took "$t0"))"
grep -E '^(FAIL|ERROR|SKIP)' test-suite.log 2>/dev/null | head -40
stage distcheck make -j2 distcheck
tarball=$(ls "$top"/_build/ccguard-*.tar.gz 2>/dev/null | head -1)
cd "$top"

# 1b. The Debian package, built from the tarball distcheck made and checked:
# lintian, an install on this machine (no systemd) with a message through
# the system Postfix, purge (tests/package/test-package.sh; it restores the
# machine), then the same under systemd in a container. Skipped (77)
# without root; in CI that fails.
t0=$(date +%s)
out=$(mktemp)
if [ -z "$tarball" ]; then
	failed=$((failed + 1)); echo "=== FAILED: debian package: distcheck made no tarball"
else
	tests/package/test-package.sh "$tarball" >"$out" 2>&1
	case $? in
	0) passed=$((passed + 1)); echo "=== debian package ($(took "$t0"))"
	   grep -E '^(note|package test|container test)' "$out" ;;
	77) skip 1; echo "=== debian package: skipped"; cat "$out" ;;
	*) failed=$((failed + 1)); echo "=== FAILED: debian package ($(took "$t0"))"
	   grep -E '^(FAIL|note)' "$out"; tail -40 "$out" ;;
	esac
fi
rm -f "$out"

# 2. Sanitizer build (ASan + UBSan + LeakSanitizer): unit and milter tests.
if command -v clang >/dev/null || gcc -fsanitize=address -x c -o /dev/null - <<<'int main(void){return 0;}' 2>/dev/null; then
	rm -rf _build-san && mkdir _build-san && cd _build-san
	stage "sanitizer build" ../configure -q --enable-sanitizers
	make -j2 >/dev/null 2>&1
	t0=$(date +%s)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		CCGUARD_SANITIZERS=1 make -j2 check >/dev/null 2>&1
	count_log .
	echo "=== make check (sanitizers) ($(took "$t0"))"
	grep -E '^(FAIL|ERROR|SKIP)' test-suite.log 2>/dev/null | head -20
	cd "$top"
fi

# 3. Fuzz smoke runs, when configured fuzzers exist.
if command -v clang >/dev/null && grep -q '^fuzz-smoke:' Makefile.am mk/*.mk 2>/dev/null; then
	rm -rf _build-fuzz && mkdir _build-fuzz && cd _build-fuzz
	CC=clang stage "fuzz configure" ../configure -q --enable-fuzzers
	stage "fuzz smoke" make -j2 fuzz-smoke
	cd "$top"
fi

summary
[ "$failed" -eq 0 ]
