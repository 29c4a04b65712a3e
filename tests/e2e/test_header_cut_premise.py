"""test_header_cut_premise - Postfix cuts long address headers before milters see them.

Two cuts, asked of a real Postfix with its default settings:
When cleanup rewrites the address headers of mail from its own network
(local_header_rewrite_clients; the default, permit_inet_interfaces,
covers this loopback client), it drops every token past
header_address_token_limit (10240). Without a milter, the distros list at
the end of a 3,001-address Cc must never reach the next hop: the premise
of mta_header_token_limit (tests/e2e/test_header_cuts.py checks what
ccguard makes of it).
"""
import harness
from harness import DISTROS, SECURITY, check

PEOPLE = ["user%d@example.org" % i for i in range(3000)]


def long_cc(tail):
    """long_cc - 3,000 ordinary addresses, then tail."""
    return ", ".join(PEOPLE + [tail])


def test(env):
    # The premise, without a milter: Postfix's rewriting cuts the Cc.
    mid = harness.unique_id("cut")
    data = harness.message([("From", "reporter@example.org"), ("To", SECURITY),
                            ("Cc", long_cc(DISTROS)), ("Subject", "token cut"),
                            ("Message-ID", mid)])
    r = env.send("reporter@example.org", ["maintainer@example.com"], data)
    check(r.accepted, "accepted without a milter", r)
    got = harness.wait_for(lambda: env.sink.find(mid), 60, 0.1, "the message at the sink")
    text = got[0].data.decode("utf-8", "replace")
    check("user1000@example.org" in text, "the first addresses reach the next hop")
    check(DISTROS not in text,
          "Postfix dropped the address past header_address_token_limit "
          "(if it no longer does, mta_header_token_limit can go)")



harness.main(test, main_cf={"smtpd_milters": "", "non_smtpd_milters": ""})
