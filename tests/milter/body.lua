-- SPDX-License-Identifier: BSD-2-Clause
-- body.lua - the body is read only when it can change the verdict. The
-- shipped kernel-plain-text rule (notify when mail to security@kernel.org
-- is HTML, markup or has attachments) makes ccguard ask for bodies, but a
-- message that rule can not fire for (another recipient), and that no
-- other rule stops, is accepted at end of headers: the MTA sends neither
-- its body nor end of message. A message that an earlier rule decides
-- whatever its body says goes on to end of message (the hold is carried
-- out there) with its body unread. Bodies come with no reply per chunk
-- (SMFIP_NR_BODY); to an MTA that does not offer that, libmilter answers
-- "continue" to each chunk itself. Mail to the security team is read to
-- the end and judged on what the body holds. Every message runs on both
-- kinds of connection.
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local HTML = "<html><body><p>use-after-free in foo</p></body></html>\r\n"
local PLAIN = "A use-after-free in foo, found by fuzzing.\r\n"

-- Every protocol step miltertest knows, SMFIP_NR_BODY left out.
local NO_NR_BODY = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT |
    SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN |
    SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO |
    SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN |
    SMFIP_NR_EOH | SMFIP_HDR_LEADSPC

-- multipart - a multipart/mixed body: a text part, then an optional
-- attachment; only the body shows that there is an attachment
local function multipart(attachment)
	local parts = { "--b1\r\nContent-Type: text/plain\r\n\r\n" .. PLAIN }
	if attachment then
		parts[#parts + 1] = "--b1\r\nContent-Type: application/octet-stream\r\n" ..
		    "Content-Disposition: attachment; filename=\"poc.bin\"\r\n\r\nf0VMRgIBAQ==\r\n"
	end
	parts[#parts + 1] = "--b1--\r\n"
	return parts
end

-- start - MAIL, RCPT and headers of one message, up to end of headers;
-- want_accept: whether end of headers must accept the message
local function start(c, qid, rcpts, headers, want_accept)
	T.mail(c, "reporter@example.org", qid)
	for _, r in ipairs(rcpts) do
		T.rcpt(c, r)
	end
	for _, h in ipairs(headers) do
		T.header(c, h)
	end
	if T.eoh(c) ~= want_accept then
		T.fail("%s: end of headers %s, want the opposite", qid,
		    want_accept and "went on" or "accepted the message")
	end
end

-- read_all - every chunk is answered continue (the body is read)
local function read_all(c, chunks)
	for _, chunk in ipairs(chunks) do
		T.body(c, chunk)
	end
end

-- scenario - every message on connection c; tag makes the queue ids unique
local function scenario(c, tag)
	-- (a) Not addressed to the security team: accepted at end of headers.
	start(c, "BODY1" .. tag, { "friend@example.net" }, { "Content-Type: text/html" }, true)
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY1" .. tag .. ": action=pass", "rcpts=1")

	-- The security team only in a header: the rule looks at the envelope.
	start(c, "BODY2" .. tag, { "maintainer@example.org" },
	    { "Cc: security@kernel.org", "Content-Type: text/html" }, true)
	T.expect_accept(c)
	T.expect_log("BODY2" .. tag .. ": action=pass")

	-- An earlier rule decides whatever the body says: a new report to
	-- both sides is held by kernel-and-distros, body unread.
	start(c, "BODY3" .. tag, { "security@kernel.org", "distros@vs.openwall.org" },
	    { "Subject: [vs] overflow", "Content-Type: text/html" }, false)
	T.body(c, HTML)
	T.finish(c)
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.expect_log("BODY3" .. tag .. ": action=hold rule=kernel-and-distros")

	-- (b) The security team alone, HTML only: read to the end, delivered
	-- (notify) and logged with the rule.
	start(c, "BODY4" .. tag, { "security@kernel.org" },
	    { "Content-Type: text/html; charset=utf-8", "Subject: use-after-free in foo" }, false)
	read_all(c, { HTML, HTML })
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY4" .. tag .. ": action=notify rule=kernel-plain-text",
	    "from=<reporter@example.org> rcpts=1", "matched=security@kernel.org[envelope]")

	-- (c) The same in plain text: read, and passed.
	start(c, "BODY5" .. tag, { "security@kernel.org" },
	    { "Content-Type: text/plain; charset=utf-8", "Subject: use-after-free in foo" }, false)
	read_all(c, { PLAIN, PLAIN })
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY5" .. tag .. ": action=pass", "rcpts=1")

	-- Only the body shows the attachment: the message headers say
	-- multipart/mixed either way, so the verdict comes from what was read.
	local mixed = { "Content-Type: multipart/mixed; boundary=\"b1\"", "MIME-Version: 1.0" }
	start(c, "BODY6" .. tag, { "security@kernel.org", "maintainer@example.org" }, mixed, false)
	read_all(c, multipart(true))
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY6" .. tag .. ": action=notify rule=kernel-plain-text", "rcpts=2")

	start(c, "BODY7" .. tag, { "security@kernel.org", "maintainer@example.org" }, mixed, false)
	read_all(c, multipart(false))
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY7" .. tag .. ": action=pass", "rcpts=2")

	-- The MTA may cut the body anywhere, even inside a boundary or
	-- header line of a part: 7-byte chunks find the attachment too.
	local whole = table.concat(multipart(true))
	local bits = {}
	for i = 1, #whole, 7 do
		bits[#bits + 1] = whole:sub(i, i + 6)
	end
	start(c, "BODY10" .. tag, { "security@kernel.org" }, mixed, false)
	read_all(c, bits)
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY10" .. tag .. ": action=notify rule=kernel-plain-text")

	-- A message decided early leaves nothing behind: the next one on the
	-- connection, for the security team, is read again.
	start(c, "BODY8" .. tag, { "friend@example.net" }, mixed, true)
	T.expect_accept(c)
	T.expect_log("BODY8" .. tag .. ": action=pass")
	start(c, "BODY9" .. tag, { "security@kernel.org" }, mixed, false)
	read_all(c, multipart(true))
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY9" .. tag .. ": action=notify rule=kernel-plain-text")
end

T.run(function()
	-- An MTA that offers everything (Postfix, miltertest): no reply per
	-- body chunk, so nothing to skip either.
	local c = T.connect()
	T.expect_option(c, SMFIP_NR_BODY, "SMFIP_NR_BODY", true)
	T.expect_option(c, SMFIP_SKIP, "SMFIP_SKIP (no use without replies)", false)
	scenario(c, "")
	T.close(c)

	-- An MTA that waits for a reply per chunk: libmilter sends them.
	c = mt.connect(T.socket, 50, 0.1)
	if c == nil or mt.negotiate(c, nil, NO_NR_BODY, nil) ~= nil then
		T.fail("cannot negotiate without SMFIP_NR_BODY")
	end
	T.expect_option(c, SMFIP_NR_BODY, "SMFIP_NR_BODY (not offered)", false)
	if mt.conninfo(c, "client.example.org", "192.0.2.7") ~= nil then
		T.fail("connect failed")
	end
	scenario(c, "R")
	T.close(c)
end)
