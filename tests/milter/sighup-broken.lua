-- SPDX-License-Identifier: BSD-2-Clause
-- sighup-broken.lua - a reload that finds a mistake (in a rule file or in
-- ccguard.conf) keeps the rules in force, logs the mistake as file:line,
-- and leaves the daemon running; a later good reload takes effect.
-- copy: @top_srcdir@/rules/*
-- conf: rules = @work@/kernel-security.rules
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local PAIR = { "security@kernel.org", "distros@vs.openwall.org" }
local HELD = "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
    "distros@vs.openwall.org (envelope)"
local FAILED = "reload failed: keeping the rules in force"

-- still_held - a new report is still held by the first policy
local function still_held(qid)
	local c = T.connect()
	T.send(c, { qid = qid, rcpt = PAIR })
	T.expect_hold(c, "ccguard rule kernel-and-distros", HELD)
	T.close(c)
end

T.run(function()
	local rules = T.work .. "/kernel-security.rules"
	local good_rules, good_conf = T.read_file(rules), T.base_conf()
	local _, nlines = good_rules:gsub("\n", "")
	still_held("BRK1")

	-- A rule naming a list that does not exist, at a known line.
	T.write_file(rules, good_rules .. "\nrule broken {\n\twhen recipient in no-such-list\n" ..
	    "\taction reject\n}\n")
	T.reload(nil, FAILED)
	T.expect_log(rules .. ":" .. (nlines + 3) .. ":", "no-such-list")
	T.expect_alive()
	still_held("BRK2")

	-- A syntax error.
	T.write_file(rules, good_rules .. "\nrule {\n")
	T.reload(nil, FAILED)
	if #T.log_lines(rules .. ":" .. (nlines + 2) .. ":") == 0 then
		T.fail("the syntax error is not logged at %s:%d", rules, nlines + 2)
	end
	T.expect_alive()
	still_held("BRK3")

	-- A rule file that has gone away.
	os.remove(rules)
	T.reload(nil, FAILED)
	T.expect_alive()
	still_held("BRK4")

	-- A mistake in ccguard.conf itself, good rules again.
	T.write_file(rules, good_rules)
	T.reload(good_conf .. "max_recipients = lots\n", FAILED)
	local _, conf_lines = good_conf:gsub("\n", "")
	T.expect_log(T.conf .. ":" .. (conf_lines + 1) .. ":", "max_recipients")
	T.expect_alive()
	still_held("BRK5")

	-- A good reload: with the reject rule off, the shipped reply rule
	-- holds a new report instead.
	local conf = good_conf:gsub("action.kernel%-and%-distros = hold", "action.kernel-and-distros = off")
	T.reload(conf, T.in_force(rules))
	local c = T.connect()
	T.send(c, { qid = "BRK6", rcpt = PAIR })
	T.expect_hold(c, "ccguard rule kernel-and-distros-reply",
	    "rule=kernel-and-distros-reply; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.expect_log("BRK6: action=hold rule=kernel-and-distros-reply")
	T.close(c)
end)
