"""Shared setup for the end-to-end tests of moderation by mail.

SPDX-License-Identifier: BSD-2-Clause

What it is for: the tests in tests/modmail/ run a private Postfix (through
tests/hold/holdlib.py and tests/e2e/harness.py) with Postfix's default
queue id length and timing, a pipe(8) service that runs "ccguardctl
mail-command" as nobody for the command address, and the spool laid out as
the shipped tmpfiles.d entries lay it out (root's, with the drop box new/
of the pipe's group). The root half, "ccguardctl mail-process", is run by
the test directly, as root, where a system runs it from ccguard-mail.path.
Here are the helpers to send command mail, run the root half, read the
answers, and make tokens and hold stamps' nonces the way ccguard does.
"""
import email
import email.message
import email.policy
import grp
import hashlib
import hmac
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir") or
                                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                                "tests", "hold"))
import holdlib  # noqa: E402
from holdlib import harness, check, ctl, MODERATOR  # noqa: E402,F401

CMD_ADDR = "ccguard-moderate@mx.e2e.test"
STRANGER = "stranger@example.org"
LINE_RX = re.compile(r"^\s*ccguard (release|release-without|reject|discard)"
                     r"(?: (\S+))? ([0-9A-Za-z]+) ([0-9a-f]{40})$", re.M)
STAMP_RX = re.compile(r"stamp=([0-9a-f]{32})\.[0-9a-f]{32}\s*$")

# Postfix's own defaults, not the harness's fast ones: a message released
# from hold waits for the next queue run (5 minutes) unless it is asked
# for with postqueue -i, as "held release" does.
DEFAULT_TIMING = {"queue_run_delay": "300s", "minimal_backoff_time": "300s",
                  "maximal_backoff_time": "4000s"}


def conf_extra(env, more="", min_age=0):
    """conf_extra - ccguard.conf lines for moderation by mail in env."""
    return ("guidance = no\n"
            "command_address = %s\n"
            "command_spool = %s\n"
            "command_state = %s\n"
            "command_user = nobody\n"
            "digest_min_age = %d\n" % (CMD_ADDR, env.path("spool"), env.path("used-tokens"),
                                       min_age)) + more


def write_conf(env, more="", min_age=0):
    """write_conf - a new ccguard.conf that the pipe (nobody) can read."""
    env.write_conf(holdlib.conf_text(env, conf_extra(env, more, min_age)))
    os.chmod(env.conf_path, 0o644)


def spool(env, *parts):
    return env.path("spool", *parts)


def setup_pipe(env):
    """setup_pipe - the spool as tmpfiles.d makes it; the command address to mail-command."""
    # The pipe runs as nobody, as a real one runs as its own user: it reads
    # ccguard.conf (the harness writes it 0600) and nothing else of ours.
    os.chmod(env.conf_path, 0o644)
    os.mkdir(spool(env))
    os.chmod(spool(env), 0o711)
    os.mkdir(spool(env, "new"))
    os.chown(spool(env, "new"), 0, grp.getgrnam("nogroup").gr_gid)
    os.chmod(spool(env, "new"), 0o730)
    with open(env.path("transport"), "w") as f:
        f.write("%s ccguardcmd:\n" % CMD_ADDR)
    env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                    "transport_maps = texthash:%s" % env.path("transport"))
    with open(os.path.join(env.config_dir, "master.cf"), "a") as f:
        f.write("ccguardcmd unix - n n - - pipe flags=R null_sender= user=nobody argv=%s -c %s "
                "mail-command\n" % (holdlib.ctl_path(env), env.conf_path))
    env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
    time.sleep(1)


def start(env, more=""):
    """start - ccguard with moderation by mail, a release key, the pipe service."""
    holdlib.start(env, conf_extra(env, more))
    ctl(env, "init-key")
    setup_pipe(env)


def notice_for(env, qid):
    """notice_for - the moderator notice about qid, parsed."""
    m = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                  ("message %s held" % qid) in " ".join(x.header("Subject"))],
                         30, 0.1, "notice for %s" % qid)[0]
    return email.message_from_bytes(m.data, policy=email.policy.default)


def lines_of(msg):
    """lines_of - the text, and {(action, list, qid): (line, token)} of a notice or digest."""
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    out = {}
    for mo in LINE_RX.finditer(text):
        out[(mo.group(1), mo.group(2), mo.group(3))] = (mo.group(0).strip(), mo.group(4))
    return text, out


def spool_files(env):
    return [n for n in os.listdir(spool(env, "new")) if n.startswith("cmd.")]


def answers(env, mid=None):
    return [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
            x.header("X-Ccguard-Answer") == ["answer"] and
            (mid is None or x.header("In-Reply-To") == [mid])]


def command_mail(env, body, sender=MODERATOR, extra=(), subject="Re: ccguard: held",
                 qp=True, from_header=None, flowed=False):
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
    if flowed:
        m.set_param("format", "flowed")
    data = m.as_bytes(policy=email.policy.SMTP)
    return send_raw(env, sender, data, mid)


def send_raw(env, sender, data, mid):
    """send_raw - one message to the command address; mid once it is in the drop box."""
    before = len(spool_files(env))
    r = env.send(sender, [CMD_ADDR], data)
    check(r.accepted, "command mail accepted", r)
    harness.wait_for(lambda: len(spool_files(env)) > before, 60, 0.1, "command mail spooled")
    return mid


def process(env, expect=0):
    """process - run the root half, as the path unit would; the drop box is then empty."""
    p = ctl(env, "mail-process", expect=expect)
    check(spool_files(env) == [], "drop box emptied", spool_files(env))
    return p


def answer_text(env, mid):
    """answer_text - the one answer to the command mail mid (from <>, no command line)."""
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


def queued_ids(env):
    return {q["queue_id"] for q in env.queue()}


def at_sink(env, mid):
    return [m for m in env.sink.messages if m.header("Message-ID") == [mid]]


def deliver_now(env, qid):
    """deliver_now - ask Postfix to deliver one queued message now (postqueue -i)."""
    env.postfix_cmd("postqueue", "-c", env.config_dir, "-i", qid, check=False)


def release_key(env):
    with open(env.path("release.key"), "rb") as f:
        return f.read().rstrip(b" \t\r\n")


def hold_nonce(env, qid):
    """hold_nonce - the nonce of the stamp in the held message's hold header."""
    hdrs = "\n".join(env.queued_headers(qid))
    mo = re.search(r"^X-Ccguard-Hold:((?:.|\n[ \t])*)", hdrs, re.M | re.I)
    check(mo is not None, "a hold header on %s" % qid, hdrs)
    stamp = STAMP_RX.search(mo.group(1).replace("\n", ""))
    check(stamp is not None, "a stamp in the hold header of %s" % qid, mo.group(1))
    return stamp.group(1)


def make_token(env, qid, action, lst, expiry, nonce=None, version=2):
    """make_token - a token made here with the release key (ccguard's format, either kind)."""
    if version == 1:
        data = "ccguard-command-1\n%s\n%s\n%s\n%08x\n" % (qid, action, lst or "", expiry)
    else:
        data = "ccguard-command-2\n%s\n%s\n%s\n%s\n%08x\n" % (
            qid, nonce if nonce is not None else hold_nonce(env, qid), action, lst or "", expiry)
    return "%08x%s" % (expiry, hmac.new(release_key(env), data.encode(), hashlib.sha256)
                       .hexdigest()[:32])
