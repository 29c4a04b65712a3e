-- SPDX-License-Identifier: BSD-2-Clause
--[[
NAME
	mtlib - shared steps for the miltertest scenarios in tests/milter/

SYNOPSIS
	local T = require("mtlib")
	T.run(function()
		local c = T.connect()
		T.send(c, { qid = "Q1", from = "a@example.org",
		    rcpt = { "security@kernel.org" }, header = { "To: x@example.org" } })
		T.expect_accept(c)
		T.expect_unchanged(c)
		T.close(c)
	end)

DESCRIPTION
	run.sh starts milter/ccguard on a temporary unix socket and runs one
	scenario with miltertest(8), defining these globals (-D):
	SOCKET (the milter socket), WORK (the temporary directory), CONF (the
	configuration file), LOG (the daemon's stderr), PID (its process),
	TOP_SRCDIR (the source tree) and SRCDIR (tests/milter in it).

	Every step checks the milter's answer, so a scenario is a list of one
	line steps and assertions. ccguard decides once per message: the
	envelope and header steps are answered "continue" (or not at all,
	where the no-reply flags were negotiated: miltertest then reports
	"continue" itself); end of headers is answered "continue", or
	"accept" when the verdict is final there and delivers the message
	unchanged. An MTA sends nothing more of such a message, and neither
	do T.body() and T.finish() (T.eoh() returns true, and
	T.accepted_at_eoh() says so until the next message). A body chunk
	may be answered "skip" (SMFIR_SKIP: the rest of the body can not
	change the verdict) when the MTA insists on a reply per chunk.

	Debian's miltertest does not print the message of a Lua error, so
	T.fail() and T.run() echo it (with a traceback) before raising it.

	Limits of miltertest 2.11 that the steps guard against: it reads each
	reply of the milter into a 1024-byte stack buffer without checking the
	length, so a longer SMTP reply or added header crashes it ("stack
	smashing detected"); scenarios that check a reply text use a short
	reply template (tests/milter/short.reply), and the full shipped reply
	is checked through "ccguard -t" (shipped-reply.sh). It also builds
	header, sender and recipient commands in 1024-byte buffers, so
	T.header() refuses longer values instead of corrupting memory.

	Macros: mt.macro() sends at once. libmilter forgets the macros of
	later stages whenever an earlier stage arrives (the connect step
	clears MAIL macros, MAIL clears RCPT and end-of-message macros), so
	T.connect() sends its macros just before the connect step, T.send()
	sends the queue id "i" with MAIL FROM and, when asked, again just
	before end of message (as Sendmail and Postfix do). MAIL macros are
	kept by libmilter until the next MAIL macros replace them, even across
	an abort, so every message sends its own queue id.
]]

local M = {}

M.socket = SOCKET
M.work = WORK
M.conf = CONF
M.log = LOG
M.pid = PID
M.top_srcdir = TOP_SRCDIR
M.srcdir = SRCDIR
M.shipped_rules = TOP_SRCDIR .. "/rules/kernel-security.rules"

M.HOLD_HEADER = "X-Ccguard-Hold"
M.SMFIC_BODYEOB = string.byte("E")	-- miltertest exports no constant
M.MAX_LINE = 900			-- below miltertest's 1024-byte buffers

local reply_names = {}
for name, code in pairs({ CONTINUE = SMFIR_CONTINUE, ACCEPT = SMFIR_ACCEPT,
    REJECT = SMFIR_REJECT, TEMPFAIL = SMFIR_TEMPFAIL, DISCARD = SMFIR_DISCARD,
    REPLYCODE = SMFIR_REPLYCODE, SKIP = SMFIR_SKIP }) do
	reply_names[code] = name
end

-- reply_name - "ACCEPT" for SMFIR_ACCEPT, "'x'" for anything else
local function reply_name(r)
	if r == nil then
		return "nil"
	end
	if reply_names[r] ~= nil then
		return reply_names[r]
	end
	local n = math.floor(r)
	if n > 32 and n < 127 then
		return "'" .. string.char(n) .. "'"
	end
	return tostring(n)
end

local failing = false

-- Connections whose message in progress was accepted at end of headers.
local eoh_accepted = {}

-- fail - print the reason (miltertest would not) and stop the scenario
function M.fail(fmt, ...)
	local msg = string.format(fmt, ...)
	failing = true
	mt.echo("FAIL: " .. msg)
	error(msg, 2)
end

-- note - progress output, shown in the test's .log file
function M.note(fmt, ...)
	mt.echo("# " .. string.format(fmt, ...))
end

-- run - run a scenario; any error, including a Lua one, is echoed
function M.run(fn)
	local ok, err = xpcall(fn, debug.traceback)
	if not ok then
		if not failing then
			mt.echo("FAIL: " .. tostring(err))
		else
			mt.echo(tostring(err))
		end
		error(err, 0)
	end
	mt.echo("PASS")
end

-- check - an mt.* step returned nil (success) or an error string
local function check(ret, what)
	if ret ~= nil then
		M.fail("%s: miltertest says: %s", what, tostring(ret))
	end
end

-- expect_reply - the milter's last answer was want
function M.expect_reply(c, want, what)
	local r = mt.getreply(c)
	if r ~= want then
		M.fail("%s: milter answered %s, want %s", what, reply_name(r), reply_name(want))
	end
end

-- guard - refuse input that would overflow miltertest's own buffers
local function guard(s, what)
	if #s > M.MAX_LINE then
		M.fail("%s: %d bytes is more than miltertest can send safely", what, #s)
	end
end

-- connect - open a milter connection and send the client (continue)
function M.connect(host, ip, macros)
	local c = mt.connect(M.socket, 50, 0.1)
	if c == nil then
		M.fail("cannot connect to %s", tostring(M.socket))
	end
	if macros ~= nil then
		check(mt.macro(c, SMFIC_CONNECT, table.unpack(macros)), "connect macros")
	end
	check(mt.conninfo(c, host or "client.example.org", ip or "192.0.2.7"), "connect")
	M.expect_reply(c, SMFIR_CONTINUE, "connect")
	return c
end

-- close - say QUIT and close the connection
function M.close(c)
	check(mt.disconnect(c), "disconnect")
end

-- angle - "<addr>" unless already bracketed or empty
local function angle(a)
	if a:sub(1, 1) == "<" then
		return a
	end
	return "<" .. a .. ">"
end

-- mail - MAIL FROM, with the queue id macro when qid is given and the
-- {auth_authen} macro when auth is (the client authenticated as auth)
function M.mail(c, from, qid, auth, ...)
	eoh_accepted[c] = nil
	guard(from, "MAIL FROM")
	if qid ~= nil and auth ~= nil then
		check(mt.macro(c, SMFIC_MAIL, "i", qid, "{auth_authen}", auth), "MAIL macros")
	elseif qid ~= nil then
		check(mt.macro(c, SMFIC_MAIL, "i", qid), "MAIL macros")
	elseif auth ~= nil then
		check(mt.macro(c, SMFIC_MAIL, "{auth_authen}", auth), "MAIL macros")
	end
	check(mt.mailfrom(c, angle(from), ...), "MAIL FROM " .. from)
	M.expect_reply(c, SMFIR_CONTINUE, "MAIL FROM " .. from)
end

-- rcpt - one RCPT TO; extra arguments are ESMTP parameters
function M.rcpt(c, addr, ...)
	guard(addr, "RCPT TO")
	check(mt.rcptto(c, angle(addr), ...), "RCPT TO " .. addr)
	M.expect_reply(c, SMFIR_CONTINUE, "RCPT TO " .. addr)
end

-- header - one header field, given as "Name: value"
function M.header(c, field)
	local name, value = field:match("^([^:]+):%s*(.*)$")
	if name == nil then
		M.fail("bad header line %q", field)
	end
	guard(field, "header")
	check(mt.header(c, name, value), "header " .. name)
	M.expect_reply(c, SMFIR_CONTINUE, "header " .. name)
end

-- accepted_at_eoh - the message in progress was accepted at end of headers
function M.accepted_at_eoh(c)
	return eoh_accepted[c] == true
end

-- eoh - end of headers, answered continue or accept; true for accept
function M.eoh(c)
	check(mt.eoh(c), "end of headers")
	local r = mt.getreply(c)
	if r ~= SMFIR_CONTINUE and r ~= SMFIR_ACCEPT then
		M.fail("end of headers: milter answered %s, want CONTINUE or ACCEPT",
		    reply_name(r))
	end
	eoh_accepted[c] = r == SMFIR_ACCEPT
	return eoh_accepted[c]
end

-- body - one chunk of body, answered want (default SMFIR_CONTINUE); a
-- message accepted at end of headers gets no body
function M.body(c, text, want)
	if eoh_accepted[c] then
		M.fail("body: the message was accepted at end of headers")
	end
	guard(text, "body chunk")
	check(mt.bodystring(c, text), "body")
	M.expect_reply(c, want or SMFIR_CONTINUE, "body")
end

-- eom - end of headers, then end of message (with "i" again if eom_qid)
function M.eom(c, eom_qid)
	M.eoh(c)
	M.finish(c, eom_qid)
end

-- finish - end of message only, after T.eoh() and T.body(); nothing when
-- the message was accepted at end of headers (the MTA sends no more)
function M.finish(c, eom_qid)
	if eoh_accepted[c] then
		return
	end
	if eom_qid ~= nil then
		check(mt.macro(c, M.SMFIC_BODYEOB, "i", eom_qid), "end-of-message macros")
	end
	check(mt.eom(c), "end of message")
end

-- send - one whole message: { qid, eom_qid, from, auth, rcpt = {...},
-- header = {...}, body = { chunk, ... } }; every step answered continue
function M.send(c, m)
	M.mail(c, m.from or "reporter@example.org", m.qid, m.auth)
	for _, r in ipairs(m.rcpt or {}) do
		if type(r) == "table" then
			M.rcpt(c, table.unpack(r))
		else
			M.rcpt(c, r)
		end
	end
	for _, h in ipairs(m.header or {}) do
		M.header(c, h)
	end
	if not M.eoh(c) then
		for _, chunk in ipairs(m.body or {}) do
			M.body(c, chunk)
		end
	end
	M.finish(c, m.eom_qid)
end

-- abort - the MTA gives up on the message in progress
function M.abort(c)
	check(mt.abort(c), "abort")
end

-- expect_accept - the message was accepted
function M.expect_accept(c)
	M.expect_reply(c, SMFIR_ACCEPT, "end of message")
end

-- expect_unchanged - no header, recipient, body or quarantine request
function M.expect_unchanged(c)
	local checks = {
		{ MT_HDRADD, "added a header" }, { MT_HDRINSERT, "inserted a header" },
		{ MT_HDRCHANGE, "changed or removed a header" },
		{ MT_BODYCHANGE, "replaced the body" }, { MT_QUARANTINE, "quarantined" },
	}
	for _, k in ipairs(checks) do
		if mt.eom_check(c, k[1]) then
			M.fail("the milter %s; it should not have", k[2])
		end
	end
end

-- reply_wire - the reply as libmilter sends it: "550-5.7.1 a\r\n550 5.7.1 b"
function M.reply_wire(code, dsn, lines)
	local out = {}
	for i, l in ipairs(lines) do
		out[#out + 1] = code .. (i == #lines and " " or "-") .. dsn .. " " .. l
	end
	return table.concat(out, "\r\n")
end

-- expect_reject - refused with exactly this SMTP reply (lines of text)
function M.expect_reject(c, code, dsn, lines)
	M.expect_reply(c, SMFIR_REPLYCODE, "end of message")
	local wire = M.reply_wire(code, dsn, lines)
	-- eom_check joins its three arguments with single spaces.
	local a, b, rest = wire:match("^(%S+) (%S+) (.*)$")
	if not mt.eom_check(c, MT_SMTPREPLY, a, b, rest) then
		M.fail("the SMTP reply is not:\n%s", wire)
	end
end

-- expect_hold - accepted into quarantine with this reason and header
function M.expect_hold(c, reason, header_value)
	M.expect_accept(c)
	if not mt.eom_check(c, MT_QUARANTINE) then
		M.fail("the message was not quarantined")
	end
	if not mt.eom_check(c, MT_QUARANTINE, reason) then
		M.fail("quarantined, but not with the reason %q", reason)
	end
	if not mt.eom_check(c, MT_HDRADD, M.HOLD_HEADER) then
		M.fail("no %s header was added", M.HOLD_HEADER)
	end
	local got = mt.getheader(c, M.HOLD_HEADER, 0)
	if got ~= header_value then
		M.fail("%s: got %q, want %q", M.HOLD_HEADER, tostring(got), header_value)
	end
	if mt.getheader(c, M.HOLD_HEADER, 1) ~= nil then
		M.fail("%s was added more than once", M.HOLD_HEADER)
	end
end

-- expect_deleted - header name's index-th copy (1-based) was removed
function M.expect_deleted(c, name, index)
	if not mt.eom_check(c, MT_HDRDELETE, name, index) then
		M.fail("copy %d of %s was not removed", index, name)
	end
end

-- expect_not_deleted - header name's index-th copy was left alone
function M.expect_not_deleted(c, name, index)
	if mt.eom_check(c, MT_HDRDELETE, name, index) then
		M.fail("copy %d of %s was removed; it should not have been", index, name)
	end
end

-- expect_option - the milter did (want) or did not ask for a protocol option
function M.expect_option(c, option, name, want)
	if mt.test_option(c, option) ~= want then
		M.fail("negotiation: %s %s, want the opposite", name,
		    want and "not requested" or "requested")
	end
end

-- expect_action - the milter did (want) or did not ask for an action
function M.expect_action(c, action, name, want)
	if mt.test_action(c, action) ~= want then
		M.fail("negotiation: action %s %s, want the opposite", name,
		    want and "not requested" or "requested")
	end
end

-- read_file - a whole file, or nil
function M.read_file(path)
	local f = io.open(path, "r")
	if f == nil then
		return nil
	end
	local s = f:read("a")
	f:close()
	return s
end

-- write_file - replace a file's contents
function M.write_file(path, text)
	local f, err = io.open(path, "w")
	if f == nil then
		M.fail("cannot write %s: %s", path, tostring(err))
	end
	f:write(text)
	f:close()
end

-- log_lines - the daemon's log lines holding every given string
function M.log_lines(...)
	local wanted, out = { ... }, {}
	for line in (M.read_file(M.log) or ""):gmatch("[^\n]+") do
		local all = true
		for _, w in ipairs(wanted) do
			if not line:find(w, 1, true) then
				all = false
				break
			end
		end
		if all then
			out[#out + 1] = line
		end
	end
	return out
end

-- expect_log - exactly one log line holds every given string; returns it
function M.expect_log(...)
	local found = M.log_lines(...)
	if #found ~= 1 then
		M.fail("want exactly one log line with %s, found %d:\n%s\nlog:\n%s",
		    table.concat({ ... }, " + "), #found, table.concat(found, "\n"),
		    M.read_file(M.log) or "(no log)")
	end
	return found[1]
end

-- wait_log - wait up to secs for count lines with every given string
function M.wait_log(secs, count, ...)
	for _ = 1, math.floor(secs * 20) do
		if #M.log_lines(...) >= count then
			return
		end
		mt.sleep(0.05)
	end
	M.fail("after %gs the log has %d lines with %s, want %d; log:\n%s", secs,
	    #M.log_lines(...), table.concat({ ... }, " + "), count,
	    M.read_file(M.log) or "(no log)")
end

-- signal - send a signal (a name such as "HUP") to the daemon
function M.signal(sig)
	local ok = os.execute("kill -" .. sig .. " " .. M.pid)
	if not ok then
		M.fail("kill -%s %s failed", sig, tostring(M.pid))
	end
end

-- expect_alive - the daemon is still running
function M.expect_alive()
	if not os.execute("kill -0 " .. M.pid .. " 2>/dev/null") then
		M.fail("the daemon is no longer running; log:\n%s", M.read_file(M.log) or "")
	end
end

-- now - the wall clock in seconds, to the millisecond (os.time counts seconds)
function M.now()
	local p = io.popen("date +%s%N")
	local ns = p:read("l")
	p:close()
	return tonumber(ns) / 1e9
end

-- running - is the daemon's process still there? (run.sh, its parent, waits
-- for miltertest: until then an exited daemon stays a zombie)
function M.running()
	local stat = M.read_file("/proc/" .. M.pid .. "/stat")
	if stat == nil then
		return false
	end
	local state = stat:match("%)%s+(%S)")
	return state ~= "Z" and state ~= "X"
end

-- expect_exit - the daemon exits within secs from now; the seconds it took
function M.expect_exit(secs)
	local t0 = M.now()
	while M.running() do
		if M.now() - t0 > secs then
			M.fail("the daemon still runs %gs later; log:\n%s", secs,
			    M.read_file(M.log) or "")
		end
		mt.sleep(0.01)
	end
	return M.now() - t0
end

-- reload - rewrite the configuration, send SIGHUP, wait for the outcome
function M.reload(conf_text, outcome)
	local before = #M.log_lines(outcome)
	if conf_text ~= nil then
		M.write_file(M.conf, conf_text)
	end
	M.signal("HUP")
	M.wait_log(5, before + 1, outcome)
end

-- in_force - the log line of a good reload of these rule files:
-- "reload: N rules, M lists in force", counting their rule and list blocks
function M.in_force(...)
	local rules, lists = 0, 0
	for _, path in ipairs({ ... }) do
		local text = M.read_file(path)
		if text == nil then
			M.fail("cannot read %s", path)
		end
		for line in text:gmatch("[^\n]+") do
			if line:match("^rule%s") then
				rules = rules + 1
			elseif line:match("^list%s") then
				lists = lists + 1
			end
		end
	end
	return string.format("reload: %d rules, %d lists in force", rules, lists)
end

-- base_conf - the configuration run.sh wrote, for scenarios to extend
function M.base_conf()
	return M.read_file(M.conf)
end

return M
