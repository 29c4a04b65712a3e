-- SPDX-License-Identifier: BSD-2-Clause
-- metrics.lua - the metrics file (metrics_file) after a known mix of
-- messages: each message counted once by what the MTA was told, the
-- deciding rule and monitor-mode rules by rule and action, limits and
-- errors, guidance and moderator notices by what became of them
-- (submitted through a stand-in sendmail that succeeds, then fails).
-- A reload keeps every counter and counts itself, a refused reload too.
-- A write failure (the directory missing) is logged once while mail
-- still flows, and a write that works again is logged; "ccguardctl
-- stats" prints the file. Every read of the file goes through the strict
-- reader tests/milter/promtext.py, which also compares the values.
-- conf: rules = @top_srcdir@/rules/kernel-security.rules @srcdir@/short.rules
-- conf: action.kernel-and-distros = off
-- conf: action.kernel-and-distros-reply = off
-- conf: action.kernel-plain-text = off
-- conf: action.both-distros-lists = monitor
-- conf: max_recipients = 5
-- conf: moderator = mod@example.org
-- conf: sendmail_path = @work@/sendmail
-- conf: metrics_file = @work@/ccguard.prom
-- conf: metrics_interval = 1
local T = require("mtlib")

local SEC, LD, DI = "security@kernel.org", "linux-distros@vs.openwall.org", "distros@vs.openwall.org"
local PUBLIC = "oss-security@lists.openwall.com"
local TAG = "Subject: [vs] use-after-free in foo"
local FILE = T.work .. "/ccguard.prom"
local SENDMAIL = T.work .. "/sendmail"

local top_srcdir = os.getenv("top_srcdir") or T.fail("top_srcdir is not set")
local top_builddir = os.getenv("top_builddir") or T.fail("top_builddir is not set")
local python = os.getenv("PYTHON3")
if python == nil or python == "" then
	python = "python3"
end
local PROMTEXT = top_srcdir .. "/tests/milter/promtext.py"

-- shell - run a command line; its output and whether it exited 0
local function shell(cmd)
	local p = io.popen(cmd .. " 2>&1")
	local out = p:read("a")
	local ok = p:close()
	return out, ok == true
end

-- quote - one shell word
local function quote(s)
	return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- expect_metrics - wait up to 15 s until the file, read strictly, holds
-- exactly these series of the families named (promtext.py expect)
local function expect_metrics(path, want)
	local cmd = python .. " -B " .. quote(PROMTEXT) .. " expect " .. quote(path)
	for _, w in ipairs(want) do
		cmd = cmd .. " " .. quote(w)
	end
	local out, ok
	local deadline = os.time() + 15
	repeat
		out, ok = shell(cmd)
		if ok then
			return
		end
		mt.sleep(0.05)
	until os.time() > deadline
	T.fail("the metrics file is not as expected after 15 s:\n%s\n%s", out,
	    T.read_file(path) or "(no file)")
end

-- sendmail - make the stand-in sendmail read the message and exit with status
local function sendmail(status)
	T.write_file(SENDMAIL, "#!/bin/sh\ncat >/dev/null\nexit " .. status .. "\n")
	os.execute("chmod 755 " .. quote(SENDMAIL))
end

