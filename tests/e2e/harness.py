# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end test harness: a private Postfix, ccguard and an SMTP sink.

What it is for: tests that push real mail through a real Postfix with the
freshly built ccguard attached as its milter, and then look at what came out
(the SMTP replies, the hold queue, the sink that stands in for the next hop).

Everything runs on 127.0.0.1 from one temporary directory:

  DIR/etc/main.cf, master.cf   config_directory of a private Postfix
                               (postfix -c DIR/etc start); no chroot,
                               smtpd on a free port, everything relayed to
  the sink                     a small SMTP server in this process that
                               records envelope and raw data (sink.messages)
  DIR/queue                    queue_directory (owned by root, as Postfix
                               requires)
  DIR/milter/ccguard.sock      ccguard's socket; smtpd_milters and
                               non_smtpd_milters, milter_default_action =
                               tempfail, so a missing filter means "try
                               again later", never "deliver unchecked"
  DIR/ccguard.conf, ccguard.log  the filter's config and its stderr

Typical use:

    import harness

    def test(env):
        r = env.send("a@example.org", ["b@example.org"], harness.message(...))
        harness.check(r.code == 250, "accepted", r)
        env.sink.wait(1)

    harness.main(test, conf="action.kernel-and-distros = hold\\n")

harness.main() skips (exit 77) when not root or Postfix is missing, runs the
test, prints what happened, and always tears everything down. A test fails
by raising harness.Failure (check() does that) or any other exception.

