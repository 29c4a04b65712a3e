#!/usr/bin/env python3
"""End-to-end: what a reporter sees in the real mail clients.

SPDX-License-Identifier: BSD-2-Clause

The shipped rules with "site = submission", behind the test Postfix, and
the programs reporters use: git send-email (one patch, and a series of
three with a cover letter), mutt (batch mode), s-nail and msmtp. Each is
configured in a private HOME (its own rc file, a git repository in the
test's directory) and talks SMTP to 127.0.0.1 only, through a tap that
relays every byte to Postfix's smtpd and keeps what each side said.

For a report to security@kernel.org with linux-distros in Cc:
- the client fails (non-zero exit) and prints at least the reply's last
  line, the one line mutt shows of a multi-line 550;
- nothing of it reaches the sink or the hold queue; of the series,
  git send-email offers only the cover letter and stops at its refusal.
For ordinary mail (to one side only) from each client: the sink gets
exactly the bytes the client sent, after the one Received header Postfix
prepends. A patch in reply to an existing thread, to both sides, is held
and its moderator notice reaches the default moderator, the postmaster.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

HOSTNAME = "mx.e2e.test"
REPORTER = "reporter@example.org"
FROM = "Rep Orter <%s>" % REPORTER
MAINTAINER = "maintainer@example.com"
PAIR = [harness.SECURITY, harness.DISTROS]
# The programs, and the Debian packages that hold them (tests/ci-packages.sh).
CLIENTS = {"git": "git", "mutt": "mutt", "s-nail": "s-nail", "msmtp": "msmtp"}


class Tap:
    """A TCP relay between mail clients and Postfix's smtpd that keeps the
    bytes each side sent, one record per connection."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.sessions = []		# {"client": bytearray, "server": bytearray, "done": Event}
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        """_accept - relay each connection to smtpd, a pump thread per direction."""
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=60)
            rec = {"client": bytearray(), "server": bytearray(), "done": threading.Event()}
            with self._lock:
                self.sessions.append(rec)
            ends = []
            for src, dst, buf in ((client, server, rec["client"]),
                                  (server, client, rec["server"])):
                t = threading.Thread(target=self._pump, args=(src, dst, buf), daemon=True)
                t.start()
                ends.append(t)
            threading.Thread(target=self._finish, args=(ends, rec, client, server),
                             daemon=True).start()

    @staticmethod
    def _pump(src, dst, buf):
        """_pump - copy src to dst, keeping a copy in buf; pass the end on."""
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            buf += data
            try:
                dst.sendall(data)
            except OSError:
                return

    @staticmethod
    def _finish(ends, rec, client, server):
        """_finish - once both directions ended: close, mark the record done."""
        for t in ends:
            t.join()
        client.close()
        server.close()
        rec["done"].set()

    def since(self, n):
        """since - the sessions from the n-th on, once all have ended."""
        harness.wait_for(lambda: all(s["done"].is_set() for s in self.sessions[n:]), 30, 0.05,
                         "the client's SMTP sessions to end")
        return self.sessions[n:]

    def close(self):
        """close - accept no more connections."""
        self._listener.close()


def transactions(sessions):
    """transactions - (envelope sender, recipients, data) of every DATA the
    client sent in these sessions (dot-stuffing undone)."""
    out = []
    for s in sessions:
        lines = bytes(s["client"]).split(b"\r\n")
        sender, rcpts, i = None, [], 0
        while i < len(lines):
            cmd = lines[i].upper()
            if cmd.startswith(b"MAIL FROM:"):
                sender, rcpts = lines[i][10:].strip().split(b" ")[0].strip(b"<>").decode(), []
            elif cmd.startswith(b"RCPT TO:"):
                rcpts.append(lines[i][8:].strip().split(b" ")[0].strip(b"<>").decode())
            elif cmd.startswith(b"BDAT"):
                raise harness.Failure("the client used BDAT, which the tap does not read")
            elif cmd == b"DATA":
                body, i = [], i + 1
                while i < len(lines) and lines[i] != b".":
                    body.append(lines[i][1:] if lines[i].startswith(b".") else lines[i])
                    i += 1
                out.append((sender, rcpts, b"\r\n".join(body) + b"\r\n"))
            i += 1
    return out


