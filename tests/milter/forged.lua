-- SPDX-License-Identifier: BSD-2-Clause
-- forged.lua - an X-Ccguard-Hold header that arrives with a message is
-- not ccguard's: on a passed message every copy is removed (in any
-- letter case) and nothing is added, so a moderator can trust the header.
-- Only end of message may remove a header, so such a message is never
-- accepted at end of headers, even when no rule could stop it; neither is
-- one with a release header (X-Ccguard-Released) that does not verify.
local T = require("mtlib")

-- reached_eom - the message went on past end of headers
local function reached_eom(c, qid)
	if T.accepted_at_eoh(c) then
		T.fail("%s: accepted at end of headers; its forged header stays", qid)
	end
end

T.run(function()
	local c = T.connect()

	T.send(c, { qid = "FORGE1", rcpt = { "maintainer@example.org" },
	    header = { "X-Ccguard-Hold: rule=kernel-and-distros; matched=none" } })
	reached_eom(c, "FORGE1")
	T.expect_accept(c)
	T.expect_deleted(c, T.HOLD_HEADER, 1)
	T.expect_not_deleted(c, T.HOLD_HEADER, 2)
	if mt.eom_check(c, MT_HDRADD) or mt.eom_check(c, MT_QUARANTINE) then
		T.fail("a passed message got a header or a quarantine")
	end
	T.expect_log("FORGE1: action=pass")

	T.send(c, { qid = "FORGE2", rcpt = { "security@kernel.org" },
	    header = { "X-CCGUARD-HOLD: one", "Subject: report",
	        "x-ccguard-hold: two", "X-Ccguard-Hold: three" } })
	reached_eom(c, "FORGE2")
	T.expect_accept(c)
	T.expect_deleted(c, T.HOLD_HEADER, 1)
	T.expect_deleted(c, T.HOLD_HEADER, 2)
	T.expect_deleted(c, T.HOLD_HEADER, 3)
	T.expect_not_deleted(c, T.HOLD_HEADER, 4)
	if mt.eom_check(c, MT_HDRADD) or mt.eom_check(c, MT_QUARANTINE) then
		T.fail("a passed message got a header or a quarantine")
	end

	-- A release header that does not verify, on mail no rule stops.
	T.send(c, { qid = "FORGE4", rcpt = { "maintainer@example.org" },
	    header = { "X-Ccguard-Released: id=FORGE0; t=1; mac=00" } })
	reached_eom(c, "FORGE4")
	T.expect_accept(c)
	T.expect_deleted(c, "X-Ccguard-Released", 1)
	T.expect_log("FORGE4: invalid X-Ccguard-Released header removed")
	T.expect_log("FORGE4: action=pass")

	-- No forged header: nothing removed (and no reason to wait for the
	-- end: a message to someone else is accepted at end of headers).
	T.send(c, { qid = "FORGE3", rcpt = { "security@kernel.org" },
	    header = { "X-Ccguard-Holder: not the same header" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.send(c, { qid = "FORGE5", rcpt = { "maintainer@example.org" },
	    header = { "X-Ccguard-Holder: not the same header" } })
	T.expect_accept(c)
	if not T.accepted_at_eoh(c) then
		T.fail("FORGE5: not accepted at end of headers")
	end
	T.expect_unchanged(c)
	T.expect_log("FORGE5: action=pass")
	T.close(c)
end)
