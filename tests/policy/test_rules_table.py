#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Every shipped rule through the real engine: ccguard -t on the .eml
fixtures in tests/policy/eml, with an envelope given by --from/--rcpt
(and --auth), checking the printed "rule:", "action:" and, for the body
rule, "body:" lines. The shipped rules are used from a private copy whose
operator files (/etc/ccguard/...) point into a temporary directory, so the
exempt-senders rule can be tested with a list of our own."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policytest as pt  # noqa: E402

srcdir, builddir, ccguard = pt.paths()
eml = os.path.join(srcdir, "tests", "policy", "eml")
work = pt.tmpdir()
main, etc = pt.private_rules_copy(srcdir, work)
with open(os.path.join(etc, "exempt-senders"), "w") as fp:
    fp.write("# security team members and moderators\nteam@example.org\n")
with open(os.path.join(etc, "public-lists"), "w") as fp:
    fp.write("@lists.example.net\n")
for name in ("exempt-senders", "public-lists"):
    os.chmod(os.path.join(etc, name), 0o644)
conf = pt.write_conf(work, [main])

SEC = "security@kernel.org"
LD = "linux-distros@vs.openwall.org"
D = "distros@vs.openwall.org"
ME = "me@example.org"

# label, message file, sender, recipients, auth, want action, want rule, want body
CASES = [
    ("new report to both: reject", "new-report.eml", "reporter@example.org",
     [SEC, LD], None, "reject", "kernel-and-distros", None),
    ("the same from an exempt, authenticated sender: accept", "new-report.eml",
     "team@example.org", [SEC, LD], "team", "accept", "exempt-senders", None),
    ("an exempt sender that did not authenticate: reject", "new-report.eml",
     "team@example.org", [SEC, LD], None, "reject", "kernel-and-distros", None),
    ("an authenticated sender not on the list: reject", "new-report.eml",
     "reporter@example.org", [SEC, LD], "reporter", "reject", "kernel-and-distros", None),
    ("reply to both: hold", "reply-both.eml", "maintainer@example.org",
     [SEC, LD], None, "hold", "kernel-and-distros-reply", None),
    ("reply-all onto a public list: hold", "distros-public.eml", "member@example.org",
     [LD, "netdev@vger.kernel.org"], None, "hold", "distros-and-public", None),
    # The leak rule comes before the exemption: an exempt, authenticated
    # sender's reply-all still does not reach a public list with a distros list.
    ("the same reply-all from an exempt, authenticated sender: hold", "distros-public.eml",
     "team@example.org", [LD, "netdev@vger.kernel.org"], "team", "hold",
     "distros-and-public", None),
    ("distros list plus the operator's public list: hold", "no-vs-tag.eml",
     "reporter@example.org", [LD, "announce@lists.example.net"], None, "hold",
     "distros-and-public", None),
    ("new report to the team and LKML: hold", "kernel-public.eml", "reporter@example.org",
     [SEC, "maintainer@example.org", "linux-kernel@vger.kernel.org"], None, "hold",
     "kernel-and-public", None),
    ("distros@ and linux-distros@: reject", "both-distros.eml", "reporter@example.org",
     [D, LD], None, "reject", "both-distros-lists", None),
    ("no [vs] tag, authenticated sender: reject", "no-vs-tag.eml", "reporter@example.org",
     [LD], "reporter", "reject", "distros-vs-tag", None),
    ("no [vs] tag, not authenticated (inbound): pass", "no-vs-tag.eml",
     "reporter@example.org", [LD], None, "pass", None, None),
    ("list-delivered copy (List-Id, bounce sender): accept", "list-copy.eml",
     "netdev+bounces-4242-me=example.org@vger.kernel.org", [ME], None, "accept",
     "list-delivered", None),
    ("list-delivered copy, header only: accept", "list-copy.eml", "someone@example.net",
     [ME], None, "accept", "list-delivered", None),
    ("the distros list's own copy, by envelope sender: accept", "reply-both.eml",
     "linux-distros-owner@vs.openwall.org", [ME], None, "accept", "list-delivered", None),
    ("HTML-only report: notify", "html-only.eml", "reporter@example.org", [SEC], None,
     "notify", "kernel-plain-text", "html-only"),
    ("HTML alternative: notify", "html-alternative.eml", "reporter@example.org", [SEC],
     None, "notify", "kernel-plain-text", "html-alternative"),
    ("Markdown in a plain-text body: notify", "markdown-body.eml", "reporter@example.org",
     [SEC], None, "notify", "kernel-plain-text", "markup"),
    ("binary-only reproducer (ELF, folded name, no suffix): notify",
     "binary-reproducer.eml", "reporter@example.org", [SEC], None, "notify",
     "kernel-plain-text", "attachment,executable"),
    ("nested alternative and an attached .md: notify", "nested-markdown-attachment.eml",
     "reporter@example.org", [SEC], None, "notify", "kernel-plain-text",
     "html-alternative,markup,attachment"),
    ("PGP/MIME signed plain text: pass", "pgp-signed.eml", "maintainer@example.org",
     [SEC], None, "pass", None, "none"),
    ("plain text with '--' lines: pass", "plain.eml", "reporter@example.org",
     [SEC, "maintainer@example.org"], None, "pass", None, "none"),
    ("HTML to someone else: pass", "html-only.eml", "reporter@example.org",
     ["friend@example.net"], None, "pass", None, "html-only"),
]

