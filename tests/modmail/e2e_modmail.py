#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: moderation by mail through a real Postfix.

The private Postfix keeps its default queue id length and timing (modlib)
and gets a pipe(8) service that runs "ccguardctl mail-command" as nobody for
the command address. The root half, "ccguardctl mail-process", is run by
the test directly, as root, where a system runs it from
systemd/ccguard-mail.path.

A held message's notice (captured at the sink) carries command lines with
tokens and Reply-To the command address. Answering it keeping one line
releases the message (it leaves the hold queue; postqueue -i delivers it
now); others are released without the distros list, rejected (the sender
told) and discarded. Forged, expired, altered, reused and foreign tokens, a
token for the same queue id but another hold (a recycled queue id), and a
token of the old kind (not bound to the hold) are refused with an answer
and no change to the queue; so is a reply that kept every line. A
non-moderator gets no answer and changes nothing. Auto-replies and
ccguard's own answers are ignored (no loop). "held digest" mails fresh
lines that work. With command_authserv_id set, only mail whose
Authentication-Results from that server show a DKIM pass for the
moderator's domain is obeyed, and a mail without a command line gets no
answer even when it fails that check.
"""
import email
import email.policy
import os
import pwd
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modlib  # noqa: E402
from modlib import harness, holdlib, check, ctl, MODERATOR, STRANGER  # noqa: E402

REPORTER = holdlib.REPORTER


def refused_alone(env, qid, line, why):
    """refused_alone - one command line in its own mail: refused for why, qid still held."""
    mid = modlib.command_mail(env, line + "\n")
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check(why in t and "Done" not in t, "refused: %s" % why, t)
    check(qid in modlib.held_ids(env), "still held after: %s" % why)
    return t


def test(env):
    modlib.start(env)

    qa, ma = holdlib.hold(env)
    na = modlib.notice_for(env, qa)
    check(na["Reply-To"] == modlib.CMD_ADDR, "the notice's Reply-To is the command address",
          na["Reply-To"])
    text, la = modlib.lines_of(na)
    check(("By mail: reply keeping only the one line you choose, or send it to %s:" %
           modlib.CMD_ADDR) in text, "the notice says how to use the lines", text)
    check(set(la) == {("release", None, qa), ("release-without", "openwall-distros", qa),
                      ("release-without", "openwall-linux-distros", qa),
                      ("release-without", "kernel-security", qa), ("reject", None, qa),
                      ("discard", None, qa)}, "one line per decision", sorted(la), text)
    # The token of a release matches the one made here from the key, the
    # hold stamp's nonce and its expiry.
    tok = la[("release", None, qa)][1]
    check(tok == modlib.make_token(env, qa, "release", None, int(tok[:8], 16)), "token format",
          tok)

    # Release by reply, keeping the one line (quoted): out of the hold queue,
    # delivered once Postfix is asked to (postqueue -i), as held release does.
    mid = modlib.command_mail(env, "OK, release it.\n\n> %s\n" % la[("release", None, qa)][0])
    p = modlib.process(env)
    check("read by uid %d" % pwd.getpwnam("nobody").pw_uid in p.stdout,
          "the message was read by the unprivileged user", p.stdout)
    t = modlib.answer_text(env, mid)
    check(("release %s:" % qa) in t and "Done." in t, "answer says released", t)
    check(qa not in modlib.held_ids(env), "no longer held")
    modlib.deliver_now(env, qa)
    harness.wait_for(lambda: modlib.at_sink(env, ma), 30, 0.1, "released message at the sink")
    check(sorted(modlib.at_sink(env, ma)[0].rcpts) == sorted([harness.SECURITY, harness.DISTROS]),
          "released to everyone")

    # release-without, sent to the command address (not a reply).
    qb, mb = holdlib.hold(env)
    _, lb = modlib.lines_of(modlib.notice_for(env, qb))
    mid = modlib.command_mail(env, lb[("release-without", "openwall-distros", qb)][0] + "\n",
                              subject="decision")
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("Done." in t and "re-submitted to 1 recipient(s) without openwall-distros" in t,
          "answer says re-submitted", t)
    harness.wait_for(lambda: modlib.at_sink(env, mb), 30, 0.1, "re-submitted message")
    check(modlib.at_sink(env, mb)[0].rcpts == [harness.SECURITY], "only security@",
          modlib.at_sink(env, mb)[0].rcpts)
    check(qb not in modlib.queued_ids(env), "held copy deleted")

    # reject with a reason: the sender is told.
    qc, mc = holdlib.hold(env)
    _, lc = modlib.lines_of(modlib.notice_for(env, qc))
    mid = modlib.command_mail(env, lc[("reject", None, qc)][0] + " Send it to security@ alone.\n")
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("rejected; notice sent to <%s>" % REPORTER in t, "answer says rejected", t)
    n = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, REPORTER) and
                                  mc in " ".join(x.header("In-Reply-To"))], 30, 0.1,
                         "rejection notice")
    check(b"Send it to security@ alone." in n[0].data, "the reason reached the sender")
    check(qc not in modlib.queued_ids(env), "rejected message deleted")

    # discard.
    qd, md = holdlib.hold(env)
    _, ld = modlib.lines_of(modlib.notice_for(env, qd))
    mid = modlib.command_mail(env, ld[("discard", None, qd)][0] + "\n", qp=False)
    modlib.process(env)
    check("discarded" in modlib.answer_text(env, mid), "answer says discarded")
    check(qd not in modlib.queued_ids(env), "discarded message deleted")

    # Refusals, each in a mail of its own: qe stays held.
    qe, me = holdlib.hold(env)
    ne = modlib.notice_for(env, qe)
    etext, le = modlib.lines_of(ne)
    good = le[("release", None, qe)][1]
    altered = good[:20] + ("0" if good[20] != "0" else "1") + good[21:]
    later = int(time.time()) + 3600
    refused_alone(env, qe, "ccguard release %s %s" % (qe, "ab" * 20),
                  "not valid for this command and message")
    refused_alone(env, qe, "ccguard release %s %s" % (qe, altered),
                  "not valid for this command and message")
    refused_alone(env, qe, "ccguard release %s %s" % (qe, la[("discard", None, qa)][1]),
                  "not valid for this command and message")
    refused_alone(env, qe, "ccguard release %s %s" % (
        qe, modlib.make_token(env, qe, "release", None, int(time.time()) - 60)),
        "the token expired on")
    # The same queue id, another hold: what a recycled queue id would get.
    refused_alone(env, qe, "ccguard release %s %s" % (
        qe, modlib.make_token(env, qe, "release", None, later, nonce="0" * 32)),
        "not valid for this command and message")
    # A token of the old kind, valid in every other way.
    refused_alone(env, qe, "ccguard release %s %s" % (
        qe, modlib.make_token(env, qe, "release", None, later, version=1)),
        "the token is of an older kind")
    refused_alone(env, qe, la[("release", None, qa)][0], "not in the hold queue")
    t = refused_alone(env, qe, "ccguard release %s" % qe, "Nothing was done")
    check("not command lines as the notice writes them" in t and "line 1" in t,
          "an unreadable line is named", t)

    # A reply that kept every line decides nothing.
    mid = modlib.command_mail(env, "".join("> " + l + "\n" for l, _ in le.values()))
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    answer_mid = modlib.answers(env, mid)[0].header("Message-ID")[0]
    check("more than one decision" in t and "Done" not in t, "full quote refused", t)
    check("0 done, 1 refused" in " ".join(modlib.answers(env, mid)[0].header("Subject")),
          "subject counts", modlib.answers(env, mid)[0].header("Subject"))
    check(qe in modlib.held_ids(env), "still held after the full quote")

    # A token used once works no more: discard qf, then the same line again.
    qf, mf = holdlib.hold(env)
    _, lf = modlib.lines_of(modlib.notice_for(env, qf))
    mid = modlib.command_mail(env, lf[("discard", None, qf)][0] + "\n")
    modlib.process(env)
    check("discarded" in modlib.answer_text(env, mid), "qf discarded")
    mid = modlib.command_mail(env, lf[("discard", None, qf)][0] + "\n")
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("not in the hold queue" in t or "used before" in t, "a used token does nothing", t)

    # A non-moderator with a valid token: ignored, no answer to anyone.
    nsink = len(env.sink.messages)
    modlib.command_mail(env, le[("discard", None, qe)][0] + "\n", sender=STRANGER)
    modlib.process(env)
    # Auto-replies and our own answers: ignored, no answer (no loop).
    modlib.command_mail(env, "I am away.\n\n> " + le[("discard", None, qe)][0] + "\n",
                        extra=[("Auto-Submitted", "auto-replied")])
    modlib.command_mail(env, le[("discard", None, qe)][0] + "\n",
                        extra=[("X-Ccguard-Answer", "answer")])
    modlib.command_mail(env, le[("discard", None, qe)][0] + "\n", extra=[("Precedence", "bulk")])
    modlib.command_mail(env, le[("discard", None, qe)][0] + "\n", sender="",
                        from_header=MODERATOR)
    # An auto-reply to that answer, as a responder would send it, and one
    # that lost its Auto-Submitted header: the answer holds no command line.
    quoted = "".join("> " + l + "\n" for l in t.splitlines())
    modlib.command_mail(env, "I am away.\n\n" + quoted, subject="Auto: ccguard: your commands",
                        extra=[("Auto-Submitted", "auto-replied"), ("In-Reply-To", answer_mid)])
    modlib.command_mail(env, "I am away.\n\n" + quoted, subject="Away: ccguard: your commands",
                        extra=[("In-Reply-To", answer_mid)])
    modlib.process(env)
    env.barrier()
    new = env.sink.messages[nsink:]
    check(not [x for x in new if holdlib.to(x, STRANGER)], "nothing to the stranger", new)
    check(not [x for x in new if holdlib.to(x, MODERATOR)], "no answer to ignored mail", new)
    check(qe in modlib.held_ids(env), "still held after ignored mail")

    # The digest: nothing younger than digest_min_age; fresh lines; a warning
    # past hold_max_age (1 s here); its discard line works.
    modlib.write_conf(env, min_age=86400)
    p = ctl(env, "held", "digest")
    check("no message held by ccguard for 24h or longer; no digest sent" in p.stdout,
          "digest_min_age", p.stdout)
    time.sleep(1.1)
    modlib.write_conf(env, "hold_max_age = 1\n")
    p = ctl(env, "held", "digest")
    check("sent to <%s>" % MODERATOR in p.stdout, "digest sent", p.stdout)
    dg = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                   x.header("X-Ccguard-Answer") == ["digest"]], 30, 0.1, "digest")
    dm = email.message_from_bytes(dg[0].data, policy=email.policy.default)
    dtext, dl = modlib.lines_of(dm)
    check(dm["Reply-To"] == modlib.CMD_ADDR and ("Queue id: %s, held for" % qe) in dtext and
          ("discard", None, qe) in dl, "digest lists qe with lines", dtext)
    check("WARNING: held longer than hold_max_age (1s). Postfix returns it to the sender\n"
          "when maximal_queue_lifetime has passed" in dtext, "expiry warning", dtext)

    # command_authserv_id: a DKIM pass from our MTA is required.
    modlib.write_conf(env, "command_authserv_id = mx.e2e.test\n")
    mid = modlib.command_mail(env, dl[("discard", None, qe)][0] + "\n")
    modlib.process(env)
    check("did not pass DKIM or SPF" in modlib.answer_text(env, mid), "no pass: refused")
    check(qe in modlib.held_ids(env), "still held without a pass")
    # A forged From without any command line: no answer, pass or not.
    nsink = len(env.sink.messages)
    modlib.command_mail(env, "Just saying hello.\n")
    modlib.process(env)
    env.barrier()
    check(not [x for x in env.sink.messages[nsink:] if holdlib.to(x, MODERATOR)],
          "no answer to a mail without a command line", env.sink.messages[nsink:])
    mid = modlib.command_mail(env, dl[("discard", None, qe)][0] + "\n", extra=[
        ("Authentication-Results", "mx.e2e.test; dkim=pass header.d=e2e.test header.s=s1")])
    modlib.process(env)
    check("discarded" in modlib.answer_text(env, mid), "with a DKIM pass: discarded")
    check(qe not in modlib.queued_ids(env), "qe discarded")
    check(modlib.held_ids(env) == set(), "nothing left held", modlib.held_ids(env))


harness.main(test, milter=False, main_cf=modlib.DEFAULT_TIMING)