Environment: top_srcdir, top_builddir (as set by "make check"); when unset
they default to the source tree this file is in. E2E_KEEP=1 keeps DIR.
"""

import json
import os
import pwd
import grp
import re
import shutil
import signal
import smtplib
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fixtures  # noqa: E402  (also sets umask 022 for what the tests write)

SKIP = 77
HARD_ERROR = 99

# Addresses of the shipped policy.
SECURITY = "security@kernel.org"
DISTROS = "linux-distros@vs.openwall.org"
OS_DISTROS = "distros@vs.openwall.org"

_POSTFIX_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


class Failure(Exception):
    """A test expectation that did not hold."""


class Skip(Exception):
    """The test can not run here (not root, no Postfix, ...)."""


def check(cond, what, *detail):
    """check - raise Failure("what") with detail unless cond holds."""
    if not cond:
        msg = what
        for d in detail:
            msg += "\n    " + str(d).replace("\n", "\n    ")
        raise Failure(msg)


def log(*args):
    """log - a progress line on stdout (it ends up in the test's .log)."""
    print("[%7.3f]" % (time.monotonic() - _T0), *args, flush=True)


_T0 = time.monotonic()


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    """wait_for - poll pred() until it returns something true; that value.

    Raises Failure after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise Failure("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def socket_listening(path):
    """socket_listening - does a unix socket at path accept connections?

    A socket file exists from bind(), a moment before listen(): Postfix
    connecting in that moment gets "connection refused" and tempfails."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(path)
            return True
        except OSError:
            return False


def free_port():
    """free_port - an unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(headers, body="Test body.\r\n"):
    """message - bytes of a message from a list of (name, value) and a body.

    Line ends are CRLF, as on the wire, so what the sink receives can be
    compared byte for byte."""
    out = []
    for name, value in headers:
        out.append("%s: %s\r\n" % (name, value))
    out.append("\r\n")
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    out.append(body)
    data = "".join(out)
    return data.encode("utf-8") if isinstance(data, str) else data


def report_message(subject="[report] use-after-free in foo", to=(SECURITY,),
                   cc=(DISTROS,), extra=(), body=None, msgid=None):
    """report_message - a first security report (no In-Reply-To) as bytes."""
    hdrs = [("From", "Reporter <reporter@example.org>")]
    if to:
        hdrs.append(("To", ", ".join(to)))
    if cc:
        hdrs.append(("Cc", ", ".join(cc)))
    hdrs += [("Subject", subject),
             ("Date", "Sat, 28 Nov 2026 12:00:00 +0000"),
             ("Message-ID", msgid or unique_id("report")),
             ("MIME-Version", "1.0"),
             ("Content-Type", "text/plain; charset=us-ascii")]
    hdrs += list(extra)
    if body is None:
        body = ("Hello,\n\nfoo_bar() frees the buffer twice.\n"
                "Reproducer: ./poc\n\n-- \nReporter\n")
    return message(hdrs, body)


_msgid_seq = 0


def unique_id(tag="m"):
    """unique_id - a fresh Message-ID (with angle brackets)."""
    global _msgid_seq
    _msgid_seq += 1
    return "<e2e-%s-%d-%d-%d@example.org>" % (tag, os.getpid(), _msgid_seq,
                                              int(time.time() * 1000) % 1000000)


def split_message(data):
    """split_message - (list of raw header lines incl. continuations, body).

    Each header is one string that may contain CRLF continuation lines."""
    sep = data.find(b"\r\n\r\n")
    if sep < 0:
        return [], data
    head, body = data[:sep + 2], data[sep + 4:]
    fields = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return [f.decode("utf-8", "replace") for f in fields], body


# ---------------------------------------------------------------- SMTP sink

class SinkMessage:
    """One message the sink accepted: envelope and the raw data."""

    def __init__(self, helo, mail_from, rcpts, data):
        self.helo = helo
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.data = data			# bytes, CRLF, dot-unstuffed

    def headers(self):
        return split_message(self.data)[0]

    def body(self):
        return split_message(self.data)[1]

    def header(self, name):
        """header - values of every header called name (unfolded)."""
        out = []
        for h in self.headers():
            n, _, v = h.partition(":")
            if n.strip().lower() == name.lower():
                out.append(re.sub(r"\r\n[ \t]", " ", v).strip())
        return out

    def __repr__(self):
        return "<SinkMessage from=%r rcpts=%r %d bytes>" % (
            self.mail_from, self.rcpts, len(self.data))


class _SinkHandler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, text):
        self.wfile.write(text.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        self.reply("220 sink.e2e.test ESMTP test sink")
        helo, mail_from, rcpts = None, None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            arg = cmd[len(verb):].strip()
            if verb == "EHLO":
                helo = arg
                self.reply("250-sink.e2e.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 0")
            elif verb == "HELO":
                helo = arg
                self.reply("250 sink.e2e.test")
            elif verb == "MAIL":
                m = re.match(r"FROM:\s*<([^>]*)>", arg, re.I)
                if not m:
                    self.reply("501 5.5.4 bad MAIL")
                    continue
                mail_from, rcpts = m.group(1), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                m = re.match(r"TO:\s*<([^>]*)>", arg, re.I)
                if not m or mail_from is None:
                    self.reply("503 5.5.1 bad RCPT")
                    continue
                rcpts.append(m.group(1))
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 5.5.1 no recipients")
                    continue
                self.reply("354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l:
                        return
                    if l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data.append(l)
                sink.record(SinkMessage(helo, mail_from, rcpts, b"".join(data)))
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 ok: stored")
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 not implemented")


class _SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class Sink:
    """An SMTP server on 127.0.0.1 that stands in for the next hop.

    Every message it accepts is kept in .messages and written to
    DIR/sink/NNN.eml (raw data) and NNN.env (envelope)."""

    def __init__(self, directory, port=0):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.messages = []
        self._cond = threading.Condition()
        self._server = _SinkServer(("127.0.0.1", port), _SinkHandler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def record(self, m):
        with self._cond:
            self.messages.append(m)
            n = len(self.messages)
            base = os.path.join(self.directory, "%03d" % n)
            with open(base + ".eml", "wb") as f:
                f.write(m.data)
            with open(base + ".env", "w") as f:
                f.write("helo=%s\nfrom=<%s>\n" % (m.helo, m.mail_from))
                for r in m.rcpts:
                    f.write("rcpt=<%s>\n" % r)
            self._cond.notify_all()

    def wait(self, n=1, timeout=15.0):
        """wait - block until at least n messages arrived; all of them.

        Raises Failure on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise Failure("sink: %d message(s) after %.1fs, wanted %d" %
                                  (len(self.messages), timeout, n))
                self._cond.wait(left)
            return list(self.messages)

    def find(self, needle):
        """find - the messages whose raw data contains needle (bytes/str)."""
        if isinstance(needle, str):
            needle = needle.encode("utf-8")
        with self._cond:
            return [m for m in self.messages if needle in m.data]

    def count(self):
        with self._cond:
            return len(self.messages)

    def close(self):
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------- SMTP client

class Step:
    """One SMTP command and its reply."""

    def __init__(self, command, code, text):
        self.command, self.code, self.text = command, code, text

    def __repr__(self):
        return "%s -> %s %s" % (self.command, self.code, self.text.replace("\n", " | "))


class SendResult:
    """What happened to one message: the failing or final reply.

    stage is "connect", "ehlo", "mail", "rcpt", "data" (the DATA command
    itself) or "eod" (end of data: the reply ccguard's verdict shapes).
    code/text are that reply's code and full text (multi-line replies
    joined with "\\n"; smtplib drops the "550-" but each line keeps its
    "5.7.1 ": text_lines() drops that too).
    accepted is True only for a 2xx at end of data; queue_id is then
    parsed from "queued as ID"."""

    def __init__(self):
        self.steps = []
        self.stage = None
        self.code = None
        self.text = ""
        self.accepted = False
        self.queue_id = None
        self.disconnected = False

    def add(self, stage, command, code, text):
        self.steps.append(Step(command, code, text))
        self.stage, self.code, self.text = stage, code, text

    def lines(self):
        """lines - the reply text split into lines."""
        return self.text.split("\n")

    def text_lines(self):
        """text_lines - the reply lines without their enhanced status code."""
        return [re.sub(r"^[245]\.\d{1,3}\.\d{1,3} ", "", l) for l in self.lines()]

    def temporary(self):
        return self.code is not None and 400 <= self.code < 500

    def permanent(self):
        return self.code is not None and 500 <= self.code < 600

    def __repr__(self):
        return "<SendResult stage=%s code=%s accepted=%s qid=%s steps=%r>" % (
            self.stage, self.code, self.accepted, self.queue_id, self.steps)


class Session:
    """One SMTP connection to the private Postfix; several messages in it."""

    def __init__(self, port, helo="client.e2e.test", timeout=60):
        self.smtp = smtplib.SMTP(timeout=timeout, local_hostname=helo)
        code, text = self.smtp.connect("127.0.0.1", port)
        self.banner = (code, text.decode("utf-8", "replace"))
        if code != 220:
            raise Failure("banner: %d %s" % self.banner)
        code, text = self.smtp.ehlo()
        if code != 250:
            raise Failure("EHLO: %d %s" % (code, text))
        self.closed = False

    def send(self, mail_from, rcpts, data):
        """send - one transaction; a SendResult (never raises for replies)."""
        r = SendResult()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        try:
            code, text = self.smtp.mail(mail_from)
            r.add("mail", "MAIL FROM:<%s>" % mail_from, code, text.decode("utf-8", "replace"))
            if code != 250:
                self._rset()
                return r
            ok = 0
            for rcpt in rcpts:
                code, text = self.smtp.rcpt(rcpt)
                r.add("rcpt", "RCPT TO:<%s>" % rcpt, code, text.decode("utf-8", "replace"))
                if code in (250, 251):
                    ok += 1
            if ok != len(rcpts):
                self._rset()
                return r
            try:
                code, text = self.smtp.data(data)
                r.add("eod", "DATA ... .", code, text.decode("utf-8", "replace"))
            except smtplib.SMTPDataError as e:
                r.add("data", "DATA", e.smtp_code, e.smtp_error.decode("utf-8", "replace"))
                self._rset()
                return r
            if 200 <= code < 300:
                r.accepted = True
                m = re.search(r"queued as ([0-9A-Za-z]+)", r.text)
                r.queue_id = m.group(1) if m else None
            return r
        except (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout) as e:
            r.disconnected = True
            if r.code is None:
                r.add("connect", "(connection)", None, str(e))
            else:
                r.steps.append(Step("(connection)", None, str(e)))
            self.closed = True
            return r

    def _rset(self):
        try:
            self.smtp.rset()
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            self.closed = True

    def close(self):
        if not self.closed:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, ConnectionError, OSError):
                pass
        try:
            self.smtp.close()
        except OSError:
            pass
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ------------------------------------------------------------- environment

