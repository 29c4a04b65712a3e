#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""smtp-send.py - send one message file N times over one SMTP session.

Used by tests/bench/postfix-bench.sh for mail the server refuses:
smtp-source stops at the first rejected message, this goes on. Usage:
smtp-send.py HOST PORT COUNT FILE (sender reporter@example.org, recipient
security@kernel.org, as the smtp-source runs). Prints how many messages
were refused; exits 1 when the session itself fails.
"""
import smtplib
import sys


def main():
    host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(path, "rb") as fh:
        data = fh.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    refused = 0
    try:
        s = smtplib.SMTP(host, port, local_hostname="client.bench.test", timeout=60)
        for _ in range(count):
            try:
                s.sendmail("reporter@example.org", ["security@kernel.org"], data)
            except smtplib.SMTPResponseException:
                refused += 1
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        print("smtp-send: %s" % e, file=sys.stderr)
        return 1
    print(refused)
    return 0


sys.exit(main())