-- counts - expectations for the families every file holds, from v; with
-- rules, those of ccguard_rule_total too
local function counts(v, rules)
	local want = {
		'ccguard_messages_total{verdict="pass"}=' .. v.pass,
		'ccguard_messages_total{verdict="reject"}=' .. v.reject,
		'ccguard_messages_total{verdict="tempfail"}=' .. v.tempfail,
		'ccguard_messages_total{verdict="hold"}=' .. v.hold,
		'ccguard_messages_total{verdict="discard"}=0',
		'ccguard_errors_total{class="on_error"}=' .. v.on_error,
		'ccguard_errors_total{class="on_limit"}=' .. v.on_limit,
		'ccguard_guidance_total{result="sent"}=' .. v.g_sent,
		'ccguard_guidance_total{result="suppressed"}=' .. v.g_supp,
		'ccguard_guidance_total{result="failed"}=' .. v.g_failed,
		'ccguard_notice_total{result="sent"}=' .. v.n_sent,
		'ccguard_notice_total{result="suppressed"}=' .. v.n_supp,
		'ccguard_notice_total{result="failed"}=' .. v.n_failed,
		'ccguard_reloads_total{result="ok"}=' .. v.ok,
		'ccguard_reloads_total{result="refused"}=' .. v.refused,
	}
	if rules then
		want[#want + 1] = 'ccguard_rule_total{rule="kernel-and-distros-short",action="reject"}=' ..
		    v.reject
		want[#want + 1] = 'ccguard_rule_total{rule="kernel-and-public",action="hold"}=' .. v.hold
		want[#want + 1] = 'ccguard_rule_total{rule="both-distros-lists",action="monitor"}=1'
	end
	return want
end

-- held - a report to the security team and a public list, held
local function held(c, qid, auth)
	T.send(c, { qid = qid, auth = auth, rcpt = { SEC, PUBLIC }, header = { TAG } })
	T.expect_reply(c, SMFIR_ACCEPT, qid)
	if not mt.eom_check(c, MT_QUARANTINE) then
		T.fail("%s was not held", qid)
	end
end

T.run(function()
	local base = T.base_conf()
	local in_force = T.in_force(T.shipped_rules, T.srcdir .. "/short.rules")
	local n = { pass = 0, reject = 0, tempfail = 0, hold = 0, on_error = 0, on_limit = 0,
	    g_sent = 0, g_supp = 0, g_failed = 0, n_sent = 0, n_supp = 0, n_failed = 0,
	    ok = 0, refused = 0 }
	sendmail(0)

	-- The file is written at the start, every counter at 0.
	expect_metrics(FILE, counts(n))
	local version = shell(top_builddir .. "/milter/ccguard -V"):match("^ccguard (%S+)\n")
	if version == nil then
		T.fail("ccguard -V prints no version")
	end
	expect_metrics(FILE, { 'ccguard_build_info{version="' .. version .. '"}=1' })

	local c = T.connect()
	T.send(c, { qid = "MET1", rcpt = { "maintainer@example.org" } })
	T.expect_accept(c)
	T.send(c, { qid = "MET2", rcpt = { SEC, LD }, header = { TAG } })
	T.expect_reply(c, SMFIR_REPLYCODE, "MET2 (refused)")
	held(c, "MET3")				-- not authenticated: no guidance
	held(c, "MET4", "reporter")		-- guidance and notice sent
	T.send(c, { qid = "MET5", rcpt = { LD, DI }, header = { TAG } })
	T.expect_accept(c)
	T.expect_log("MET5: action=pass", "monitor=both-distros-lists:reject")
	T.send(c, { qid = "MET6", rcpt = { "a@example.org", "b@example.org", "c@example.org",
	    "d@example.org", "e@example.org", "f@example.org" } })
	T.expect_reply(c, SMFIR_REPLYCODE, "MET6 (past max_recipients)")
	n.pass, n.reject, n.tempfail, n.hold, n.on_limit = 2, 1, 1, 2, 1
	n.g_sent, n.g_supp, n.n_sent = 1, 1, 2
	expect_metrics(FILE, counts(n, true))

	-- A reload keeps every counter and counts itself. The body rule on:
	-- c declined the body, so a message it could judge is an error.
	local on = base:gsub("action%.kernel%-plain%-text = off\n", "")
	T.reload(on, in_force)
	n.ok = 1
	expect_metrics(FILE, counts(n, true))
	T.send(c, { qid = "MET7", rcpt = { SEC },
	    header = { "Content-Type: multipart/mixed; boundary=\"b\"" } })
	T.expect_reply(c, SMFIR_REPLYCODE, "MET7 (on_error)")
	-- Submission fails: guidance and notice failed.
	sendmail(75)
	local c2 = T.connect()
	held(c2, "MET8", "reporter")
	-- A refused reload; then nobody to notify.
	T.reload(on .. "no_such_setting = 1\n", "reload failed")
	T.reload(on .. "moderator =\n", in_force)
	held(c2, "MET9")
	n.tempfail, n.hold, n.on_error = 2, 4, 1
	n.g_supp, n.g_failed, n.n_supp, n.n_failed = 2, 1, 1, 1
	n.ok, n.refused = 2, 1
	expect_metrics(FILE, counts(n, true))

	-- The directory goes missing: logged once, mail still flows, and a
	-- reload (which writes at once) logs nothing more.
	local dir = T.work .. "/missing"
	local moved = dir .. "/ccguard.prom"
	T.reload(on .. "moderator =\nmetrics_file = " .. moved .. "\n", in_force)
	T.wait_log(10, 1, "metrics: " .. moved, "not logged again until a write succeeds")
	T.send(c2, { qid = "MET10", rcpt = { "maintainer@example.org" } })
	T.expect_accept(c2)
	T.reload(nil, in_force)
	for _ = 1, 60 do			-- three metrics_interval
		if #T.log_lines("not logged again") > 1 then
			T.fail("a failing write was logged twice:\n%s", T.read_file(T.log))
		end
		mt.sleep(0.05)
	end
	os.execute("mkdir " .. quote(dir))
	T.wait_log(10, 1, "metrics: " .. moved .. " written again")
	T.expect_log("not logged again")
	n.pass, n.ok = 3, 4
	local want = counts(n, true)
	want[#want + 1] = "ccguard_metrics_write_failures_total>=2"
	expect_metrics(moved, want)
	-- A failure after a success is logged again, and so is the recovery.
	os.execute("rm -rf " .. quote(dir))
	T.wait_log(10, 2, "not logged again")
	os.execute("mkdir " .. quote(dir))
	T.wait_log(10, 2, "written again")
	T.close(c)
	T.close(c2)

	-- ccguardctl stats: the file for a person.
	local ctl = top_builddir .. "/ctl/ccguardctl -c " .. quote(T.conf)
	local out, ok = shell(ctl .. " stats")
	if not ok then
		T.fail("ccguardctl stats failed:\n%s", out)
	end
	for _, want_line in ipairs({ "\nMessages, by what the MTA was told\n",
	    "\n  verdict +count\n", "\n  hold +4\n", "\n  tempfail +2\n",
	    "\n  kernel%-and%-public +hold +4\n", "\n  on_error +1\n",
	    "\nGuidance messages to senders\n", "\n  suppressed +2\n",
	    "\nReloads\n", "\n  refused +1\n", "^ccguard [^\n]*, started " }) do
		if not out:find(want_line) then
			T.fail("ccguardctl stats: no match for %q in:\n%s", want_line, out)
		end
	end
	T.write_file(T.work .. "/bad.prom", "# TYPE x counter\nx{a=b} 1\n")
	out, ok = shell(ctl .. " stats " .. quote(T.work .. "/bad.prom"))
	if ok or not out:find("bad.prom:2: not a line of the metrics text format", 1, true) then
		T.fail("ccguardctl stats on a malformed file: %s", out)
	end
end)
