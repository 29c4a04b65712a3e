#!/usr/bin/env python3
"""End-to-end: moderation by mail through a real Postfix.

The private Postfix gets a pipe(8) service that runs "ccguardctl
mail-command" as nobody (as a real one would run as its own unprivileged
user) for the command address, through a transport map; the spool
directory is root:nogroup 0730. The root half, "ccguardctl mail-process",
is run by the test directly, as root, where a system runs it from
systemd/ccguard-mail.path.

A held message's notice (captured at the sink) carries command lines with
tokens and Reply-To the command address. Answering it keeping one line
releases the message; others are released without the distros list,
rejected (the sender told) and discarded. Forged, expired (made here with
the release key, which also checks the token format), altered, reused and
foreign tokens, and a reply that kept every line, are refused with an
answer to the moderator and no change to the queue. A non-moderator gets
no answer and changes nothing. Auto-replies and ccguard's own answers are
ignored (no loop). "held digest" mails fresh lines that work. With
command_authserv_id set, only mail whose Authentication-Results from that
server show a DKIM pass for the moderator's domain is obeyed.
"""
import email
import email.policy
import grp
import hmac
import hashlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir") or
                                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                                "tests", "hold"))
import holdlib  # noqa: E402
from holdlib import harness, check, ctl, MODERATOR, REPORTER  # noqa: E402

CMD_ADDR = "ccguard-moderate@mx.e2e.test"
STRANGER = "stranger@example.org"
LINE_RX = re.compile(r"^\s*ccguard (release|release-without|reject|discard)"
                     r"(?: (\S+))? ([0-9A-Za-z]+) ([0-9a-f]{40})$", re.M)


def conf_extra(env, more=""):
    return ("guidance = no\n"
            "command_address = %s\n"
            "command_spool = %s\n"
            "command_state = %s\n"
            "digest_min_age = 0\n" % (CMD_ADDR, env.path("spool"), env.path("used-tokens"))) + more


def setup_pipe(env):
    """setup_pipe - the command address goes to ccguardctl mail-command as nobody."""
    spool = env.path("spool")
    # The pipe runs as nobody, as a real one runs as its own user: it reads
    # ccguard.conf (the harness writes it 0600) and nothing else of ours.
    os.chmod(env.conf_path, 0o644)
    os.mkdir(spool)
    os.chown(spool, 0, grp.getgrnam("nogroup").gr_gid)
    os.chmod(spool, 0o730)
    with open(env.path("transport"), "w") as f:
        f.write("%s ccguardcmd:\n" % CMD_ADDR)
    env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                    "transport_maps = texthash:%s" % env.path("transport"))
    with open(os.path.join(env.config_dir, "master.cf"), "a") as f:
        f.write("ccguardcmd unix - n n - - pipe flags=R null_sender= user=nobody argv=%s -c %s "
                "mail-command\n" % (holdlib.ctl_path(env), env.conf_path))
    env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
    time.sleep(1)


def notice_for(env, qid):
    """notice_for - the moderator notice about qid, parsed."""
    m = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                  ("message %s held" % qid) in " ".join(x.header("Subject"))],
                         30, 0.1, "notice for %s" % qid)[0]
    return email.message_from_bytes(m.data, policy=email.policy.default)


def lines_of(msg):
    """lines_of - {(action, list): (line, token)} of a notice or digest text."""
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    out = {}
    for mo in LINE_RX.finditer(text):
        out[(mo.group(1), mo.group(2), mo.group(3))] = (mo.group(0).strip(), mo.group(4))
    return text, out


def spool_files(env):
    return [n for n in os.listdir(env.path("spool")) if n.startswith("cmd.")]


def answers(env, mid=None):
    return [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
            x.header("X-Ccguard-Answer") == ["answer"] and
            (mid is None or x.header("In-Reply-To") == [mid])]


