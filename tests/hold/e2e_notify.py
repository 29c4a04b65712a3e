#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: guidance to the sender and the moderator notice, with Postfix.

A reply in a thread to security@kernel.org and linux-distros is held
(rule kernel-and-distros-reply, which names a guidance template). ccguard
then submits, with Postfix's sendmail -C DIR, exactly one guidance message
to the envelope sender (from <>, Auto-Submitted: auto-replied, In-Reply-To
the original Message-ID, the original headers attached but not the body or
the Subject) and one notice to the moderator with the queue id and the
ccguardctl commands. No guidance goes to the null sender, in reply to
Auto-Submitted: auto-generated mail, to a remote unauthenticated client's
sender, or beyond guidance_rate (2 here) per sender; the message stays
held whatever happens to the notices, even when they can not be sent.
With notify_smtp set, notices go by SMTP instead of sendmail.
"""
import email
import email.policy
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import holdlib  # noqa: E402
from holdlib import harness, check, REPORTER, MODERATOR  # noqa: E402

SECRET_BODY = "SECRET-BODY-MARKER foo_bar() frees twice"
SECRET_SUBJECT = "Re: [vs] SECRET-SUBJECT-MARKER"


def guidance_for(env, mid):
    return [m for m in env.sink.messages if holdlib.to(m, REPORTER) and
            mid in " ".join(m.header("In-Reply-To"))]


def notices_for(env, qid):
    return [m for m in env.sink.messages if holdlib.to(m, MODERATOR) and
            qid.encode() in m.data]


def test(env):
    holdlib.start(env)

    # 1. A held message: one guidance, one moderator notice.
    qid, mid = holdlib.hold(env, subject=SECRET_SUBJECT, body=SECRET_BODY + "\n")
    harness.wait_for(lambda: guidance_for(env, mid), 20, 0.1, "guidance at the sink")
    harness.wait_for(lambda: notices_for(env, qid), 20, 0.1, "moderator notice at the sink")
    env.barrier()
    g = guidance_for(env, mid)
    check(len(g) == 1, "exactly one guidance message", g)
    g = g[0]
    check(g.mail_from == "", "guidance comes from the null sender", g.mail_from)
    msg = email.message_from_bytes(g.data, policy=email.policy.default)
    check(msg["Auto-Submitted"] == "auto-replied", "Auto-Submitted: auto-replied", msg["Auto-Submitted"])
    check(msg["In-Reply-To"] == mid and mid in msg["References"], "threaded to the original",
          msg["In-Reply-To"], msg["References"])
    check(msg["To"] == REPORTER, "To the envelope sender", msg["To"])
    check(msg["From"] == "postmaster@mx.e2e.test", "From postmaster@hostname", msg["From"])
    check(msg["Subject"].startswith("Your message was held"), "Subject", msg["Subject"])
    check(msg["Message-ID"] and msg["Date"], "Message-ID and Date", msg["Message-ID"], msg["Date"])
    check(msg.get_content_type() == "multipart/mixed", "multipart/mixed", msg.get_content_type())
    parts = list(msg.iter_parts())
    check(len(parts) == 2 and parts[0].get_content_type() == "text/plain" and
          parts[0].get_content_charset() == "utf-8" and
          parts[1].get_content_type() == "text/rfc822-headers", "text/plain + headers part",
          [p.get_content_type() for p in parts])
    text = parts[0].get_content()
    # The short guidance for a reply to both sides: held, where found, how
    # to reach the moderator, first and last lines self-contained.
    check(text.startswith("Held for review:") and
          "linux-distros@vs.openwall.org (envelope, Cc)" in text and
          "accepted but not yet merged" in text and
          text.rstrip().endswith("reply here to reach the moderator."), "the guidance text", text)
    check(b"SECRET-BODY-MARKER" not in g.data, "the original body is never sent back", g.data)
    check(b"SECRET-SUBJECT-MARKER" not in g.data, "the original Subject is withheld", g.data)
    orig = parts[1].get_payload(decode=True).decode()
    check(mid in orig and "In-Reply-To: <report-0@example.org>" in orig,
          "original headers attached", orig)

    n = notices_for(env, qid)
    check(len(n) == 1, "exactly one moderator notice", n)
    ntext = email.message_from_bytes(n[0].data, policy=email.policy.default).get_content()
    for want in ("Rule:       kernel-and-distros-reply",
                 "Sender:     " + REPORTER,
                 "held show %s" % qid, "held release %s" % qid,
                 "held release --without openwall-distros %s" % qid,
                 "held reject %s" % qid, "held discard %s" % qid,
                 "-c %s" % env.conf_path):
        check(want in ntext, "moderator notice says %r" % want, ntext)
    check(b"SECRET-BODY-MARKER" not in n[0].data and b"SECRET-SUBJECT-MARKER" not in n[0].data,
          "no body or Subject in the notice", n[0].data)
    check(any(q["queue_id"] == qid for q in env.hold_queue()), "still held after the notices")
    env.wait_log(r"%s: guidance sent to <%s>" % (qid, re.escape(REPORTER)))

    # 2. The null sender gets nothing (the moderator still hears of it).
    qid0, mid0 = holdlib.hold(env, sender="")
    harness.wait_for(lambda: notices_for(env, qid0), 20, 0.1, "moderator notice for <>")
    env.wait_log(r"%s: no guidance sent: null or unusable sender" % qid0)

    # 3. Auto-Submitted mail gets nothing.
    qid2, mid2 = holdlib.hold(env, sender="robot@example.org",
                              extra=[("Auto-Submitted", "auto-generated")])
    env.wait_log(r"%s: no guidance sent: Auto-Submitted" % qid2)

    # 4. Rate: guidance_rate = 2; the reporter already had one.
    qid3, mid3 = holdlib.hold(env)
    qid4, mid4 = holdlib.hold(env)
    env.wait_log(r"%s: no guidance sent: guidance_rate reached" % qid4)
    harness.wait_for(lambda: guidance_for(env, mid3), 20, 0.1, "second guidance")

    env.barrier()
    check(not [m for m in env.sink.messages if m.rcpts == [""] or not m.rcpts],
          "nothing addressed to <>")
    check(not guidance_for(env, mid0) and not guidance_for(env, mid2) and
          not guidance_for(env, mid4), "no guidance for <>, auto-generated, over the rate")
    check(not [m for m in env.sink.messages if holdlib.to(m, "robot@example.org")],
          "nothing to the auto-generated sender")
    check(len([m for m in env.sink.messages if holdlib.to(m, REPORTER)]) == 2,
          "exactly two guidance messages to the reporter (the rate)",
          [m.header("In-Reply-To") for m in env.sink.messages])
    held = {q["queue_id"] for q in env.hold_queue()}
    check({qid, qid0, qid2, qid3, qid4} <= held, "every message still held", held)

    # 5. guidance_senders = authenticated (the default): SMTP without AUTH gets none.
    env.reload(extra=holdlib.conf_text(env).replace("guidance_senders = local\n", ""))
    qid5, mid5 = holdlib.hold(env, sender="other@example.org")
    env.wait_log(r"%s: no guidance sent: sender not authenticated" % qid5)

    # 6. A notice that can not be sent is logged; the message stays held.
    env.reload(extra=holdlib.conf_text(env) + "sendmail_path = /nonexistent/sendmail\n")
    qid6, mid6 = holdlib.hold(env, sender="third@example.org")
    env.wait_log(r"notice to <third@example.org> not sent: could not run /nonexistent/sendmail")
    env.barrier()
    check(not guidance_for(env, mid6), "nothing sent")
    check(qid6 in {q["queue_id"] for q in env.hold_queue()}, "still held after the failure")

    # 7. notify_smtp = host:port submits by SMTP (here to Postfix's smtpd).
    env.reload(extra=holdlib.conf_text(env) + "sendmail_path = /nonexistent/sendmail\n"
               "notify_smtp = 127.0.0.1:%d\n" % env.smtp_port)
    qid7, mid7 = holdlib.hold(env, sender="smtp-path@example.org")
    g = harness.wait_for(lambda: [m for m in env.sink.messages
                                  if holdlib.to(m, "smtp-path@example.org")],
                         20, 0.1, "guidance submitted by SMTP")
    check(len(g) == 1 and g[0].mail_from == "" and mid7 in " ".join(g[0].header("In-Reply-To")),
          "one guidance by SMTP, from <>", g)


harness.main(test, milter=False)
