# SPDX-License-Identifier: BSD-2-Clause
"""Shared setup for the hold workflow's end-to-end tests.

What it is for: e2e_notify.py and e2e_ctl.py both need the end-to-end
harness (tests/e2e/harness.py, imported from $top_srcdir so the tests work
in a merged tree), a ccguard.conf with guidance, a moderator and a release
key pointing into the test's private Postfix, a way to get a message held,
and a way to run ccguardctl against that Postfix. Without the harness the
tests skip (exit 77) with a message.
"""
import os
import subprocess
import sys

_srcdir = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(_srcdir, "tests", "e2e"))
try:
    import harness  # noqa: E402
except ImportError:
    print("SKIP: %s: tests/e2e/harness.py (the end-to-end harness) is not in this tree"
          % os.path.basename(sys.argv[0]))
    sys.exit(77)

check = harness.check
MODERATOR = "moderators@e2e.test"
REPORTER = "reporter@example.org"


def conf_text(env, extra=""):
    """conf_text - ccguard.conf lines for the hold workflow in env."""
    return ("hostname = mx.e2e.test\n"
            "guidance_senders = local\n"
            "guidance_rate = 2\n"
            "moderator = %s\n"
            "moderator_template = %s\n"
            "postfix_config = %s\n"
            "release_key = %s\n" % (MODERATOR,
                                    os.path.join(env.rules_dir, "moderator-notice.txt"),
                                    env.config_dir, env.path("release.key"))) + extra


def start(env, extra=""):
    """start - write the conf, start ccguard (the Env was made with milter=False)."""
    env.write_conf(conf_text(env, extra))
    env.start_milter()


def ctl_path(env):
    return os.path.join(env.builddir, "ctl", "ccguardctl")


def ctl(env, *args, expect=0, postfix_option=False):
    """ctl - run ccguardctl -c CONF ...; the CompletedProcess (text)."""
    argv = [ctl_path(env), "-c", env.conf_path]
    if postfix_option:
        argv += ["--postfix-config", env.config_dir]
    argv += list(args)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    harness.log("ccguardctl %s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    if expect is not None:
        check(p.returncode == expect, "ccguardctl %s exits %d" % (" ".join(args), expect),
              p.returncode, p.stdout, p.stderr)
    return p


def reply_message(msgid, subject="Re: [report] use-after-free in foo", extra=(),
                  body=None):
    """reply_message - a reply in a thread to both lists (the hold rule's case)."""
    return harness.report_message(msgid=msgid, subject=subject,
                                  extra=[("In-Reply-To", "<report-0@example.org>")] +
                                  list(extra), body=body)


def hold(env, sender=REPORTER, rcpts=None, **kw):
    """hold - send a reply to both lists; (queue id, Message-ID) once held."""
    mid = kw.pop("msgid", None) or harness.unique_id("held")
    rcpts = rcpts or [harness.SECURITY, harness.DISTROS]
    r = env.send(sender, rcpts, reply_message(mid, **kw))
    check(r.accepted and r.queue_id, "held message accepted", r)
    harness.wait_for(lambda: [q for q in env.hold_queue() if q["queue_id"] == r.queue_id],
                     10, 0.1, "%s in the hold queue" % r.queue_id)
    return r.queue_id, mid


def to(m, addr):
    """to - did sink message m go to addr (envelope)?"""
    return [r.lower() for r in m.rcpts] == [addr.lower()]
