# SPDX-License-Identifier: BSD-2-Clause
"""test_header_cuts - a recipient header that Postfix cut is a limit; one it
delivers whole is read whole.

Postfix cuts address headers before milters see them (measured in
test_header_cut_premise.py): at header_address_token_limit tokens when it
rewrites them, and, with a milter attached, at 60000 bytes. ccguard must
give a cut header on_limit (451 by default), never a pass, and say which
limit; a header Postfix delivers whole must get the verdict its addresses
call for, not 451.
"""
import harness
from harness import DISTROS, SECURITY, check


def send(env, cc, rcpts=(SECURITY,)):
    data = harness.message([("From", "reporter@example.org"), ("To", SECURITY),
                            ("Cc", cc), ("Subject", "header cut")])
    return env.send("reporter@example.org", list(rcpts), data)


def test(env):
    # 3,001 addresses: Postfix's rewriting drops the distros list at the end.
    r = send(env, ", ".join(["user%d@example.org" % i for i in range(3000)] + [DISTROS]))
    check(r.temporary() and r.stage == "eod", "a cut Cc gets on_limit (451) at end of data", r)
    harness.wait_for(lambda: "limit=mta_header_token_limit" in env.milter_log(), 10, 0.1,
                     "the log names the token limit")

    # A 150 KB Cc is cut at header_size_limit (102400 bytes) in any case.
    big = ", ".join("someone-with-a-long-name-%d@example.org" % i for i in range(3500))
    r = send(env, big + ", " + DISTROS)
    check(r.temporary() and r.stage == "eod", "a Cc past header_size_limit gets on_limit", r)
    harness.wait_for(lambda: "limit=mta_header_" in env.milter_log(), 10, 0.1,
                     "the log names a header limit")

    # 64 KB: below header_size_limit, but a milter makes Postfix cut at 60000.
    start = len(env.milter_log())
    mid = ", ".join("someone-with-a-long-name-%d@subdomain.example.org" % i for i in range(1200))
    r = send(env, mid + ", " + DISTROS)
    check(r.temporary() and r.stage == "eod", "a 64 KB Cc gets on_limit", r)
    harness.wait_for(lambda: "limit=mta_header_size_limit" in env.milter_log()[start:], 10, 0.1,
                     "the log names the size limit")

    # Delivered whole by Postfix, so read whole: 1,500 addresses (9,000
    # tokens) with the distros list last are refused for the pair ...
    many = ["user%d@example.org" % i for i in range(1500)]
    r = send(env, ", ".join(many + [DISTROS]))
    check(r.permanent() and r.code == 550, "1,500 addresses and the pair: refused (550), not 451", r)
    # ... and without it they pass, as does a Cc of 720 named addresses
    # (about 5,800 tokens).
    r = send(env, ", ".join(many), rcpts=("maintainer@example.com",))
    check(r.accepted, "1,500 addresses without the pair pass", r)
    named = ", ".join('"Person %d, Team" <person.%d@example.org>' % (i, i) for i in range(720))
    r = send(env, named, rcpts=("maintainer@example.com",))
    check(r.accepted, "720 named addresses pass", r)


harness.main(test)
