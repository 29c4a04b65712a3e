"""test_header_cuts - a recipient header that Postfix may have cut is a limit.

Postfix cuts address headers before milters see them (see
test_header_cut_premise.py for the token cut, measured without a
milter): at header_address_token_limit tokens when it rewrites them, and
at header_size_limit bytes always. ccguard must give such a message
on_limit (451 by default), never a pass, and say which limit.
"""
import harness
from harness import DISTROS, SECURITY, check


def test(env):
    # 3,001 addresses: Postfix's rewriting drops the distros list at the end.
    cc = ", ".join(["user%d@example.org" % i for i in range(3000)] + [DISTROS])
    data = harness.message([("From", "reporter@example.org"), ("To", SECURITY),
                            ("Cc", cc), ("Subject", "token cut")])
    r = env.send("reporter@example.org", [SECURITY], data)
    check(r.temporary() and r.stage == "eod", "a cut Cc gets on_limit (451) at end of data", r)
    harness.wait_for(lambda: "limit=mta_header_token_limit" in env.milter_log(), 10, 0.1,
                     "the log names the token limit")

    # A 150 KB Cc is cut at header_size_limit (102400 bytes) in any case.
    big = ", ".join("someone-with-a-long-name-%d@example.org" % i for i in range(3500))
    data = harness.message([("From", "reporter@example.org"), ("To", SECURITY),
                            ("Cc", big + ", " + DISTROS), ("Subject", "size cut")])
    r = env.send("reporter@example.org", [SECURITY], data)
    check(r.temporary() and r.stage == "eod", "a Cc past header_size_limit gets on_limit", r)
    harness.wait_for(lambda: "limit=mta_header_" in env.milter_log(), 10, 0.1,
                     "the log names a header limit")


harness.main(test)
