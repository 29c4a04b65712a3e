#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: a hung ccguard delays mail, it does not let it through.

ccguard is stopped with SIGSTOP in the middle of a transaction (a filter
stuck on a lock or swapped out looks the same to Postfix). With short
milter timeouts, Postfix gives up on it and, per milter_default_action =
tempfail, tells the client to retry: nothing is queued or delivered. After
SIGCONT ccguard finds its Postfix connection gone, must survive that, and
give the next messages their normal verdicts.
"""
import os
import signal
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

TIMEOUT = 2	# seconds: milter_command_timeout and milter_content_timeout


def test(env):
    mid = harness.unique_id("stalled")
    data = harness.report_message(msgid=mid, cc=("maintainer@example.com",))
    rcpts = [harness.SECURITY, "maintainer@example.com"]
    with env.session() as s:
        check(s.smtp.mail("reporter@example.org")[0] == 250, "MAIL accepted")
        for r in rcpts:
            check(s.smtp.rcpt(r)[0] == 250, "RCPT accepted")
        env.milter_proc.send_signal(signal.SIGSTOP)
        harness.log("ccguard stopped")
        t0 = time.monotonic()
        try:
            try:
                code, text = s.smtp.data(data)
            except smtplib.SMTPDataError as e:
                code, text = e.smtp_code, e.smtp_error
            took = time.monotonic() - t0
        finally:
            env.milter_proc.send_signal(signal.SIGCONT)
        harness.log("reply after %.1fs: %s %s" % (took, code, text))
    check(code is not None and 400 <= code < 500, "the client is told to retry", code, text)
    check(took >= TIMEOUT - 0.5, "Postfix waited for the milter timeout", took)

    check(env.milter_running(), "ccguard survives its connection being dropped",
          env.milter_log())
    r = env.send("reporter@example.org", [harness.SECURITY, harness.DISTROS],
                 harness.report_message())
    check(r.code == 550 and "Refused: " in r.text, "ccguard refuses the next report", r)
    r = env.send("reporter@example.org", rcpts, data)
    check(r.accepted, "the retried message is accepted", r)
    env.sink.wait(1, 15)
    got = [m.header("Message-ID")[0] for m in env.sink.messages]
    check(got == [mid], "delivered once, after the retry", got)
    check(env.queue() == [], "nothing queued", env.queue())
    check(env.milter_running(), "ccguard still runs", env.milter_log())


harness.main(test, main_cf={"milter_command_timeout": "%ds" % TIMEOUT,
                            "milter_content_timeout": "%ds" % TIMEOUT})
