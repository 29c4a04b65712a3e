#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: a reload with a broken file keeps the rules in force.

ccguard runs with the shipped rules plus a local rule file. The local file
is then broken (an unknown action) while ccguard.conf switches
kernel-and-distros to hold; on SIGHUP ccguard must log the error as
file:line, keep the old policy as a whole (reports to both lists are still
refused, not held; the local rule still works), and keep serving. The same
for a broken ccguard.conf. Once the files are fixed, a reload puts the new
policy (hold) in force.
"""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

GOOD_RULES = """\
# local rules for an end-to-end test
list e2e-local {
	blocked@example.net
}
rule e2e-local {
	when recipient in e2e-local
	action reject 550 5.7.1
}
"""
BROKEN_RULES = GOOD_RULES.replace("action reject 550 5.7.1", "action explode")
BROKEN_LINE = BROKEN_RULES.splitlines().index("\taction explode") + 1
HOLD = "action.kernel-and-distros = hold\n"
PAIR = [harness.SECURITY, harness.DISTROS]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def expect_old_policy(env, what):
    r = env.send("reporter@example.org", PAIR, harness.report_message())
    check(r.code == 550 and "Refused: " in r.text,
          "%s: a report to both lists is still refused" % what, r)
    r = env.send("reporter@example.org", ["blocked@example.net"],
                 harness.report_message(to=("blocked@example.net",), cc=()))
    check(r.code == 550, "%s: the local rule still refuses" % what, r)
    check(env.milter_running(), "%s: ccguard still runs" % what)


def test(env):
    local = env.extra_rules[0]
    expect_old_policy(env, "at start")
    env.wait_log(r"action=reject rule=e2e-local ")

    # 1. A broken rule file, together with a conf change that must not
    #    take effect on its own either.
    write(local, BROKEN_RULES)
    start = len(env.milter_log())
    check(not env.reload(extra=HOLD), "the reload with a broken rule file fails")
    log = env.milter_log()[start:]
    harness.log("reload log: %r" % log)
    check(re.search(r"%s:%d: unknown action" % (re.escape(local), BROKEN_LINE), log),
          "the log names the broken file and line", log)
    check("keeping the rules in force" in log, "the log says the old rules stay", log)
    expect_old_policy(env, "after a broken rule file")

    # 2. A broken ccguard.conf.
    write(local, GOOD_RULES)
    env.write_conf(extra=HOLD + "no_such_setting = 1\n")
    lineno = open(env.conf_path).read().splitlines().index("no_such_setting = 1") + 1
    start = len(env.milter_log())
    check(not env.reload(), "the reload with a broken ccguard.conf fails")
    log = env.milter_log()[start:]
    check(re.search(r"%s:%d: unknown setting" % (re.escape(env.conf_path), lineno), log),
          "the log names ccguard.conf and the line", log)
    expect_old_policy(env, "after a broken ccguard.conf")

    # 3. Fixed: the new policy takes over.
    check(env.reload(extra=HOLD), "the reload with fixed files succeeds")
    r = env.send("reporter@example.org", PAIR, harness.report_message())
    check(r.accepted, "a report to both lists is now accepted for hold", r)
    q = harness.wait_for(env.hold_queue, 10, 0.1, "the report in the hold queue")
    check([x["queue_id"] for x in q] == [r.queue_id], "it is on hold", q)
    env.barrier()
    check(env.sink.count() == 1, "only the barrier message was delivered", env.sink.messages)


def main():
    d = tempfile.mkdtemp(prefix="ccguard-e2e-rules-")	# 0700
    local = os.path.join(d, "local.rules")
    write(local, GOOD_RULES)
    try:
        harness.main(test, rules=[local])
    finally:
        shutil.rmtree(d, ignore_errors=True)


main()
