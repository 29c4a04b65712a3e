# SPDX-License-Identifier: BSD-2-Clause
"""test_header_cut_premise - where Postfix cuts long address headers.

The premises of ccguard's mta_header_size_limit and mta_header_token_limit
(lib/msg.h; tests/e2e/test_header_cuts.py checks what ccguard makes of
them), asked of a real Postfix with its default settings. What the sink
gets is what the milter saw: Postfix hands a milter the headers of its
queue file, and delivers them as they are there (smtp_line_length_limit
is 0 here, so that its SMTP client breaks no long line).

- When cleanup rewrites the address headers of mail from its own network
  (local_header_rewrite_clients; the default, permit_inet_interfaces,
  covers this loopback client), it keeps the first
  header_address_token_limit (10240) tokens, counted the way
  tok822_scan_limit() counts them, and drops the rest: without a milter,
  the distros list at the end of a 3,001-address Cc never reaches the
  next hop; with one, the cut Cc reaches it with at least
  10240 - MSG_MTA_TOKEN_SLACK tokens (and at most 10240).
- 1,500 addresses (9,000 tokens) are delivered whole.
- With a milter attached, cleanup cuts a header at 60000 bytes
  (MSG_MTA_MILTER_HEADER_LIMIT), though header_size_limit is 102400.
"""
import re

import harness
from harness import DISTROS, check, log

TOKEN_LIMIT = 10240		# Postfix's header_address_token_limit
TOKEN_SLACK = 64		# MSG_MTA_TOKEN_SLACK in lib/msg.h
MILTER_HEADER_LIMIT = 60000	# MSG_MTA_MILTER_HEADER_LIMIT in lib/msg.h
NO_LINE_BREAKS = {"smtp_line_length_limit": "0"}

# tok822_scan_limit()'s tokens: a comment, a quoted string, a domain
# literal, one operator character, or an atom; white space separates.
_TOKEN = re.compile(r'\((?:\\.|[^\\()])*\)|"(?:\\.|[^\\"])*"?|\[(?:\\.|[^\\\]])*\]?'
                    r'|[|%!()<>@,;:".\[\]]|(?:\\.|[^\s|%!()<>@,;:".\[\]\\])+')


def postfix_tokens(value):
    """postfix_tokens - how many tokens Postfix counts in a header value
    (the addresses of these tests nest no comments)."""
    return len(_TOKEN.findall(value))


def send_cc(env, cc, tag):
    """send_cc - a message with this Cc (no pair, so ccguard passes it);
    the Cc the sink got."""
    mid = harness.unique_id(tag)
    data = harness.message([("From", "reporter@example.org"), ("To", "maintainer@example.com"),
                            ("Cc", cc), ("Subject", "header cut"), ("Message-ID", mid)])
    r = env.send("reporter@example.org", ["maintainer@example.com"], data)
    check(r.accepted, "%s: accepted" % tag, r)
    got = harness.wait_for(lambda: env.sink.find(mid), 60, 0.1, "%s at the sink" % tag)
    return got[0].header("Cc")[0]


def people(n, form="user%d@example.org"):
    return [form % i for i in range(n)]


def test(env):
    # With ccguard attached (cutting nothing itself): what a milter sees.
    cc = ", ".join(people(3000) + [DISTROS])
    got = send_cc(env, cc, "tokens")
    n = postfix_tokens(got)
    log("3,001 addresses (%d tokens) reached the milter as %d tokens, %d addresses" %
        (postfix_tokens(cc), n, got.count("@")))
    check(DISTROS not in got, "the rewriting cut the Cc before the distros list")
    check(TOKEN_LIMIT - TOKEN_SLACK <= n <= TOKEN_LIMIT,
          "the cut Cc has within MSG_MTA_TOKEN_SLACK tokens of header_address_token_limit", n)

    cc = ", ".join(people(1499) + [DISTROS])
    got = send_cc(env, cc, "whole")
    log("1,500 addresses: %d tokens" % postfix_tokens(cc))
    check(postfix_tokens(cc) < TOKEN_LIMIT - TOKEN_SLACK and got == cc,
          "1,500 addresses are delivered whole", len(got), len(cc))

    cc = ", ".join(people(1200, "someone-with-a-long-name-%d@subdomain.example.org") + [DISTROS])
    got = send_cc(env, cc, "bytes")
    log("a Cc of %d bytes (%d tokens) reached the milter with %d bytes" %
        (len(cc), postfix_tokens(cc), len(got)))
    check(len(cc) < 102400 and postfix_tokens(cc) < TOKEN_LIMIT - TOKEN_SLACK,
          "the Cc is below header_size_limit and the token limit")
    check(DISTROS not in got and MILTER_HEADER_LIMIT - 1024 <= len(got) < len(cc),
          "with a milter attached, Postfix cut the Cc near 60000 bytes", len(got))

    # Without a milter, the token cut stands, and there is no 60000-byte cut.
    with harness.Env(milter=False, main_cf=dict(NO_LINE_BREAKS, smtpd_milters="",
                                                non_smtpd_milters="")) as bare:
        got = send_cc(bare, ", ".join(people(3000) + [DISTROS]), "bare")
        check("user1000@example.org" in got, "the first addresses reach the next hop")
        check(DISTROS not in got,
              "Postfix dropped the address past header_address_token_limit "
              "(if it no longer does, mta_header_token_limit can go)")
        got = send_cc(bare, cc, "bare-bytes")
        check(got == cc, "without a milter, the 62 KB Cc is delivered whole", len(got))


harness.main(test, conf="mta_header_token_limit = 0\nmta_header_size_limit = 0\n",
             main_cf=NO_LINE_BREAKS)
