#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: ccguardctl on a real Postfix hold queue.

Messages held by ccguard are listed (table and JSON, with the rule and
reason from the last X-Ccguard-Hold header), shown (headers; the body only
with --body), released as they are (postsuper -H: delivered to every
recipient, not held again), released without the distros list (re-submitted
to the other recipients with a valid X-Ccguard-Released header, accepted by
ccguard, the held copy deleted), rejected (deleted, and the sender told the
moderator's reason) and discarded (deleted, nothing sent). A forged
X-Ccguard-Released header does not get a message through; it is removed.
Unknown queue ids exit 3, usage errors 2.

Postfix runs with its default queue timing (queue_run_delay 300 s): a
release must ask for delivery itself (postqueue -i) and is checked to
arrive within a minute. ccguardctl speaks for itself: postsuper's own
lines ("postsuper: ID: removed", "Deleted: 1 message") never reach its
output. The table keeps its columns whatever the lengths of the sender
and the recipients.
"""
import email
import email.policy
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import holdlib  # noqa: E402
from holdlib import harness, check, ctl, REPORTER  # noqa: E402

BODY = "BODY-MARKER: the reproducer is attached.\n.leading dot line\n"


def held_ids(env):
    return {q["queue_id"] for q in env.hold_queue()}


def at_sink(env, mid):
    return [m for m in env.sink.messages if mid.encode() in m.data and
            m.header("Message-ID") == [mid]]


def check_columns(table, long_rows):
    """check_columns - every row's values start under their headings.

    long_rows: queue id -> (sender, recipients) of a row whose values are
    longer than their columns: cut with "...", the others counted."""
    lines = table.splitlines()
    head = lines[0]
    cols = [head.index(h) for h in ("AGE", "SENDER", "RECIPIENTS", "RULE", "REASON")]
    check(head.startswith("QUEUE-ID") and cols == sorted(cols), "table heading", head)
    for row in lines[1:]:
        for c in cols:
            check(row[c - 1] == " " and row[c] != " ", "a value starts under its heading "
                  "at column %d" % c, head, row)
        check(row[cols[3]:].startswith("kernel-and-distros-reply "), "the rule in its column",
              head, row)
        qid = row.split()[0]
        if qid in long_rows:
            sender, rcpts = long_rows[qid]
            cell = row[cols[1]:cols[2]].rstrip()
            check(cell.endswith("...") and sender.startswith(cell[:-3]),
                  "a long sender cut and marked", cell)
            cell = row[cols[2]:cols[3]].rstrip()
            shown, _, more = cell.rpartition(" +")
            check(shown.split(",") == rcpts[:len(shown.split(","))] and
                  int(more) == len(rcpts) - len(shown.split(",")),
                  "the recipients that fit, and the number of the others", cell)


def test(env):
    # No guidance here: only the moderator's actions reach the sink.
    holdlib.start(env, "guidance = no\n")
    p = ctl(env, "init-key")
    check(oct(os.stat(env.path("release.key")).st_mode & 0o777) == "0o640", "key mode 0640")
    ctl(env, "init-key", expect=1)

    qa, ma = holdlib.hold(env, body=BODY)
    qb, mb = holdlib.hold(env, body=BODY)
    qc, mc = holdlib.hold(env, body=BODY)
    qd, md = holdlib.hold(env, body=BODY)
    long_sender = "a.reporter.with.a.rather.long.name@mail.example.org"
    many = [harness.SECURITY, harness.DISTROS] + [
        "maintainer-number-%d@subsystem.example.com" % i for i in range(4)]
    ql, ml = holdlib.hold(env, sender=long_sender, rcpts=many)

    # list: table and JSON.
    p = ctl(env, "held", "list")
    for q in (qa, qb, qc, qd):
        check(re.search(r"^%s +\d+m +%s +security@kernel.org,linux-distros@vs.openwall.org +"
                        r"kernel-and-distros-reply +sender=local; matched=" % (q, re.escape(REPORTER)),
                        p.stdout, re.M), "table row for %s" % q, p.stdout)
    check_columns(p.stdout, {ql: (long_sender, many)})
    p = ctl(env, "held", "list", "--json", postfix_option=True)
    rows = {r["queue_id"]: r for r in json.loads(p.stdout)}
    check(set(rows) == {qa, qb, qc, qd, ql}, "JSON lists the held messages", rows)
    check(rows[qa]["rule"] == "kernel-and-distros-reply" and rows[qa]["sender"] == REPORTER and
          sorted(rows[qa]["recipients"]) == sorted([harness.SECURITY, harness.DISTROS]) and
          "linux-distros@vs.openwall.org (envelope, Cc)" in rows[qa]["reason"],
          "JSON fields", rows[qa])

    # show: headers, reason; the body only with --body.
    p = ctl(env, "held", "show", qa)
    check("Rule:       kernel-and-distros-reply" in p.stdout and ma in p.stdout and
          "Recipient:  linux-distros@vs.openwall.org" in p.stdout, "show", p.stdout)
    check("BODY-MARKER" not in p.stdout, "no body without --body", p.stdout)
    p = ctl(env, "held", "show", qa, "--body")
    check("BODY-MARKER" in p.stdout, "the body with --body", p.stdout)

    # Errors: unknown id, bad id, unknown list.
    ctl(env, "held", "release", "ZZZZZZZZZZ", expect=3)
    ctl(env, "held", "release", "-d", expect=2)
    ctl(env, "held", "release", "--without", "no-such-list", qa, expect=2)
    ctl(env, "held", "frobnicate", qa, expect=2)

    # release: delivered as it is, to both, and not held again; now, not
    # at Postfix's next scan of the deferred queue (300 s by default).
    p = ctl(env, "held", "release", qa)
    check(p.stdout == "%s: released\n" % qa and p.stderr == "", "release speaks for itself",
          p.stdout, p.stderr)
    harness.wait_for(lambda: at_sink(env, ma), 60, 0.1, "released message at the sink")
    m = at_sink(env, ma)
    check(len(m) == 1 and sorted(m[0].rcpts) == sorted([harness.SECURITY, harness.DISTROS]),
          "released to every recipient", [(x.rcpts) for x in m])
    check(qa not in held_ids(env), "no longer held")
    ctl(env, "held", "release", qa, expect=3)

    # release --without: re-submitted without the distros list, then deleted.
    p = ctl(env, "held", "release", "--without", "openwall-distros", qb)
    harness.wait_for(lambda: at_sink(env, mb), 20, 0.1, "re-submitted message at the sink")
    m = at_sink(env, mb)
    check(len(m) == 1 and m[0].rcpts == [harness.SECURITY], "only the security team", m[0].rcpts)
    check(m[0].mail_from == REPORTER, "original envelope sender", m[0].mail_from)
    rel = m[0].header("X-Ccguard-Released")
    check(len(rel) == 1 and rel[0].startswith("id=%s; t=" % qb), "release header kept", rel)
    check(not m[0].header("X-Ccguard-Hold"), "the old hold header is gone", m[0].headers())
    check(m[0].body() == BODY.replace("\n", "\r\n").encode(), "the body unchanged", m[0].body())
    check(qb not in held_ids(env), "the held copy is deleted", env.hold_queue())
    env.wait_log(r": action=accept released=yes from=<%s> rcpts=1" % re.escape(REPORTER))

    # A forged release header: held as usual, the header removed.
    forged = "id=%s; t=%s; mac=%s" % (qb, rel[0].split("t=")[1].split(";")[0], "0" * 64)
    qf, mf = holdlib.hold(env, extra=[("X-Ccguard-Released", forged)])
    env.wait_log(r"%s: invalid X-Ccguard-Released header removed" % qf)
    check(not [l for l in env.queued_headers(qf) if l.lower().startswith("x-ccguard-released")],
          "forged header removed", env.queued_headers(qf))
    # The genuine header, replayed to both lists, does not verify either.
    qr, mr = holdlib.hold(env, extra=[("X-Ccguard-Released", rel[0])])
    check(qr in held_ids(env), "a replayed header to other recipients is held")

    # reject: deleted; the sender told the reason.
    ctl(env, "held", "reject", qc, "--reason", "Send it to security@kernel.org alone.")
    check(qc not in held_ids(env), "rejected message deleted")
    n = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, REPORTER) and
                                  mc in " ".join(x.header("In-Reply-To"))],
                         20, 0.1, "rejection notice")
    check(len(n) == 1 and n[0].mail_from == "", "one notice from <>", n)
    nm = email.message_from_bytes(n[0].data, policy=email.policy.default)
    check(nm["Auto-Submitted"] == "auto-replied", "Auto-Submitted", nm["Auto-Submitted"])
    text = list(nm.iter_parts())[0].get_content()
    check("Send it to security@kernel.org alone." in text, "the moderator's reason", text)
    check(b"BODY-MARKER" not in n[0].data, "no body in the notice")
    check(text.startswith("Refused by a moderator: send your reply to one side only") and
          "before a fix is accepted" in text.lower(), "the rule's refusal text", text)

    # discard: deleted, nothing sent.
    p = ctl(env, "held", "discard", qd)
    check(p.stdout == "%s: discarded\n" % qd and p.stderr == "", "discard speaks for itself",
          p.stdout, p.stderr)
    check(qd not in held_ids(env), "discarded message deleted")
    ctl(env, "held", "discard", qd, expect=3)

    # The default gate (authenticated senders only): a sender that could be
    # forged gets no notice, so a mail exchanger sends no backscatter.
    qg, mg = holdlib.hold(env, body=BODY)
    env.write_conf(holdlib.conf_text(env, "guidance = no\nguidance_senders = authenticated\n"))
    p = ctl(env, "held", "reject", qg, "--reason", "no")
    check("no notice sent (sender neither authenticated" in p.stdout or
          "no notice sent (sender not authenticated" in p.stdout, "no notice to a local sender "
          "under guidance_senders = authenticated", p.stdout)
    check(qg not in held_ids(env), "rejected without a notice, and deleted")

    env.barrier()
    check(not [x for x in env.sink.messages if mg.encode() in x.data and
               holdlib.to(x, REPORTER)], "no notice to the sender of that message")
    check(not at_sink(env, mc) and not at_sink(env, md) and not at_sink(env, mf) and
          not at_sink(env, mr), "rejected, discarded and forged messages never delivered")
    check(not [x for x in env.sink.messages if mc.encode() in x.data and
               not holdlib.to(x, REPORTER) and not holdlib.to(x, holdlib.MODERATOR)],
          "nothing about the rejected message but the notices")
    check(held_ids(env) == {qf, qr, ql}, "only the forged, replayed and long ones remain",
          held_ids(env))


harness.main(test, milter=False)
