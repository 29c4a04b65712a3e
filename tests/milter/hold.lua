-- SPDX-License-Identifier: BSD-2-Clause
-- hold.lua - with "action.kernel-and-distros = hold" a new report to both
-- parties is accepted into the MTA's hold queue (quarantine) with an
-- X-Ccguard-Hold header naming the rule and each matched address with
-- where it was found; no SMTP reply is set. A reply in a thread is held
-- by the shipped kernel-and-distros-reply rule, and a forged hold header
-- that came with a held message is removed before ccguard's own is added.
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

T.run(function()
	local c = T.connect()

	T.send(c, { qid = "HOLD1", from = "reporter@example.org",
	    rcpt = { "security@kernel.org", "linux-distros@vs.openwall.org" },
	    header = { "To: security@kernel.org",
	        "Cc: Linux Distros <LINUX-DISTROS@vs.openwall.org>" } })
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope, To) and " ..
	    "linux-distros@vs.openwall.org (envelope, Cc)")
	T.expect_not_deleted(c, T.HOLD_HEADER, 1)
	T.expect_log("HOLD1: action=hold rule=kernel-and-distros from=<reporter@example.org>",
	    "matched=security@kernel.org[envelope,To],linux-distros@vs.openwall.org[envelope,Cc]")

	-- The pair only in the headers, as a receiving MX sees a Cc.
	T.send(c, { qid = "HOLD2", rcpt = { "security@kernel.org" },
	    header = { "To: security@kernel.org", "Cc: distros@vs.openwall.org" } })
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope, To) and " ..
	    "distros@vs.openwall.org (Cc)")

	-- A reply in an existing thread, with two forged hold headers.
	T.send(c, { qid = "HOLD3", from = "maintainer@example.org",
	    rcpt = { "security@kernel.org", "distros@vs.openwall.org" },
	    header = { "X-Ccguard-Hold: rule=none; matched=nothing",
	        "In-Reply-To: <report-1@example.org>",
	        "x-ccguard-hold: approved" } })
	T.expect_hold(c, "ccguard rule kernel-and-distros-reply",
	    "rule=kernel-and-distros-reply; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.expect_deleted(c, T.HOLD_HEADER, 1)
	T.expect_deleted(c, T.HOLD_HEADER, 2)
	T.expect_log("HOLD3: action=hold rule=kernel-and-distros-reply")
	T.close(c)
end)
