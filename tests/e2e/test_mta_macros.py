#!/usr/bin/env python3
"""End-to-end: what Postfix resolved each recipient to counts, and Postfix's name is the server's.

SPDX-License-Identifier: BSD-2-Clause

The private Postfix here is a kernel.org mail exchanger in miniature:
myorigin = kernel.org (a bare "security" is security@kernel.org) and
kernel.org a virtual alias domain (security@kernel.org is delivered to
the team's address). Postfix tells ccguard with each RCPT what it resolved
the recipient to ({rcpt_addr}, {rcpt_host}, {rcpt_mailer}), and proves here:

- RCPT TO:<security> alone is delivered, to the alias's target: the bare
  form reaches the security team;
- RCPT TO:<security> with linux-distros is refused (550 at end of data)
  although ccguard's own reading of "security" is no list address, and the
  log line shows both readings: the argument, ccguard's reading, Postfix's
  {rcpt_addr}, {rcpt_mailer} ("error": the virtual alias class) and
  {rcpt_host}; nothing reaches the sink;
- "ccguard -t" given the same macros (--rcpt/--macro, as the log names
  them) reaches the same decision, and without them it would pass;
- security@kernel.org with linux-distros is refused too: the "error"
  transport Postfix names for a virtual alias domain takes nothing away;
- the reply names Postfix's myhostname ("This server (NAME)"), a name
  the host has nowhere else, and a held reply in a thread gets guidance
  from postmaster@NAME.
"""
import email
import email.policy
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

MYHOSTNAME = "relay-7.macro-e2e.test"
TEAM = "sec-team@example.com"
REPORTER = "reporter@example.org"
MAIN_CF = {
    "myhostname": MYHOSTNAME,
    "myorigin": "kernel.org",
    "virtual_alias_domains": "kernel.org",
    "virtual_alias_maps": "inline:{ security@kernel.org=%s }" % TEAM,
}


def decision(env, start):
    """decision - ccguard's one decision line after log offset start."""
    env.wait_log(r"action=", 10, start)
    lines = [l for l in env.milter_log()[start:].splitlines() if "action=" in l]
    check(len(lines) == 1, "one decision line", lines)
    return lines[0]


def fields(line, names):
    """fields - {name: value} of the key=value fields of a log line."""
    out = {}
    for tok in line.split(" "):
        k, eq, v = tok.partition("=")
        if eq and k in names and k not in out:
            out[k] = v
    return out


def trace(env, *args):
    """trace - ccguard -t on a report with ARGS; its output."""
    path = env.path("report.eml")
    with open(path, "wb") as f:
        f.write(harness.report_message(to=("maintainer@example.com",), cc=()))
    p = subprocess.run([env.ccguard, "-c", env.conf_path, "-t", path] + list(args),
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "ccguard -t ran", p.stdout, p.stderr)
    return p.stdout


def test(env):
    # The bare form alone: Postfix resolves and delivers it to the team.
    mid = harness.unique_id("bare")
    r = env.send(REPORTER, ["security"], harness.report_message(msgid=mid, cc=()))
    check(r.accepted, "a report to the bare security alone is accepted", r)
    got = harness.wait_for(lambda: env.sink.find(mid), 30, 0.1, "the bare form at the sink")[0]
    check(got.rcpts == [TEAM], "Postfix delivered <security> to security@kernel.org's target",
          got.rcpts)

    # With linux-distros: refused on Postfix's reading, both readings logged.
    start = len(env.milter_log())
    bad = harness.unique_id("bare-pair")
    # (Postfix would rewrite "To: security" too: the headers name someone else.)
    r = env.send(REPORTER, ["security", harness.DISTROS],
                 harness.report_message(msgid=bad, to=("maintainer@example.com",)))
    harness.log("bare pair: %r" % r)
    check(r.stage == "eod" and r.code == 550, "the bare form with linux-distros is refused", r)
    check("This server (%s) refused it for every recipient." % MYHOSTNAME
          in " ".join(r.text_lines()), "the reply names Postfix's myhostname", r.text)
    check("security@kernel.org (envelope, as the MTA resolved it)" in " ".join(r.text_lines()),
          "the reply says Postfix resolved it", r.text)
    line = decision(env, start)
    harness.log("log: %s" % line)
    f = fields(line, ("action", "matched", "rcpt", "read", "rcpt_addr", "rcpt_mailer", "rcpt_host"))
    check(f.get("action") == "reject" and
          f.get("matched") == "security@kernel.org[envelope,mta],%s[envelope,Cc]" % harness.DISTROS,
          "refused for security@kernel.org as Postfix resolved it (and nowhere else)", line)
    check(f.get("rcpt") == "<security>" and f.get("read") == "security" and
          f.get("rcpt_addr") == "security@kernel.org" and f.get("rcpt_mailer") == "error" and
          f.get("rcpt_host", "").startswith("5.1.1?User?unknown"),
          "the log shows the argument, ccguard's reading and Postfix's macros", line)

    # The trace reproduces the decision from the logged macros, and only with them.
    out = trace(env, "--rcpt", f["rcpt"], "--macro", "rcpt_addr=" + f["rcpt_addr"],
                "--macro", "rcpt_mailer=" + f["rcpt_mailer"], "--rcpt", harness.DISTROS,
                "--macro", "j=" + MYHOSTNAME)
    check(re.search(r"(?m)^action: reject$", out) and
          re.search(r"(?m)^  RCPT <security>: ccguard reads security; the MTA: "
                    r"security@kernel\.org \(mailer error, host none\), read as "
                    r"security@kernel\.org$", out) and
          "This server (%s) refused it" % MYHOSTNAME in out,
          "ccguard -t with the logged macros refuses it and shows both readings", out)
    out = trace(env, "--rcpt", f["rcpt"], "--rcpt", harness.DISTROS)
    check(re.search(r"(?m)^action: pass$", out),
          "without Postfix's reading the trace passes it: the macros decided", out)

    # Postfix's "error" transport of a virtual alias domain takes nothing away.
    start = len(env.milter_log())
    r = env.send(REPORTER, [harness.SECURITY, harness.DISTROS], harness.report_message())
    check(r.stage == "eod" and r.code == 550, "security@kernel.org (transport error) counts", r)
    line = decision(env, start)
    check(" rcpt=" not in line, "readings that agree are not shown", line)

    # Guidance comes from postmaster@myhostname.
    check(env.reload("action.kernel-and-distros-reply = hold\n"
                     "guidance_senders = local\n"
                     "postfix_config = %s\n"
                     "release_key = %s\n" % (env.config_dir, env.path("release.key"))),
          "reload with guidance")
    held = harness.unique_id("held")
    r = env.send(REPORTER, ["security", harness.DISTROS],
                 harness.report_message(msgid=held, subject="Re: [report] foo",
                                        extra=[("In-Reply-To", "<report-0@example.org>")]))
    check(r.accepted, "the reply in a thread is held (250)", r)
    g = harness.wait_for(lambda: [m for m in env.sink.messages if m.rcpts == [REPORTER] and
                                  held in " ".join(m.header("In-Reply-To"))],
                         30, 0.1, "guidance at the sink")
    msg = email.message_from_bytes(g[0].data, policy=email.policy.default)
    check(msg["From"] == "postmaster@" + MYHOSTNAME, "guidance from postmaster@myhostname",
          msg["From"])
    env.barrier()
    check(not env.sink.find(bad) and all(m.rcpts == [REPORTER] for m in env.sink.find(held)),
          "neither the refused nor the held message reached the sink (only the guidance)")


harness.main(test, main_cf=MAIN_CF)
