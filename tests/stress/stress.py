#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""stress.py - load test of the ccguard daemon over its milter socket.

Starts milter/ccguard on a temporary unix socket with the shipped rules,
then speaks the milter protocol (version 6) itself: CONNECTIONS concurrent
connections, each sending several messages one after the other, thousands
in all, with random aborts (SMFIC_ABORT, then the next message on the same
connection) and random dropped connections (the socket closed in the middle
of a message). A SIGHUP (reload) is sent while the load runs. Every
completed message must get the verdict the shipped rules give it:
  the pair, new thread    -> reject with a 5.7.1 reply
  the pair, In-Reply-To   -> hold: the hold header, then quarantine, accept
  the security team alone -> accept
and the daemon must log exactly one line per rejected or held message. The
daemon's peak and current RSS (VmHWM / VmRSS from /proc/PID/status) are
printed after a warm-up and at the end. Exit 0 on success, 1 on a wrong
verdict or a dead daemon, 77 (skip) when the binary is missing.
"""

import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time


CONNECTIONS = int(os.environ.get("STRESS_CONNECTIONS", "200"))
MESSAGES_PER_CONN = int(os.environ.get("STRESS_MESSAGES", "25"))
SEED = int(os.environ.get("STRESS_SEED", "20261128"))

SMFI_VERSION = 6
SMFIP_NOBODY = 0x10
NR_BITS = {  # command -> its "no reply" protocol bit
    b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000, b"T": 0x10000,
    b"L": 0x80, b"N": 0x40000, b"B": 0x80000,
}
SKIP_BITS = {b"C": 0x1, b"M": 0x4, b"R": 0x8, b"L": 0x20, b"N": 0x40, b"T": 0x200}

S = "security@kernel.org"
D = "linux-distros@vs.openwall.org"


class MilterError(Exception):
    """The daemon answered something the protocol or the test did not expect."""


class Client:
    """One MTA-side milter connection."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.proto = 0

    def send(self, cmd, data=b""):
        self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv(self):
        head = self._read(4)
        (n,) = struct.unpack(">I", head)
        body = self._read(n)
        return body[:1], body[1:]

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise MilterError("connection closed by the daemon")
            buf += chunk
        return buf

    def negotiate(self):
        self.send(b"O", struct.pack(">III", SMFI_VERSION, 0x1FF, 0x1FFFFF & ~0x100000))
        cmd, data = self.recv()
        if cmd != b"O":
            raise MilterError("bad negotiation reply %r" % cmd)
        _, _, self.proto = struct.unpack(">III", data[:12])

    def step(self, cmd, data=b""):
        """Send a command unless the filter skips it; return its reply."""
        if cmd in SKIP_BITS and self.proto & SKIP_BITS[cmd]:
            return None
        self.send(cmd, data)
        if cmd in NR_BITS and self.proto & NR_BITS[cmd]:
            return None
        reply, _ = self.recv()
        # A body chunk may be answered "skip" (SMFIS_SKIP): no more body.
        if reply != b"c" and not (cmd == b"B" and reply == b"s"):
            raise MilterError("command %r: reply %r, want continue" % (cmd, reply))
        return reply

    def macro(self, cmd, pairs):
        data = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in pairs)
        self.send(b"D", cmd + data)

    def close(self):
        try:
            self.send(b"Q")
        except OSError:
            pass
        self.sock.close()


def make_message(rng, n):
    """A random message: (kind, envelope recipients, headers)."""
    kind = rng.choice(["reject", "reject", "hold", "pass", "pass"])
    filler = ["user%d@example.org" % rng.randrange(100000) for _ in range(rng.randrange(0, 20))]
    if kind == "pass":
        rcpts = [S] + filler[:3]
        headers = [("To", ", ".join([S] + filler)), ("Cc", '"%s" <x@example.org>' % D)]
    else:
        form = rng.randrange(4)
        if form == 0:
            rcpts, headers = [S, D], [("To", S), ("Cc", D)]
        elif form == 1:
            rcpts, headers = [S], [("To", "Security <%s>" % S.upper()), ("Cc", "g: %s;" % D)]
        elif form == 2:
            rcpts, headers = [S, "linux-distros%vs.openwall.org@relay.example"], [("To", S)]
        else:
            rcpts, headers = [S], [("To", ", ".join([S] + filler)), ("Cc", "<%s>" % D)]
        if kind == "hold":
            headers.append(("In-Reply-To", "<thread-%d@example.org>" % n))
    headers.append(("Subject", "stress message %d" % n))
    headers.append(("Message-ID", "<stress-%d@example.org>" % n))
    return kind, rcpts, headers


