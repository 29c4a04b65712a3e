#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: sendmail(1) submissions go through ccguard too.

Local submissions (sendmail -> postdrop -> pickup -> cleanup) are checked
through non_smtpd_milters. There is no SMTP client to answer, so:
- a report to both lists is refused: it is not delivered to either list
  and the sender gets Postfix's bounce carrying ccguard's explanation;
- after "action.kernel-and-distros = hold" and a reload, the same report
  is accepted into the hold queue with the X-Ccguard-Hold header;
- a harmless submission is delivered unchanged.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

PAIR = [harness.SECURITY, harness.DISTROS]


def test(env):
    bad = harness.unique_id("bad")
    p = env.sendmail("reporter@example.org", PAIR, harness.report_message(msgid=bad))
    check(p.returncode == 0, "sendmail takes the message (the verdict comes later)", p)
    env.wait_log(r"action=reject rule=kernel-and-distros .*from=<reporter@example\.org> rcpts=2")
    bounce = env.sink.wait(1, 15)[0]
    harness.log("bounce: %r" % bounce)
    check(bounce.mail_from == "" and bounce.rcpts == ["reporter@example.org"],
          "the sender gets a bounce from <>", bounce)
    text = bounce.data.decode("utf-8", "replace")
    # Postfix folds the bounce text: match across white space.
    check(re.search(r"Refused:\s+send\s+this\s+report\s+again\s+without\s+the\s+Openwall\s+"
                    r"distros\s+list", text),
          "the bounce carries ccguard's explanation", text[:3000])
    for addr in PAIR:
        check(re.search(r"<%s>: Refused:" % re.escape(addr), text),
              "the bounce reports %s as not delivered" % addr, text[:3000])
    check(bad in text, "the bounce returns the refused message", text[-2000:])

    good = harness.unique_id("good")
    data = harness.report_message(msgid=good, to=("maintainer@example.com",), cc=())
    p = env.sendmail("reporter@example.org", ["maintainer@example.com"], data)
    check(p.returncode == 0, "sendmail takes the harmless message", p)
    m = harness.wait_for(lambda: env.sink.find(good), 15, 0.05, "the harmless message")[0]
    check(m.rcpts == ["maintainer@example.com"], "delivered to its recipient", m)
    check(m.body() == harness.split_message(data)[1], "body unchanged", m.body())
    check(not [x for x in env.sink.messages if set(x.rcpts) & set(PAIR)],
          "nothing delivered to either list", env.sink.messages)

    check(env.reload(extra="action.kernel-and-distros = hold\n"), "reload to hold")
    held = harness.unique_id("held")
    p = env.sendmail("reporter@example.org", PAIR, harness.report_message(msgid=held))
    check(p.returncode == 0, "sendmail takes the report", p)
    q = harness.wait_for(env.hold_queue, 15, 0.1, "a message in the hold queue")
    check(len(q) == 1 and sorted(x["address"] for x in q[0]["recipients"]) == sorted(PAIR),
          "the report is on hold with both recipients", q)
    hdrs = env.queued_headers(q[0]["queue_id"])
    check(any(h.startswith("X-Ccguard-Hold: rule=kernel-and-distros;") for h in hdrs),
          "the held submission carries X-Ccguard-Hold", hdrs)
    check(any(h == "Message-ID: %s" % held for h in hdrs), "it is the submitted message", hdrs)
    env.barrier()
    check(not env.sink.find(held), "the held submission is not delivered")
    check(len(env.queue()) == 1, "only the held message is queued", env.queue())


harness.main(test)
