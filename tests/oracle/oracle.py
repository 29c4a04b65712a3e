# SPDX-License-Identifier: BSD-2-Clause
"""The MTA as the oracle: what does an address form mean to the MTA?

What it is for: the differential tests of tests/oracle/ (doc/oracle.md).
Each form of forms.txt is sent once through a private MTA WITHOUT
ccguard to a recording sink; the recipients the sink got are the MTA's
reading of the form. The same forms then go through the same kind of MTA
WITH ccguard in reject mode, and through "ccguard -t". Whenever the MTA
delivered to both sides, ccguard must have stopped the message; whenever
it delivered to at most one side, ccguard must have passed it, unless the
MTA's differences file documents the form as a fail-safe difference.
"-t" and the daemon must always agree.

This module holds the forms, the judging and the Postfix side; the
Sendmail side is sendmail_oracle.py. The test scripts (test_oracle.py,
test_oracle_strict.py, test_oracle_sendmail.py) call a main().
ORACLE_FORMS=id,id,... restricts a run to those forms.
"""

import concurrent.futures
import os
import re
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("top_srcdir") or
                                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                                "tests", "e2e"))
import harness  # noqa: E402
from harness import check, log  # noqa: E402

HERE = os.path.join(harness._srcdir(), "tests", "oracle")
FORMS_FILE = os.path.join(HERE, "forms.txt")
DIFF_FILE = os.path.join(HERE, "differences.txt")

SENDER = "oracle@example.org"

# Forms in flight at once: the servers, not this machine's CPUs, set the pace.
PARALLEL = 4
NEUTRAL = "neutral@example.org"

# Debian's defaults for the settings that decide how an address is read,
# plus: everything that is not local goes to the sink (the harness sets
# relayhost), and local delivery is discarded (and logged), so a test never
# writes to a mailbox of this machine.
POSTFIX_DEFAULTS = {
    "strict_rfc821_envelopes": "no",
    "mydestination": "$myhostname, localhost.$mydomain, localhost",
    "allow_percent_hack": "yes",
    "swap_bangpath": "yes",
    "resolve_dequoted_address": "yes",
    "smtputf8_enable": "yes",
    "local_transport": "discard:local delivery",
    "local_recipient_maps": "",
    # Header addresses of mail from these clients are rewritten before a
    # milter sees them (Debian: permit_inet_interfaces, and the tests send
    # from 127.0.0.1). None: ccguard sees the headers as a remote client
    # sent them, the case where its own header reading decides.
    "local_header_rewrite_clients": "",
}

# ccguard in reject mode for the pair, every other rule out of the way, and
# a limit or an internal error stops the message too (a stop is a 5xx).
CCGUARD_CONF = """\
action.kernel-and-distros = reject
action.kernel-and-distros-reply = reject
action.distros-and-public = off
action.kernel-and-public = off
action.both-distros-lists = off
action.distros-vs-tag = off
action.kernel-plain-text = off
on_limit = reject
on_error = reject
guidance = no
log_pass = yes
"""

_ID_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_ESC_RX = re.compile(rb"\\(x[0-9A-Fa-f]{2}|[\\trn0]|.)")


class Form:
    """One line of forms.txt."""

    def __init__(self, fid, kind, text, raw, note, line):
        self.id, self.kind, self.text, self.raw = fid, kind, text, raw
        self.note, self.line = note, line

    def lines(self):
        """lines - the header lines of a header form (bytes, no line end)."""
        return self.raw.split(b"\n")


_REPEAT_RX = re.compile(r"\\\{(\d{1,6})\*([^}]*)\}")


def unescape(text, where):
    """unescape - the bytes a form stands for (\\t \\r \\n \\0 \\\\ \\xHH,
    and \\{N*text}: text N times)."""
    def repeat(m):
        n = int(m.group(1))
        check(1 <= n <= 100000, "%s: repeat count %d not in 1..100000" % (where, n))
        return m.group(2) * n
    text = _REPEAT_RX.sub(repeat, text)
    def one(m):
        e = m.group(1)
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        table = {b"\\": b"\\", b"t": b"\t", b"r": b"\r", b"n": b"\n", b"0": b"\0"}
        if e not in table:
            raise harness.Failure("%s: unknown escape \\%s" % (where, e.decode("utf-8", "replace")))
        return table[e]
    return _ESC_RX.sub(one, text.encode("utf-8"))


