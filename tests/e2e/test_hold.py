#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: held messages wait in Postfix's hold queue, with the reason.

With "action.kernel-and-distros = hold" in ccguard.conf, a new report to
security@kernel.org and linux-distros is accepted (250, so the client does
not retry) but put on hold: postqueue -j lists it in the hold queue,
postcat shows the X-Ccguard-Hold header naming the rule and the matched
addresses with where they were found, and the sink gets nothing. A forged
X-Ccguard-Hold header that came with the message is replaced by ccguard's
own. A reply in an existing thread is held by kernel-and-distros-reply.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402


def hold_headers(env, qid):
    return [l for l in env.queued_headers(qid) if l.lower().startswith("x-ccguard-hold:")]


def expect_held(env, rcpts, data, rule):
    r = env.send("reporter@example.org", rcpts, data)
    harness.log("reply: %s" % r)
    check(r.accepted and r.code == 250, "held message accepted with 250", r)
    check(r.queue_id, "a queue id in the reply", r.text)
    held = harness.wait_for(lambda: [q for q in env.hold_queue() if q["queue_id"] == r.queue_id],
                            10, 0.1, "%s in the hold queue" % r.queue_id)[0]
    check(held["sender"] == "reporter@example.org", "envelope sender kept", held)
    check(sorted(x["address"] for x in held["recipients"]) == sorted(rcpts),
          "every envelope recipient kept", held)
    hdrs = hold_headers(env, r.queue_id)
    harness.log("hold header: %s" % hdrs)
    check(len(hdrs) == 1, "exactly one X-Ccguard-Hold header", env.queued_headers(r.queue_id))
    return r.queue_id, hdrs[0]


def test(env):
    new = harness.unique_id("new")
    data = harness.report_message(msgid=new)
    qid1, h = expect_held(env, [harness.SECURITY, harness.DISTROS], data, "kernel-and-distros")
    check(re.search(r"rule=kernel-and-distros;", h), "the header names the rule", h)
    check("security@kernel.org (envelope, To)" in h and
          "linux-distros@vs.openwall.org (envelope, Cc)" in h,
          "the header names both addresses and where they were found", h)
    body = env.postcat(qid1, "-b")
    check("foo_bar() frees the buffer twice." in body, "the body is queued unchanged", body)

    # A sender can not pre-empt the reason a moderator reads.
    forged = harness.unique_id("forged")
    data = harness.report_message(msgid=forged,
                                  extra=[("X-Ccguard-Hold", "rule=none; matched=nothing")])
    qid2, h = expect_held(env, [harness.SECURITY, harness.DISTROS], data, "kernel-and-distros")
    check("matched=nothing" not in h and "rule=kernel-and-distros;" in h,
          "a forged X-Ccguard-Hold is replaced", h)

    # A reply in a thread: held by the second rule, whatever the first does.
    reply = harness.unique_id("reply")
    data = harness.report_message(msgid=reply, subject="Re: [report] use-after-free in foo",
                                  extra=[("In-Reply-To", new)])
    qid3, h = expect_held(env, [harness.SECURITY, harness.DISTROS], data, "kernel-and-distros-reply")
    check("rule=kernel-and-distros-reply;" in h, "the reply is held by its own rule", h)

    env.barrier()
    for mid in (new, forged, reply):
        check(not env.sink.find(mid), "held message %s not delivered" % mid, env.sink.messages)
    q = env.queue()
    check(sorted(x["queue_id"] for x in q) == sorted([qid1, qid2, qid3]) and
          all(x["queue_name"] == "hold" for x in q),
          "exactly the three held messages are queued, all on hold", q)
    log = env.milter_log()
    for qid, rule in ((qid1, "kernel-and-distros"), (qid2, "kernel-and-distros"),
                      (qid3, "kernel-and-distros-reply")):
        check(re.search(r"%s: action=hold rule=%s " % (qid, re.escape(rule)), log),
              "log line for %s names the queue id and rule %s" % (qid, rule), log)
    for qid in (qid1, qid2, qid3):
        check(re.search(r"%s: milter-hold: END-OF-MESSAGE" % qid, env.maillog()),
              "Postfix logs the hold of %s" % qid, env.maillog()[-2000:])


harness.main(test, conf="action.kernel-and-distros = hold\n")
