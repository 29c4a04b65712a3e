#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: the shipped policy through a real Postfix.

A private Postfix (tests/e2e/harness.py) with ccguard as its milter and a
private copy of the shipped rules, whose operator files point into the
test directory: exempt-senders lists team@example.org. Postfix offers SMTP
AUTH through Cyrus SASL with only the ANONYMOUS mechanism (no password
database needed), which is enough for ccguard to see an authenticated
client ({auth_authen}).

Checked through SMTP, the hold queue, the sink (the next hop) and
ccguard's log line for each message:
  reject  a new report to both sides (550, the policy text), no [vs] tag,
          distros@ with linux-distros@;
  hold    a reply to both sides, a reply-all onto a public list;
  notify  HTML-only mail to security@kernel.org (delivered, logged);
  accept  the same new report from an exempt sender, authenticated
          (delivered); refused when not authenticated, or when an
          authenticated sender is not on the list;
  accept  a list-delivered copy (List-Id, bounce sender) (delivered).
Skips (77) without root, Postfix, Cyrus SASL's ANONYMOUS plugin or the
e2e harness.
"""
import atexit
import glob
import os
import re
import shutil
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
srcdir = os.environ.get("top_srcdir") or os.path.normpath(os.path.join(here, "..", ".."))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(srcdir, "tests", "e2e"))
try:
    import harness  # noqa: E402
    from harness import check  # noqa: E402
except ImportError:
    print("SKIP: the end-to-end harness (tests/e2e/harness.py) is not there")
    sys.exit(77)
import policytest  # noqa: E402

SEC, LD, D = harness.SECURITY, harness.DISTROS, harness.OS_DISTROS
EML = os.path.join(srcdir, "tests", "policy", "eml")


def eml(name):
    """A fixture message, with CRLF line ends as on the wire."""
    with open(os.path.join(EML, name), "rb") as fp:
        return fp.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def log_line(env, qid, action, rule):
    return re.search(r"%s: action=%s rule=%s " % (re.escape(qid), action, re.escape(rule)),
                     env.milter_log())


def expect_reject(env, sender, rcpts, data, rule, phrases, auth=False):
    r = send_authenticated(env, sender, rcpts, data) if auth else env.send(sender, rcpts, data)
    harness.log("%s: %s" % (rule, r))
    check(r.stage == "eod" and r.code == 550, "%s: refused with 550 at end of data" % rule, r)
    text = " ".join(r.text_lines())
    for p in phrases:
        check(p in text, "%s: the reply says %r" % (rule, p), text)
    harness.wait_for(lambda: re.search(r"action=reject rule=%s " % re.escape(rule),
                                       env.milter_log()), 10, 0.05, "%s log line" % rule)


def expect_hold(env, sender, rcpts, data, rule):
    r = env.send(sender, rcpts, data)
    harness.log("%s: %s" % (rule, r))
    check(r.accepted and r.queue_id, "%s: accepted for the hold queue" % rule, r)
    harness.wait_for(lambda: [q for q in env.hold_queue() if q["queue_id"] == r.queue_id],
                     10, 0.1, "%s in the hold queue" % r.queue_id)
    hdrs = [h for h in env.queued_headers(r.queue_id) if h.lower().startswith("x-ccguard-hold:")]
    check(len(hdrs) == 1 and "rule=%s;" % rule in hdrs[0], "%s: the hold header names it" % rule,
          hdrs)
    check(log_line(env, r.queue_id, "hold", rule), "%s: log line" % rule, env.milter_log())
    return r.queue_id


def send_authenticated(env, sender, rcpts, data):
    """One message over a session that did AUTH ANONYMOUS first."""
    with env.session() as s:
        code, text = s.smtp.auth("ANONYMOUS", lambda challenge=None: sender,
                                 initial_response_ok=True)
        check(code == 235, "AUTH ANONYMOUS accepted", code, text)
        return s.send(sender, rcpts, data)


def expect_delivered(env, sender, rcpts, data, action, rule, marker, auth=False):
    if auth:
        r = send_authenticated(env, sender, rcpts, data)
    else:
        r = env.send(sender, rcpts, data)
    harness.log("%s: %s" % (rule, r))
    check(r.accepted and r.code == 250, "%s: accepted" % rule, r)
    got = harness.wait_for(lambda: env.sink.find(marker), 15, 0.05, "%s at the sink" % rule)
    check(sorted(got[0].rcpts) == sorted(rcpts), "%s: every recipient delivered" % rule, got[0])
    check(log_line(env, r.queue_id, action, rule), "%s: log line says %s" % (rule, action),
          env.milter_log()[-3000:])
    check(not [h for h in got[0].headers() if h.lower().startswith("x-ccguard-hold")],
          "%s: no hold header on delivered mail" % rule, got[0].headers())


def test(env):
    rules, etc = policytest.private_rules_copy(srcdir, env.path("policy"))
    with open(os.path.join(etc, "exempt-senders"), "w") as fp:
        fp.write("team@example.org\n")
    os.chmod(os.path.join(etc, "exempt-senders"), 0o644)
    env.shipped_rules = rules
    env.write_conf()
    check(env.reload(), "ccguard loads the private copy of the shipped rules", env.milter_log())
    check(rules in open(env.conf_path).read(), "ccguard.conf names the private copy")

    # reject
    expect_reject(env, "reporter@example.org", [SEC, LD], eml("new-report.eml"),
                  "kernel-and-distros", ["generally makes no sense", "[vs]"])
    expect_reject(env, "reporter@example.org", [LD], eml("no-vs-tag.eml"),
                  "distros-vs-tag", ["[vs]", "14 days"], auth=True)
    expect_reject(env, "reporter@example.org", [D, LD], eml("both-distros.eml"),
                  "both-distros-lists", ["only ONE"])

    # hold
    held = [expect_hold(env, "maintainer@example.org", [SEC, LD], eml("reply-both.eml"),
                        "kernel-and-distros-reply"),
            expect_hold(env, "member@example.org", [LD, "netdev@vger.kernel.org"],
                        eml("distros-public.eml"), "distros-and-public")]

    # notify: delivered as it is, the decision logged
    expect_delivered(env, "reporter@example.org", [SEC], eml("html-only.eml"),
                     "notify", "kernel-plain-text", b"<p>Affected versions")

    # exempt: the very message that was refused above, from a team member
    # who authenticated; not without authentication, not for others.
    r = env.send("team@example.org", [SEC, LD], eml("new-report.eml"))
    check(r.code == 550, "exempt sender without AUTH: refused", r)
    r = send_authenticated(env, "reporter@example.org", [SEC, LD], eml("new-report.eml"))
    check(r.code == 550, "authenticated sender not on the list: refused", r)
    expect_delivered(env, "team@example.org", [SEC, LD], eml("new-report.eml"),
                     "accept", "exempt-senders", b"<report-1@example.org>", auth=True)

    # list-delivered: a subscriber's copy of a reply-all
    expect_delivered(env, "netdev+bounces-4242-me=example.org@vger.kernel.org",
                     ["me@example.org"], eml("list-copy.eml"), "accept", "list-delivered",
                     b"<reply-6@example.org>")

    env.barrier()
    for mid in (b"<reply-1@example.org>", b"<reply-2@example.org>", b"<report-4@example.org>",
                b"<report-5@example.org>"):
        check(not env.sink.find(mid), "%r was not delivered" % mid, env.sink.messages)
    check(len(env.sink.find(b"<report-1@example.org>")) == 1,
          "the refused report reached the sink only from the exempt sender",
          env.sink.messages)
    q = env.queue()
    check(sorted(x["queue_id"] for x in q) == sorted(held) and
          all(x["queue_name"] == "hold" for x in q), "only the two held messages are queued", q)


if not glob.glob("/usr/lib/*/sasl2/libanonymous.so*") and \
        not glob.glob("/usr/lib/sasl2/libanonymous.so*"):
    print("SKIP: Cyrus SASL's ANONYMOUS plugin (libsasl2-modules) is not installed")
    sys.exit(77)
sasl_dir = tempfile.mkdtemp(prefix="ccguard-sasl-")
atexit.register(shutil.rmtree, sasl_dir, True)
os.chmod(sasl_dir, 0o755)
with open(os.path.join(sasl_dir, "smtpd.conf"), "w") as fp:
    fp.write("mech_list: ANONYMOUS\n")
os.chmod(os.path.join(sasl_dir, "smtpd.conf"), 0o644)

harness.main(test, conf="guidance = no\n", main_cf={
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_sasl_type": "cyrus",
    "smtpd_sasl_path": "smtpd",
    "cyrus_sasl_config_path": sasl_dir,
    "smtpd_sasl_security_options": "",
})