def data_lines(path):
    """data_lines - (line number, "file:line", text) of each data line of path."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield n, "%s:%d" % (path, n), line


def load_forms(path=FORMS_FILE):
    """load_forms - the forms of path; Failure with file:line on a bad line."""
    forms, seen = [], set()
    for n, where, line in data_lines(path):
        fields = line.split("\t")
        check(len(fields) == 4, "%s: want 4 TAB-separated fields (id, kind, form, note), got %d"
              % (where, len(fields)))
        fid, kind, text, note = fields
        check(_ID_RX.match(fid) is not None, "%s: bad id %r" % (where, fid))
        check(fid not in seen, "%s: duplicate id %s" % (where, fid))
        check(kind in ("envelope", "header"), "%s: kind must be envelope or header, not %r"
              % (where, kind))
        check(text.strip() != "" or kind == "envelope", "%s: empty form" % where)
        raw = unescape(text, where)
        if kind == "header":
            for h in raw.split(b"\n"):
                check(b"\r\n" not in h, "%s: use \\n between header lines" % where)
        seen.add(fid)
        forms.append(Form(fid, kind, text, raw, note, n))
    check(forms, "%s: no forms" % path)
    return forms


def load_differences(path=DIFF_FILE, ids=None):
    """load_differences - {id: reason} of path; Failure with file:line."""
    out = {}
    for _, where, line in data_lines(path):
        fid, sep, reason = line.partition("\t")
        check(sep and reason.strip(), "%s: want id, TAB, the reason" % where)
        check(fid not in out, "%s: duplicate id %s" % (where, fid))
        check(ids is None or fid in ids, "%s: %s is not an id of forms.txt" % (where, fid))
        out[fid] = reason.strip()
    return out


def selected(forms):
    """selected - the forms ORACLE_FORMS names (all when unset)."""
    want = os.environ.get("ORACLE_FORMS", "").replace(",", " ").split()
    if not want:
        return forms
    known = {f.id for f in forms}
    for w in want:
        check(w in known, "ORACLE_FORMS: no form %s in %s" % (w, FORMS_FILE))
    return [f for f in forms if f.id in want]


# ------------------------------------------------------------ the two sides

def _unquote_local(local):
    if len(local) >= 2 and local[0] == '"' and local[-1] == '"':
        return re.sub(r"\\(.)", r"\1", local[1:-1])
    return local


def mailbox(addr):
    """mailbox - the mailbox an address the sink got names at its final MTA.

    The final hop reads the domain case-insensitively, without one
    trailing dot, and IDNA-mapped (its DNS lookup of a Unicode domain uses
    the A-label); the local part case-insensitively, without quotes, and
    without a "+detail" (kernel.org and openwall.org run Postfix with "+"
    as the recipient delimiter)."""
    at = addr.rfind("@")
    if at <= 0:
        return addr.lower()
    local, domain = _unquote_local(addr[:at]), addr[at + 1:]
    if domain.endswith("."):
        domain = domain[:-1]
    try:
        domain = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        pass
    local = local.lower()
    if "+" in local[1:]:
        local = local[:local.index("+", 1)]
    return local + "@" + domain.lower()


SIDE_S = {"security@kernel.org"}
SIDE_D = {"linux-distros@vs.openwall.org", "distros@vs.openwall.org"}


def sides(rcpts):
    """sides - "both", "S", "D" or "none" for a list of delivered addresses."""
    boxes = {mailbox(r) for r in rcpts}
    s, d = bool(boxes & SIDE_S), bool(boxes & SIDE_D)
    return "both" if s and d else "S" if s else "D" if d else "none"


_RCPT_FIELD = re.compile(rb"^(resent-)?(to|cc|bcc)[ \t]*:", re.I)


def other_side(form):
    """other_side - the plain address that goes with a form (see forms.txt):
    decided by the envelope form, or by the form's To/Cc/Bcc lines."""
    t = form.raw.lower()
    if form.kind == "header":
        t = b"\n".join(l for l in form.lines() if _RCPT_FIELD.match(l))
    has_d = b"distros" in t
    has_s = b"security" in t or b"kernel" in t
    if has_d and has_s:
        return NEUTRAL
    return harness.SECURITY if has_d else harness.DISTROS


