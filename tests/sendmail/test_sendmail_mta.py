#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end with a real Sendmail 8.17 (tests/sendmail/smlib.py) and ccguard.

Proves, at an SMTP client of Sendmail's own daemon:
- a new report to security@kernel.org and linux-distros@vs.openwall.org is
  rejected at end of data with ccguard's multi-line 550 5.7.1 reply, and
  nothing reaches the sink;
- ordinary mail passes and reaches the sink with its body unchanged;
- in hold mode the report is accepted (250) and quarantined in Sendmail's
  queue: an hf file whose 'q' line is ccguard's reason, listed by
  "mailq -qQ" with QUARANTINE:, carrying X-Ccguard-Hold, never delivered;
- with ccguard stopped, F=T makes Sendmail answer 451 4.3.2 (a tempfail),
  and nothing is delivered or queued.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smlib  # noqa: E402
from smlib import harness, check, log, PAIR  # noqa: E402


def test(env):
    log("Sendmail: %s" % env.version.strip())
    check("8.17" in env.version, "the Sendmail under test is 8.17", env.version)

    # Reject: the pair, multi-line reply at the client.
    bad = harness.unique_id("bad")
    r = env.send("reporter@example.org", PAIR, harness.report_message(msgid=bad))
    log("reject: %r" % r)
    check(r.stage == "eod" and r.code == 550, "the pair is refused with 550 at end of data", r)
    lines = r.lines()
    check(len(lines) >= 3, "the reply has several lines", lines)
    check(all(l.startswith("5.7.1 ") for l in lines), "every line carries 5.7.1", lines)
    # The first line of the shipped reply text, as the rule file names it.
    with open(os.path.join(os.environ.get("top_srcdir", "."), "rules",
                           "kernel-and-distros.reply"), encoding="utf-8") as f:
        first = f.readline().strip()
    check(lines[0] == "5.7.1 " + first, "it is ccguard's explanation, first line first",
          first, r.text)
    check("security@kernel.org" in r.text and "linux-distros@vs.openwall.org" in r.text,
          "the reply names both addresses", r.text)
    m = re.search(r"action=reject rule=kernel-and-distros .*rcpts=2", env.read("ccguard.log"))
    check(m, "ccguard logged the reject", env.read("ccguard.log")[-2000:])

    # Pass: ordinary mail reaches the sink unchanged.
    good = harness.unique_id("good")
    data = harness.report_message(msgid=good, to=("maintainer@example.com",), cc=())
    r = env.send("reporter@example.org", ["maintainer@example.com"], data)
    check(r.accepted, "ordinary mail is accepted", r)
    got = harness.wait_for(lambda: env.sink.find(good), 60, 0.1, "the ordinary message")[0]
    check(got.rcpts == ["maintainer@example.com"], "delivered to its recipient", got)
    check(got.body() == harness.split_message(data)[1], "the body is unchanged", got.body())
    check(not env.sink.find(bad), "the refused report was never delivered")

    # Hold: quarantined in Sendmail's queue with the reason.
    check(env.reload("action.kernel-and-distros = hold\n"), "reload to hold mode")
    held = harness.unique_id("held")
    r = env.send("reporter@example.org", PAIR, harness.report_message(msgid=held))
    check(r.accepted and r.code == 250, "the report is accepted for holding", r)
    hf = env.quarantined()
    check(len(hf) == 1, "one message is quarantined (an hf file)", os.listdir(env.queue_dir))
    qid = hf[0]
    with open(os.path.join(env.queue_dir, "hf" + qid), errors="replace") as f:
        qf = f.read()
    reason = [l[1:] for l in qf.split("\n") if l.startswith("q")]
    check(reason == ["ccguard rule kernel-and-distros"],
          "the queue file keeps ccguard's reason (its q line)", qf)
    check(re.search(r"^H.*X-Ccguard-Hold: rule=kernel-and-distros;", qf, re.M),
          "the held message carries X-Ccguard-Hold", qf)
    p = env.sm("-bp", "-qQ")
    log("mailq -qQ:\n" + p.stdout)
    check(qid in p.stdout and re.search(r"QUARANTINE: ccguard rule kernel-and-distros", p.stdout),
          "mailq -qQ lists it with the reason", p.stdout)
    env.sm("-q")		# a queue run does not deliver quarantined mail
    check(env.quarantined() == [qid], "a queue run leaves it quarantined", env.quarantined())
    check(not env.sink.find(held), "the held report is not delivered")

    # ccguard stopped: F=T gives a tempfail, nothing delivered.
    env.kill_milter()
    down = harness.unique_id("down")
    with harness.Session(env.smtp_port) as s:
        check(s.banner[0] == 220, "the greeting is still 220", s.banner)
        r = s.send("reporter@example.org", ["maintainer@example.com"],
                   harness.report_message(msgid=down, to=("maintainer@example.com",), cc=()))
    log("milter down: %r" % r)
    check(r.temporary() and r.code == 451, "Sendmail answers 451 while ccguard is down", r)
    check(re.search(r"4\.3\.2", r.text), "with 4.3.2 (F=T)", r.text)
    check(not r.accepted and not env.sink.find(down), "nothing is delivered unchecked")
    check(env.queued() == [], "nothing is queued", os.listdir(env.queue_dir))


smlib.main(test)
