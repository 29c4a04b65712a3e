#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: reloading under traffic gives every message one clean verdict.

Two client threads send reports to both lists without pause, one reusing a
single SMTP session, the other opening a session per message. Meanwhile
ccguard.conf is changed from the shipped "reject" to "hold" and ccguard gets
SIGHUP. Every message must get exactly one of the two verdicts, complete:
refused with the full explanation, or accepted and found in the hold queue
with its X-Ccguard-Hold header. No temporary errors, no dropped connections,
nothing delivered, nothing lost. Each thread sees the verdicts switch once
(rejects, then holds), and messages started after the reload are held.
"""
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

PAIR = [harness.SECURITY, harness.DISTROS]
BEFORE = 1.0		# seconds of traffic before the reload
AFTER = 1.5		# seconds of traffic after it is confirmed
MARGIN = 0.5		# a message started this long after the confirmation is new


class Sender(threading.Thread):
    def __init__(self, env, name, persistent, stop):
        super().__init__(name=name, daemon=True)
        self.env, self.persistent, self.stop = env, persistent, stop
        self.results = []	# (started, message-id, SendResult)
        self.error = None

    def run(self):
        session = None
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                mid = harness.unique_id("%s-%d" % (self.name, n))
                data = harness.report_message(msgid=mid)
                started = time.monotonic()
                if self.persistent:
                    if session is None:
                        session = self.env.session()
                    r = session.send("reporter@example.org", PAIR, data)
                else:
                    r = self.env.send("reporter@example.org", PAIR, data)
                self.results.append((started, mid, r))
                if r.disconnected:
                    break
                time.sleep(0.01)	# a shared machine: do not spin
        except Exception as e:
            self.error = e
        finally:
            if session is not None:
                session.close()


def verdict(r):
    if r.stage == "eod" and r.code == 550 and "Refused: " in r.text and len(r.lines()) > 5:
        return "reject"
    if r.accepted and r.code == 250 and r.queue_id:
        return "hold"
    return "bad"


def test(env):
    stop = threading.Event()
    senders = [Sender(env, "session", True, stop), Sender(env, "connect", False, stop)]
    for s in senders:
        s.start()
    try:
        time.sleep(BEFORE)
        # On a loaded machine make sure both threads really are sending.
        harness.wait_for(lambda: all(len(s.results) >= 3 or not s.is_alive() for s in senders),
                         30, 0.05, "traffic before the reload")
        env.write_conf(extra="action.kernel-and-distros = hold\n")
        check(env.reload(), "the reload succeeds")
        confirmed = time.monotonic()
        harness.log("reload confirmed")
        time.sleep(AFTER)
        harness.wait_for(lambda: all(len([1 for t, _, _ in s.results if t > confirmed + MARGIN]) >= 3
                                     or not s.is_alive() for s in senders),
                         30, 0.05, "traffic after the reload")
    finally:
        stop.set()
    for s in senders:
        s.join(30)
        check(not s.is_alive(), "%s thread finished" % s.name)
        check(s.error is None, "%s thread: no exception" % s.name, repr(s.error))

    held_ids = {}
    total = {"reject": 0, "hold": 0}
    for s in senders:
        seq = []
        for started, mid, r in s.results:
            v = verdict(r)
            check(v != "bad", "%s: %s got a clean verdict" % (s.name, mid), r)
            total[v] += 1
            seq.append(v)
            if v == "hold":
                held_ids[r.queue_id] = mid
            if started > confirmed + MARGIN:
                check(v == "hold", "%s: %s, sent after the reload, is held" % (s.name, mid), r)
        harness.log("%s: %d messages: %s" % (s.name, len(seq), "".join(x[0] for x in seq)))
        check("reject" in seq and "hold" in seq, "%s: saw both verdicts" % s.name, seq)
        first_hold = seq.index("hold")
        check("reject" not in seq[first_hold:], "%s: verdicts switch once, reject -> hold" % s.name,
              "".join(x[0] for x in seq))

    # Nothing lost: every accepted message is in the hold queue, marked.
    q = env.queue()
    check(all(x["queue_name"] == "hold" for x in q), "everything queued is on hold",
          [x for x in q if x["queue_name"] != "hold"])
    check(sorted(x["queue_id"] for x in q) == sorted(held_ids),
          "the hold queue holds exactly the accepted messages",
          "queued %d, accepted %d" % (len(q), len(held_ids)))
    for qid, mid in sorted(held_ids.items())[:: max(1, len(held_ids) // 20)]:
        hdrs = env.queued_headers(qid)
        check(any(h.startswith("X-Ccguard-Hold: rule=kernel-and-distros;") for h in hdrs) and
              "Message-ID: %s" % mid in hdrs, "%s carries its hold header" % qid, hdrs)
    env.barrier()
    check(env.sink.count() == 1, "nothing but the barrier delivered", env.sink.messages)
    log = env.milter_log()
    check(len(re.findall(r"action=reject rule=kernel-and-distros ", log)) == total["reject"] and
          len(re.findall(r"action=hold rule=kernel-and-distros ", log)) == total["hold"],
          "one log line per message", total)
    harness.log("verdicts: %r" % total)


harness.main(test)