def command_mail(env, body, sender=MODERATOR, extra=(), subject="Re: ccguard: held",
                 qp=True, from_header=None):
    """command_mail - send a mail to the command address; its Message-ID once spooled."""
    mid = harness.unique_id("cmd")
    m = email.message.EmailMessage()
    m["From"] = "A Moderator <%s>" % (from_header or sender)
    m["To"] = CMD_ADDR
    m["Subject"] = subject
    m["Message-ID"] = mid
    m["Date"] = "Mon, 30 Nov 2026 12:00:00 +0000"
    for k, v in extra:
        m[k] = v
    # Quoted-printable: long command lines get soft breaks, as mail clients send them.
    m.set_content(body, cte="quoted-printable" if qp else "7bit")
    data = m.as_bytes(policy=email.policy.SMTP)
    before = len(spool_files(env))
    r = env.send(sender, [CMD_ADDR], data)
    check(r.accepted, "command mail accepted", r)
    harness.wait_for(lambda: len(spool_files(env)) > before, 30, 0.1, "command mail spooled")
    return mid


def process(env):
    p = ctl(env, "mail-process")
    check(spool_files(env) == [], "spool emptied", spool_files(env))
    return p


def answer_text(env, mid):
    a = harness.wait_for(lambda: answers(env, mid), 30, 0.1, "answer to %s" % mid)
    check(len(a) == 1 and a[0].mail_from == "", "one answer, from <>", a)
    am = email.message_from_bytes(a[0].data, policy=email.policy.default)
    check(am["Auto-Submitted"] == "auto-replied", "answer is Auto-Submitted", am["Auto-Submitted"])
    text = am.get_body(("plain",)).get_content().replace("\r\n", "\n")
    check(not LINE_RX.search(text) and not re.search(r"^\s*ccguard\s", text, re.M),
          "an answer holds no command line", text)
    return text


def held_ids(env):
    return {q["queue_id"] for q in env.hold_queue()}


def at_sink(env, mid):
    return [m for m in env.sink.messages if m.header("Message-ID") == [mid]]


def make_token(env, qid, action, lst, expiry):
    """make_token - a token computed here with the release key (format cross-check)."""
    with open(env.path("release.key"), "rb") as f:
        key = f.read().rstrip(b" \t\r\n")
    data = ("ccguard-command-1\n%s\n%s\n%s\n%08x\n" % (qid, action, lst or "", expiry)).encode()
    return "%08x%s" % (expiry, hmac.new(key, data, hashlib.sha256).hexdigest()[:32])


