#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: concurrent connections do not mix up their messages.

Six clients send at the same time, each a shuffled mix of messages with
known verdicts under the shipped policy: harmless (delivered), a new report
to both lists (refused) and a reply in a thread to both (held). ccguard runs
the connections in parallel threads; every message must get its own
verdict, whatever the others on other connections are doing, and Postfix
must deliver or hold exactly the right ones.
"""
import os
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

CLIENTS = 6
PER_CLIENT = 12
PAIR = [harness.SECURITY, harness.DISTROS]


def make(kind, tag):
    mid = harness.unique_id(tag)
    if kind == "pass":
        return mid, [harness.SECURITY, "maintainer@example.com"], \
            harness.report_message(msgid=mid, cc=("maintainer@example.com",))
    if kind == "reject":
        return mid, PAIR, harness.report_message(msgid=mid)
    return mid, PAIR, harness.report_message(msgid=mid, extra=[("References", "<x@example.org>")])


def client(env, n, plan, out, errors):
    try:
        persistent = n % 2 == 0
        s = env.session() if persistent else None
        for kind, mid, rcpts, data in plan:
            if persistent:
                r = s.send("client%d@example.org" % n, rcpts, data)
            else:
                r = env.send("client%d@example.org" % n, rcpts, data)
            out.append((kind, mid, r))
        if s is not None:
            s.close()
    except Exception as e:
        errors.append(repr(e))


def test(env):
    rnd = random.Random(4711)
    plans, outs, errors, threads = [], [], [], []
    for n in range(CLIENTS):
        kinds = (["pass", "reject", "hold"] * PER_CLIENT)[:PER_CLIENT]
        rnd.shuffle(kinds)
        plan = [(k,) + make(k, "c%d-%d-%s" % (n, i, k)) for i, k in enumerate(kinds)]
        plans.append(plan)
        outs.append([])
        threads.append(threading.Thread(target=client, args=(env, n, plan, outs[-1], errors)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(not errors, "no client failed", errors)

    want = {"pass": [], "reject": [], "hold": {}}
    for n, out in enumerate(outs):
        check(len(out) == PER_CLIENT, "client %d sent everything" % n, out)
        for kind, mid, r in out:
            if kind == "reject":
                check(r.code == 550 and "Refused: " in r.text, "%s refused" % mid, r)
                want["reject"].append(mid)
            else:
                check(r.accepted, "%s accepted" % mid, r)
                if kind == "pass":
                    want["pass"].append(mid)
                else:
                    want["hold"][r.queue_id] = mid

    env.sink.wait(len(want["pass"]), 30)
    env.barrier()
    got = sorted(m.header("Message-ID")[0] for m in env.sink.messages)
    check(len(got) == len(want["pass"]) + 1, "nothing but the harmless and the barrier", got)
    check([g for g in got if "barrier" not in g] == sorted(want["pass"]),
          "exactly the harmless messages delivered, once each", got)
    q = env.queue()
    check(sorted(x["queue_id"] for x in q) == sorted(want["hold"]) and
          all(x["queue_name"] == "hold" for x in q), "exactly the replies are on hold", q)
    for qid, mid in list(want["hold"].items())[:6]:
        hdrs = env.queued_headers(qid)
        check("Message-ID: %s" % mid in hdrs and
              any(h.startswith("X-Ccguard-Hold: rule=kernel-and-distros-reply;") for h in hdrs),
              "held %s is the right message, with its reason" % qid, hdrs)
    log = env.milter_log()
    check(log.count("action=reject") == len(want["reject"]) and
          log.count("action=hold") == len(want["hold"]),
          "one log line per message", log[-3000:])


harness.main(test)
