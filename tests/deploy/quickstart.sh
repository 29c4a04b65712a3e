#!/bin/bash
# tests/deploy/quickstart.sh - "./quickstart.sh start", the README's first
# command, in a copy of the source tree: it builds and starts ccguard and
# prints nothing but its result (no output of autoreconf, configure, make
# or ar); the example messages it names exist and are judged as it says
# (the report to both sides refused, the ordinary mail passed) when its
# printed commands are run; the printed stop command stops ccguard within
# a second or two.
#
# SPDX-License-Identifier: BSD-2-Clause
#
# As root it runs the quick start as the user nobody, which takes the
# non-root path (no package installation: the build dependencies are
# there already). Skips (77) without autoreconf.
set -u
: "${top_srcdir:?}"
command -v autoreconf >/dev/null 2>&1 || { echo "SKIP: autoreconf is not installed"; exit 77; }
. "$top_srcdir/tests/fixtures.sh"
tmp=$(fixture_dir quickstart) || exit 1
chmod 755 "$tmp"
pid=
# cleanup - stop a ccguard the quick start left running, remove the copy
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The source files only: no build tree (distcheck's _build and _inst are
# inside its source tree), no generated files; writable (distcheck's
# source tree is not), as a checkout is.
src=$tmp/src
mkdir -p "$src"
tar -C "$top_srcdir" --exclude='./_build*' --exclude=./_inst --exclude=./_run \
	--exclude=./autom4te.cache --exclude=./.git --exclude=./config.status \
	--exclude=./config.log -cf - . | tar -x -C "$src" && chmod -R u+w "$src" ||
	{ echo "FAIL: cannot copy the source tree"; exit 1; }
as=()
if [ "$(id -u)" = 0 ]; then
	chown -R nobody: "$tmp"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
port=$("${PYTHON3:-python3}" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

if ! (cd "$src" && env HOME="$tmp" CCGUARD_PORT="$port" "${as[@]}" ./quickstart.sh start) \
	>"$tmp/out" 2>&1; then
	cat "$tmp/out"; bad "./quickstart.sh start failed"; exit 1
fi
cat "$tmp/out"
pid=$(cat "$src/_run/ccguard.pid" 2>/dev/null)

# Nothing before the result: a blank line, then "ccguard is running".
first=$(grep -n . "$tmp/out" | head -1)
[ "$first" = "2:ccguard is running (pid $pid, log: $src/_run/ccguard.log, also syslog)" ] ||
	bad "output before the result (build noise?): first line \"$first\""
grep -q "^on inet:$port@127.0.0.1 with " "$tmp/out" || bad "not on the port asked for"
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { bad "ccguard is not running"; exit 1; }

# The example commands, run as printed.
mapfile -t tries < <(sed -n 's/^    \(.*ccguard -c .* -t .*\.eml\)$/\1/p' "$tmp/out")
[ "${#tries[@]}" = 2 ] || bad "want two example commands, found ${#tries[@]}"
for cmd in "${tries[@]}"; do
	file=${cmd##* }
	[ -f "$file" ] || { bad "the example $file does not exist"; continue; }
	out=$("${as[@]}" $cmd 2>&1)
	case $file in
	*/report-to-both.eml) want='action: reject' ;;
	*/ordinary.eml) want='action: pass' ;;
	*) bad "an unexpected example: $file"; continue ;;
	esac
	grep -qx "$want" <<<"$out" && echo "ok: $(basename "$file"): $want" ||
		{ echo "$out"; bad "$(basename "$file"): not \"$want\""; }
done

# The printed stop command. ccguard is no child of ours: once it exits it
# may stay a zombie until init reaps it, and a zombie has stopped.
running() {
	case $(sed -n 's/.*) \(.\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) in
	''|Z|X) return 1 ;;
	esac
}
stop=$(sed -n 's/^Stop it:  \(kill .*\)$/\1/p' "$tmp/out")
[ -n "$stop" ] || bad "no stop command printed"
t0=$(date +%s%N)
eval "$stop"
while running && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ]; do
	sleep 0.02
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if running; then
	bad "ccguard still runs ${ms} ms after the stop command"
elif [ "$ms" -gt 2000 ]; then
	bad "ccguard took ${ms} ms to stop (want well under a second; 2 s allowed)"
else
	echo "ok: stopped ${ms} ms after the stop command"
	pid=
fi
exit $fail
