-- negotiate.lua - ccguard asks the MTA for no more than the shipped rules
-- need: no body, no HELO, no unknown commands; and for the actions it
-- may take: add and change headers, quarantine. When the MTA can not
-- quarantine, a message that should be held is answered tempfail rather
-- than delivered.
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local HELD = { qid = nil, rcpt = { "security@kernel.org", "distros@vs.openwall.org" } }

T.run(function()
	local c = T.connect()
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY (no body)", true)
	T.expect_option(c, SMFIP_NOHELO, "SMFIP_NOHELO", true)
	T.expect_option(c, SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN", true)
	T.expect_option(c, SMFIP_NOHDRS, "SMFIP_NOHDRS (no headers)", false)
	T.expect_option(c, SMFIP_NORCPT, "SMFIP_NORCPT (no recipients)", false)
	T.expect_option(c, SMFIP_NOMAIL, "SMFIP_NOMAIL (no sender)", false)
	T.expect_action(c, SMFIF_ADDHDRS, "SMFIF_ADDHDRS", true)
	T.expect_action(c, SMFIF_CHGHDRS, "SMFIF_CHGHDRS", true)
	T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE", true)
	T.expect_action(c, SMFIF_CHGBODY, "SMFIF_CHGBODY", false)
	T.expect_action(c, SMFIF_ADDRCPT, "SMFIF_ADDRCPT", false)
	T.expect_action(c, SMFIF_DELRCPT, "SMFIF_DELRCPT", false)
	HELD.qid = "NEG1"
	T.send(c, HELD)
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.close(c)

	-- An MTA that offers header changes but no quarantine. The manual
	-- page of mt.negotiate() swaps them: the steps come third, the
	-- actions fourth.
	c = mt.connect(T.socket, 50, 0.1)
	if mt.negotiate(c, nil, nil, SMFIF_ADDHDRS | SMFIF_CHGHDRS) ~= nil then
		T.fail("negotiation without quarantine failed")
	end
	T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE (not offered)", false)
	T.expect_action(c, SMFIF_ADDHDRS, "SMFIF_ADDHDRS", true)
	if mt.conninfo(c, "client.example.org", "192.0.2.7") ~= nil then
		T.fail("connect failed")
	end
	HELD.qid = "NEG2"
	T.send(c, HELD)
	T.expect_reply(c, SMFIR_TEMPFAIL, "end of message without quarantine")
	T.expect_log("NEG2: quarantine failed; answering tempfail")

	-- Messages that pass need no quarantine.
	T.send(c, { qid = "NEG3", rcpt = { "security@kernel.org" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.close(c)

	-- Connections that end after negotiation, before any connect command
	-- (their state is freed: the sanitizer build checks for leaks).
	for _ = 1, 3 do
		c = mt.connect(T.socket, 50, 0.1)
		T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE", true)
		T.close(c)
	end
	c = T.connect()
	T.send(c, { qid = "NEG4", rcpt = { "security@kernel.org" } })
	T.expect_accept(c)
	T.close(c)
end)
