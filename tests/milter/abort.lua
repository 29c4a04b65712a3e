-- SPDX-License-Identifier: BSD-2-Clause
-- abort.lua - when the MTA aborts a message (RSET, a lost client, a
-- refusal elsewhere), everything collected for it is forgotten: the next
-- message on the connection is judged on its own recipients, headers and
-- body, and whether its body is needed at all is decided again.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
local T = require("mtlib")

T.run(function()
	local c = T.connect()

	-- Aborted after one party in RCPT TO; the next message has the other.
	T.mail(c, "reporter@example.org", "AB1")
	T.rcpt(c, "security@kernel.org")
	T.abort(c)
	T.send(c, { qid = "AB2", rcpt = { "linux-distros@vs.openwall.org" },
	    header = { "To: linux-distros@vs.openwall.org", "Subject: [vs] fixed bug" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("AB2: action=pass", "rcpts=1")

	-- Aborted after the headers (one party in Cc, a forged hold header).
	T.mail(c, "reporter@example.org", "AB3")
	T.rcpt(c, "maintainer@example.org")
	T.header(c, "Cc: distros@vs.openwall.org")
	T.header(c, "X-Ccguard-Hold: forged")
	T.abort(c)
	T.send(c, { qid = "AB4", rcpt = { "security@kernel.org" },
	    header = { "To: security@kernel.org" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("AB4: action=pass", "rcpts=1")

	-- Aborted with the whole pair, just before end of message.
	T.mail(c, "reporter@example.org", "AB5")
	T.rcpt(c, "security@kernel.org")
	T.rcpt(c, "linux-distros@vs.openwall.org")
	T.header(c, "In-Reply-To: <x@example.org>")
	T.eoh(c)
	T.abort(c)
	T.send(c, { qid = "AB6", rcpt = { "maintainer@example.org" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("AB6: action=pass", "rcpts=1")

	-- Aborted while its body was being read (it is for the security team
	-- and HTML): the next message's body need is decided afresh, so a
	-- message to someone else is decided, and logged, at end of headers
	-- (an abort after that decision changes nothing) ...
	T.mail(c, "reporter@example.org", "AB8")
	T.rcpt(c, "security@kernel.org")
	T.header(c, "Content-Type: text/html")
	if T.eoh(c) then
		T.fail("AB8: accepted at end of headers; its body matters")
	end
	T.body(c, "<p>report</p>\r\n")
	T.abort(c)
	T.mail(c, "reporter@example.org", "AB9")
	T.rcpt(c, "friend@example.net")
	T.header(c, "Content-Type: text/html")
	if not T.eoh(c) then
		T.fail("AB9: not accepted at end of headers; no rule reads its body")
	end
	T.abort(c)
	T.expect_log("AB9: action=pass", "rcpts=1")
	-- ... and one for the security team is read again, from its own start:
	-- nothing of AB8's HTML is left in the scanner.
	T.send(c, { qid = "AB10", rcpt = { "security@kernel.org" },
	    header = { "Content-Type: text/plain" }, body = { "plain report\r\n" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("AB10: action=pass", "rcpts=1")

	-- An aborted message is never judged or logged.
	for _, qid in ipairs({ "AB1", "AB3", "AB5", "AB8" }) do
		if #T.log_lines(qid .. ":") ~= 0 then
			T.fail("aborted message %s was logged", qid)
		end
	end

	-- The same connection still refuses the pair afterwards, with the
	-- matched addresses of this message only.
	T.send(c, { qid = "AB7", rcpt = { "security@kernel.org" },
	    header = { "Cc: linux-distros@vs.openwall.org" } })
	T.expect_reject(c, "550", "5.7.1", {
	    "Not sent (rule kernel-and-distros-short, queue id AB7).",
	    "Found together: security@kernel.org (envelope) and",
	    "linux-distros@vs.openwall.org (Cc).",
	    "Write to security@kernel.org first; see security-bugs.rst." })
	T.expect_log("AB7: action=reject", "rcpts=1")
	T.close(c)
end)
