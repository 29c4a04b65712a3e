#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: ccguard dying in the middle of a transaction loses nothing.

ccguard is killed with SIGKILL (no chance to clean up) at three points of
an SMTP transaction: after RCPT TO, halfway through the message data, and
between two messages of one session. Each time the client must get a
temporary failure (4xx, "try again later") and the message must be neither
queued nor delivered. After a restart the same messages are sent again and
get their real verdicts.
"""
import os
import signal
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

RCPTS = [harness.SECURITY, "maintainer@example.com"]


def good_message(tag):
    mid = harness.unique_id(tag)
    return mid, harness.report_message(msgid=mid, cc=("maintainer@example.com",))


def kill(env, where):
    pid = env.milter_proc.pid
    env.kill_milter(signal.SIGKILL)
    harness.log("killed ccguard (pid %d) %s" % (pid, where))


def expect_deferred(what, code, text):
    harness.log("%s: %s %s" % (what, code, text))
    check(code is not None and 400 <= code < 500, "%s: the client is told to retry" % what,
          code, text)


def after_rcpt(env, data):
    with env.session() as s:
        check(s.smtp.mail("reporter@example.org")[0] == 250, "MAIL accepted")
        for r in RCPTS:
            check(s.smtp.rcpt(r)[0] == 250, "RCPT accepted")
        kill(env, "after RCPT")
        try:
            code, text = s.smtp.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        expect_deferred("killed after RCPT", code, text)


def during_data(env, data):
    half = len(data) // 2
    with env.session() as s:
        check(s.smtp.mail("reporter@example.org")[0] == 250, "MAIL accepted")
        for r in RCPTS:
            check(s.smtp.rcpt(r)[0] == 250, "RCPT accepted")
        s.smtp.putcmd("data")
        code, text = s.smtp.getreply()
        check(code == 354, "DATA accepted", code, text)
        s.smtp.send(data[:half])
        # Let Postfix pass the headers on to ccguard before it dies.
        time.sleep(0.3)
        kill(env, "during DATA")
        s.smtp.send(data[half:] + b".\r\n")
        code, text = s.smtp.getreply()
        expect_deferred("killed during DATA", code, text)


def between_messages(env, data1, data2):
    with env.session() as s:
        r = s.send("reporter@example.org", RCPTS, data1)
        check(r.accepted, "first message of the session accepted", r)
        kill(env, "between two messages of a session")
        r = s.send("reporter@example.org", RCPTS, data2)
        expect_deferred("killed between messages", r.code, r.text)
        check(not r.accepted, "second message not accepted", r)
        return r


def test(env):
    m1, d1 = good_message("after-rcpt")
    m2, d2 = good_message("during-data")
    m3, d3 = good_message("first")
    m4, d4 = good_message("second")

    after_rcpt(env, d1)
    env.start_milter()
    during_data(env, d2)
    env.start_milter()
    between_messages(env, d3, d4)

    env.sink.wait(1, 15)
    got = [m.header("Message-ID")[0] for m in env.sink.messages]
    check(got == [m3], "only the message accepted before the kill was delivered", got)
    check(env.queue() == [], "nothing queued", env.queue())

    env.start_milter()
    for mid, data in ((m1, d1), (m2, d2), (m4, d4)):
        r = env.send("reporter@example.org", RCPTS, data)
        check(r.accepted, "retry of %s accepted once ccguard is back" % mid, r)
    bad = harness.report_message()
    r = env.send("reporter@example.org", [harness.SECURITY, harness.DISTROS], bad)
    check(r.code == 550, "the restarted ccguard still refuses a report to both lists", r)
    env.sink.wait(4, 15)
    got = sorted(m.header("Message-ID")[0] for m in env.sink.messages)
    check(got == sorted([m1, m2, m3, m4]), "every message delivered exactly once", got)
    # qmgr removes a queue file just after the sink has the message.
    harness.wait_for(lambda: env.queue() == [], 10, 0.1, "nothing left queued")


harness.main(test)
