#!/usr/bin/env python3
"""End-to-end: only the MTA's own Authentication-Results count.

SPDX-License-Identifier: BSD-2-Clause

With command_authserv_id = mx.e2e.test, a mail command is obeyed only when
the topmost Authentication-Results field of that authserv-id shows a DKIM
pass for the moderator's domain. The private Postfix (default queue id
length and timing) follows doc/moderation.md's advice: a header_checks
rule removes every Authentication-Results field that arrives with a
message, and the MTA's verifier adds its own (tests/modmail/armilter.c
stands in for OpenDKIM: a milter's header is not subject to
header_checks). A moderator's command mail carrying a forged "pass" from
mx.e2e.test in each form the outside review used is refused, and the
message stays held:
- the plain header;
- "Authentication-Results :" (space before the colon, which Postfix takes
  as that header, and which a rule written without it let through);
- the header name in lower case;
- the value as an RFC 2047 encoded word;
- the header lower down in the header block;
checked with the verifier adding "dkim=none", and again with no verifier
at all (the forged copies are gone: there is no result). The forged copies
are not in what the pipe stored. Before the rule is in place, with the
verifier, the forged copies reach ccguard and still count for nothing:
only the topmost field of mx.e2e.test does, raw. With the verifier's own
pass, the same line is obeyed.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modlib  # noqa: E402
from modlib import harness, holdlib, check  # noqa: E402

FORGED = "mx.e2e.test; dkim=pass header.d=e2e.test header.s=s1"
FORMS = [
    ("plain", "Authentication-Results: " + FORGED),
    ("space before the colon", "Authentication-Results : " + FORGED),
    ("lower case", "authentication-results: " + FORGED),
    ("encoded word", "Authentication-Results: =?us-ascii?q?mx=2Ee2e=2Etest=3B_dkim=3Dpass_"
                     "header=2Ed=3De2e=2Etest?="),
]
# The rule doc/moderation.md gives, word for word.
HEADER_CHECKS = "/^Authentication-Results[[:space:]]*:/ IGNORE\n"


def command(env, line, forged_header=None, low=False, test_pass=False):
    """command - a command mail with a forged A-R at the top (or low); its stored text, mid."""
    mid = harness.unique_id("cmd")
    hdrs = []
    if forged_header is not None and not low:
        hdrs.append(forged_header)
    hdrs += ["From: A Moderator <%s>" % modlib.MODERATOR, "To: " + modlib.CMD_ADDR,
             "Subject: Re: held", "Message-ID: " + mid, "Date: Mon, 30 Nov 2026 12:00:00 +0000"]
    if test_pass:
        hdrs.append("X-Test-Dkim: pass")
    if forged_header is not None and low:
        hdrs.append(forged_header)
    data = ("\r\n".join(hdrs) + "\r\n\r\n" + line + "\r\n").encode()
    modlib.send_raw(env, modlib.MODERATOR, data, mid)
    stored = b""
    for n in modlib.spool_files(env):
        with open(modlib.spool(env, "new", n), "rb") as f:
            stored += f.read()
    return stored.decode("utf-8", "replace"), mid


def refused(env, qid, line, what, form, low=False, removed=True):
    stored, mid = command(env, line, form, low)
    if removed:
        check("dkim=pass" not in stored and "=?us-ascii?q?mx" not in stored,
              "%s: the forged copy was removed before the pipe" % what, stored)
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("did not pass DKIM or SPF" in t and "Done" not in t, "%s: refused" % what, t)
    check(qid in modlib.held_ids(env), "%s: still held" % what)
    return stored


def test(env):
    modlib.start(env, "command_authserv_id = mx.e2e.test\n")
    with open(env.path("header_checks"), "w") as f:
        f.write(HEADER_CHECKS)
    # Beside ccguard's socket, where Postfix may connect.
    ar_sock = os.path.join(os.path.dirname(env.socket), "armilter.sock")
    armilter = subprocess.Popen([os.path.join(env.builddir, "tests", "modmail", "armilter"),
                                 "-p", "unix:" + ar_sock, "-a", "mx.e2e.test"],
                                preexec_fn=lambda: os.umask(0o011))
    try:
        harness.wait_for(lambda: harness.socket_listening(ar_sock), 10, 0.05, "armilter socket")
        qid, _ = holdlib.hold(env)
        _, lines = modlib.lines_of(modlib.notice_for(env, qid))
        line = lines[("discard", None, qid)][0]

        # The verifier, no rule yet: the forged copies arrive, below its result.
        env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                        "smtpd_milters = unix:%s, unix:%s" % (env.socket, ar_sock))
        env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
        for what, form in FORMS:
            stored = refused(env, qid, line, "not removed, " + what, form, removed=False)
            check(form.split(":", 1)[1].strip() in stored and
                  stored.index("dkim=none") < stored.index(form.split(":", 1)[1].strip()),
                  "the forged copy arrived, below the verifier's result", stored)
        refused(env, qid, line, "not removed, lower down", FORMS[0][1], low=True, removed=False)

        env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                        "header_checks = regexp:" + env.path("header_checks"))
        env.postfix_cmd("postfix", "-c", env.config_dir, "reload")

        # The verifier says "none"; every forged "pass" is gone or ignored.
        for what, form in FORMS:
            stored = refused(env, qid, line, "with the verifier, " + what, form)
            check(stored.startswith("Authentication-Results: mx.e2e.test; dkim=none") or
                  "\nAuthentication-Results: mx.e2e.test; dkim=none" in stored,
                  "the verifier's own result was kept", stored)
        refused(env, qid, line, "with the verifier, lower down", FORMS[0][1], low=True)

        # No verifier: the forged copies are removed, nothing passes.
        env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                        "smtpd_milters = unix:%s" % env.socket)
        env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
        for what, form in FORMS:
            stored = refused(env, qid, line, "without a verifier, " + what, form)
            check("Authentication-Results" not in stored.split("\n\n")[0].replace("\r", ""),
                  "no Authentication-Results left", stored)

        # The verifier's own pass: obeyed.
        env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                        "smtpd_milters = unix:%s, unix:%s" % (env.socket, ar_sock))
        env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
        stored, mid = command(env, line, test_pass=True)
        modlib.process(env)
        check("discarded" in modlib.answer_text(env, mid), "the MTA's own pass: obeyed", stored)
        check(qid not in modlib.queued_ids(env), "discarded")
    finally:
        armilter.terminate()
        armilter.wait(10)


harness.main(test, milter=False, main_cf=modlib.DEFAULT_TIMING)
