#!/usr/bin/env python3
"""End-to-end: a reply that is not one clear command decides nothing.

SPDX-License-Identifier: BSD-2-Clause

Through the private Postfix with its default queue id length and timing
(modlib), 20 messages are held and "ccguardctl held digest" mails the
moderator a digest of all of them. Replies that a moderator's mail program
could make of it are sent to the command address and handled by
"ccguardctl mail-process":
- the digest quoted whole ("> " before each line);
- the digest quoted and re-wrapped at 76 columns, as mail programs re-wrap
  long quoted lines: the release-without lines break, the shorter ones
  survive (an older ccguard read only the first 16 command lines and
  released the message whose lines fell past that cut);
- one notice quoted and re-wrapped at 72 and at 76 columns, and at the
  width where only its (shortest) reject line survives whole (an older
  ccguard left the broken lines out and rejected the message).
Each answer says that nothing was done and why; every message is still in
the hold queue, and the sender of the one whose reject line survived got
no rejection notice.
"""
import email
import email.policy
import os
import re
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modlib  # noqa: E402
from modlib import harness, holdlib, check, ctl, MODERATOR  # noqa: E402

HELD = 20
# A whole command line, as quoted in a reply.
QUOTED_RX = re.compile(r"^> +ccguard (release|release-without|reject|discard)"
                       r"(?: \S+)? [0-9A-Za-z]+ [0-9a-f]{40}$", re.M)


def quoted(text, width=None):
    """quoted - text as a reply quotes it; long lines re-wrapped to width columns."""
    out = []
    for line in text.splitlines():
        if width is None or len("> " + line) <= width:
            out.append("> " + line)
            continue
        for piece in textwrap.wrap(line.strip(), width - 2, break_long_words=False,
                                   break_on_hyphens=False):
            out.append("> " + piece)
    return "\n".join(out) + "\n"


def nothing_done(env, body, why, held, what):
    """nothing_done - send body; the answer says nothing was done (why); all still held."""
    mid = modlib.command_mail(env, "Which one is this about?\n\n" + body, qp=False)
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check(t.startswith("Nothing was done") and why in t and "Done." not in t,
          "%s: nothing done (%s)" % (what, why), t)
    check(modlib.held_ids(env) == held, "%s: every message still held" % what,
          sorted(held - modlib.held_ids(env)))
    return t


def test(env):
    modlib.start(env)
    held = set()
    notices = {}
    for i in range(HELD):
        qid, _ = holdlib.hold(env)
        held.add(qid)
        notices[qid] = modlib.notice_for(env, qid)
    check(modlib.held_ids(env) == held, "%d messages held" % HELD)

    p = ctl(env, "held", "digest")
    check("digest of %d held message(s) sent to <%s>" % (HELD, MODERATOR) in p.stdout,
          "digest sent", p.stdout)
    dg = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                   x.header("X-Ccguard-Answer") == ["digest"]], 30, 0.1, "digest")
    dm = email.message_from_bytes(dg[0].data, policy=email.policy.default)
    dtext, dl = modlib.lines_of(dm)
    check(len(dl) == 6 * HELD, "six command lines for each of the %d messages" % HELD, len(dl))

    nothing_done(env, quoted(dtext), "lines that begin with \"ccguard\"", held,
                 "the digest quoted whole")
    wrapped = quoted(dtext, 76)
    broken = [l for l in wrapped.splitlines() if l.startswith("> ccguard release-without")]
    check(len(broken) == 3 * HELD and all(QUOTED_RX.search(l) is None for l in broken),
          "at 76 columns the release-without lines break", broken[:2])
    check(len(QUOTED_RX.findall(wrapped)) == 3 * HELD,
          "and the release, reject and discard lines survive", len(QUOTED_RX.findall(wrapped)))
    nothing_done(env, wrapped, "lines that begin with \"ccguard\"", held,
                 "the digest re-wrapped at 76 columns")

    qid = sorted(held)[0]
    ntext, nl = modlib.lines_of(notices[qid])
    reject = nl[("reject", None, qid)][0]
    only_reject = len("> " + reject)
    check(all(len("> " + l) > only_reject for (a, _, _), (l, _) in nl.items() if a != "reject"),
          "the reject line is the shortest", only_reject)
    for width in (72, 76, only_reject):
        body = quoted(ntext, width)
        survived = QUOTED_RX.findall(body)
        harness.log("notice re-wrapped at %d: whole command lines %s" % (width, survived))
        if width == only_reject:
            check(survived == ["reject"], "at %d columns only the reject line survives" % width,
                  survived)
        nothing_done(env, body, "", held, "the notice re-wrapped at %d columns" % width)
    env.barrier()
    check(not [x for x in env.sink.messages if holdlib.to(x, holdlib.REPORTER)],
          "no rejection notice went to the sender")


harness.main(test, milter=False, main_cf=modlib.DEFAULT_TIMING)