# ---------------------------------------------------------------- messages

def message_id(form, tag):
    return "<oracle-%s-%s-%d@example.org>" % (form.id, tag, os.getpid())


def build_message(form, tag):
    """build_message - the message (CRLF bytes) that carries form."""
    hdrs = [b"From: Oracle <" + SENDER.encode() + b">"]
    other = other_side(form).encode()
    if form.kind == "envelope":
        hdrs.append(b"To: undisclosed-recipients:;")
    else:
        hdrs.append(b"To: " + other)
        if re.search(rb"(^|\n)resent-", form.raw, re.I):
            hdrs.append(b"Resent-To: " + other)
            hdrs.append(b"Resent-From: " + SENDER.encode())
            hdrs.append(b"Resent-Date: Sat, 28 Nov 2026 12:00:00 +0000")
    hdrs += [b"Subject: [vs] oracle form " + form.id.encode(),
             b"Date: Sat, 28 Nov 2026 12:00:00 +0000",
             b"Message-ID: " + message_id(form, tag).encode(),
             b"X-Oracle-Id: " + form.id.encode(),
             b"MIME-Version: 1.0",
             b"Content-Type: text/plain; charset=us-ascii"]
    if form.kind == "header":
        hdrs += form.lines()
    body = b"Form " + form.id.encode() + b" of the address oracle test.\r\n"
    return b"\r\n".join(hdrs) + b"\r\n\r\n" + body


class Sent:
    """What one SMTP transaction got: the RCPT replies and the final reply."""

    def __init__(self):
        self.rcpt = []			# (argument, code, text)
        self.stage = None
        self.code = None
        self.text = ""

    def verdict(self):
        """verdict - "stopped" (5xx at end of data), "passed" (2xx), else what."""
        if self.stage != "eod":
            return "no-data(%s %s)" % (self.stage, self.code)
        if 500 <= self.code < 600:
            return "stopped"
        if 200 <= self.code < 300:
            return "passed"
        return "tempfail(%s)" % self.code


def smtp_send(port, rcpts, data, timeout=120):
    """smtp_send - one message; RCPT arguments are sent as they are (bytes).

    Only the greeting and replies are read through smtplib; every command
    is written byte for byte, so nothing is re-quoted or re-bracketed.
    Each RCPT is sent on its own, so one refused recipient does not stop
    the message; DATA follows when at least one was accepted. SMTPUTF8 is
    asked for when the server offers it."""
    r = Sent()
    try:
        s = smtplib.SMTP(timeout=timeout, local_hostname="client.oracle.test")
        code, text = s.connect("127.0.0.1", port)
        r.stage, r.code = "connect", code
        s.ehlo()
        utf8 = b" SMTPUTF8" if s.has_extn("smtputf8") else b""
        s.send(b"MAIL FROM:<" + SENDER.encode() + b">" + utf8 + b" BODY=8BITMIME\r\n")
        code, text = s.getreply()
        r.stage, r.code, r.text = "mail", code, text.decode("utf-8", "replace")
        if code != 250:
            s.close()
            return r
        ok = 0
        for arg in rcpts:
            s.send(b"RCPT TO:" + arg + b"\r\n")
            code, text = s.getreply()
            r.rcpt.append((arg, code, text.decode("utf-8", "replace")))
            ok += code in (250, 251)
        r.stage, r.code = "rcpt", code
        if ok:
            try:
                code, text = s.data(data)
                r.stage, r.code, r.text = "eod", code, text.decode("utf-8", "replace")
            except smtplib.SMTPDataError as e:
                r.stage, r.code, r.text = "data", e.smtp_code, str(e.smtp_error)
        try:
            s.quit()
        except (smtplib.SMTPException, OSError):
            s.close()
    except (smtplib.SMTPException, OSError, socket.timeout) as e:
        r.text = "%s: %s" % (type(e).__name__, e)
    return r


_ESMTP_PARAMS = re.compile(rb"^(.*>)((?:[ \t]+[A-Za-z0-9-]+=[^ \t]*)+)$")


def rcpt_address(arg):
    """rcpt_address - an RCPT TO argument without its ESMTP parameters and
    from a NUL on: what smtpd hands the milter as the address."""
    arg = arg.split(b"\0")[0]
    m = _ESMTP_PARAMS.match(arg)
    return m.group(1) if m else arg


