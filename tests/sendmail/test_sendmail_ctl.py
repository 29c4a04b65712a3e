#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: ccguardctl on a real Sendmail 8.17's quarantine (smlib.py).

With "mta = sendmail", messages ccguard held (quarantined) are listed from
"mailq -qQ" (table and JSON, rule and reason from X-Ccguard-Hold), shown
(headers; the body only with --body), released as they are (sendmail -qQ
-qIID -Q: delivered to every recipient, not held again), released without
the distros list (re-submitted to the other recipients with
X-Ccguard-Released, the quarantined copy deleted), rejected (deleted, the
sender told the reason) and discarded (deleted, nothing sent). Unknown ids
exit 3. At the end Sendmail's quarantine and queue are empty.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smlib  # noqa: E402
from smlib import harness, check, log, PAIR  # noqa: E402

REPORTER = "reporter@example.org"
BODY = "BODY-MARKER: the reproducer is attached.\n.leading dot line\n"


def hold(env):
    mid = harness.unique_id("held")
    data = harness.report_message(msgid=mid, body=BODY)
    before = set(env.quarantined())
    r = env.send(REPORTER, PAIR, data)
    check(r.accepted, "the report is accepted for holding", r)
    new = set(env.quarantined()) - before
    check(len(new) == 1, "one new quarantined message", env.quarantined())
    return new.pop(), mid


def delivered(env, mid):
    return [m for m in env.sink.messages if m.header("Message-ID") == [mid]]


def test(env):
    # The test's clients are local and unauthenticated: guidance_senders =
    # local lets them get the rejection notice (the default sends none).
    check(env.reload("action.kernel-and-distros = hold\nguidance = no\n"
                     "guidance_senders = local\n"
                     "notify_smtp = 127.0.0.1:%d\n" % env.smtp_port), "reload to hold mode")
    env.ctl("init-key")
    check(oct(os.stat(env.path("release.key")).st_mode & 0o777) == "0o640", "key mode 0640")

    held = [hold(env) for _ in range(4)]
    (qa, ma), (qb, mb), (qc, mc), (qd, md) = held

    # list: table and JSON, from mailq -qQ.
    p = env.ctl("held", "list")
    for q, _ in held:
        check(re.search(r"^%s +\d+m +%s +security@kernel.org,linux-distros@vs.openwall.org +"
                        r"kernel-and-distros +(sender=[a-z ]+; )?matched=security@kernel.org" %
                        (q, re.escape(REPORTER)), p.stdout, re.M), "table row for %s" % q, p.stdout)
    p = env.ctl("held", "list", "--json")
    rows = {r["queue_id"]: r for r in json.loads(p.stdout)}
    check(set(rows) == {q for q, _ in held}, "JSON lists the quarantined messages", rows)
    check(rows[qa]["sender"] == REPORTER and sorted(rows[qa]["recipients"]) == sorted(PAIR) and
          rows[qa]["rule"] == "kernel-and-distros" and
          "linux-distros@vs.openwall.org (envelope, Cc)" in rows[qa]["reason"],
          "JSON row fields", rows[qa])

    # show: headers, the body only on request.
    p = env.ctl("held", "show", qa)
    check(re.search(r"^Rule: +kernel-and-distros$", p.stdout, re.M) and
          re.search(r"^Message-ID: %s$" % re.escape(ma), p.stdout, re.M) and
          re.search(r"^X-Ccguard-Hold: rule=kernel-and-distros;", p.stdout, re.M),
          "show prints the rule and the header", p.stdout)
    check("BODY-MARKER" not in p.stdout and "Return-Path" not in p.stdout,
          "show leaves out the body (and Sendmail's per-mailer headers)", p.stdout)
    p = env.ctl("held", "show", qa, "--body")
    check("BODY-MARKER: the reproducer" in p.stdout and ".leading dot line" in p.stdout,
          "show --body prints the body", p.stdout)

    # release: unquarantined and delivered to both recipients.
    p = env.ctl("held", "release", qa)
    check(qa not in env.quarantined(), "released: no longer quarantined", env.quarantined())
    m = harness.wait_for(lambda: delivered(env, ma), 60, 0.1, "the released message")[0]
    check(sorted(m.rcpts) == sorted(PAIR), "delivered to every recipient", m)
    check(m.header("X-Ccguard-Hold"), "delivered as it was held (with its hold header)", m)

    # release --without: re-submitted without the distros list, copy deleted.
    p = env.ctl("held", "release", "--without", "openwall-distros", qb)
    check(qb not in env.quarantined(), "the quarantined copy is deleted", env.quarantined())
    check(not os.path.exists(os.path.join(env.queue_dir, "df" + qb)), "its data file too")
    m = harness.wait_for(lambda: delivered(env, mb), 60, 0.1, "the re-submitted message")[0]
    check(m.rcpts == [harness.SECURITY], "delivered to security@kernel.org only", m)
    check(re.match(r"id=%s; t=\d+; mac=[0-9a-f]{64}$" % qb,
                   (m.header("X-Ccguard-Released") or [""])[0]) and
          not m.header("X-Ccguard-Hold"), "with X-Ccguard-Released, without the hold header",
          m.data[:2000])
    check(b"BODY-MARKER: the reproducer" in m.data, "with its body", m.data)

    # reject: deleted, the sender told why.
    p = env.ctl("held", "reject", qc, "--reason", "Report to security@kernel.org first.")
    check(qc not in env.quarantined(), "rejected: deleted", env.quarantined())
    notice = harness.wait_for(
        lambda: [x for x in env.sink.messages if x.rcpts == [REPORTER]], 60, 0.1,
        "the rejection notice")[0]
    check(notice.mail_from == "" and b"Report to security@kernel.org first." in notice.data,
          "the notice comes from <> with the moderator's reason", notice.data[:3000])
    check(not delivered(env, mc), "the rejected message is not delivered")

    # discard: deleted, nothing sent.
    n = env.sink.count()
    env.ctl("held", "discard", qd)
    check(env.quarantined() == [], "discarded: the quarantine is empty", env.quarantined())
    env.ctl("held", "discard", qd, expect=3)
    env.ctl("held", "release", "NOSUCHID42", expect=3)
    env.ctl("held", "show", "../etc", expect=2)
    env.sm("-q")
    check(env.sink.count() == n and not delivered(env, md), "discard sent nothing")
    p = env.sm("-bp", "-qQ")
    check(not re.search(r"QUARANTINE", p.stdout), "mailq -qQ shows nothing", p.stdout)
    p = env.ctl("held", "list", "--json")
    check(json.loads(p.stdout) == [], "ccguardctl lists nothing", p.stdout)
    check([f for f in os.listdir(env.queue_dir) if f[:2] in ("qf", "hf", "df")] == [],
          "Sendmail's queue is empty", os.listdir(env.queue_dir))
    log("delivered: %d messages" % env.sink.count())


smlib.main(test)
