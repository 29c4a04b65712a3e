-- stop-idle.lua - SIGTERM to an idle daemon: it exits within a second.
-- libmilter's listener waits for connections 5 seconds at a time and
-- read its stop flag only between waits; a connection just before the
-- signal starts such a wait, so without ccguard's wake-up the exit took
-- about 5 seconds.
--
-- SPDX-License-Identifier: BSD-2-Clause
-- stops: yes
local T = require("mtlib")

-- Generous for a machine under load; the daemon needs hundredths.
local EXIT_WITHIN = 2.5

T.run(function()
	local c = T.connect()
	T.send(c, { qid = "IDLE1", rcpt = { "maintainer@example.com" },
	    header = { "Subject: before the stop" } })
	T.expect_accept(c)
	T.close(c)
	T.wait_log(5, 1, "IDLE1: action=pass")
	-- Wake the listener once more, then stop it.
	T.close(T.connect())

	T.signal("TERM")
	local took = T.expect_exit(EXIT_WITHIN)
	T.note("exited %.3f s after SIGTERM", took)
	T.expect_log("stopping")
	T.expect_log("stopped")
end)