def final_lines(sessions, code="550"):
    """final_lines - the last line of each CODE reply the server gave."""
    out = []
    for s in sessions:
        out += [m.decode() for m in re.findall(rb"^%s (?:\d\.\d+\.\d+ )?(.*?)\r$" % code.encode(),
                                                 bytes(s["server"]), re.M)]
    return out


def message_id(data):
    """message_id - the Message-ID of raw message data, or None."""
    m = re.search(rb"^Message-ID:\s*(<[^>\r\n]+>)", data, re.I | re.M)
    return m.group(1).decode() if m else None


def at_sink(env, mid):
    """at_sink - the messages at the sink whose Message-ID is mid."""
    return [m for m in list(env.sink.messages) if mid in m.header("Message-ID")]


class Reporter:
    """A private HOME with every client set up to send through the tap."""

    def __init__(self, home, tap_port):
        self.home = home
        os.makedirs(home)
        self.port = tap_port
        self.env = {"HOME": home, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                    "GIT_CONFIG_NOSYSTEM": "1", "MAILRC": "/dev/null", "TZ": "UTC"}
        self.write(".gitconfig",
                   "[user]\n\tname = Rep Orter\n\temail = %s\n"
                   "[sendemail]\n\tsmtpServer = 127.0.0.1\n\tsmtpServerPort = %d\n"
                   "\tsmtpDomain = reporter.example.org\n\tconfirm = never\n"
                   "\tsuppressCc = all\n\tfrom = %s\n" % (REPORTER, tap_port, FROM))
        self.write(".muttrc",
                   'set smtp_url = "smtp://127.0.0.1:%d/"\n'
                   'set from = "%s"\nset use_from = yes\n'
                   "set hostname = reporter.example.org\n"
                   'set record = ""\nset copy = no\nset ssl_starttls = no\nset ssl_force_tls = no\n'
                   'set folder = "%s/Mail"\nset spoolfile = "%s/Mail/inbox"\n'
                   'set send_charset = "us-ascii:utf-8"\n' % (tap_port, FROM, home, home))
        self.write(".msmtprc",
                   "account default\nhost 127.0.0.1\nport %d\nauth off\ntls off\n"
                   "from %s\ndomain reporter.example.org\n" % (tap_port, REPORTER), 0o600)
        self.repo = os.path.join(home, "linux")

    def write(self, name, text, mode=0o644):
        """write - a file in HOME."""
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def send_email(self, files, to, cc, *options):
        """send_email - git send-email's argv (its settings are in .gitconfig)."""
        return ["git", "send-email"] + list(options) + ["--to", to, "--cc", cc] + list(files)

    def mutt(self, subject, to, cc):
        """mutt - mutt's batch-mode argv (the body on stdin)."""
        return ["mutt", "-n", "-F", os.path.join(self.home, ".muttrc"), "-s", subject,
                "-c", cc, "--", to]

    def snail(self, subject, to, cc=None):
        """snail - s-nail's argv, every setting on the command line (-:/ reads no rc)."""
        return (["s-nail", "-:/", "-Sv15-compat", "-Smta=smtp://127.0.0.1:%d" % self.port,
                 "-Ssmtp-auth=none", "-Sfrom=" + FROM, "-Shostname=reporter.example.org",
                 "-Snosave", "-s", subject] + (["-c", cc] if cc else []) + [to])

    def msmtp(self):
        """msmtp - msmtp's argv; the recipients come from the message (-t)."""
        return ["msmtp", "-C", os.path.join(self.home, ".msmtprc"), "-t"]

    def run(self, argv, stdin=None, cwd=None):
        """run - the client's exit status and everything it printed."""
        t = time.monotonic()
        p = subprocess.run(argv, input=stdin, capture_output=True, cwd=cwd or self.home,
                           env=self.env, timeout=120)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        harness.log("%s -> %d in %.2fs\n%s" % (" ".join(argv[:3]), p.returncode,
                                               time.monotonic() - t, out))
        return p.returncode, out

    def git(self, *args):
        """git - run git in the repository; it must succeed."""
        rc, out = self.run(["git"] + list(args), cwd=self.repo)
        check(rc == 0, "git %s" % args[0], out)
        return out

    def patches(self, name, count, cover=False):
        """patches - count commits on the repository, as format-patch files."""
        for n in range(count):
            with open(os.path.join(self.repo, "foo.c"), "a") as f:
                f.write("/* %s, fix %d */\n" % (name, n + 1))
            self.git("commit", "-q", "-a", "-m", "foo: %s, fix %d of %d" % (name, n + 1, count))
        outdir = os.path.join(self.home, name)
        self.git("format-patch", "-q", "-%d" % count, "-o", outdir,
                 *(["--cover-letter"] if cover else []))
        files = sorted(os.path.join(outdir, f) for f in os.listdir(outdir))
        if cover:
            with open(files[0]) as f:
                text = f.read()
            with open(files[0], "w") as f:
                f.write(text.replace("*** SUBJECT HERE ***", "foo: fix the %s" % name)
                        .replace("*** BLURB HERE ***", "Three fixes for foo."))
        return files

    def init_repo(self):
        """init_repo - a repository with one commit to build patches on."""
        os.makedirs(self.repo)
        self.git("init", "-q")
        with open(os.path.join(self.repo, "foo.c"), "w") as f:
            f.write("int foo;\n")
        self.git("add", "foo.c")
        self.git("commit", "-q", "-m", "foo: start")


