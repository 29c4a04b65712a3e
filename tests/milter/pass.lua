-- SPDX-License-Identifier: BSD-2-Clause
-- pass.lua - either party alone is accepted untouched: no reply, no
-- header added or removed, no quarantine. So are near misses: another
-- mailbox at the distros host, and the distros address in a display name.
-- Mail to a distros list carries the [vs] tag the lists require (vs-tag.lua
-- has the untagged case).
local T = require("mtlib")

-- pass - send one message and expect it accepted unchanged and logged
local function pass(c, qid, rcpt, header)
	T.send(c, { qid = qid, rcpt = rcpt, header = header })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log(qid .. ": action=pass from=<reporter@example.org> rcpts=" .. #rcpt)
end

T.run(function()
	local c = T.connect()
	pass(c, "PASS1", { "security@kernel.org", "maintainer@example.org" },
	    { "To: maintainer@example.org", "Cc: security@kernel.org" })
	pass(c, "PASS2", { "linux-distros@vs.openwall.org" },
	    { "To: linux-distros@vs.openwall.org",
	      "Subject: [vs] fixed bug, disclosure on 2026-12-01" })
	pass(c, "PASS3", { "distros@vs.openwall.org" },
	    { "To: distros@vs.openwall.org", "Subject: [vs] foo 1.2: heap overflow" })
	pass(c, "PASS4", { "security@kernel.org", "linux-distros-owner@vs.openwall.org" }, {})
	pass(c, "PASS5", { "security@kernel.org" },
	    { "Cc: \"linux-distros@vs.openwall.org\" <someone@example.org>" })
	T.close(c)
end)