def run_message(cl, rng, n, stats, lock):
    """One message on an open connection. Returns False if the connection was dropped."""
    kind, rcpts, headers = make_message(rng, n)
    fate = rng.random()
    abort_at = rng.randrange(3) if fate < 0.08 else None      # abort the message
    drop = 0.08 <= fate < 0.11                                 # drop the connection
    cl.macro(b"M", [("{mail_addr}", "reporter@example.org")])
    cl.step(b"M", b"<reporter@example.org>\0")
    for r in rcpts:
        cl.macro(b"R", [("{rcpt_addr}", r)])
        cl.step(b"R", b"<" + r.encode() + b">\0")
    if abort_at == 0:
        cl.send(b"A")
        with lock:
            stats["aborted"] += 1
        return True
    if drop:
        cl.sock.close()
        with lock:
            stats["dropped"] += 1
        return False
    cl.step(b"T")
    for i, (name, value) in enumerate(headers):
        if abort_at == 1 and i == 1:
            cl.send(b"A")
            with lock:
                stats["aborted"] += 1
            return True
        cl.step(b"L", name.encode() + b"\0" + value.encode() + b"\0")
    cl.step(b"N")
    if abort_at == 2:
        cl.send(b"A")
        with lock:
            stats["aborted"] += 1
        return True
    if not cl.proto & SMFIP_NOBODY:
        cl.step(b"B", b"body\r\n")
    cl.macro(b"E", [("i", "Q%06d" % n)])
    cl.send(b"E")
    replies = []
    while True:
        cmd, data = cl.recv()
        replies.append((cmd, data))
        if cmd in (b"a", b"r", b"t", b"y", b"d", b"c"):
            break
    got = classify(replies)
    with lock:
        stats[kind] += 1
        if got != kind:
            stats["wrong"] += 1
            if stats["wrong"] <= 5:
                print("WRONG: message %d (%s) %r: got %s %r" % (n, kind, rcpts, got, replies[-3:]))
    return True


def classify(replies):
    """The verdict a list of end-of-message replies expresses."""
    cmds = [c for c, _ in replies]
    last, data = replies[-1]
    if last == b"y" and data[:3] == b"550" and data[4:9] == b"5.7.1":
        return "reject"
    if last == b"r":
        return "reject"
    if last == b"a" and b"q" in cmds and any(c == b"h" and d.startswith(b"X-Ccguard-Hold\0")
                                             for c, d in replies):
        return "hold"
    if last == b"a" and b"q" not in cmds:
        return "pass"
    return "other(%r)" % last


def worker(path, seed, stats, lock, failures):
    """One connection's life: connect, messages, reconnect after a drop."""
    rng = random.Random(seed)
    n = seed * 1000
    cl = None
    try:
        for _ in range(MESSAGES_PER_CONN):
            n += 1
            if cl is None:
                cl = Client(path)
                cl.negotiate()
                cl.macro(b"C", [("{client_addr}", "127.0.0.1")])
                cl.step(b"C", b"client.example\x004" + struct.pack(">H", 25) + b"127.0.0.1\0")
            if not run_message(cl, rng, n, stats, lock):
                cl = None
        if cl is not None:
            cl.close()
    except (OSError, MilterError) as e:
        with lock:
            failures.append("connection %d: %s" % (seed, e))


def rss(pid):
    """VmHWM and VmRSS of pid, in kB."""
    vals = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                k, v = line.split(":")
                vals[k] = int(v.split()[0])
    return vals.get("VmHWM", 0), vals.get("VmRSS", 0)


