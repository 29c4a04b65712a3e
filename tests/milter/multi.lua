-- SPDX-License-Identifier: BSD-2-Clause
-- multi.lua - several messages on one connection are judged apart: a
-- refused message leaves nothing behind for the next one, and an
-- accepted one does not make the next one pass.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
local T = require("mtlib")

local PAIR = { "security@kernel.org", "linux-distros@vs.openwall.org" }

-- rejected - the short reject reply for queue id qid
local function rejected(c, qid)
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id " .. qid .. ").",
	    "Found together: security@kernel.org (envelope, To) and",
	    "linux-distros@vs.openwall.org (envelope).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
end

T.run(function()
	-- Bad, then good, good, bad, bad, good on one connection; each good
	-- message has one party of the pair, in RCPT TO and To. Every message
	-- has the [vs] tag the distros lists require.
	local c = T.connect()
	local plan = { "pair", "security@kernel.org", "distros@vs.openwall.org", "pair",
	    "pair", "linux-distros@vs.openwall.org" }
	for i, who in ipairs(plan) do
		local qid = "MULTI" .. i
		if who == "pair" then
			T.send(c, { qid = qid, rcpt = PAIR,
			    header = { "To: security@kernel.org", "Subject: [vs] overflow in foo" } })
			rejected(c, qid)
			if mt.eom_check(c, MT_HDRADD) or mt.eom_check(c, MT_QUARANTINE) then
				T.fail("%s: a rejected message got a header or a quarantine", qid)
			end
			T.expect_log(qid .. ": action=reject rule=kernel-and-distros-short", "rcpts=2")
		else
			T.send(c, { qid = qid, rcpt = { who },
			    header = { "To: " .. who, "Subject: [vs] fixed bug" } })
			T.expect_accept(c)
			T.expect_unchanged(c)
			T.expect_log(qid .. ": action=pass", "rcpts=1")
		end
	end
	T.close(c)

	-- Two connections open at once, messages interleaved: state is per
	-- connection.
	local a, b = T.connect("a.example.org", "192.0.2.10"), T.connect("b.example.org", "192.0.2.11")
	T.mail(a, "a@example.org", "CONNA")
	T.mail(b, "b@example.org", "CONNB")
	T.rcpt(a, "security@kernel.org")
	T.rcpt(b, "linux-distros@vs.openwall.org")
	T.header(b, "Subject: [vs] fixed bug")
	T.eom(a)
	T.eom(b)
	T.expect_accept(a)
	T.expect_unchanged(a)
	T.expect_accept(b)
	T.expect_unchanged(b)
	T.expect_log("CONNA: action=pass", "from=<a@example.org> rcpts=1")
	T.expect_log("CONNB: action=pass", "from=<b@example.org> rcpts=1")

	-- Bodies interleaved on the same two connections: a's HTML message to
	-- the security team is read to the end (notify), b's to someone else
	-- is accepted at end of headers, its body never sent. Neither
	-- decision leaks to the other.
	T.mail(a, "a@example.org", "BODYA")
	T.mail(b, "b@example.org", "BODYB")
	T.rcpt(a, "security@kernel.org")
	T.rcpt(b, "friend@example.net")
	T.header(a, "Content-Type: text/html")
	T.header(b, "Content-Type: text/html")
	if T.eoh(a) then
		T.fail("BODYA: accepted at end of headers; its body matters")
	end
	if not T.eoh(b) then
		T.fail("BODYB: not accepted at end of headers")
	end
	T.body(a, "<p>report</p>\r\n")
	T.body(a, "<p>reproducer</p>\r\n")
	T.finish(b)
	T.finish(a)
	T.expect_accept(a)
	T.expect_unchanged(a)
	T.expect_accept(b)
	T.expect_unchanged(b)
	T.expect_log("BODYA: action=notify rule=kernel-plain-text", "rcpts=1")
	T.expect_log("BODYB: action=pass", "rcpts=1")
	T.close(a)
	T.close(b)
end)
