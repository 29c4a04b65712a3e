-- mta-macros.lua - what the MTA resolved each recipient to counts next to
-- ccguard's own reading, and the MTA's name is the server's name.
-- SPDX-License-Identifier: BSD-2-Clause
--
-- ccguard asks for {rcpt_addr}, {rcpt_host} and {rcpt_mailer} at RCPT
-- (SMFIF_SETSYMLIST, when the MTA offers it). A recipient belongs to a
-- list when either reading is in it: Postfix resolving a bare "security"
-- to security@kernel.org (myorigin = kernel.org), Sendmail resolving a
-- virtual user to its local mailer's "security" (read in the domain the
-- client wrote). The error mailer takes nothing away (Postfix names it
-- for every address of a virtual alias domain, and delivers those); a
-- refusal's text in {rcpt_addr} is no address. Where the readings differ
-- the log line shows both, defused. Macro j names the server in replies,
-- unless ccguard.conf sets hostname; a j that is no host name is not used.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/server-name.rules
-- conf: action.kernel-and-distros-reply = off
-- conf: action.kernel-and-distros = off
local T = require("mtlib")

local DISTROS = "linux-distros@vs.openwall.org"
local RULE = "action=reject rule=kernel-and-distros-server"

-- rcpt - RCPT TO addr with the MTA's resolution { mailer, host, addr }
local function rcpt(c, addr, resolved)
	if resolved ~= nil then
		local r = mt.macro(c, SMFIC_RCPT, "{rcpt_mailer}", resolved[1],
		    "{rcpt_host}", resolved[2], "{rcpt_addr}", resolved[3])
		if r ~= nil then
			T.fail("RCPT macros: %s", tostring(r))
		end
	end
	T.rcpt(c, addr)
end

-- message - one message with these RCPTs ({ addr, resolved } pairs)
local function message(c, qid, rcpts)
	T.mail(c, "reporter@example.org", qid)
	for _, r in ipairs(rcpts) do
		rcpt(c, r[1], r[2])
	end
	T.header(c, "Subject: [report] use-after-free")
	if not T.eoh(c) then
		T.finish(c)
	end
end

local SMTP = { "smtp", "[192.0.2.25]:25", DISTROS }

T.run(function()
	local c = T.connect(nil, nil, { "j", "mx.macro.test" })
	T.expect_action(c, SMFIF_SETSYMLIST, "SMFIF_SETSYMLIST (the RCPT macros)", true)

	-- Postfix with myorigin = kernel.org: "security" is security@kernel.org.
	message(c, "MAC1", { { "security", { "smtp", "[192.0.2.25]:25", "security@kernel.org" } },
	    { DISTROS, SMTP } })
	T.expect_reject(c, "550", "5.7.1", {
	    "This server (mx.macro.test) refused it.",
	    "Found: security@kernel.org (envelope, as the MTA resolved it) and",
	    "linux-distros@vs.openwall.org (envelope)." })
	T.expect_log("MAC1: " .. RULE, "matched=security@kernel.org[envelope,mta]," ..
	    DISTROS .. "[envelope]", "rcpt=<security> read=security " ..
	    "rcpt_addr=security@kernel.org rcpt_mailer=smtp rcpt_host=[192.0.2.25]:25")

	-- The same without the MTA's word: ccguard's own reading alone passes it.
	message(c, "MAC2", { { "security" }, { DISTROS } })
	T.expect_accept(c)
	T.expect_log("MAC2: action=pass")

	-- Sendmail's local mailer: the user in the domain the client wrote.
	message(c, "MAC3", { { "sec-team@kernel.org", { "local", "", "security" } },
	    { DISTROS, { "esmtp", "[192.0.2.25]", DISTROS } } })
	T.expect_reply(c, SMFIR_REPLYCODE, "end of message")
	T.expect_log("MAC3: " .. RULE, "rcpt=<sec-team@kernel.org> read=sec-team@kernel.org " ..
	    "rcpt_addr=security rcpt_mailer=local rcpt_host=")

	-- Postfix's virtual alias domain: transport "error", and delivered.
	message(c, "MAC4", { { "security@kernel.org",
	    { "error", "5.1.1 User unknown in virtual alias table", "security@kernel.org" } },
	    { DISTROS, SMTP } })
	T.expect_reply(c, SMFIR_REPLYCODE, "end of message")
	local line = T.expect_log("MAC4: " .. RULE,
	    "matched=security@kernel.org[envelope]," .. DISTROS .. "[envelope]")
	if line:find(" rcpt=", 1, true) then
		T.fail("the readings agree, yet the log shows them: %s", line)
	end

	-- A refusal's text is no address; agreeing readings are not shown.
	message(c, "MAC5", { { "nosuch@kernel.org", { "error", "5.1.1", "550 5.1.1 User unknown" } },
	    { DISTROS, SMTP } })
	T.expect_accept(c)
	line = T.expect_log("MAC5: action=pass")
	if line:find("rcpt=", 1, true) or line:find("User", 1, true) then
		T.fail("a refusal's text was read as an address: %s", line)
	end

	-- Hostile macro values reach the log defused and cut.
	message(c, "MAC6", { { "security", { string.rep("m", 300),
	    "h\nMAC6: action=pass x", "security@kernel.org" } }, { DISTROS, SMTP } })
	T.expect_reply(c, SMFIR_REPLYCODE, "end of message")
	line = T.expect_log("MAC6: " .. RULE, "rcpt_mailer=" .. string.rep("m", 160) .. "... ",
	    "rcpt_host=h?MAC6:?action=pass?x")
	if #T.log_lines("MAC6: action=pass") ~= 0 then
		T.fail("a macro value forged a log line")
	end
	T.close(c)

	-- A j that is no host name is not used: the system's name instead.
	local h = io.popen("uname -n")
	local system = h:read("l")
	h:close()
	c = T.connect(nil, nil, { "j", "evil\r\n250 ok" })
	message(c, "MAC7", { { "security@kernel.org", nil }, { DISTROS, nil } })
	T.expect_reject(c, "550", "5.7.1", {
	    "This server (" .. system .. ") refused it.",
	    "Found: security@kernel.org (envelope) and linux-distros@vs.openwall.org",
	    "(envelope)." })
	T.close(c)

	-- ccguard.conf's hostname wins over the MTA's name.
	T.reload(T.base_conf() .. "hostname = configured.example\n", "in force")
	c = T.connect(nil, nil, { "j", "mx.macro.test" })
	message(c, "MAC8", { { "security@kernel.org", nil }, { DISTROS, nil } })
	T.expect_reject(c, "550", "5.7.1", {
	    "This server (configured.example) refused it.",
	    "Found: security@kernel.org (envelope) and linux-distros@vs.openwall.org",
	    "(envelope)." })
	T.close(c)

	-- An MTA that does not offer SMFIF_SETSYMLIST is sent no macro list.
	c = mt.connect(T.socket, 50, 0.1)
	if c == nil or mt.negotiate(c, nil, nil, SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE) ~= nil then
		T.fail("negotiation failed")
	end
	T.expect_action(c, SMFIF_SETSYMLIST, "SMFIF_SETSYMLIST (not offered)", false)
	T.close(c)
end)
