# SPDX-License-Identifier: BSD-2-Clause
# fixtures.sh - sourced by the shell tests: private copies of the files they
# hand to ccguard. ccguard refuses configuration, rule, list and template
# files that are group or world writable, and a checkout made with umask
# 002 has exactly such files; so tests never hand it the source tree's
# files in place, and write their own with fixed modes.
#
#	fixture_dir NAME	a new private (0700) temporary directory
#	fixture_copy DIR SRC...	copy files or trees into DIR: files 0644,
#				directories 0755
#	fixture_rules DIR	the shipped rules/ copied into DIR/rules;
#				prints the path of kernel-security.rules
#
# Sourcing sets umask 022, so what the test writes itself (ccguard.conf,
# rule files, logs) gets 0644 and 0755 whatever the caller's umask.

umask 022

fixture_dir() {
	_fd=$(mktemp -d "${TMPDIR:-/tmp}/ccguard-$1.XXXXXX") || return 1
	chmod 700 "$_fd" && echo "$_fd"
}

fixture_copy() {
	_fdir=$1
	shift
	cp -R "$@" "$_fdir/" || return 1
	for _f in "$@"; do
		chmod -R u=rwX,go=rX "$_fdir/$(basename "$_f")" || return 1
	done
}

fixture_rules() {
	mkdir -p "$1/rules" && chmod 755 "$1/rules" &&
	    fixture_copy "$1/rules" "${top_srcdir:?}"/rules/* &&
	    echo "$1/rules/kernel-security.rules"
}
