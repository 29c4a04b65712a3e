"""Sendmail as the oracle: what does an address form mean to Sendmail?

What it is for: the Sendmail side of the differential test of
tests/oracle/ (doc/oracle.md; SPDX-License-Identifier: BSD-2-Clause).
Every form of forms.txt goes through a private, real Sendmail 8.17
(tests/sendmail/smlib.py) that delivers the way a stock Sendmail does:
no smart host, host names canonicalised, mail sent to the host a name
resolves to. That is only safe in a private network: the test runs in
its own network namespace, with a hosts file that maps every domain the
forms name to 127.0.0.1, where the recording sink listens.

- Sendmail's reading, without ccguard: an envelope form is one RCPT TO
  argument sent byte for byte; a header form is submitted with
  Sendmail's own "sendmail -t", and sent over SMTP as well, to learn
  whether Sendmail's SMTP server takes it at all (it refuses a bare CR
  and headers over 32 KB itself: then "-t" alone answers for ccguard).
  Where Sendmail took, resolved and delivered an envelope form, the
  resolution and the delivery must name the same mailbox. "sendmail -bt" with "/parse" gives the
  mailer, host and user Sendmail resolves each envelope form to (what it
  hands a milter as {rcpt_mailer}, {rcpt_host}, {rcpt_addr}); the sink
  records what was really delivered.
- ccguard's verdict: the same forms through a second private Sendmail
  with ccguard attached, then through "ccguard -t" (oracle.judge()).
- oracle.run() compares them; differences-sendmail.txt lists the forms
  where ccguard stops what Sendmail delivers to at most one side.

The names that forms.txt uses for "the relay itself" (mx.e2e.test,
localhost.e2e.test, [127.0.0.1]) are names of this Sendmail too, so a
form means the same to both MTAs.
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sendmail"))
import oracle  # noqa: E402
import smlib  # noqa: E402
from harness import check, log  # noqa: E402

DIFF_FILE = os.path.join(HERE, "differences-sendmail.txt")
OWN_NAMES = ["mx.e2e.test", "localhost.e2e.test", "[127.0.0.1]"]
# Names the private resolver completes, as a search domain or an alias in
# /etc/hosts would: Sendmail canonicalises a host name through the
# resolver (security@kernel becomes security@kernel.org), Postfix does not.
RESOLVER_ALIASES = {"kernel.org": ["kernel"], "vs.openwall.org": ["vs-openwall"]}

_DOMAIN_RX = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_RESOLVED_RX = re.compile(r"^mailer (\S+), (?:host (\S+), )?user (.*)$", re.M)
_TRACE_LINE = re.compile(r"^\S+\s+(input|returns):")


def form_hosts(forms):
    """form_hosts - every domain the forms, senders and other sides name,
    less this Sendmail's own names: what the private hosts file maps."""
    names = {"example.org", "example.com", "kernel.org", "vs.openwall.org"}
    for f in forms:
        names.update(n.lower().strip(".") for n in _DOMAIN_RX.findall(f.text))
    return sorted(n for n in names if n and n not in OWN_NAMES and
                  not re.match(r"^[0-9.]+$", n))


def resolve(env, forms):
    """resolve - {id: ("-bt: MAILER HOST USER" or Sendmail's error, the
    user of an esmtp resolution or None, the same as the {rcpt_*} macros
    Sendmail hands a milter)} for the envelope forms:
    "sendmail -bt" with one "/parse" per form, the argument as the milter
    gets it (no ESMTP parameters, up to a NUL)."""
    asked = [f for f in forms if f.kind == "envelope" and
             not re.search(rb"[\r\n]", oracle.rcpt_address(f.raw))]
    lines = b"".join(b"/parse " + oracle.rcpt_address(f.raw).strip() + b"\n" for f in asked)
    p = env.sm("-bt", input=lines, check=False)
    # One block of output per query, each after the "> " prompt.
    blocks = p.stdout.decode("utf-8", "replace").split("\n> ")[1:]
    out = {}
    for f, block in zip(asked, blocks):
        m = _RESOLVED_RX.search(block)
        if m:
            user = m.group(3).strip()
            macros = [("rcpt_mailer", m.group(1)), ("rcpt_addr", user)]
            if m.group(2):
                macros.append(("rcpt_host", m.group(2)))
            out[f.id] = ("-bt: %s %s %s" % (m.group(1), m.group(2) or "-", user),
                         user if m.group(1) == "esmtp" else None, macros)
        else:
            said = [l for l in block.split("\n")[1:] if l.strip() and not _TRACE_LINE.match(l)]
            out[f.id] = ("-bt: " + (said[-1].strip() if said else "no answer")[:80], None, [])
    return out