def envelope_args(form):
    """envelope_args - the RCPT TO arguments of an envelope form's message."""
    return [form.raw, b"<" + other_side(form).encode() + b">"]


# ------------------------------------------------------------------ oracle

class Reading:
    """What the MTA did with one form: replies, deliveries, leftovers."""

    def __init__(self):
        self.rcpt_code = None		# the form's RCPT reply (envelope)
        self.resolved = ""		# the MTA's own resolution, when it tells
        self.rcpt_macros = []		# the same as the milter gets it: (name, value)
        self.submit = ""		# sendmail -t result (header)
        self.submit_failed = False	# sendmail -t refused the message
        self.delivered = []		# addresses the sink got
        self.local = []			# addresses delivered locally (discarded)
        self.bounced = False
        self.left = []			# still queued at the end (deferred)
        self.smtp_refusal = ""		# the MTA's own refusal of the message over SMTP

    def refused(self):
        """refused - did the MTA refuse the message as a whole (its
        sendmail -t failed, or it bounced and delivered nothing)?"""
        return self.submit_failed or (self.bounced and not self.delivered)

    def sides(self):
        return sides(self.delivered)

    def summary(self):
        out = self.sides()
        notes = []
        if self.rcpt_code is not None and self.rcpt_code not in (250, 251):
            notes.append("RCPT %s" % self.rcpt_code)
        if self.resolved:
            notes.append(self.resolved)
        if self.submit:
            notes.append(self.submit)
        if self.local:
            notes.append("local")
        if self.bounced:
            notes.append("bounce")
        if self.left:
            notes.append("queued")
        if self.smtp_refusal:
            notes.append("SMTP " + self.smtp_refusal)
        return out + (" (" + ", ".join(notes) + ")" if notes else "")


_LOG_MSGID = re.compile(r"\]: ([0-9A-F]+): message-id=<oracle-([A-Za-z0-9-]+)-")
_LOG_LOCAL = re.compile(r"postfix/discard\[\d+\]: ([0-9A-F]+): to=<([^>]*)>.*status=sent")
_ORACLE_ID = re.compile(rb"(?mi)^X-Oracle-Id: ([A-Za-z0-9-]+)\r?$")


def wait_drained(env, timeout=240):
    """wait_drained - until the queue is empty, or holds only deferred mail
    and the same messages for 5 s. Returns what is left."""
    end = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while True:
        q = env.queue()
        if not q:
            return []
        state = sorted(x.get("queue_id") for x in q)
        if state != last:
            last, since = state, time.monotonic()
        if all(x.get("queue_name") == "deferred" for x in q) and time.monotonic() - since > 5:
            return q
        if time.monotonic() > end:
            raise harness.Failure("queue not drained after %ds: %r" % (timeout, q))
        time.sleep(0.3)


def record_deliveries(sink, readings, tag="oracle"):
    """record_deliveries - what the sink got of the messages built with
    tag, into readings ({id: Reading}) by each message's X-Oracle-Id; a
    message from <> is a bounce."""
    for m in list(sink.messages):
        ids = _ORACLE_ID.findall(m.data)
        if not ids or ids[0].decode() not in readings or \
                ("-%s-" % tag).encode() not in m.data:
            continue
        if m.mail_from == "":
            readings[ids[0].decode()].bounced = True
        else:
            readings[ids[0].decode()].delivered += m.rcpts


def submit(env, data):
    """submit - sendmail -t: Postfix's cleanup takes recipients from headers."""
    return env.postfix_cmd("sendmail", "-C", env.config_dir, "-t", "-i",
                           "-f", SENDER, check=False, input=data)


def cut_by_smtpd(env, form, data):
    """cut_by_smtpd - the message as smtpd keeps it (headers cut at
    header_size_limit): sent to neutral@example.org, taken from the sink."""
    r = smtp_send(env.smtp_port, [b"<" + NEUTRAL.encode() + b">"], data)
    check(r.stage == "eod" and r.code == 250, "oracle: %s: smtpd refused the message (%s %s)"
          % (form.id, r.code, r.text))
    mid = message_id(form, "oracle")
    got = harness.wait_for(lambda: env.sink.find(mid), 120, 0.1, "%s at the sink" % mid)
    return got[0].data


