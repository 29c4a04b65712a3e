-- forged.lua - an X-Ccguard-Hold header that arrives with a message is
-- not ccguard's: on a passed message every copy is removed (in any
-- letter case) and nothing is added, so a moderator can trust the header.
local T = require("mtlib")

T.run(function()
	local c = T.connect()

	T.send(c, { qid = "FORGE1", rcpt = { "maintainer@example.org" },
	    header = { "X-Ccguard-Hold: rule=kernel-and-distros; matched=none" } })
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
	T.expect_accept(c)
	T.expect_deleted(c, T.HOLD_HEADER, 1)
	T.expect_deleted(c, T.HOLD_HEADER, 2)
	T.expect_deleted(c, T.HOLD_HEADER, 3)
	T.expect_not_deleted(c, T.HOLD_HEADER, 4)
	if mt.eom_check(c, MT_HDRADD) or mt.eom_check(c, MT_QUARANTINE) then
		T.fail("a passed message got a header or a quarantine")
	end

	-- No forged header: nothing removed.
	T.send(c, { qid = "FORGE3", rcpt = { "security@kernel.org" },
	    header = { "X-Ccguard-Holder: not the same header" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.close(c)
end)
