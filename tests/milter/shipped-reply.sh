#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/shipped-reply.sh - the full shipped reject reply, checked
# through "ccguard -t" (miltertest can not receive it: see mtlib.lua).
#
# A new report to security@kernel.org with linux-distros in Cc must be
# refused by the shipped rule kernel-and-distros with 550 5.7.1 and the
# whole of rules/kernel-and-distros.reply: every line of the template
# that holds no variable is a reply line of its own, in order, and the
# reply as a whole is the template with its variables filled in. Every
# line carries the SMTP code and DSN ("550-5.7.1" but "550 5.7.1" on the
# last) and fits the limits reply.c promises.
#
# Environment (set by make check): top_srcdir, top_builddir.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
daemon=$top_builddir/milter/ccguard
template=$top_srcdir/rules/kernel-and-distros.reply
[ -x "$daemon" ] || { echo "ERROR: $daemon not built"; exit 99; }
. "$top_srcdir/tests/fixtures.sh"

work=$(fixture_dir reply) || exit 99
trap 'rm -rf "$work"' EXIT
rules=$(fixture_rules "$work") || exit 99
trap 'exit 99' HUP INT PIPE TERM
fails=0
# fail - note one failed check and go on
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

cat >"$work/ccguard.conf" <<EOF
user =
rules = $rules
hostname = mx.example.net
EOF
cat >"$work/report.eml" <<'EOF'
From: Reporter <reporter@example.org>
To: Security Officers <security@kernel.org>
Cc: "linux-distros" <linux-distros@vs.openwall.org>
Subject: [vs] use-after-free in foo

Details.
EOF
"$daemon" -t "$work/report.eml" -c "$work/ccguard.conf" --from reporter@example.org \
    --rcpt security@kernel.org --rcpt linux-distros@vs.openwall.org >"$work/out" 2>&1 ||
	{ cat "$work/out"; echo "FAIL: ccguard -t failed"; exit 1; }
cat "$work/out"

grep -q '^rule: kernel-and-distros (' "$work/out" || fail "not decided by rule kernel-and-distros"
grep -qx 'action: reject' "$work/out" || fail "the action is not reject"

# The reply lines, without the two spaces -t indents them with.
sed -n '/^reply:$/,/^[^ ]/s/^  //p' "$work/out" >"$work/reply"
n=$(wc -l <"$work/reply")
[ "$n" -ge 2 ] || fail "the reply has $n lines"
[ "$n" -le 30 ] || fail "the reply has $n lines, more than reply.c allows (30)"
head -n $((n - 1)) "$work/reply" | grep -v '^550-5\.7\.1 ' >"$work/bad"
tail -n 1 "$work/reply" | grep -v '^550 5\.7\.1 ' >>"$work/bad"
[ -s "$work/bad" ] && fail "lines without the right code and DSN:" "$(cat "$work/bad")"
# The text of each line, as a client sees it ("%%" is libmilter's "%").
sed -e 's/^550[- ]5\.7\.1 //' -e 's/%%/%/g' "$work/reply" >"$work/text"
awk 'length($0) > 78 { print }' "$work/text" >"$work/bad"
[ -s "$work/bad" ] && fail "lines longer than 78 characters:" "$(cat "$work/bad")"

# Template lines without variables: each one a reply line, in order.
grep -v '\${' "$template" | sed -e 's/[[:space:]]*$//' -e '/^$/d' >"$work/fixed"
awk 'NR == FNR { want[++n] = $0; next }
    i < n && $0 == want[i + 1] { i++ }
    END { for (j = i + 1; j <= n; j++) print want[j] }' "$work/fixed" "$work/text" >"$work/bad"
[ -s "$work/bad" ] && fail "template lines missing from the reply (or out of order):" "$(cat "$work/bad")"

# The whole reply: the template with its variables filled in, compared
# with white space squeezed (long lines may be wrapped).
matched='security@kernel.org (envelope, To) and linux-distros@vs.openwall.org (envelope, Cc)'
sed -e "s/\${matched}/$matched/g" -e 's/\${rule}/kernel-and-distros/g' \
    -e 's/\${action}/reject/g' -e 's/\${queue_id}/TEST/g' \
    -e 's/\${addresses}/security@kernel.org, linux-distros@vs.openwall.org/g' \
    -e 's/\${sender}/reporter@example.org/g' -e 's/\${hostname}/mx.example.net/g' \
    -e 's/\${recipients}/security@kernel.org, linux-distros@vs.openwall.org/g' \
    "$template" >"$work/want"
if grep '\${' "$work/want" >"$work/bad"; then
	fail "the template uses a variable this test does not fill in:" "$(cat "$work/bad")"
fi
squeeze() { tr -s ' \t\n' '   ' <"$1" | sed -e 's/^ //' -e 's/ $//'; }
if [ "$(squeeze "$work/want")" != "$(squeeze "$work/text")" ]; then
	fail "the reply is not the rendered template"
	echo "--- want"; squeeze "$work/want"; echo
	echo "--- got"; squeeze "$work/text"; echo
fi

# The matched addresses and where each was found (lines may be wrapped).
squeeze "$work/text" >"$work/flat"
grep -qF 'security@kernel.org (envelope, To)' "$work/flat" ||
	fail "the reply does not name security@kernel.org (envelope, To)"
grep -qF 'linux-distros@vs.openwall.org (envelope, Cc)' "$work/flat" ||
	fail "the reply does not name linux-distros@vs.openwall.org (envelope, Cc)"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: $n reply lines"
