#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: several messages in one SMTP session get their own verdicts.

One connection carries, in order: a new report to both lists (refused),
a harmless message (delivered), a reply in the thread to both lists (held),
another refused report, and another harmless message. Only the refused ones
are refused, only the reply is held, both harmless ones are delivered:
ccguard's per-message state is reset between transactions, so a verdict
never leaks into the next message of the same connection.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

PAIR = [harness.SECURITY, harness.DISTROS]
GOOD_RCPTS = [harness.SECURITY, "maintainer@example.com"]


def test(env):
    bad1, good1, reply, bad2, good2 = (harness.unique_id(t) for t in
                                       ("bad1", "good1", "reply", "bad2", "good2"))
    plan = [
        ("bad1", PAIR, harness.report_message(msgid=bad1), "reject"),
        ("good1", GOOD_RCPTS, harness.report_message(msgid=good1, cc=("maintainer@example.com",)),
         "pass"),
        ("reply", PAIR, harness.report_message(msgid=reply, extra=[("In-Reply-To", bad1)]), "hold"),
        ("bad2", [harness.SECURITY], harness.report_message(msgid=bad2), "reject"),
        ("good2", GOOD_RCPTS, harness.report_message(msgid=good2, cc=("maintainer@example.com",)),
         "pass"),
    ]
    results = {}
    with env.session() as s:
        for name, rcpts, data, want in plan:
            r = s.send("reporter@example.org", rcpts, data)
            harness.log("%s: %s" % (name, r))
            results[name] = r
            if want == "reject":
                check(r.stage == "eod" and r.code == 550 and "Refused: " in r.text,
                      "%s: refused at end of data with the explanation" % name, r)
            else:
                check(r.accepted, "%s: accepted" % name, r)
            check(not s.closed, "%s: the session stays open" % name, r)

    env.sink.wait(2, 15)
    env.barrier()
    delivered = [m.header("Message-ID")[0] for m in env.sink.messages]
    check(good1 in delivered and good2 in delivered, "both harmless messages delivered", delivered)
    for mid in (bad1, bad2, reply):
        check(mid not in delivered, "%s not delivered" % mid, delivered)
    check(len(delivered) == 3, "nothing else delivered (2 + barrier)", delivered)
    q = env.queue()
    check(len(q) == 1 and q[0]["queue_name"] == "hold" and
          q[0]["queue_id"] == results["reply"].queue_id,
          "only the reply is queued, on hold", q)
    log = env.milter_log()
    check(log.count("action=reject") == 2 and log.count("action=hold") == 1 and
          log.count("action=pass") == 3, "one log line per message, right verdicts", log)


harness.main(test)
