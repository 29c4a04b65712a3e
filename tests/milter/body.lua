-- body.lua - the body is read only when it can change the verdict. The
-- shipped kernel-plain-text rule (notify when mail to security@kernel.org
-- is HTML, markup or has attachments) makes ccguard ask for bodies, but
-- at the first chunk of a message that rule can not fire for (another
-- recipient), or that an earlier rule decides whatever its body says,
-- ccguard answers SMFIR_SKIP and the MTA sends no more. Mail to the
-- security team is read to the end and judged on what the body holds.
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local HTML = "<html><body><p>use-after-free in foo</p></body></html>\r\n"
local PLAIN = "A use-after-free in foo, found by fuzzing.\r\n"

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

-- start - MAIL, RCPT and headers of one message, up to end of headers
local function start(c, qid, rcpts, headers)
	T.mail(c, "reporter@example.org", qid)
	for _, r in ipairs(rcpts) do
		T.rcpt(c, r)
	end
	for _, h in ipairs(headers) do
		T.header(c, h)
	end
	T.eoh(c)
end

-- read_all - every chunk is answered continue (the body is read)
local function read_all(c, chunks)
	for _, chunk in ipairs(chunks) do
		T.body(c, chunk)
	end
end

T.run(function()
	local c = T.connect()
	T.expect_option(c, SMFIP_SKIP, "SMFIP_SKIP", true)

	-- (a) Not addressed to the security team: skipped at once, passed.
	start(c, "BODY1", { "friend@example.net" }, { "Content-Type: text/html" })
	T.body(c, HTML, SMFIR_SKIP)
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY1: action=pass", "rcpts=1")

	-- The security team only in a header: the rule looks at the envelope.
	start(c, "BODY2", { "maintainer@example.org" },
	    { "Cc: security@kernel.org", "Content-Type: text/html" })
	T.body(c, HTML, SMFIR_SKIP)
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY2: action=pass")

	-- An earlier rule decides whatever the body says: a new report to
	-- both sides is held by kernel-and-distros, body unread.
	start(c, "BODY3", { "security@kernel.org", "distros@vs.openwall.org" },
	    { "Subject: [vs] overflow", "Content-Type: text/html" })
	T.body(c, HTML, SMFIR_SKIP)
	T.finish(c)
	T.expect_hold(c, "ccguard rule kernel-and-distros",
	    "rule=kernel-and-distros; sender=unauthenticated; matched=security@kernel.org (envelope) and " ..
	    "distros@vs.openwall.org (envelope)")
	T.expect_log("BODY3: action=hold rule=kernel-and-distros")

	-- (b) The security team alone, HTML only: read to the end, delivered
	-- (notify) and logged with the rule.
	start(c, "BODY4", { "security@kernel.org" },
	    { "Content-Type: text/html; charset=utf-8", "Subject: use-after-free in foo" })
	read_all(c, { HTML, HTML })
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY4: action=notify rule=kernel-plain-text",
	    "from=<reporter@example.org> rcpts=1", "matched=security@kernel.org[envelope]")

	-- (c) The same in plain text: read, and passed.
	start(c, "BODY5", { "security@kernel.org" },
	    { "Content-Type: text/plain; charset=utf-8", "Subject: use-after-free in foo" })
	read_all(c, { PLAIN, PLAIN })
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY5: action=pass", "rcpts=1")

	-- Only the body shows the attachment: the message headers say
	-- multipart/mixed either way, so the verdict comes from what was read.
	local mixed = { "Content-Type: multipart/mixed; boundary=\"b1\"", "MIME-Version: 1.0" }
	start(c, "BODY6", { "security@kernel.org", "maintainer@example.org" }, mixed)
	read_all(c, multipart(true))
	T.finish(c)
	T.expect_accept(c)
	T.expect_unchanged(c)
	T.expect_log("BODY6: action=notify rule=kernel-plain-text", "rcpts=2")

	start(c, "BODY7", { "security@kernel.org", "maintainer@example.org" }, mixed)
	read_all(c, multipart(false))
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY7: action=pass", "rcpts=2")

	-- The MTA may cut the body anywhere, even inside a boundary or
	-- header line of a part: 7-byte chunks find the attachment too.
	local whole = table.concat(multipart(true))
	local bits = {}
	for i = 1, #whole, 7 do
		bits[#bits + 1] = whole:sub(i, i + 6)
	end
	start(c, "BODY10", { "security@kernel.org" }, mixed)
	read_all(c, bits)
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY10: action=notify rule=kernel-plain-text")

	-- A skipped message leaves nothing behind: the next one on the
	-- connection, for the security team, is read again.
	start(c, "BODY8", { "friend@example.net" }, mixed)
	T.body(c, multipart(true)[1], SMFIR_SKIP)
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY8: action=pass")
	start(c, "BODY9", { "security@kernel.org" }, mixed)
	read_all(c, multipart(true))
	T.finish(c)
	T.expect_accept(c)
	T.expect_log("BODY9: action=notify rule=kernel-plain-text")
	T.close(c)
end)
