#!/usr/bin/env python3
"""End-to-end with a real Sendmail 8.17: what Sendmail resolved each recipient to counts.

SPDX-License-Identifier: BSD-2-Clause

Sendmail sends, with each RCPT, the mailer/host/user triple of its ruleset
0 ({rcpt_mailer}, {rcpt_host}, {rcpt_addr}), and ccguard counts the user
next to its own reading of the RCPT argument. The private Sendmail
(tests/sendmail/smlib.py) gets a domaintable, as a site that renamed a
domain has: kernel.example is kernel.org. Proves, at Sendmail's SMTP port:

- in monitor mode, Sendmail delivers RCPT TO:<security@kernel.example>,
  TO:team:security@kernel.org (no angle brackets: ruleset 3 drops "team:")
  and TO:<security@kernel.org..> (trailing dots folded), each with
  linux-distros, to both security@kernel.org and linux-distros at the sink,
  and ccguard logs that it would have refused them;
- in force, each is refused with 550 5.7.1 at end of data and nothing is
  delivered; the reply names Sendmail's $j ("This server (sm.example.test)");
- the log line shows both readings of security@kernel.example, which
  ccguard's own reader can not know for kernel.org: the argument,
  ccguard's reading, and Sendmail's esmtp/[127.0.0.1]/security@kernel.org.
"""
import atexit
import os
import shutil
import smtplib
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smlib  # noqa: E402
from smlib import harness, check, log  # noqa: E402

DISTROS = harness.DISTROS

# The domaintable: a text map ("key:value" lines), read at each lookup.
MAPDIR = tempfile.mkdtemp(prefix="ccguard-sm-map-")
atexit.register(shutil.rmtree, MAPDIR, True)
os.chmod(MAPDIR, 0o755)
with open(os.path.join(MAPDIR, "domaintable"), "w") as f:
    f.write("kernel.example:kernel.org\n")
MC = "FEATURE(`domaintable', `text -z: -k0 -v1 %s/domaintable')dnl\n" % MAPDIR

# RCPT arguments as sent (with or without angle brackets), each to go
# with linux-distros.
FORMS = ["<security@kernel.example>", "team:security@kernel.org", "<security@kernel.org..>"]


def send(env, rcpt, msgid):
    """send - one message to rcpt (sent as written) and linux-distros; (code, text)."""
    # The headers name someone else: the envelope alone decides.
    data = harness.report_message(msgid=msgid, to=("maintainer@example.com",))
    s = smtplib.SMTP("127.0.0.1", env.smtp_port, local_hostname="client.e2e.test", timeout=60)
    try:
        s.ehlo()
        s.mail("reporter@example.org")
        code, text = s.docmd("RCPT TO:" + rcpt)
        check(code == 250, "Sendmail accepts RCPT TO:%s" % rcpt, code, text)
        code, text = s.rcpt(DISTROS)
        check(code == 250, "Sendmail accepts linux-distros", code, text)
        try:
            code, text = s.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        return code, text.decode("utf-8", "replace")
    finally:
        s.close()


def test(env):
    log("Sendmail: %s" % env.version.strip())

    # Monitor mode: Sendmail delivers every form to both sides.
    check(env.reload("action.kernel-and-distros = monitor\n"
                     "action.kernel-and-distros-reply = monitor\n"), "reload to monitor mode")
    for i, form in enumerate(FORMS):
        mid = harness.unique_id("mon%d" % i)
        code, text = send(env, form, mid)
        check(code == 250, "monitor mode delivers %s" % form, code, text)
        got = harness.wait_for(lambda: env.sink.find(mid), 60, 0.1, "%s at the sink" % form)[0]
        check(sorted(got.rcpts) == sorted([harness.SECURITY, DISTROS]),
              "Sendmail delivered %s to security@kernel.org and linux-distros" % form, got.rcpts)
    ccl = env.read("ccguard.log")
    check(ccl.count(" monitor=kernel-and-distros:reject ") == len(FORMS),
          "ccguard saw the pair in each, and would have refused it", ccl[-3000:])

    # In force: each is refused, by Sendmail's reading where ccguard's own differs.
    check(env.reload(""), "reload to the shipped actions")
    refused = []
    for i, form in enumerate(FORMS):
        start = len(env.read("ccguard.log"))
        mid = harness.unique_id("ref%d" % i)
        refused.append(mid)
        code, text = send(env, form, mid)
        log("%s: %d %s" % (form, code, text))
        check(code == 550 and "5.7.1" in text, "%s with linux-distros is refused" % form,
              code, text)
        check("This server (%s) refused it" % smlib.HOSTNAME in text.replace("\n5.7.1 ", " "),
              "the reply names Sendmail's $j", text)
        line = harness.wait_for(lambda: [l for l in env.read("ccguard.log")[start:].splitlines()
                                         if "action=" in l], 30, 0.1, "the decision")[0]
        log("log: %s" % line)
        check("action=reject rule=kernel-and-distros " in line, "ccguard refused it", line)
        if form == FORMS[0]:
            check(" rcpt=<security@kernel.example> read=security@kernel.example "
                  "rcpt_addr=security@kernel.org rcpt_mailer=esmtp rcpt_host=[127.0.0.1]" in line
                  and " matched=security@kernel.org[envelope,mta],%s[envelope,Cc] " % DISTROS
                  in line,
                  "the log shows ccguard's reading and Sendmail's", line)
    env.send("reporter@example.org", ["maintainer@example.com"],
             harness.report_message(msgid="<sm-macros-barrier@example.org>",
                                    to=("maintainer@example.com",), cc=()))
    harness.wait_for(lambda: env.sink.find("sm-macros-barrier"), 60, 0.1, "the barrier message")
    check(not any(env.sink.find(mid) for mid in refused), "no refused message reached the sink")


smlib.main(test, mc=MC)
