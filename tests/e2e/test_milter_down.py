#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: with ccguard not running, mail is deferred, never let through.

Postfix is configured with milter_default_action = tempfail. With no ccguard
listening, an SMTP client is told to try again later (4xx) and nothing is
queued or delivered; a sendmail(1) submission stays in the maildrop queue.
Once ccguard is started, the retried SMTP message gets the real verdict
(delivered, or refused for a report to both lists) and the waiting local
submission is picked up and delivered: nothing is lost or let through
unchecked.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402


def test(env):
    check(not env.milter_running(), "ccguard is not running")
    good = harness.unique_id("good")
    good_data = harness.report_message(msgid=good, cc=("maintainer@example.com",))
    rcpts = [harness.SECURITY, "maintainer@example.com"]
    r = env.send("reporter@example.org", rcpts, good_data)
    harness.log("without ccguard: %s" % r)
    check(not r.accepted and r.temporary(), "the client is told to retry (4xx)", r)
    check(r.code == 451 and "4.7.1" in r.text, "451 4.7.1 from milter_default_action", r)

    bad = harness.unique_id("bad")
    bad_data = harness.report_message(msgid=bad)
    r = env.send("reporter@example.org", [harness.SECURITY, harness.DISTROS], bad_data)
    check(not r.accepted and r.temporary(), "a report to both lists is deferred too", r)

    local = harness.unique_id("local")
    p = env.sendmail("reporter@example.org", ["maintainer@example.com"],
                     harness.report_message(msgid=local, to=("maintainer@example.com",), cc=()))
    check(p.returncode == 0, "sendmail accepts the submission", p)
    harness.wait_for(lambda: re.search(r"cleanup\[\d+\]: \w+: milter-reject: CONNECT .*4\.7\.1",
                                       env.maillog()),
                     10, 0.1, "cleanup to try the milter for the local submission")
    q = env.queue()
    check(len(q) == 1 and q[0]["queue_name"] == "maildrop",
          "the local submission waits in maildrop; nothing else queued", q)
    check(env.sink.count() == 0, "nothing delivered while ccguard is down", env.sink.messages)

    env.start_milter()
    r = env.send("reporter@example.org", rcpts, good_data)
    check(r.accepted, "the retried message is accepted once ccguard runs", r)
    r = env.send("reporter@example.org", [harness.SECURITY, harness.DISTROS], bad_data)
    check(r.code == 550, "the retried report to both lists is refused", r)
    # pickup would rescan maildrop within its 60 s wakeup; do not wait.
    env.postfix_cmd("postkick", "-c", env.config_dir, "public", "pickup", "W")
    env.sink.wait(2, 15)
    ids = [m.header("Message-ID")[0] for m in env.sink.messages]
    check(sorted(ids) == sorted([good, local]), "the retried and the local message delivered", ids)
    # qmgr removes a delivered message's file a moment after the sink has
    # it: wait for that, as test_milter_killed does.
    harness.wait_for(lambda: env.queue() == [], 10, 0.1, "the queue is empty")


harness.main(test, milter=False)
