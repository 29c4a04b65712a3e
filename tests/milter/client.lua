-- SPDX-License-Identifier: BSD-2-Clause
-- client.lua - the log names the client as host[address]. The address
-- comes from the MTA's {client_addr} macro and, when the MTA does not
-- send it (Postfix sends only the macros milter_connect_macros names),
-- from the address in the milter connect command itself.
local T = require("mtlib")

-- one - a connection from host/ip (with connect macros), one logged message
local function one(qid, host, ip, macros, want)
	local c = T.connect(host, ip, macros)
	T.send(c, { qid = qid, rcpt = { "maintainer@example.org" } })
	T.expect_accept(c)
	T.expect_log(qid .. ": action=pass", " client=" .. want)
	T.close(c)
end

T.run(function()
	one("CL1", "mx.example.org", "192.0.2.7", nil, "mx.example.org[192.0.2.7]")
	one("CL2", "[2001:db8::25]", "2001:db8::25", nil, "[2001:db8::25][2001:db8::25]")
	one("CL3", "mx.example.org", "192.0.2.7", { "{client_addr}", "198.51.100.9" },
	    "mx.example.org[198.51.100.9]")
	one("CL4", "mx.example.org", "192.0.2.8", { "{client_addr}", "" },
	    "mx.example.org[192.0.2.8]")
	one("CL5", "localhost", "unspec", nil, "localhost[unknown]")
end)
