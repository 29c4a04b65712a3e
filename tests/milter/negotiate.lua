-- SPDX-License-Identifier: BSD-2-Clause
-- negotiate.lua - ccguard asks the MTA for no more than the rules and the
-- log need: no HELO, no unknown commands, no DATA command; the body only
-- while a rule looks at it (the shipped kernel-plain-text does); and no
-- reply at all to the connect, MAIL, RCPT, header and body steps
-- (SMFIP_NR_*: it has nothing to say before end of headers), but a reply
-- to end of headers, where it may accept the message. It asks for the
-- actions it may take: add and change headers, quarantine. When the MTA
-- can not quarantine, a message that should be held is answered tempfail
-- rather than delivered. With kernel-plain-text off no rule needs the
-- body and ccguard declines it again (SMFIP_NOBODY).
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local HELD = { qid = nil, rcpt = { "security@kernel.org", "distros@vs.openwall.org" } }

-- An MTA of protocol 2: it can leave steps out, but every step gets a
-- reply and it has no DATA step to leave out.
local V2_STEPS = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT |
    SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH

-- negotiated - a connection negotiated with these actions and steps
-- offered (nil: miltertest's defaults, which offer everything). The
-- manual page of mt.negotiate() swaps them: the steps come third, the
-- actions fourth.
local function negotiated(actions, steps)
	local c = mt.connect(T.socket, 50, 0.1)
	if c == nil then
		T.fail("cannot connect to %s", tostring(T.socket))
	end
	if mt.negotiate(c, nil, steps, actions) ~= nil then
		T.fail("negotiation failed")
	end
	return c
end

-- client - the connect step on a negotiated connection
local function client(c)
	if mt.conninfo(c, "client.example.org", "192.0.2.7") ~= nil then
		T.fail("connect failed")
	end
	T.expect_reply(c, SMFIR_CONTINUE, "connect")
end

T.run(function()
	local c = T.connect()
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY (shipped rules read the body)", false)
	T.expect_option(c, SMFIP_NOHELO, "SMFIP_NOHELO", true)
	T.expect_option(c, SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN", true)
	T.expect_option(c, SMFIP_NODATA, "SMFIP_NODATA", true)
	T.expect_option(c, SMFIP_NOHDRS, "SMFIP_NOHDRS (no headers)", false)
	T.expect_option(c, SMFIP_NORCPT, "SMFIP_NORCPT (no recipients)", false)
	T.expect_option(c, SMFIP_NOMAIL, "SMFIP_NOMAIL (no sender)", false)
	T.expect_option(c, SMFIP_NOCONNECT, "SMFIP_NOCONNECT (the log names the client)", false)
	T.expect_option(c, SMFIP_NOEOH, "SMFIP_NOEOH (the early decision)", false)
	for _, nr in ipairs({ { SMFIP_NR_CONN, "SMFIP_NR_CONN" }, { SMFIP_NR_MAIL, "SMFIP_NR_MAIL" },
	    { SMFIP_NR_RCPT, "SMFIP_NR_RCPT" }, { SMFIP_NR_HDR, "SMFIP_NR_HDR" },
	    { SMFIP_NR_BODY, "SMFIP_NR_BODY" } }) do
		T.expect_option(c, nr[1], nr[2], true)
	end
	T.expect_option(c, SMFIP_NR_EOH, "SMFIP_NR_EOH (end of headers may accept)", false)
	T.expect_option(c, SMFIP_SKIP, "SMFIP_SKIP (no use without body replies)", false)
	T.expect_option(c, SMFIP_RCPT_REJ, "SMFIP_RCPT_REJ", false)
	T.expect_action(c, SMFIF_ADDHDRS, "SMFIF_ADDHDRS", true)
	T.expect_action(c, SMFIF_CHGHDRS, "SMFIF_CHGHDRS", true)
	T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE", true)
	T.expect_action(c, SMFIF_CHGBODY, "SMFIF_CHGBODY", false)
	T.expect_action(c, SMFIF_ADDRCPT, "SMFIF_ADDRCPT", false)
	T.expect_action(c, SMFIF_DELRCPT, "SMFIF_DELRCPT", false)
	HELD.qid = "NEG1"
	T.send(c, HELD)
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.close(c)

	-- An MTA that offers header changes but no quarantine.
	c = negotiated(SMFIF_ADDHDRS | SMFIF_CHGHDRS, nil)
	T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE (not offered)", false)
	T.expect_action(c, SMFIF_ADDHDRS, "SMFIF_ADDHDRS", true)
	client(c)
	HELD.qid = "NEG2"
	T.send(c, HELD)
	T.expect_reply(c, SMFIR_TEMPFAIL, "end of message without quarantine")
	T.expect_log("NEG2: quarantine failed; answering tempfail")

	-- Messages that pass need no quarantine.
	T.send(c, { qid = "NEG3", rcpt = { "security@kernel.org" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.close(c)

	-- An MTA of protocol 2 that waits for a reply to every step: libmilter
	-- answers "continue" for ccguard wherever ccguard asked for no reply,
	-- and sends a DATA-less session. The body of a message no rule cares
	-- about is not sent (accepted at end of headers); one with a forged
	-- hold header is read to the end, answered chunk by chunk, and the
	-- header removed; the security team's HTML mail is read and judged.
	c = negotiated(nil, V2_STEPS)
	T.expect_option(c, SMFIP_NR_BODY, "SMFIP_NR_BODY (not offered)", false)
	T.expect_option(c, SMFIP_NR_RCPT, "SMFIP_NR_RCPT (not offered)", false)
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY", false)
	client(c)
	T.send(c, { qid = "NEG5", rcpt = { "friend@example.net" },
	    header = { "Content-Type: text/html" },
	    body = { "<p>one</p>\r\n", "<p>two</p>\r\n" } })
	T.expect_accept(c)
	if not T.accepted_at_eoh(c) then
		T.fail("NEG5: not accepted at end of headers")
	end
	T.expect_unchanged(c)
	T.expect_log("NEG5: action=pass")
	T.send(c, { qid = "NEG8", rcpt = { "friend@example.net" },
	    header = { "Content-Type: text/html", "X-Ccguard-Hold: rule=forged" },
	    body = { "<p>one</p>\r\n", "<p>two</p>\r\n" } })
	T.expect_accept(c)
	if T.accepted_at_eoh(c) then
		T.fail("NEG8: accepted at end of headers with a forged header")
	end
	T.expect_deleted(c, T.HOLD_HEADER, 1)
	T.expect_log("NEG8: action=pass")
	-- The security team's HTML mail is still read and judged.
	T.send(c, { qid = "NEG6", rcpt = { "security@kernel.org" },
	    header = { "Content-Type: text/html" }, body = { "<p>report</p>\r\n" } })
	T.expect_accept(c)
	T.expect_log("NEG6: action=notify rule=kernel-plain-text")
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

	-- kernel-plain-text off: no enabled rule reads the body, so new
	-- connections decline it and ask for no skipping either.
	T.reload(T.base_conf() .. "action.kernel-plain-text = off\n", T.in_force(T.shipped_rules))
	c = T.connect()
	T.expect_option(c, SMFIP_NOBODY, "SMFIP_NOBODY (kernel-plain-text off)", true)
	T.expect_option(c, SMFIP_NR_BODY, "SMFIP_NR_BODY (kernel-plain-text off)", false)
	T.expect_option(c, SMFIP_NOHELO, "SMFIP_NOHELO", true)
	T.expect_action(c, SMFIF_QUARANTINE, "SMFIF_QUARANTINE", true)
	T.send(c, { qid = "NEG7", rcpt = { "security@kernel.org" },
	    header = { "Content-Type: text/html" } })
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("NEG7: action=pass")
	T.close(c)
end)
