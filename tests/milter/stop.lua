-- stop.lua - SIGTERM while a message is in flight: the daemon finishes
-- it (the verdict reaches the MTA), defers a message that starts
-- meanwhile on another connection (tempfail at end of headers, so the
-- client tries again later), and exits as soon as the message in flight
-- has ended. libmilter alone would give up the message in flight at
-- once and leave the MTA to its milter_default_action.
--
-- SPDX-License-Identifier: BSD-2-Clause
-- stops: yes
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
local T = require("mtlib")

local PAIR = { "security@kernel.org", "linux-distros@vs.openwall.org" }
local TAG = "Subject: [vs] use-after-free in foo"
-- Exit after the last message ended: well within this, though the
-- daemon needs a few hundredths of a second.
local EXIT_WITHIN = 3

T.run(function()
	-- The message in flight: the MTA has sent everything but its end.
	local inflight = T.connect()
	T.mail(inflight, "reporter@example.org", "STOP1")
	T.rcpt(inflight, PAIR[1])
	T.rcpt(inflight, PAIR[2])
	T.header(inflight, TAG)
	T.eoh(inflight)
	local idle = T.connect()

	T.signal("TERM")
	T.wait_log(5, 1, "stopping: finishing 1 message(s) in flight")

	-- A new message meanwhile is deferred, not judged and not lost.
	T.mail(idle, "reporter@example.org", "STOP2")
	T.rcpt(idle, PAIR[1])
	T.header(idle, TAG)
	if mt.eoh(idle) ~= nil then
		T.fail("end of headers could not be sent while stopping")
	end
	T.expect_reply(idle, SMFIR_TEMPFAIL, "end of headers of a message started while stopping")
	T.expect_alive()

	-- The message in flight gets its verdict.
	T.finish(inflight)
	T.expect_reject(inflight, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id STOP1).",
	    "Found together: security@kernel.org (envelope) and",
	    "linux-distros@vs.openwall.org (envelope).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
	T.expect_log("STOP1: action=reject")

	local took = T.expect_exit(EXIT_WITHIN)
	T.note("exited %.3f s after the message in flight ended", took)
	T.expect_log("stopped")
	if #T.log_lines("STOP2") ~= 0 then
		T.fail("the message started while stopping was judged")
	end
end)
