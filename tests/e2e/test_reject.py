#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: a new report to security@kernel.org and linux-distros is refused.

Through a real Postfix with ccguard as its milter, with the shipped policy:
the SMTP client gets a 5xx at end of data whose multi-line text is the
explanation from rules/kernel-and-distros.reply, naming both addresses and
where each was found; the text is the one "ccguard -t" prints for the same
message (told Postfix's name, macro j); nothing is queued or delivered; ccguard logs one reject line. The
same holds when the pair is only in the headers (what a receiving MX sees
when only one of the two is hosted there).
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402


def norm(s):
    return " ".join(s.split())


def template_regex(env):
    """The reply template as a regex over normalised text; ${matched} free,
    ${hostname} any one word (this host's name)."""
    with open(os.path.join(env.srcdir, "rules", "kernel-and-distros.reply")) as f:
        text = norm(f.read())
    parts = text.split("${matched}")
    check(len(parts) == 2, "the reply template has one ${matched}", text)
    esc = [re.escape(p).replace(re.escape("${hostname}"), r"\S+") for p in parts]
    return re.compile("^" + esc[0] + "(?P<matched>.+?)" + esc[1] + "$")


def ccguard_t_reply(env, path, rcpts):
    """The reply lines "ccguard -t" prints for the same message, with the
    name Postfix hands the daemon (macro j: myhostname)."""
    argv = [env.ccguard, "-c", env.conf_path, "-t", path, "--from", "reporter@example.org",
            "--macro", "j=" + env.postfix_cmd("postconf", "-c", env.config_dir, "-h",
                                              "myhostname").stdout.decode().strip()]
    for r in rcpts:
        argv += ["--rcpt", r]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, "ccguard -t runs", p.stdout, p.stderr)
    out = p.stdout.split("\nreply:\n", 1)
    check(len(out) == 2, "ccguard -t prints a reply", p.stdout)
    lines = []
    for l in out[1].splitlines():
        if not l.startswith("  "):
            break
        lines.append(l[2:])
    return lines


def expect_reject(env, rcpts, data, sources):
    """Send; check the reply; sources: {address: "envelope, To"} expected."""
    r = env.send("reporter@example.org", rcpts, data)
    harness.log("reply: %s" % r)
    check(r.stage == "eod" and r.code == 550, "550 at end of data", r)
    check(all(l.startswith("5.7.1 ") for l in r.lines()), "every line carries 5.7.1", r.text)
    check(len(r.lines()) > 5, "a multi-line explanation", r.text)
    text = norm(" ".join(r.text_lines()))
    m = template_regex(env).match(text)
    check(m is not None, "the reply is the text of kernel-and-distros.reply", text)
    matched = m.group("matched")
    for addr, where in sources.items():
        check("%s (%s)" % (addr, where) in matched,
              "the reply names %s and where it was found (%s)" % (addr, where), matched)
    # Byte for byte what the offline tester renders for the same message.
    path = env.path("last.eml")
    with open(path, "wb") as f:
        f.write(data)
    want = ccguard_t_reply(env, path, rcpts)
    got = ["550%s%s" % ("-" if i + 1 < len(r.lines()) else " ", l) for i, l in enumerate(r.lines())]
    check(got == want, "SMTP reply equals ccguard -t's reply", "got:", "\n".join(got),
          "want:", "\n".join(want))
    return r


def test(env):
    bad1 = harness.unique_id("bad1")
    expect_reject(env, [harness.SECURITY, harness.DISTROS],
                  harness.report_message(msgid=bad1),
                  {harness.SECURITY: "envelope, To", harness.DISTROS: "envelope, Cc"})
    log1 = env.wait_log(r"action=reject rule=kernel-and-distros code=550 dsn=5\.7\.1 "
                        r"from=<reporter@example\.org> rcpts=2 matched=security@kernel\.org"
                        r"\[envelope,To\],linux-distros@vs\.openwall\.org\[envelope,Cc\]")
    harness.log("log: %s" % log1.group(0))

    # A receiving MX for kernel.org sees only its own envelope recipient.
    bad2 = harness.unique_id("bad2")
    data = harness.report_message(msgid=bad2, to=("Security Officers <security@kernel.org>",),
                                  cc=('"Distros @ oss-security openwall" <distros@vs.openwall.org>',))
    expect_reject(env, [harness.SECURITY], data,
                  {harness.SECURITY: "envelope, To", harness.OS_DISTROS: "Cc"})

    env.barrier()
    for mid in (bad1, bad2):
        check(not env.sink.find(mid), "refused message %s not delivered" % mid)
    check(env.sink.count() == 1, "the sink got only the barrier message", env.sink.messages)
    check(env.queue() == [], "nothing left in the queue", env.queue())
    rejects = re.findall(r"action=reject", env.milter_log())
    check(len(rejects) == 2, "one log line per refused message", env.milter_log())


harness.main(test)
