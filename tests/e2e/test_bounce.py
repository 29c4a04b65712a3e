#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end: ccguard's refusal, read where a sender reads it on an MX.

Two private Postfix instances: the first has ccguard as its milter with
"site = distros-mx" (the inbound MX of the distros lists, which refuses a
new report to both sides); the second is the sender's relay, without a
milter, relaying everything to the first. A new report to
security@kernel.org and linux-distros@vs.openwall.org goes to the relay;
the MX answers 550; the relay writes a bounce to the sender, which it
relays through the MX (ccguard passes it) to the sink.

The bounce a reporter gets must still read: Postfix joins the reply lines
into one paragraph, so the first and the last line of the profile's reply
text (kernel-and-distros.distros-mx.reply) must each appear whole, the MX
wording must be there ("did not deliver", "has probably been delivered",
"do not send it to the team again") and "not sent" must not.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402


def squeeze(s):
    return " ".join(s.split())


def test(mx):
    relay = harness.Env(milter=False, main_cf={
        "myhostname": "relay.e2e.test",
        "smtpd_milters": "",
        "non_smtpd_milters": "",
        "relayhost": "[127.0.0.1]:%d" % mx.smtp_port,
    })
    try:
        relay.start()
        mid = harness.unique_id("bounce")
        data = harness.report_message(msgid=mid, to=(harness.SECURITY,), cc=(harness.DISTROS,))
        r = relay.send("reporter@example.org", [harness.SECURITY, harness.DISTROS], data)
        check(r.code == 250, "the relay takes the report", r)
        msgs = mx.sink.wait(1, timeout=90)
        bounces = [m for m in msgs if m.mail_from == "" and "reporter@example.org" in m.rcpts]
        check(len(bounces) == 1, "one bounce to the reporter reached the sink", msgs)
        check(not mx.sink.find(mid) or mx.sink.find(mid) == bounces,
              "the report itself was not delivered", msgs)
        text = bounces[0].data.decode("utf-8", "replace")
        harness.log("bounce:\n" + text)
        # The text part Postfix wrote, unfolded: what the reporter reads first.
        flat = squeeze(re.sub(r"=\r?\n", "", text))
        with open(os.path.join(mx.srcdir, "rules", "kernel-and-distros.distros-mx.reply")) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        first, last = lines[0], lines[-1]
        check(first in flat, "the bounce carries the first reply line whole", first, flat)
        check(last in flat, "the bounce carries the last reply line whole", last, flat)
        check("550" in flat and "5.7.1" in flat, "the bounce shows the 550 5.7.1", flat)
        for phrase in ("did not deliver this message to", "has probably been delivered",
                       "do not send it to the team again"):
            check(phrase in flat, "the bounce says %r" % phrase, flat)
        check("not sent" not in flat.lower(), "the bounce never says 'not sent'", flat)
        check(re.search(r"action=reject rule=kernel-and-distros", mx.milter_log()),
              "ccguard refused it", mx.milter_log())
    except harness.Failure:
        harness.log("---- relay maillog\n" + relay.maillog()[-6000:])
        raise
    finally:
        relay.stop()


harness.main(test, conf="site = distros-mx\nhostname = mx.e2e.test\n")
