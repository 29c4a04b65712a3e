-- SPDX-License-Identifier: BSD-2-Clause
-- reject.lua - a new report to both parties is refused with the rule's
-- explanation: 550 5.7.1, every line of the reply template, the matched
-- addresses with where each was found, and the queue id from macro "i".
-- The shipped reply is too long for miltertest (see mtlib.lua), so the
-- shipped rule is replaced by its twin in short.rules.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros-reply = off
-- conf: action.kernel-and-distros = off
local T = require("mtlib")

T.run(function()
	local c = T.connect()

	-- The pair in RCPT TO and in To/Cc, display names and case ignored.
	T.send(c, { qid = "REJ1", from = "reporter@example.org",
	    rcpt = { "security@kernel.org", "Linux-Distros@VS.Openwall.org" },
	    header = { "To: Security Officers <security@kernel.org>",
	        "Cc: \"linux-distros\" <linux-distros@vs.openwall.org>",
	        "Subject: [vs] use-after-free in foo" } })
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id REJ1).",
	    "Found together: security@kernel.org (envelope, To) and",
	    "linux-distros@vs.openwall.org (envelope, Cc).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
	T.expect_log("REJ1: action=reject rule=kernel-and-distros-short code=550 dsn=5.7.1",
	    "from=<reporter@example.org> rcpts=2",
	    "matched=security@kernel.org[envelope,To],linux-distros@vs.openwall.org[envelope,Cc]")

	-- The queue id arriving only at end of message (Sendmail's way).
	T.send(c, { eom_qid = "REJ2", rcpt = { "security@kernel.org" },
	    header = { "Cc: distros@vs.openwall.org" } })
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id REJ2).",
	    "Found together: security@kernel.org (envelope) and distros@vs.openwall.org",
	    "(Cc).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
	T.expect_log("REJ2: action=reject rule=kernel-and-distros-short")
	T.close(c)
end)