def check_resolutions(forms, readings, resolved):
    """check_resolutions - every envelope form Sendmail took, delivered and
    resolved to an esmtp user went to that user: its resolution (what the
    milter is told as {rcpt_addr}) and its delivery agree."""
    wrong, agree = [], 0
    for f in forms:
        rd, user = readings[f.id], resolved.get(f.id, (None, None, None))[1]
        if user is None or rd.rcpt_code not in (250, 251) or rd.bounced or rd.left:
            continue
        if oracle.mailbox(user) not in {oracle.mailbox(a) for a in rd.delivered}:
            wrong.append("%s: resolved to %s, delivered to %s" % (f.id, user, rd.delivered))
        agree += 1
    check(not wrong, "Sendmail's resolution (-bt /parse) and its delivery differ", *wrong)
    log("oracle: %d envelope forms delivered where -bt /parse resolved them" % agree)


def queued(env):
    """queued - {queue id: delivery attempts so far} of the queue files."""
    out = {}
    for n in os.listdir(env.queue_dir):
        if n.startswith("qf"):
            try:
                with open(os.path.join(env.queue_dir, n), "rb") as f:
                    tries = re.search(rb"(?m)^N(\d+)$", f.read())
            except FileNotFoundError:
                continue		# delivered meanwhile
            out[n[2:]] = int(tries.group(1)) if tries else 0
    return out


def wait_drained(env, timeout=240):
    """wait_drained - until the queue is empty, or holds only messages
    that were tried and deferred, unchanged for a second; their ids.
    A message left queued untried (sendmail -t queues one when it also
    reports a bad address) gets a queue run, as the daemon's would."""
    end = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while True:
        q = queued(env)
        if not q:
            return []
        if q != last:
            last, since = q, time.monotonic()
        if time.monotonic() - since > 1:
            if all(q.values()):
                return sorted(q)
            env.sm("-q", check=False)
            last = None
        check(time.monotonic() < end, "Sendmail's queue not drained after %ds: %r" % (timeout, q))
        time.sleep(0.2)


def read_sendmail(forms):
    """read_sendmail - {id: Reading}: every form through a Sendmail
    without ccguard, delivering directly (inside the private network)."""
    out = {f.id: oracle.Reading() for f in forms}
    t0 = time.monotonic()
    env = smlib.SendmailEnv(milter=False, direct=True, local_names=OWN_NAMES)
    try:
        env.start()
        resolved = resolve(env, forms)
        for fid, (how, _, macros) in resolved.items():
            out[fid].resolved = how
            out[fid].rcpt_macros = macros
        log("oracle: sendmail -bt resolved the envelope forms in %.1fs" % (time.monotonic() - t0))

        def one(f):
            rd = out[f.id]
            data = oracle.build_message(f, "oracle")
            if f.kind == "envelope":
                r = oracle.smtp_send(env.smtp_port, oracle.envelope_args(f), data)
                if r.rcpt:
                    rd.rcpt_code = r.rcpt[0][1]
                check(r.stage == "eod" and r.code == 250,
                      "oracle: %s: the message was not accepted (%s %s %s)" %
                      (f.id, r.stage, r.code, r.text), r.rcpt)
                return
            # Does Sendmail's SMTP server take this header at all?
            r = oracle.smtp_send(env.smtp_port, [b"<" + oracle.NEUTRAL.encode() + b">"],
                                 oracle.build_message(f, "smtp"))
            if r.stage != "eod" or r.code != 250:
                rd.smtp_refusal = "%s %s" % (r.code, r.text.split("\n")[0][:60])
            p = env.sm("-t", "-i", "-f", oracle.SENDER, input=data, check=False)
            if p.returncode != 0:
                rd.submit_failed = True
                said = " / ".join((p.stdout + p.stderr).decode("utf-8", "replace").split("\n"))
                rd.submit = "sendmail -t %d: %s" % (p.returncode, said.strip(" /")[-100:])
        oracle.each_form(forms, one)
        log("oracle: %d forms sent in %.1fs" % (len(forms), time.monotonic() - t0))
        left = wait_drained(env)
        log("oracle: %d forms sent to Sendmail and drained in %.1fs (%d left queued)" %
            (len(forms), time.monotonic() - t0, len(left)))
        oracle.record_deliveries(env.sink, out)
        for qid in left:
            with open(os.path.join(env.queue_dir, "qf" + qid), "rb") as fh:
                qf = fh.read()
            ids = re.findall(rb"X-Oracle-Id: ([A-Za-z0-9-]+)", qf)
            if ids and ids[0].decode() in out:
                out[ids[0].decode()].left = [r.decode("utf-8", "replace")
                                             for r in re.findall(rb"(?m)^R[^:]*:(.*)$", qf)]
        check_resolutions(forms, out, resolved)
    finally:
        env.stop()
    return out


def main():
    """main - the Sendmail oracle, every form, in its private network."""
    forms = oracle.load_forms()
    smlib.enter_private_network(form_hosts(forms), aliases=RESOLVER_ALIASES)

    def test(env):
        log("Sendmail: %s, own names %s" % (env.version.strip(), " ".join(OWN_NAMES)))
        oracle.run(env, ("envelope", "header"), read_sendmail, mta="Sendmail",
                   diff_file=DIFF_FILE)
    smlib.main(test, conf=oracle.CCGUARD_CONF, direct=True, local_names=OWN_NAMES)
