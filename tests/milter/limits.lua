-- SPDX-License-Identifier: BSD-2-Clause
-- limits.lua - a limit reached by end of headers makes a decision too
-- (on_limit), and the early decision at end of headers respects it: with
-- the default on_limit (tempfail) a message that was not fully examined
-- goes on to end of message and is refused there; a rule that stops it on
-- what was examined still does; with on_limit = accept it is accepted at
-- end of headers, and the log line names the limit.
-- conf: max_recipients = 2
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

T.run(function()
	local c = T.connect()
	T.send(c, { qid = "LIM1", rcpt = { "a@example.org", "b@example.org", "c@example.org" } })
	if T.accepted_at_eoh(c) then
		T.fail("LIM1: accepted at end of headers past a limit")
	end
	T.expect_reply(c, SMFIR_REPLYCODE, "end of message past a limit")
	T.expect_log("LIM1: action=tempfail", "limit=max_recipients", "rcpts=3")

	-- The first two recipients are the pair: the rule stops the message.
	T.send(c, { qid = "LIM2",
	    rcpt = { "security@kernel.org", "distros@vs.openwall.org", "c@example.org" } })
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.expect_log("LIM2: action=hold rule=kernel-and-distros")
	T.close(c)

	T.reload(T.base_conf() .. "on_limit = accept\n", T.in_force(T.shipped_rules))
	c = T.connect()
	T.send(c, { qid = "LIM3", rcpt = { "a@example.org", "b@example.org", "c@example.org" } })
	T.expect_accept(c)
	if not T.accepted_at_eoh(c) then
		T.fail("LIM3: on_limit = accept, but not accepted at end of headers")
	end
	T.expect_unchanged(c)
	T.expect_log("LIM3: action=accept", "limit=max_recipients")
	-- The rule still stops the pair past the limit.
	T.send(c, { qid = "LIM4",
	    rcpt = { "security@kernel.org", "distros@vs.openwall.org", "c@example.org" } })
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.close(c)
end)