def require_clients():
    """require_clients - raise Skip naming the Debian packages of missing clients."""
    missing = [pkg for prog, pkg in CLIENTS.items() if shutil.which(prog) is None]
    git_exec = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout \
        if shutil.which("git") else ""
    if not os.path.exists(os.path.join(git_exec.strip(), "git-send-email")):
        missing.append("git-email")
    if missing:
        raise harness.Skip("the real-client test needs the Debian packages %s "
                           "(tests/ci-packages.sh)" % " ".join(missing))


def test(env):
    """test - refusals, ordinary mail and a hold, from each client."""
    started = time.monotonic()
    tap = Tap(env.smtp_port)
    rep = Reporter(env.path("reporter"), tap.port)
    rep.init_repo()
    with open(os.path.join(env.srcdir, "rules", "kernel-and-distros.reply")) as f:
        last_line = f.read().rstrip("\n").split("\n")[-1]
    check("${" not in last_line, "the reply's last line holds no variable", last_line)
    body = b"Hello,\n\nfoo_bar() frees the buffer twice; the reproducer is below.\n"

    def refused(label, argv, stdin=None, cwd=None, offered=1):
        """refused - run a client sending to both sides; it must fail and
        show the reply's last line, and offer exactly `offered` messages."""
        n = len(tap.sessions)
        rc, out = rep.run(argv, stdin, cwd)
        sessions = tap.since(n)
        check(rc != 0, "%s: the client reports a failure" % label, rc, out)
        finals = final_lines(sessions)
        check(finals == [last_line] * offered,
              "%s: the server's last reply line is the rule text's" % label, finals, last_line)
        check(last_line in out, "%s: the reporter sees the reply's last line" % label, out)
        sent = transactions(sessions)
        check(len(sent) == offered, "%s: %d message(s) offered" % (label, offered), sent)
        return [data for _, _, data in sent]

    def delivered(label, argv, stdin=None, cwd=None):
        """delivered - run a client sending ordinary mail; the sink must get
        the very bytes it sent, after Postfix's Received header."""
        n = len(tap.sessions)
        rc, out = rep.run(argv, stdin, cwd)
        sent = transactions(tap.since(n))
        check(rc == 0, "%s: the client succeeds" % label, rc, out)
        check(len(sent) >= 1, "%s: it sent mail" % label, sent)
        for sender, rcpts, data in sent:
            mid = message_id(data)
            got = harness.wait_for(lambda: at_sink(env, mid), 30, 0.05, "%s at the sink" % mid)
            check(len(got) == 1 and got[0].mail_from == sender and
                  sorted(got[0].rcpts) == sorted(rcpts),
                  "%s: delivered once, with its envelope" % label, got, sender, rcpts)
            prefix = got[0].data[:-len(data)]
            check(got[0].data.endswith(data) and re.fullmatch(
                  rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", prefix) is not None,
                  "%s: delivered unchanged (only Postfix's Received added)" % label,
                  prefix, got[0].data[-len(data):][:2000], data[:2000])
            check(b"X-Ccguard" not in got[0].data, "%s: no ccguard header" % label)

    # 1. Reports to both sides: refused, with the reason, in every client.
    sec, distros = harness.SECURITY, harness.DISTROS
    offered = refused("git send-email, one patch",
                      rep.send_email(rep.patches("one", 1), sec, distros), cwd=rep.repo)
    series = rep.patches("series", 3, cover=True)
    check(len(series) == 4, "a cover letter and three patches", series)
    cover = refused("git send-email, a series with a cover letter",
                    rep.send_email(series, sec, distros), cwd=rep.repo)
    # Only the cover letter was offered: git send-email stopped at its refusal.
    check(b"Subject: [PATCH 0/3] foo: fix the series" in cover[0],
          "the series' cover letter is the one message offered", cover[0][:1500])
    offered += cover
    offered += refused("mutt", rep.mutt("use-after-free in foo", sec, distros), body)
    offered += refused("s-nail", rep.snail("use-after-free in foo", sec, distros), body)
    offered += refused("msmtp", rep.msmtp(),
                       harness.report_message(msgid=harness.unique_id("msmtp-report")))
    mids = [message_id(data) for data in offered]
    check(None not in mids and len(set(mids)) == len(mids), "each refused message has its id",
          mids)

    # Nothing of them went anywhere.
    env.barrier()
    for mid in mids:
        check(not at_sink(env, mid), "refused %s is not at the sink" % mid)
    check(not any(b"fix the series" in m.data or b"series, fix" in m.data
                  for m in env.sink.messages), "no part of the refused series at the sink")
    check(env.hold_queue() == [], "nothing held", env.hold_queue())

    # 2. Ordinary mail, to one side only, from each client: delivered unchanged.
    delivered("git send-email to the security team",
              rep.send_email(rep.patches("plain", 1), sec, MAINTAINER), cwd=rep.repo)
    delivered("mutt to the security team", rep.mutt("use-after-free in foo", sec, MAINTAINER),
              body)
    delivered("s-nail to linux-distros",
              rep.snail("[vs] foo 1.2: fixed heap overflow, disclosure 2026-12-01", distros),
              body)
    delivered("msmtp to the security team", rep.msmtp(),
              harness.report_message(msgid=harness.unique_id("msmtp-plain"), cc=(MAINTAINER,)))

    # 3. A patch inside an existing thread, to both sides: held as before,
    #    and the default moderator, the postmaster, is told.
    n = len(tap.sessions)
    rc, out = rep.run(rep.send_email(rep.patches("thread", 1), sec, distros,
                                     "--in-reply-to", "<report-1@example.org>"), cwd=rep.repo)
    check(rc == 0, "a patch in a thread is accepted (held)", out)
    held_mid = message_id(transactions(tap.since(n))[0][2])
    held = harness.wait_for(env.hold_queue, 20, 0.1, "the patch in the hold queue")
    check(len(held) == 1, "one message held", held)
    notice = harness.wait_for(
        lambda: [m for m in env.sink.messages if "postmaster@" + HOSTNAME in m.rcpts],
        30, 0.1, "a moderator notice to postmaster@" + HOSTNAME)
    text = notice[0].data.decode("utf-8", "replace")
    check(len(notice) == 1 and "kernel-and-distros-reply" in text and held[0]["queue_id"] in text
          and "a patch posting inside a thread" in text,
          "the notice names the rule, the queue id and the kind of message", text)
    check(not at_sink(env, held_mid), "the held patch is not delivered")

    tap.close()
    harness.log("the real-client test took %.1fs" % (time.monotonic() - started))


if __name__ == "__main__":
    try:
        require_clients()
    except harness.Skip as e:
        print("SKIP: %s: %s" % (os.path.basename(sys.argv[0]), e))
        sys.exit(harness.SKIP)
    harness.main(test, conf="site = submission\nhostname = %s\n" % HOSTNAME, notices=True)