def test(env):
    holdlib.start(env, conf_extra(env))
    ctl(env, "init-key")
    setup_pipe(env)

    qa, ma = holdlib.hold(env)
    na = notice_for(env, qa)
    check(na["Reply-To"] == CMD_ADDR, "the notice's Reply-To is the command address", na["Reply-To"])
    text, la = lines_of(na)
    check(("By mail: reply keeping only the one line you choose, or send it to %s:" % CMD_ADDR)
          in text, "the notice says how to use the lines", text)
    check(set(la) == {("release", None, qa), ("release-without", "openwall-distros", qa),
                      ("release-without", "openwall-linux-distros", qa),
                      ("release-without", "kernel-security", qa), ("reject", None, qa),
                      ("discard", None, qa)}, "one line per decision", sorted(la), text)
    # The token of a release matches the one made here from the key and its expiry.
    tok = la[("release", None, qa)][1]
    check(tok == make_token(env, qa, "release", None, int(tok[:8], 16)), "token format", tok)

    # Release by reply, keeping the one line (quoted).
    mid = command_mail(env, "OK, release it.\n\n> %s\n" % la[("release", None, qa)][0])
    process(env)
    t = answer_text(env, mid)
    check(("release %s:" % qa) in t and "Done." in t, "answer says released", t)
    harness.wait_for(lambda: at_sink(env, ma), 30, 0.1, "released message at the sink")
    check(sorted(at_sink(env, ma)[0].rcpts) == sorted([harness.SECURITY, harness.DISTROS]),
          "released to everyone")
    check(qa not in held_ids(env), "no longer held")

    # release-without, sent to the command address (not a reply).
    qb, mb = holdlib.hold(env)
    _, lb = lines_of(notice_for(env, qb))
    mid = command_mail(env, lb[("release-without", "openwall-distros", qb)][0] + "\n",
                       subject="decision")
    process(env)
    t = answer_text(env, mid)
    check("Done." in t and "re-submitted to 1 recipient(s) without openwall-distros" in t,
          "answer says re-submitted", t)
    harness.wait_for(lambda: at_sink(env, mb), 30, 0.1, "re-submitted message")
    check(at_sink(env, mb)[0].rcpts == [harness.SECURITY], "only security@", at_sink(env, mb)[0].rcpts)
    check(qb not in held_ids(env), "held copy deleted")

    # reject with a reason: the sender is told.
    qc, mc = holdlib.hold(env)
    _, lc = lines_of(notice_for(env, qc))
    mid = command_mail(env, lc[("reject", None, qc)][0] + " Send it to security@ alone.\n")
    process(env)
    t = answer_text(env, mid)
    check("rejected; notice sent to <%s>" % REPORTER in t, "answer says rejected", t)
    n = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, REPORTER) and
                                  mc in " ".join(x.header("In-Reply-To"))], 30, 0.1,
                         "rejection notice")
    check(b"Send it to security@ alone." in n[0].data, "the reason reached the sender")
    check(qc not in held_ids(env), "rejected message deleted")

    # discard.
    qd, md = holdlib.hold(env)
    _, ld = lines_of(notice_for(env, qd))
    mid = command_mail(env, ld[("discard", None, qd)][0] + "\n", qp=False)
    process(env)
    check("discarded" in answer_text(env, mid), "answer says discarded")
    check(qd not in held_ids(env), "discarded message deleted")

    # Refusals: forged, altered, foreign, expired, reused. qe stays held.
    qe, me = holdlib.hold(env)
    ne = notice_for(env, qe)
    etext, le = lines_of(ne)
    good = le[("release", None, qe)][1]
    altered = good[:20] + ("0" if good[20] != "0" else "1") + good[21:]
    expired = make_token(env, qe, "release", None, int(time.time()) - 60)
    foreign = la[("discard", None, qa)][1]
    body = ("ccguard release %s %s\n" % (qe, "ab" * 20) +
            "ccguard release %s %s\n" % (qe, altered) +
            "ccguard release %s %s\n" % (qe, foreign) +
            "ccguard release %s %s\n" % (qe, expired) +
            la[("release", None, qa)][0] + "\n" +
            "ccguard release %s\n" % qe)
    mid = command_mail(env, body)
    process(env)
    t = answer_text(env, mid)
    check(t.count("not valid for this command and message") == 3, "forged, altered and foreign "
          "refused", t)
    check("the token expired on" in t, "expired refused", t)
    check("release %s: refused: this token was used before" % qa in t, "reused refused", t)
    check("Line 6 starts with \"ccguard\" but is not a command line" in t, "unreadable line", t)
    check("0 done, 6 refused" in " ".join(answers(env, mid)[0].header("Subject")),
          "subject counts", answers(env, mid)[0].header("Subject"))
    check(qe in held_ids(env), "nothing changed: still held")

    # A reply that kept every line decides nothing.
    mid = command_mail(env, "".join("> " + l + "\n" for l, _ in le.values()))
    process(env)
    t = answer_text(env, mid)
    answer_mid = answers(env, mid)[0].header("Message-ID")[0]
    check("lines for different decisions" in t and "Done" not in t, "conflict refused", t)
    check(qe in held_ids(env), "still held after the full quote")

    # A non-moderator with a valid token: ignored, no answer to anyone.
    nsink = len(env.sink.messages)
    command_mail(env, le[("discard", None, qe)][0] + "\n", sender=STRANGER)
    p = process(env)
    # Auto-replies and our own answers: ignored, no answer (no loop).
    command_mail(env, "I am away.\n\n> " + le[("discard", None, qe)][0] + "\n",
                 extra=[("Auto-Submitted", "auto-replied")])
    command_mail(env, le[("discard", None, qe)][0] + "\n",
                 extra=[("X-Ccguard-Answer", "answer")])
    command_mail(env, le[("discard", None, qe)][0] + "\n", extra=[("Precedence", "bulk")])
    command_mail(env, le[("discard", None, qe)][0] + "\n", sender="", from_header=MODERATOR)
    # An auto-reply to that answer, as a responder would send it, and one
    # that lost its Auto-Submitted header: the answer holds no command line.
    quoted = "".join("> " + l + "\n" for l in t.splitlines())
    command_mail(env, "I am away.\n\n" + quoted, subject="Auto: ccguard: your commands",
                 extra=[("Auto-Submitted", "auto-replied"), ("In-Reply-To", answer_mid)])
    command_mail(env, "I am away.\n\n" + quoted, subject="Away: ccguard: your commands",
                 extra=[("In-Reply-To", answer_mid)])
    process(env)
    env.barrier()
    new = env.sink.messages[nsink:]
    check(not [x for x in new if holdlib.to(x, STRANGER)], "nothing to the stranger", new)
    check(not [x for x in new if holdlib.to(x, MODERATOR)], "no answer to ignored mail", new)
    check(qe in held_ids(env), "still held after ignored mail")

    # The digest: nothing younger than digest_min_age; fresh lines; a warning
    # past hold_max_age (1 s here); its discard line works.
    env.write_conf(holdlib.conf_text(env, conf_extra(env).replace("digest_min_age = 0",
                                                                  "digest_min_age = 86400")))
    os.chmod(env.conf_path, 0o644)	# the pipe (nobody) reads it
    p = ctl(env, "held", "digest")
    check("no message held for 24h or longer; no digest sent" in p.stdout, "digest_min_age",
          p.stdout)
    time.sleep(1.1)
    env.write_conf(holdlib.conf_text(env, conf_extra(env, "hold_max_age = 1\n")))
    os.chmod(env.conf_path, 0o644)	# the pipe (nobody) reads it
    p = ctl(env, "held", "digest")
    check("sent to <%s>" % MODERATOR in p.stdout, "digest sent", p.stdout)
    dg = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                   x.header("X-Ccguard-Answer") == ["digest"]], 30, 0.1, "digest")
    dm = email.message_from_bytes(dg[0].data, policy=email.policy.default)
    dtext, dl = lines_of(dm)
    check(dm["Reply-To"] == CMD_ADDR and ("Queue id: %s, held for" % qe) in dtext and
          ("discard", None, qe) in dl, "digest lists qe with lines", dtext)
    check("WARNING: held longer than hold_max_age (1s). Postfix returns it to the sender\n"
          "when maximal_queue_lifetime has passed" in dtext, "expiry warning", dtext)

    # command_authserv_id: a DKIM pass from our MTA is required.
    env.write_conf(holdlib.conf_text(env, conf_extra(env, "command_authserv_id = mx.e2e.test\n")))
    os.chmod(env.conf_path, 0o644)	# the pipe (nobody) reads it
    mid = command_mail(env, dl[("discard", None, qe)][0] + "\n")
    process(env)
    check("did not pass DKIM or SPF" in answer_text(env, mid), "no pass: refused")
    check(qe in held_ids(env), "still held without a pass")
    mid = command_mail(env, dl[("discard", None, qe)][0] + "\n", extra=[
        ("Authentication-Results", "mx.e2e.test; dkim=pass header.d=e2e.test header.s=s1")])
    process(env)
    check("discarded" in answer_text(env, mid), "with a DKIM pass: discarded")
    check(qe not in held_ids(env), "qe discarded")
    check(held_ids(env) == set(), "nothing left held", held_ids(env))


harness.main(test, milter=False)