t = pt.Checker()
for label, msg, sender, rcpts, auth, want_action, want_rule, want_body in CASES:
    cmd = [ccguard, "-t", os.path.join(eml, msg), "-c", conf, "--from", sender]
    for r in rcpts:
        cmd += ["--rcpt", r]
    if auth is not None:
        cmd += ["--auth", auth]
    rc, out, err = pt.run(cmd)
    if rc != 0:
        t.check(label, False, "exit %d: %s" % (rc, err.strip()))
        continue
    action = pt.field(out, "action")
    rule = pt.field(out, "rule")
    rule = rule.split(" ")[0] if rule != "none matched" else None
    body = pt.field(out, "body")
    problems = []
    if action != want_action:
        problems.append("action: got %s, want %s" % (action, want_action))
    if rule != want_rule:
        problems.append("rule: got %s, want %s" % (rule, want_rule))
    if want_body is not None and body != want_body:
        problems.append("body: got %s, want %s" % (body, want_body))
    if rule is not None and "(%s:" % main not in out:
        problems.append("rule line has no file:line")
    if want_action == "reject" and "reply:" not in out:
        problems.append("no reply text printed")
    if want_action == "hold" and "hold header:" not in out:
        problems.append("no hold header printed")
    t.check(label, not problems, "; ".join(problems))

# The reject replies carry the policy's facts, not a flat "never".
rc, out, err = pt.run([ccguard, "-t", os.path.join(eml, "new-report.eml"), "-c", conf,
                       "--from", "reporter@example.org", "--rcpt", SEC, "--rcpt", LD])
reply = " ".join(line.split(" ", 2)[-1] for line in out.splitlines() if line.startswith("  550"))
for phrase in ("generally makes no sense", "7 days, 14 in exceptional cases",
               "14 days at most", "[vs]"):
    t.check("reply mentions %r" % phrase, phrase in reply, reply)
t.check("reply never says never", "never" not in reply.lower(), reply)
t.check("reply names the matched addresses", SEC in reply and LD in reply, reply)

# A hold or notify rule that the operator turns into a reject answers with
# its own refusal text, never "Held ..." or "Delivered ...".
override = os.path.join(work, "override")
os.makedirs(override)
conf2 = pt.write_conf(override, [main], "".join(
    "action.%s = reject\n" % r for r in ("distros-and-public", "kernel-and-public",
                                         "kernel-and-distros-reply", "kernel-plain-text")))
for msg, rcpts, rule in (("distros-public.eml", [LD, "netdev@vger.kernel.org"], "distros-and-public"),
                         ("kernel-public.eml", [SEC, "linux-kernel@vger.kernel.org"], "kernel-and-public"),
                         ("reply-both.eml", [SEC, LD], "kernel-and-distros-reply"),
                         ("html-only.eml", [SEC], "kernel-plain-text")):
    cmd = [ccguard, "-t", os.path.join(eml, msg), "-c", conf2, "--from", "x@example.org"]
    for r in rcpts:
        cmd += ["--rcpt", r]
    rc, out, err = pt.run(cmd)
    first = [line for line in out.splitlines() if line.startswith("  550")][:1]
    t.check("%s as reject: refusal wording" % rule,
            pt.field(out, "action") == "reject" and first and "Refused: " in first[0],
            "got %r" % (first or out))

t.done()
