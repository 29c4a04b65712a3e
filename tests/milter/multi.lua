-- multi.lua - several messages on one connection are judged apart: a
-- refused message leaves nothing behind for the next one, and an
-- accepted one does not make the next one pass.
-- conf: action.kernel-and-distros = hold
local T = require("mtlib")

local BAD = { rcpt = { "security@kernel.org", "linux-distros@vs.openwall.org" },
    header = { "To: security@kernel.org" } }
local HELD = "rule=kernel-and-distros; matched=security@kernel.org (envelope, To) and " ..
    "linux-distros@vs.openwall.org (envelope)"

-- msg - BAD or a good message with this queue id
local function msg(qid, bad)
	if bad then
		return { qid = qid, rcpt = BAD.rcpt, header = BAD.header }
	end
	-- Each party of the pair once, in separate messages.
	local who = (qid:byte(-1) % 2 == 0) and "security@kernel.org" or "distros@vs.openwall.org"
	return { qid = qid, rcpt = { who }, header = { "To: " .. who } }
end

T.run(function()
	-- Bad, then good, good, bad, bad, good on one connection.
	local c = T.connect()
	local plan = { true, false, false, true, true, false }
	for i, bad in ipairs(plan) do
		local qid = "MULTI" .. i
		T.send(c, msg(qid, bad))
		if bad then
			T.expect_hold(c, "ccguard rule kernel-and-distros", HELD)
			T.expect_log(qid .. ": action=hold rule=kernel-and-distros", "rcpts=2")
		else
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
	T.eom(a)
	T.eom(b)
	T.expect_accept(a)
	T.expect_unchanged(a)
	T.expect_accept(b)
	T.expect_unchanged(b)
	T.expect_log("CONNA: action=pass", "from=<a@example.org> rcpts=1")
	T.expect_log("CONNB: action=pass", "from=<b@example.org> rcpts=1")
	T.close(a)
	T.close(b)
end)