def read_postfix(forms, main_cf):
    """read_postfix - {id: Reading}: every form through Postfix, no ccguard."""
    cf = dict(main_cf)
    cf.update({"smtpd_milters": "", "non_smtpd_milters": ""})
    out = {f.id: Reading() for f in forms}
    t0 = time.monotonic()
    with harness.Env(milter=False, main_cf=cf) as env:
        for f in forms:
            data = build_message(f, "oracle")
            if f.kind == "envelope":
                r = smtp_send(env.smtp_port, envelope_args(f), data)
                if r.rcpt:
                    out[f.id].rcpt_code = r.rcpt[0][1]
                check(r.stage == "eod" and r.code == 250,
                      "oracle: %s: the message was not accepted (%s %s %s)" %
                      (f.id, r.stage, r.code, r.text), r.rcpt)
            else:
                p = submit(env, data)
                if p.returncode != 0 and b"header length exceeds" in p.stderr:
                    # sendmail -t refuses a header past header_size_limit;
                    # smtpd takes it and cuts it. Let smtpd cut it, then
                    # let sendmail -t read what is left.
                    p = submit(env, cut_by_smtpd(env, f, data))
                    out[f.id].submit = "cut by smtpd"
                if p.returncode != 0:
                    out[f.id].submit_failed = True
                    out[f.id].submit = "sendmail %d: %s" % (
                        p.returncode, p.stderr.decode("utf-8", "replace").strip()[:100])
        left = wait_drained(env)
        log("oracle: %d forms sent and drained in %.1fs" % (len(forms), time.monotonic() - t0))
        record_deliveries(env.sink, out)
        qid_to_id = {}
        maillog = env.maillog()
        for m in _LOG_MSGID.finditer(maillog):
            qid_to_id[m.group(1)] = m.group(2)
        for m in _LOG_LOCAL.finditer(maillog):
            fid = qid_to_id.get(m.group(1))
            if fid in out:
                out[fid].local.append(m.group(2))
        for q in left:
            fid = qid_to_id.get(q.get("queue_id"))
            if fid in out:
                out[fid].left = [x.get("address") for x in q.get("recipients", [])]
    return out


# ------------------------------------------------------------------ ccguard

def trace_verdict(env, path, sent, macros=()):
    """trace_verdict - what "ccguard -t" decides for a message file, given
    the recipients that smtpd accepted in sent (those the milter saw) and
    what the MTA told the milter of the first of them (macros: (name,
    value) pairs, given with --macro as the daemon got them)."""
    argv = [env.ccguard.encode(), b"-t", path.encode(), b"-c", env.conf_path.encode(),
            b"--from", SENDER.encode()]
    for i, (arg, code, _) in enumerate(sent.rcpt):
        if code in (250, 251):
            argv += [b"--rcpt", rcpt_address(arg)]
            if i == 0:
                for name, value in macros:
                    argv += [b"--macro", ("%s=%s" % (name, value)).encode()]
    p = subprocess.run(argv, capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r"^action: (\S+)", out, re.M)
    if p.returncode != 0 or not m:
        return "error(%d: %s)" % (p.returncode, p.stderr.decode("utf-8", "replace").strip()[:80]), out
    a = m.group(1)
    return {"reject": "stopped", "pass": "passed", "accept": "passed"}.get(a, a), out