def _srcdir():
    return os.environ.get("top_srcdir") or os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", ".."))


def _builddir():
    return os.environ.get("top_builddir") or _srcdir()


def require_environment():
    """require_environment - raise Skip unless root with Postfix installed."""
    if os.geteuid() != 0:
        raise Skip("end-to-end tests need root (they start a private Postfix)")
    for tool in ("postfix", "postconf", "postqueue", "postcat", "sendmail"):
        if shutil.which(tool, path=_POSTFIX_PATH + ":" + os.environ.get("PATH", "")) is None:
            raise Skip("end-to-end tests need Postfix: %s not found" % tool)
    for name in ("postfix",):
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise Skip("end-to-end tests need the Postfix user %r" % name)
    try:
        grp.getgrnam("postdrop")
    except KeyError:
        raise Skip("end-to-end tests need the Postfix group 'postdrop'")
    if not os.path.exists("/etc/postfix/master.cf"):
        raise Skip("end-to-end tests need /etc/postfix/master.cf to copy")


class Env:
    """A private Postfix + ccguard + sink. Use start()/stop() or with.

    conf: extra ccguard.conf lines (after user/socket/rules);
    rules: extra rule files (absolute paths) after the shipped one;
    the shipped rules are read from a private copy made by start()
    (rules_dir; shipped_rules names its kernel-security.rules);
    main_cf: dict of extra/overriding Postfix main.cf settings (a value
    of None leaves that setting at Postfix's default). The queue's timing
    (queue_run_delay and the backoff times) is Postfix's default, as on a
    real server, so a test can not depend on a short deferred-queue scan;
    milter: start ccguard at once (False: start_milter() later);
    notices: hold notices go to the default moderator (the postmaster)
    through this Postfix, so they reach the sink (False: no notices)."""

    def __init__(self, conf="", rules=(), main_cf=None, milter=True, notices=False):
        self.srcdir = _srcdir()
        self.builddir = _builddir()
        self.ccguard = os.path.join(self.builddir, "milter", "ccguard")
        self.rules_dir = None
        self.shipped_rules = None
        self.extra_conf = conf
        self.extra_rules = list(rules)
        self.main_cf_extra = dict(main_cf or {})
        self.want_milter = milter
        self.notices = notices
        self.dir = None
        self.sink = None
        self.milter_proc = None
        self.postfix_started = False
        self.final_milter_log = ""

    # -- paths
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def config_dir(self):
        return self.path("etc")

    @property
    def queue_dir(self):
        return self.path("queue")

    @property
    def socket(self):
        return self.path("milter", "ccguard.sock")

    @property
    def conf_path(self):
        return self.path("ccguard.conf")

    @property
    def milter_log_path(self):
        return self.path("ccguard.log")

    @property
    def maillog_path(self):
        return self.path("maillog")

    # -- lifecycle
    def start(self):
        require_environment()
        if not os.access(self.ccguard, os.X_OK):
            raise RuntimeError("%s is not built" % self.ccguard)
        self.dir = tempfile.mkdtemp(prefix="ccguard-e2e-")
        os.chmod(self.dir, 0o755)	# Postfix's cleanup must reach the socket
        os.makedirs(self.path("milter"), mode=0o755)
        os.makedirs(self.config_dir)
        os.makedirs(self.queue_dir, mode=0o755)
        os.makedirs(self.path("data"))
        # ccguard refuses group-writable rules; a checkout may have any umask.
        os.makedirs(self.path("fixtures"), mode=0o700)
        os.chmod(self.path("fixtures"), 0o700)
        self.shipped_rules = fixtures.copy_rules(self.path("fixtures"))
        self.rules_dir = os.path.dirname(self.shipped_rules)
        pf = pwd.getpwnam("postfix")
        os.chown(self.path("data"), pf.pw_uid, pf.pw_gid)
        self.sink = Sink(self.path("sink"))
        self.smtp_port = free_port()
        self._write_postfix_config()
        self.write_conf()
        if self.want_milter:
            self.start_milter()
        self._postfix("start")
        self.postfix_started = True
        wait_for(self._smtpd_ready, 20, 0.1, "Postfix smtpd on port %d" % self.smtp_port)
        log("env: dir=%s smtpd=127.0.0.1:%d sink=127.0.0.1:%d" %
            (self.dir, self.smtp_port, self.sink.port))
        return self

    def stop(self):
        """stop - take everything down; safe to call twice or after errors."""
        # Stop Postfix also when start() failed halfway but a master runs.
        if self.postfix_started or (self.dir and self._master_pid() is not None):
            self.postfix_started = False
            try:
                self._postfix("stop", check=False)
            except Exception as e:
                log("postfix stop: %s" % e)
            self._wait_master_gone()
        # ccguard stops within a second of SIGTERM when idle.
        self.kill_milter(signal.SIGTERM, wait=True, grace=5)
        if self.sink is not None:
            self.sink.close()
            self.sink = None
        if self.dir:
            self.final_milter_log = self.milter_log()
        if self.dir and not os.environ.get("E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            log("kept %s" % self.dir)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- Postfix
    def _write_postfix_config(self):
        d = self.dir
        settings = [
            ("compatibility_level", "3.6"),
            ("queue_directory", self.queue_dir),
            ("data_directory", self.path("data")),
            ("mail_owner", "postfix"),
            ("setgid_group", "postdrop"),
            ("myhostname", "mx.e2e.test"),
            ("mydomain", "e2e.test"),
            ("myorigin", "$myhostname"),
            ("mydestination", ""),
            ("local_recipient_maps", ""),
            ("relay_domains", ""),
            ("alias_maps", ""),
            ("alias_database", ""),
            ("inet_interfaces", "127.0.0.1"),
            ("inet_protocols", "ipv4"),
            ("mynetworks", "127.0.0.0/8"),
            ("smtpd_relay_restrictions", "permit_mynetworks, reject"),
            ("smtpd_recipient_restrictions", ""),
            ("relayhost", "[127.0.0.1]:%d" % self.sink.port),
            ("default_transport", "smtp"),
            ("relay_transport", "smtp"),
            ("smtp_dns_support_level", "disabled"),
            ("smtp_host_lookup", "native"),
            ("smtp_tls_security_level", "none"),
            ("smtpd_tls_security_level", "none"),
            ("smtp_connect_timeout", "5s"),
            ("smtpd_milters", "unix:" + self.socket),
            ("non_smtpd_milters", "unix:" + self.socket),
            ("milter_default_action", "tempfail"),
            ("milter_connect_timeout", "5s"),
            ("milter_command_timeout", "10s"),
            ("milter_content_timeout", "20s"),
            ("delay_warning_time", "0"),
            ("in_flow_delay", "0"),
            ("smtpd_error_sleep_time", "0"),
            # Tests refuse many messages in one session on purpose.
            ("smtpd_soft_error_limit", "1000"),
            ("smtpd_hard_error_limit", "1000"),
            ("smtpd_client_connection_rate_limit", "0"),
            ("smtpd_banner", "$myhostname ESMTP"),
            ("disable_mime_output_conversion", "yes"),
            ("biff", "no"),
            ("notify_classes", ""),
            ("maillog_file", self.maillog_path),
            ("maillog_file_prefixes", "/var, /dev/stdout, " + d),
            ("readme_directory", "no"),
        ]
        keys = {k for k, _ in settings}
        settings = [(k, self.main_cf_extra.get(k, v)) for k, v in settings]
        settings += [(k, v) for k, v in self.main_cf_extra.items() if k not in keys]
        # None: the setting is left at Postfix's default.
        settings = [(k, v) for k, v in settings if v is not None]
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            f.write("# main.cf of a private Postfix for ccguard's end-to-end tests\n")
            for k, v in settings:
                f.write("%s = %s\n" % (k, v))
        with open("/etc/postfix/master.cf") as f:
            master = f.read().splitlines()
        out = []
        for line in master:
            fields = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = "127.0.0.1:%d" % self.smtp_port
                fields[4] = "n"			# no chroot: no copies of /etc files
                line = "\t".join(fields[:8])
                if len(fields) > 8:
                    line += " " + " ".join(fields[8:])
            out.append(line)
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n")

    def postfix_cmd(self, *args, check=True, input=None, env_extra=None):
        """postfix_cmd - run a Postfix command (first arg) against this instance.

        Returns a CompletedProcess (text, stdout and stderr captured)."""
        env = dict(os.environ)
        env["PATH"] = _POSTFIX_PATH + ":" + env.get("PATH", "")
        env["MAIL_CONFIG"] = self.config_dir
        env.update(env_extra or {})
        p = subprocess.run(list(args), env=env, input=input, capture_output=True, timeout=60)
        if check and p.returncode != 0:
            raise Failure("%s failed (%d): %s%s" % (" ".join(args), p.returncode,
                          p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")))
        return p

    def _postfix(self, what, check=True):
        return self.postfix_cmd("postfix", "-c", self.config_dir, what, check=check)

    def _master_pid(self):
        try:
            with open(os.path.join(self.queue_dir, "pid", "master.pid")) as f:
                pid = int(f.read().split()[0])
            # The master is not our child: once it exits it may stay a
            # zombie until init reaps it. A zombie has stopped.
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rpartition(")")[2].split()[0]
            return None if state in ("Z", "X") else pid
        except (OSError, ValueError, IndexError):
            return None

    def _wait_master_gone(self):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self._master_pid() is None:
                return
            time.sleep(0.1)
        pid = self._master_pid()
        if pid is not None:
            log("postfix master %d did not stop; killing it" % pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def _smtpd_ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def maillog(self):
        """maillog - Postfix's log of this instance, as text."""
        try:
            with open(self.maillog_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    # -- sending
    def session(self, helo="client.e2e.test"):
        """session - a new SMTP Session (use with "with")."""
        return Session(self.smtp_port, helo)

    def send(self, mail_from, rcpts, data, helo="client.e2e.test"):
        """send - one message in its own SMTP session; a SendResult."""
        try:
            s = Session(self.smtp_port, helo)
        except (OSError, smtplib.SMTPException) as e:
            r = SendResult()
            r.add("connect", "(connect)", None, str(e))
            r.disconnected = True
            return r
        with s:
            return s.send(mail_from, rcpts, data)

    def sendmail(self, mail_from, rcpts, data, args=()):
        """sendmail - submit with sendmail(1) -C DIR (the non_smtpd path).

        Returns the CompletedProcess; the message then goes through
        postdrop, pickup and cleanup, where non_smtpd_milters apply."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        if isinstance(data, str):
            data = data.encode("utf-8")
        argv = ["sendmail", "-C", self.config_dir, "-i", "-f", mail_from] + list(args) + \
            ["--"] + list(rcpts)
        return self.postfix_cmd(*argv, check=False, input=data)

    def barrier(self, timeout=15):
        """barrier - send a harmless message and wait until the sink has it.

        Mail that Postfix accepted before it and meant to deliver has had its
        chance, so "the sink got nothing else" becomes a real check. Returns
        the marker's Message-ID."""
        mid = unique_id("barrier")
        data = report_message(subject="barrier", to=("maintainer@example.com",), cc=(),
                              msgid=mid)
        r = self.send("barrier@example.org", ["maintainer@example.com"], data)
        check(r.accepted, "barrier message accepted", r)
        wait_for(lambda: self.sink.find(mid), timeout, 0.05, "barrier message at the sink")
        return mid

    # -- queue
    def queue(self):
        """queue - every queued message (postqueue -j), as dicts."""
        p = self.postfix_cmd("postqueue", "-c", self.config_dir, "-j")
        out = []
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line:
                out.append(json.loads(line))
        return out

    def hold_queue(self):
        """hold_queue - queued messages whose queue_name is "hold"."""
        return [q for q in self.queue() if q.get("queue_name") == "hold"]

    def postcat(self, queue_id, *opts):
        """postcat - postcat -c DIR [opts] -q ID, as text."""
        p = self.postfix_cmd("postcat", "-c", self.config_dir, *opts, "-q", queue_id)
        return p.stdout.decode("utf-8", "replace")

    def queued_headers(self, queue_id):
        """queued_headers - the header lines of a queued message (postcat -h)."""
        text = self.postcat(queue_id, "-h")
        return [l for l in text.splitlines() if not l.startswith("*** ")]

    def flush(self):
        """flush - ask Postfix to try deferred mail now (postqueue -f)."""
        self.postfix_cmd("postqueue", "-c", self.config_dir, "-f", check=False)

    # -- ccguard
    def write_conf(self, extra=None, rules=None):
        """write_conf - (re)write ccguard.conf; extra replaces the extra lines."""
        if extra is not None:
            self.extra_conf = extra
        if rules is not None:
            self.extra_rules = list(rules)
        lines = ["# ccguard.conf for an end-to-end test",
                 "user =",
                 # Without notices, no moderator: the default, the postmaster,
                 # would get them through the system's sendmail.
                 "notify_smtp = 127.0.0.1:%d" % self.smtp_port if self.notices
                 else "moderator =",
                 "socket = unix:" + self.socket,
                 "rules = " + self.shipped_rules]
        lines += ["rules = " + r for r in self.extra_rules]
        fixtures.write_file(self.conf_path, "\n".join(lines) + "\n" + self.extra_conf +
                            ("" if self.extra_conf.endswith("\n") or not self.extra_conf
                             else "\n"), 0o600)

    def start_milter(self, timeout=10):
        """start_milter - run ccguard (stderr to ccguard.log); wait for its socket."""
        if self.milter_proc is not None and self.milter_proc.poll() is None:
            raise RuntimeError("ccguard is already running")
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        fh = open(self.milter_log_path, "ab")
        self.milter_proc = subprocess.Popen(
            [self.ccguard, "-c", self.conf_path, "-p", "unix:" + self.socket],
            stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True)
        fh.close()
        end = time.monotonic() + timeout
        while not socket_listening(self.socket):
            if self.milter_proc.poll() is not None:
                raise Failure("ccguard exited with %d at startup:\n%s" %
                              (self.milter_proc.returncode, self.milter_log()))
            if time.monotonic() > end:
                raise Failure("ccguard did not open %s:\n%s" % (self.socket, self.milter_log()))
            time.sleep(0.02)
        # ccguard makes the socket group-accessible; let Postfix's group in.
        os.chown(self.socket, -1, grp.getgrnam("postfix").gr_gid)
        return self.milter_proc.pid

    def milter_running(self):
        return self.milter_proc is not None and self.milter_proc.poll() is None

    def kill_milter(self, sig=signal.SIGKILL, wait=True, grace=10.0):
        """kill_milter - send sig to ccguard (default SIGKILL); reap it.

        With wait, SIGKILL follows when it has not exited after grace
        seconds. Returns the exit status (None when not waited for)."""
        p = self.milter_proc
        if p is None or p.poll() is not None:
            return p.returncode if p is not None else None
        try:
            p.send_signal(sig)
        except OSError:
            return None
        if not wait:
            return None
        try:
            return p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait(10)

    def milter_log(self):
        """milter_log - everything ccguard wrote to stderr so far."""
        try:
            with open(self.milter_log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10, start=0):
        """wait_log - wait for a regex in ccguard's log after offset start.

        Returns the match object; raises Failure on timeout."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.milter_log()[start:]), timeout, 0.05,
                        "ccguard log line /%s/" % pattern)

    def reload(self, extra=None, rules=None, timeout=10):
        """reload - rewrite the conf (if extra/rules given), SIGHUP, wait.

        Returns True when the new policy is in force, False when ccguard
        logged "reload failed" (it then keeps the old one)."""
        if extra is not None or rules is not None:
            self.write_conf(extra, rules)
        start = len(self.milter_log())
        self.milter_proc.send_signal(signal.SIGHUP)
        m = self.wait_log(r"reload: \d+ rules|reload failed", timeout, start)
        return "failed" not in m.group(0)


# ------------------------------------------------------------------ running

def dump(env):
    """dump - show the logs of a failed test."""
    if env is None or env.dir is None:
        return
    print("---- ccguard.log")
    print(env.milter_log()[-6000:])
    print("---- Postfix maillog")
    print(env.maillog()[-8000:])
    try:
        q = env.queue()
        print("---- queue (%d messages)" % len(q))
        for x in q[:20]:
            print(x)
    except Exception as e:
        print("(postqueue: %s)" % e)


def main(test, **env_args):
    """main - run test(env) in a fresh Env; exit 0, 1, 77 (skip) or 99.

    env_args go to Env(). Everything is stopped whatever happens."""
    name = os.path.basename(sys.argv[0])
    env = None

    def terminated(sig, frame):
        raise SystemExit("terminated by signal %d" % sig)

    # make's timeout or ^C: still tear down the private Postfix and ccguard.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, terminated)
    try:
        require_environment()
        env = Env(**env_args)
        env.start()
        test(env)
    except Skip as e:
        print("SKIP: %s: %s" % (name, e))
        if env is not None:
            env.stop()
        sys.exit(SKIP)
    except Failure as e:
        print("FAIL: %s: %s" % (name, e))
        dump(env)
        if env is not None:
            env.stop()
        sys.exit(1)
    except BaseException:
        print("ERROR: %s" % name)
        traceback.print_exc(file=sys.stdout)
        dump(env)
        if env is not None:
            env.stop()
        sys.exit(HARD_ERROR)
    env.stop()
    # A sanitizer build reports to stderr and may keep serving; such a
    # report fails the test even when the mail flow looked right.
    m = _SANITIZER_RX.search(env.final_milter_log)
    if m:
        print("FAIL: %s: ccguard reported a sanitizer error" % name)
        print(env.final_milter_log[max(0, m.start() - 2000):m.start() + 6000])
        sys.exit(1)
    print("PASS: %s (%.1fs)" % (name, time.monotonic() - _T0))
    sys.exit(0)


_SANITIZER_RX = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error: ")
