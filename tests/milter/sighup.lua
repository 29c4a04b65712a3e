-- SPDX-License-Identifier: BSD-2-Clause
-- sighup.lua - SIGHUP re-reads the configuration and rules and the daemon
-- keeps running (libmilter alone would stop on SIGHUP). New messages get
-- the new policy; a message already past MAIL FROM keeps the policy it
-- started with; new connections negotiate what the new rules need (a
-- rule on the body makes ccguard ask for the body), and connections that
-- declined the body before do not pass messages the body rule could
-- not examine. The scenario starts with the shipped body rule
-- (kernel-plain-text) off, so the first connections decline the body.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
-- conf: action.kernel-plain-text = off
local T = require("mtlib")

local PAIR = { "security@kernel.org", "linux-distros@vs.openwall.org" }
-- The tag the distros lists require, so the pair rule is what decides.
local TAG = "Subject: [vs] use-after-free in foo"

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
	    "rule=kernel-and-distros-short; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "linux-distros@vs.openwall.org (envelope)")
end

T.run(function()
	local base = T.base_conf()
	local c = T.connect()
	T.send(c, { qid = "HUP1", rcpt = PAIR, header = { TAG } })
	rejected(c, "HUP1")

	-- A message in flight across the reload. The MTA waits for no reply
	-- before end of headers (no-reply flags), so only the reply to end of
	-- headers shows that the daemon has taken MAIL FROM, and with it the
	-- policy in force then.
	local old = T.connect()
	T.mail(old, "reporter@example.org", "HUP2")
	T.rcpt(old, PAIR[1])
	T.rcpt(old, PAIR[2])
	T.header(old, TAG)
	T.eoh(old)

	local shipped_short = T.in_force(T.shipped_rules, T.srcdir .. "/short.rules")
	T.reload(base .. "action.kernel-and-distros-short = hold\n", shipped_short)
	T.expect_alive()

	T.finish(old)
	rejected(old, "HUP2")
	T.expect_log("HUP2: action=reject")

	-- The next message on the same connection gets the new policy.
	T.send(old, { qid = "HUP3", rcpt = PAIR, header = { TAG } })
	held(old)
	T.close(old)
	T.send(c, { qid = "HUP4", rcpt = PAIR, header = { TAG } })
	held(c)
	T.expect_log("HUP4: action=hold rule=kernel-and-distros-short")

	-- With kernel-plain-text off no rule needs the body; add a rule on it.
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY before the body rule", true)
	T.write_file(T.work .. "/body.rules", [[
rule attachment-to-security {
	when recipient in kernel-security and body attachment
	action hold
}
]])
	local with_body = T.in_force(T.shipped_rules, T.srcdir .. "/short.rules",
	    T.work .. "/body.rules")
	T.reload(base .. "action.kernel-and-distros-short = hold\n" ..
	    "rules = " .. T.work .. "/body.rules\n", with_body)
	T.expect_alive()
	local b = T.connect()
	T.expect_option(b, SMFIP_NOBODY, "SMFIP_NOBODY with a body rule", false)
	T.expect_option(b, SMFIP_NR_BODY, "SMFIP_NR_BODY with a body rule", true)
	T.mail(b, "reporter@example.org", "HUP5")
	T.rcpt(b, "security@kernel.org")
	T.header(b, "Content-Type: multipart/mixed; boundary=\"b\"")
	T.eoh(b)
	T.body(b, "--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n--b\r\n" ..
	    "Content-Type: application/octet-stream\r\n" ..
	    "Content-Disposition: attachment; filename=\"poc.bin\"\r\n\r\nAAAA\r\n--b--\r\n")
	T.finish(b)
	T.expect_hold(b, "ccguard rule attachment-to-security",
	    "rule=attachment-to-security; sender=unauthenticated; matched=security@kernel.org (envelope)")
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
	T.send(c, { qid = "HUP7", rcpt = PAIR, header = { TAG } })
	held(c)
	T.close(c)

	-- Several reloads in a row; the daemon stays up and keeps working.
	for i = 1, 3 do
		T.reload(nil, with_body)
	end
	T.expect_alive()
	c = T.connect()
	T.send(c, { qid = "HUP8", rcpt = PAIR, header = { TAG } })
	held(c)
	T.close(c)

	-- The shipped body rule back on, the extra rule file gone: new
	-- connections are still asked for the body, and HTML mail to the
	-- security team is read and gets the shipped rule's notify.
	local on = base:gsub("action%.kernel%-plain%-text = off\n", "")
	if on == base then
		T.fail("the configuration has no action.kernel-plain-text = off line")
	end
	T.reload(on .. "action.kernel-and-distros-short = hold\n", shipped_short)
	c = T.connect()
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY with kernel-plain-text on", false)
	T.send(c, { qid = "HUP9", rcpt = { "security@kernel.org" },
	    header = { "Content-Type: text/html" }, body = { "<p>report</p>\r\n" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("HUP9: action=notify rule=kernel-plain-text")
	T.close(c)
end)
