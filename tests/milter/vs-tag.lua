-- SPDX-License-Identifier: BSD-2-Clause
-- vs-tag.lua - the distros lists bounce mail without [vs] in the Subject,
-- so the shipped rule distros-vs-tag refuses it at once (550 5.7.1) on the
-- sending side (the client authenticated), for either list in the
-- envelope: no Subject, an untagged one, a tag in the wrong place of the
-- word. "[vs]" anywhere (any letter case) and "[vs-plain]" pass; a distros
-- address only in a header is not checked; nor is mail from a client that
-- did not authenticate (an inbound MX leaves the bounce to the list).
-- The shipped reply is too long for miltertest (see mtlib.lua), so the
-- shipped rules run from a copy whose distros-vs-tag.reply is the short
-- one in tests/milter/short/; the rule itself is the shipped one.
-- copy: @top_srcdir@/rules/*
-- copy: @srcdir@/short/distros-vs-tag.reply
-- conf: rules = @work@/kernel-security.rules
local T = require("mtlib")

-- refused - rejected by distros-vs-tag with the short reply
local function refused(c, qid, rcpt, subject, found)
	local header = {}
	if subject ~= nil then
		header[1] = "Subject: " .. subject
	end
	T.send(c, { qid = qid, auth = "reporter", rcpt = { rcpt }, header = header })
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule distros-vs-tag, queue id " .. qid .. "): no [vs] in the Subject.",
	    "Found: " .. found .. "." })
	if mt.eom_check(c, MT_HDRADD) or mt.eom_check(c, MT_QUARANTINE) then
		T.fail("%s: a rejected message got a header or a quarantine", qid)
	end
	T.expect_log(qid .. ": action=reject rule=distros-vs-tag code=550 dsn=5.7.1",
	    "matched=" .. rcpt .. "[envelope]")
end

-- passed - accepted untouched
local function passed(c, qid, rcpt, header, auth)
	if auth == false then
		auth = nil
	else
		auth = auth or "reporter"
	end
	T.send(c, { qid = qid, auth = auth, rcpt = { rcpt }, header = header })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log(qid .. ": action=pass", "rcpts=1")
end

T.run(function()
	local c = T.connect()
	local LD, DI = "linux-distros@vs.openwall.org", "distros@vs.openwall.org"

	refused(c, "VS1", LD, "foo 1.2: heap overflow in the bar parser",
	    LD .. " (envelope)")
	refused(c, "VS2", DI, nil, DI .. " (envelope)")
	refused(c, "VS3", DI, "vs: foo heap overflow", DI .. " (envelope)")
	refused(c, "VS4", LD, "[vs ] foo heap overflow", LD .. " (envelope)")

	passed(c, "VS5", LD, { "Subject: [vs] foo 1.2: heap overflow" })
	passed(c, "VS6", DI, { "Subject: Re: [VS] foo 1.2: heap overflow" })
	passed(c, "VS7", LD, { "Subject: Re: [vs-plain] foo 1.2: heap overflow" })
	-- Only in To: a receiving MX of a subscriber, not the list's.
	passed(c, "VS8", "me@example.org", { "To: " .. LD, "Subject: untagged" })
	-- Not authenticated: not the sending side; the list's own bounce rules.
	passed(c, "VS9", LD, { "Subject: foo 1.2: heap overflow" }, false)
	T.close(c)
end)