def main():
    top_srcdir = os.environ.get("top_srcdir", ".")
    top_builddir = os.environ.get("top_builddir", ".")
    binary = os.path.join(top_builddir, "milter", "ccguard")
    if not os.access(binary, os.X_OK):
        print("SKIP: %s not built" % binary)
        return 77
    sys.path.insert(0, os.path.join(top_srcdir, "tests"))
    sys.path.insert(0, os.path.join(top_srcdir, "tests", "e2e"))
    import fixtures
    from harness import socket_listening
    tmp = fixtures.private_dir("ccguard-stress-")
    rules = fixtures.copy_rules(tmp)
    sock = os.path.join(tmp, "ccguard.sock")
    conf = fixtures.write_file(os.path.join(tmp, "ccguard.conf"),
                               "rules = %s\nuser =\nlog_pass = no\n"
                               "# held mail: no notice through the system's sendmail\n"
                               "moderator =\n" % rules)
    log = open(os.path.join(tmp, "ccguard.log"), "w+")
    daemon = subprocess.Popen([binary, "-c", conf, "-p", "unix:" + sock],
                              stdout=log, stderr=subprocess.STDOUT)
    rc = 1
    try:
        for _ in range(100):
            if socket_listening(sock) or daemon.poll() is not None:
                break
            time.sleep(0.05)
        if daemon.poll() is not None or not socket_listening(sock):
            log.seek(0)
            print("FAIL: the daemon did not start:\n" + log.read())
            return 1
        stats = {k: 0 for k in ("reject", "hold", "pass", "wrong", "aborted", "dropped")}
        lock = threading.Lock()
        failures = []
        # Warm up: one connection, so the "before" figure includes the
        # loaded policy and a first message.
        worker(sock, 0, stats, lock, failures)
        hwm0, rss0 = rss(daemon.pid)
        start = time.time()
        threads = [threading.Thread(target=worker, args=(sock, SEED + i, stats, lock, failures))
                   for i in range(CONNECTIONS)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        daemon.send_signal(signal.SIGHUP)   # reload in the middle of the load
        for t in threads:
            t.join(120)
        elapsed = time.time() - start
        alive = daemon.poll() is None
        hwm1, rss1 = rss(daemon.pid) if alive else (0, 0)
        done = stats["reject"] + stats["hold"] + stats["pass"]
        print("stress: %d connections, %d messages decided (%d reject, %d hold, %d pass), "
              "%d aborted, %d dropped, in %.1f s" % (CONNECTIONS, done, stats["reject"],
                                                     stats["hold"], stats["pass"],
                                                     stats["aborted"], stats["dropped"], elapsed))
        print("stress: daemon memory before: VmHWM %d kB, VmRSS %d kB; after: VmHWM %d kB, "
              "VmRSS %d kB" % (hwm0, rss0, hwm1, rss1))
        ok = True
        if not alive:
            print("FAIL: the daemon died (exit %s)" % daemon.returncode)
            ok = False
        for f in failures[:10]:
            print("FAIL: " + f)
        if failures:
            ok = False
        if stats["wrong"]:
            print("FAIL: %d wrong verdicts" % stats["wrong"])
            ok = False
        if done < 1000:
            print("FAIL: only %d messages decided" % done)
            ok = False
        time.sleep(0.2)
        log.flush()
        log.seek(0)
        text = log.read()
        if "reload:" not in text:
            print("FAIL: no reload was logged after SIGHUP")
            ok = False
        lines = [l for l in text.splitlines() if " action=" in l]
        for kind in ("reject", "hold"):
            n = sum(1 for l in lines if " action=%s " % kind in l)
            if n != stats[kind]:
                print("FAIL: %d %s log lines for %d %s verdicts" % (n, kind, stats[kind], kind))
                ok = False
        rc = 0 if ok else 1
    finally:
        if daemon.poll() is None:
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        # A sanitizer build reports leaks and errors when the daemon exits.
        log.flush()
        log.seek(0)
        text = log.read()
        if "Sanitizer" in text or "runtime error:" in text:
            print("FAIL: sanitizer report from the daemon:")
            print("\n".join(l for l in text.splitlines() if " action=" not in l)[-4000:])
            rc = 1
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