def each_form(forms, work):
    """each_form - work(form) for every form, a few at a time (each waits
    mostly for a server); {id: its result}."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip((f.id for f in forms), pool.map(work, forms)))


def judge(env, forms, readings):
    """judge - {id: (daemon verdict, -t verdict, Sent, -t output)} in env,
    an MTA with ccguard attached; "-t" is told what the MTA resolved the
    form's recipient to, where the MTA's reading says (readings)."""
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="oracle-t-", dir=env.dir)

    def one(f):
        data = build_message(f, "check")
        if f.kind == "envelope":
            r = smtp_send(env.smtp_port, envelope_args(f), data)
        else:
            r = smtp_send(env.smtp_port, [b"<" + NEUTRAL.encode() + b">"], data)
        path = os.path.join(tmp, f.id + ".eml")
        with open(path, "wb") as fh:
            fh.write(data)
        t, trace = trace_verdict(env, path, r, readings[f.id].rcpt_macros)
        return (r.verdict(), t, r, trace)
    out = each_form(forms, one)
    log("ccguard: %d forms judged in %.1fs" % (len(forms), time.monotonic() - t0))
    return out


# ----------------------------------------------------------------- verdict

def run(env, kinds, read_mta, mta="Postfix", diff_file=DIFF_FILE):
    """run - the whole differential test for the forms of the given kinds:
    read_mta(forms) gives the MTA's reading ({id: Reading}), env is the
    same kind of MTA with ccguard attached, diff_file lists the MTA's
    documented differences."""
    forms = load_forms()
    diffs = load_differences(diff_file, ids={f.id for f in forms})
    forms = [f for f in selected(forms) if f.kind in kinds]
    check(forms, "no forms of kind %s selected" % "/".join(kinds))
    readings = read_mta(forms)
    verdicts = judge(env, forms, readings)

    rows, failures = [], []
    for f in forms:
        rd = readings[f.id]
        daemon, trace, sent, trace_out = verdicts[f.id]
        both = rd.sides() == "both"
        want = "stopped" if both else "passed"
        documented = f.id in diffs
        # When the MTA itself refuses the message over SMTP, no milter
        # verdict exists: "-t" alone answers for ccguard.
        decided = trace if rd.smtp_refusal else daemon
        refused_rcpt = f.kind == "envelope" and (rd.rcpt_code or 0) >= 500
        if decided == want:
            # A difference can not show when the MTA refuses the form at
            # RCPT under these settings (strict_rfc821_envelopes = yes).
            result = "STALE" if documented and not refused_rcpt else "ok"
        elif decided == "stopped" and not both and documented:
            result = "ok (documented)"
        else:
            result = "FAIL"
        if trace != daemon and not rd.smtp_refusal:
            result = "FAIL (-t differs)"
        other = other_side(f)
        if other != NEUTRAL and not rd.refused() and \
                other not in {mailbox(a) for a in rd.delivered}:
            # The plain other side always arrives unless the MTA refused
            # the whole message; when it did not, the oracle lost the
            # message and its reading proves nothing.
            result = "FAIL (oracle lost %s)" % other
        rows.append((f.id, f.kind, rd.summary(), daemon, trace, result))
        if result != "ok" and result != "ok (documented)":
            failures.append((f, rd, daemon, trace, sent, trace_out, result))

    head = ("id", "kind", mta + " delivered", "ccguard", "-t", "result")
    w = [max(len(r[i]) for r in rows + [head]) for i in range(5)]
    fmt = "%%-%ds  %%-%ds  %%-%ds  %%-%ds  %%-%ds  %%s" % tuple(w)
    print(fmt % head)
    for r in rows:
        print(fmt % r)
    print("%d forms: %d ok, %d documented, %d failed" % (
        len(rows), sum(r[5] == "ok" for r in rows), sum(r[5] == "ok (documented)" for r in rows),
        len(failures)))
    for f, rd, daemon, trace, sent, trace_out, result in failures:
        print("---- %s: %s (%s:%d: %s)" % (result, f.id, FORMS_FILE, f.line, f.note))
        print("  form: %s" % f.text)
        print("  %s: delivered %s, local %s, RCPT reply %s %s %s" % (
            mta, rd.delivered, rd.local, rd.rcpt_code, rd.resolved, rd.submit))
        if result == "STALE":
            print("  %s says: %s; it no longer differs: remove the line" % (
                os.path.basename(diff_file), diffs[f.id]))
        print("  ccguard: %s %s" % (sent.code, sent.text.split("\n")[0][:120]))
        print("  -t: " + trace_out.strip().replace("\n", "\n      ")[:1500])
    check(not failures, "%d of %d forms: ccguard's reading differs from %s's: %s" % (
        len(failures), len(rows), mta, " ".join(x[0].id for x in failures)))


def main(kinds, main_cf_extra=None):
    """main - the Postfix oracle under harness.main (skip, teardown, exit status)."""
    cf = dict(POSTFIX_DEFAULTS)
    cf.update(main_cf_extra or {})

    def read(forms):
        log("%d forms (%s), Postfix settings: %s" % (
            len(forms), "/".join(kinds), ", ".join("%s = %s" % kv for kv in sorted(cf.items()))))
        return read_postfix(forms, cf)
    harness.main(lambda env: run(env, kinds, read), conf=CCGUARD_CONF, main_cf=cf)
