-- SPDX-License-Identifier: BSD-2-Clause
-- notcounted.lua - only recipients count: an ORCPT parameter naming the
-- other party, and the other party in From, Reply-To or Sender, never
-- complete the pair.
local T = require("mtlib")

T.run(function()
	local c = T.connect()

	-- ORCPT (RFC 3461) is what the client once addressed, not a recipient.
	T.mail(c, "reporter@example.org", "NC1")
	T.rcpt(c, "security@kernel.org", "ORCPT=rfc822;linux-distros@vs.openwall.org")
	T.rcpt(c, "maintainer@example.org", "NOTIFY=NEVER", "ORCPT=rfc822;distros@vs.openwall.org")
	T.header(c, "To: security@kernel.org")
	T.eom(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("NC1: action=pass", "rcpts=2")

	-- The distros list as the author and reply address only.
	T.send(c, { qid = "NC2", from = "linux-distros@vs.openwall.org",
	    rcpt = { "security@kernel.org" },
	    header = { "From: Distros <linux-distros@vs.openwall.org>",
	        "Reply-To: distros@vs.openwall.org",
	        "Sender: linux-distros@vs.openwall.org",
	        "To: security@kernel.org" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("NC2: action=pass", "from=<linux-distros@vs.openwall.org>")

	-- The security team as the author, the distros list as recipient.
	T.send(c, { qid = "NC3", from = "security@kernel.org",
	    rcpt = { "linux-distros@vs.openwall.org" },
	    header = { "From: security@kernel.org", "Reply-To: security@kernel.org",
	        "To: linux-distros@vs.openwall.org", "Subject: [vs] fixed, public on Monday" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("NC3: action=pass")
	T.close(c)
end)
