-- sighup.lua - SIGHUP re-reads the configuration and rules and the daemon
-- keeps running (libmilter alone would stop on SIGHUP). New messages get
-- the new policy; a message already past MAIL FROM keeps the policy it
-- started with; new connections negotiate what the new rules need (a
-- rule on the body makes ccguard ask for the body), and connections that
-- declined the body before do not pass messages the body rule could
-- not examine.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
local T = require("mtlib")

local PAIR = { "security@kernel.org", "linux-distros@vs.openwall.org" }

-- rejected - the short reject reply for queue id qid
local function rejected(c, qid)
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id " .. qid .. ").",
	    "Found together: security@kernel.org (envelope) and",
	    "linux-distros@vs.openwall.org (envelope).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
end

-- held - held by the short rule
local function held(c)
	T.expect_hold(c, "ccguard rule kernel-and-distros-short",
	    "rule=kernel-and-distros-short; matched=security@kernel.org (envelope) and " ..
	    "linux-distros@vs.openwall.org (envelope)")
end

T.run(function()
	local base = T.base_conf()
	local c = T.connect()
	T.send(c, { qid = "HUP1", rcpt = PAIR })
	rejected(c, "HUP1")

	-- A message in flight across the reload: MAIL FROM before it.
	local old = T.connect()
	T.mail(old, "reporter@example.org", "HUP2")
	T.rcpt(old, PAIR[1])

	T.reload(base .. "action.kernel-and-distros-short = hold\n", "reload: 3 rules, 2 lists in force")
	T.expect_alive()

	T.rcpt(old, PAIR[2])
	T.eom(old)
	rejected(old, "HUP2")
	T.expect_log("HUP2: action=reject")

	-- The next message on the same connection gets the new policy.
	T.send(old, { qid = "HUP3", rcpt = PAIR })
	held(old)
	T.close(old)
	T.send(c, { qid = "HUP4", rcpt = PAIR })
	held(c)
	T.expect_log("HUP4: action=hold rule=kernel-and-distros-short")

	-- Shipped rules need no body; add a rule on the body.
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY before the body rule", true)
	T.write_file(T.work .. "/body.rules", [[
rule attachment-to-security {
	when recipient in kernel-security and body attachment
	action hold
}
]])
	T.reload(base .. "action.kernel-and-distros-short = hold\n" ..
	    "rules = " .. T.work .. "/body.rules\n", "reload: 4 rules, 2 lists in force")
	T.expect_alive()
	local b = T.connect()
	T.expect_option(b, SMFIP_NOBODY, "SMFIP_NOBODY with a body rule", false)
	T.mail(b, "reporter@example.org", "HUP5")
	T.rcpt(b, "security@kernel.org")
	T.header(b, "Content-Type: multipart/mixed; boundary=\"b\"")
	T.eoh(b)
	T.body(b, "--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n--b\r\n" ..
	    "Content-Type: application/octet-stream\r\n" ..
	    "Content-Disposition: attachment; filename=\"poc.bin\"\r\n\r\nAAAA\r\n--b--\r\n")
	T.finish(b)
	T.expect_hold(b, "ccguard rule attachment-to-security",
	    "rule=attachment-to-security; matched=security@kernel.org (envelope)")
	T.close(b)

	-- The connection from before agreed to no body: its messages can not
	-- be judged by the body rule, so they are not passed unexamined.
	-- The pair is still stopped on its envelope alone.
	T.send(c, { qid = "HUP6", rcpt = { "security@kernel.org" },
	    header = { "Content-Type: multipart/mixed; boundary=\"b\"" } })
	T.expect_reject(c, "451", "4.3.0", {
	    "A temporary error occurred while checking this message.",
	    "Please try again later." })
	T.expect_log("HUP6: action=tempfail",
	    "error=\"rules on the body loaded after the MTA agreed to send none\"")
	T.send(c, { qid = "HUP7", rcpt = PAIR })
	held(c)
	T.close(c)

	-- Several reloads in a row; the daemon stays up and keeps working.
	for i = 1, 3 do
		T.reload(nil, "reload: 4 rules, 2 lists in force")
	end
	T.expect_alive()
	c = T.connect()
	T.send(c, { qid = "HUP8", rcpt = PAIR })
	held(c)
	T.close(c)
end)
