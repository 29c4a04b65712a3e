#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: mail the policy allows is delivered unchanged.

Messages that must pass (the security team with a maintainer, a distros
list alone, a distros address only in a display name, an address that
merely looks like the list) go through the real Postfix with ccguard
attached and reach the sink byte for byte: the same envelope, the same
body, and the same header lines in the same order after the Received line
Postfix prepends. ccguard adds, removes and rewrites nothing.

Most such mail is accepted at end of headers. A message that no rule
stops but that came with forged ccguard headers (X-Ccguard-Hold, and an
X-Ccguard-Released that does not verify) can not be: only end of message
may remove a header. It goes on to end of message and reaches the sink
without them, otherwise unchanged.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

# A body with what tends to get mangled: 8-bit UTF-8, dot lines, trailing
# white space, tabs, a long line, empty lines at the end.
BODY = ("Hi,\n\n"
        "R\u00e9sum\u00e9 of the bug: na\u00efve bounds check \u2014 see below.\n"
        ".\n"
        "..leading dots\n"
        ". a dot and a space\n"
        "trailing spaces   \n"
        "\ttab indented\n"
        + "x" * 900 + "\n"
        "From the start of a line\n"
        "\n\n")


def case_headers(mid, to, cc, subject):
    hdrs = [("From", "Reporter <reporter@example.org>"), ("To", to)]
    if cc:
        hdrs.append(("Cc", cc))
    hdrs += [("Subject", subject),
             ("Date", "Sat, 28 Nov 2026 12:00:00 +0000"),
             ("Message-ID", mid),
             ("X-Mixed-CASE-header", "value\twith a tab"),
             ("X-Folded", "first part,\r\n\tsecond part,\r\n    third part"),
             ("MIME-Version", "1.0"),
             ("Content-Type", "text/plain; charset=utf-8"),
             ("Content-Transfer-Encoding", "8bit")]
    return hdrs


CASES = [
    ("security team and a maintainer", ["security@kernel.org", "maintainer@example.com"],
     "maintainer@example.com", "security@kernel.org", "[PATCH] foo: fix double free"),
    ("linux-distros alone", ["linux-distros@vs.openwall.org"],
     "linux-distros@vs.openwall.org", None, "[vs] fixed bug, disclosure on 2026-12-01"),
    ("distros address only in a display name", ["security@kernel.org"],
     "security@kernel.org", '"linux-distros@vs.openwall.org" <someone@example.org>', "report"),
    ("a different mailbox: linux-distros-owner",
     ["security@kernel.org", "linux-distros-owner@vs.openwall.org"],
     "security@kernel.org", "linux-distros-owner@vs.openwall.org", "list question"),
]


FORGED = [("X-Ccguard-Hold", "rule=kernel-and-distros; matched=nothing"),
          ("X-Ccguard-Released", "id=B0GUS; t=1; mac=00")]


def forged_case(env):
    """forged_case - send mail no rule stops, with forged ccguard headers."""
    mid = harness.unique_id("forged")
    hdrs = case_headers(mid, "maintainer@example.com", None, "plain mail")
    data = harness.message(hdrs[:3] + FORGED + hdrs[3:], BODY)
    r = env.send("reporter@example.org", ["maintainer@example.com"], data)
    harness.log("forged headers: %s" % r)
    check(r.accepted, "forged headers: accepted", r)
    return mid, data


def check_forged(env, mid, data):
    """check_forged - delivered once, without the forged headers, else unchanged."""
    got = env.sink.find(mid)
    check(len(got) == 1, "forged headers: delivered once", env.sink.messages)
    want_h, want_b = harness.split_message(data)
    want_h = [h for h in want_h if not h.lower().startswith(("x-ccguard-hold:",
                                                              "x-ccguard-released:"))]
    got_h, got_b = harness.split_message(got[0].data)
    check(got_b == want_b, "forged headers: body byte for byte")
    check(got_h[1:] == want_h, "forged headers: both removed, the rest unchanged, in order",
          "got:", "\n".join(got_h), "want:", "\n".join(want_h))


def test(env):
    sent = []
    for label, rcpts, to, cc, subject in CASES:
        mid = harness.unique_id("pass")
        hdrs = case_headers(mid, to, cc, subject)
        data = harness.message(hdrs, BODY)
        r = env.send("reporter@example.org", rcpts, data)
        harness.log("%s: %s" % (label, r))
        check(r.accepted, "%s: accepted" % label, r)
        sent.append((label, mid, rcpts, data))

    fmid, fdata = forged_case(env)

    env.sink.wait(len(sent) + 1, 15)
    check_forged(env, fmid, fdata)
    for label, mid, rcpts, data in sent:
        got = env.sink.find(mid)
        check(len(got) == 1, "%s: delivered once" % label, env.sink.messages)
        m = got[0]
        check(m.mail_from == "reporter@example.org", "%s: envelope sender" % label, m.mail_from)
        check(sorted(m.rcpts) == sorted(rcpts), "%s: envelope recipients" % label, m.rcpts)
        want_h, want_b = harness.split_message(data)
        got_h, got_b = harness.split_message(m.data)
        check(got_b == want_b, "%s: body byte for byte" % label,
              "got: %r" % got_b[:300], "want: %r" % want_b[:300])
        check(len(got_h) == len(want_h) + 1 and got_h[0].startswith("Received: from client.e2e.test"),
              "%s: Postfix adds one Received line and nothing else" % label, got_h)
        check(got_h[1:] == want_h, "%s: header lines unchanged, in order" % label,
              "got:", "\n".join(got_h), "want:", "\n".join(want_h))
        check(m.data == ("\r\n".join([got_h[0]]) + "\r\n").encode() + data,
              "%s: the whole message byte for byte after Received" % label)
    check(env.sink.count() == len(sent) + 1, "nothing else delivered", env.sink.messages)
    log = env.milter_log()
    check(log.count("action=pass") == len(sent) + 1, "one pass line per message", log)
    check(log.count("invalid X-Ccguard-Released header removed") == 1,
          "the forged release header is logged as removed", log)


harness.main(test)
