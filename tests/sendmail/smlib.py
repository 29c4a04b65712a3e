# SPDX-License-Identifier: BSD-2-Clause
"""A private, real Sendmail 8.17 with ccguard attached, for end-to-end tests.

What it is for: proving ccguard with Sendmail itself, on a machine whose
MTA is Postfix (Debian's sendmail-bin conflicts with postfix, so it is
never installed). The Debian packages sendmail-bin, sendmail-base and
sendmail-cf are unpacked (dpkg-deb -x) into a temporary directory; the
sendmail binary is copied without its set-group-ID bit; a sendmail.cf is
generated from the sendmail-cf m4 files with every path (queue, pid,
status, aliases, service switch) inside that directory, a daemon on a
free loopback port, ccguard as INPUT_MAIL_FILTER with F=T on a unix
socket, and every message relayed to the harness's recording SMTP sink.
The load-average limits are out of reach, so that a busy test machine
neither refuses connections nor queues instead of delivering.

Sendmail waits 60 s at every start when the host name has no dot, so
every sendmail command runs in its own UTS namespace (unshare --uts) with
the host name sm.example.test; ccguardctl, which runs Sendmail's commands,
is started the same way.

The .deb files come from CCGUARD_SENDMAIL_DEBS (default
/var/cache/ccguard-tests/sendmail, filled by tests/ci-packages.sh with
apt-get download). Without them, without root, without libwrap0 or
unshare, the tests skip (77).

For the address oracle (tests/oracle/), an instance can instead deliver
directly, the way a stock Sendmail does: no smart host, host names
canonicalised, every mailer connecting to the sink's port at the address
that the name resolves to. That is only safe in a private network
namespace whose hosts file maps every name to the loopback address:
enter_private_network() re-runs the test inside one.
"""
import ctypes
import fcntl
import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402
from harness import check, log, Failure, Skip  # noqa: E402,F401

DEB_DIR = os.environ.get("CCGUARD_SENDMAIL_DEBS", "/var/cache/ccguard-tests/sendmail")
HOSTNAME = "sm.example.test"
PAIR = [harness.SECURITY, harness.DISTROS]


def require_environment():
    """require_environment - raise Skip unless everything a private Sendmail needs is here."""
    if os.geteuid() != 0:
        raise Skip("the Sendmail tests need root (they run a private Sendmail)")
    for tool in ("unshare", "hostname", "m4", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise Skip("the Sendmail tests need %s" % tool)
    for pkg in ("sendmail-bin", "sendmail-base", "sendmail-cf"):
        if not glob.glob(os.path.join(DEB_DIR, pkg + "_*.deb")):
            raise Skip("%s_*.deb is not in %s (tests/ci-packages.sh downloads it)" %
                       (pkg, DEB_DIR))
    if not glob.glob("/lib/*/libwrap.so.0") and not glob.glob("/usr/lib/*/libwrap.so.0"):
        raise Skip("Sendmail needs libwrap.so.0 (Debian package libwrap0)")


# Set in the environment of a test re-run inside its private network.
PRIVATE_NET_VAR = "CCGUARD_PRIVATE_NET"
_MS_BIND = 4096
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def enter_private_network(hosts, aliases=None):
    """enter_private_network - run this test in its own network, mount and
    UTS namespaces: only a loopback interface, the host name HOSTNAME, and
    /etc/hosts replaced (for these processes only) by one that maps every
    name in hosts to 127.0.0.1, with and without a trailing dot (Sendmail
    looks its canonical names up with one), and with the further names
    aliases gives it ({name: [alias, ...]}: the resolver answers an alias
    with the canonical name), and /etc/nsswitch.conf by one
    that looks host names up in that file only (Sendmail on Linux reads
    the system's switch, and asks DNS for MX records when it says "dns").
    Nothing sent there can leave the machine.

    The first call re-executes the test under unshare(1) and never
    returns; inside, it sets the namespaces up and returns."""
    if os.environ.get(PRIVATE_NET_VAR) != str(os.getpid()):
        require_environment()
        env = dict(os.environ)
        env[PRIVATE_NET_VAR] = str(os.getpid())	# unshare execs in place: our pid
        sys.stdout.flush()
        os.execvpe("unshare", ["unshare", "--net", "--mount", "--uts", "--propagation",
                               "private", sys.executable] + sys.argv, env)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, _SIOCGIFFLAGS, ifr)[:18])[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))
    socket.sethostname(HOSTNAME)
    lines = ["127.0.0.1\tlocalhost %s\n" % HOSTNAME]
    aliases = aliases or {}
    lines += ["127.0.0.1\t%s\n" % " ".join([name, name + "."] + list(aliases.get(name, ())))
              for name in sorted(set(hosts))]
    _bind_private("/etc/hosts", "".join(lines))
    with open("/etc/nsswitch.conf") as f:
        switch = [l for l in f if not l.startswith("hosts:")]
    _bind_private("/etc/nsswitch.conf", "".join(switch) + "hosts: files\n")


def _bind_private(target, text):
    """_bind_private - text over the file target, in this mount namespace."""
    fd, path = tempfile.mkstemp(prefix="ccguard-private-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(path.encode(), target.encode(), None, _MS_BIND, None) != 0:
        raise Failure("bind-mounting a private %s: %s" % (target, os.strerror(ctypes.get_errno())))


def in_uts(argv):
    """in_uts - argv run in a new UTS namespace whose host name has a dot
    (as it is, when this process already has that host name)."""
    if socket.gethostname() == HOSTNAME:
        return list(argv)
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', HOSTNAME] + list(argv)


class SendmailEnv:
    """A private Sendmail + ccguard + sink. Use start()/stop() or with.

    conf: extra ccguard.conf lines; mc: extra sendmail.mc lines (before
    the mailers), e.g. a FEATURE with a map of the test's own. milter:
    attach ccguard. direct: deliver as a stock Sendmail does (see the
    module's head; only inside enter_private_network()), with local_names
    as further names of this host (class w)."""

    def __init__(self, conf="", mc="", milter=True, direct=False, local_names=()):
        self.srcdir = harness._srcdir()
        self.builddir = harness._builddir()
        self.ccguard = os.path.join(self.builddir, "milter", "ccguard")
        self.ccguardctl = os.path.join(self.builddir, "ctl", "ccguardctl")
        self.extra_conf = conf
        self.extra_mc = mc
        self.milter = milter
        self.direct = direct
        self.local_names = list(local_names)
        self.dir = None
        self.sink = None
        self.milter_proc = None
        self.mta_proc = None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def cf(self):
        return self.path("etc", "sendmail.cf")

    @property
    def queue_dir(self):
        return self.path("queue")

    @property
    def socket(self):
        return self.path("ccguard.sock")

    @property
    def conf_path(self):
        return self.path("ccguard.conf")

    # -- lifecycle
    def start(self):
        require_environment()
        for prog in (self.ccguard, self.ccguardctl):
            if not os.access(prog, os.X_OK):
                raise RuntimeError("%s is not built" % prog)
        self.dir = tempfile.mkdtemp(prefix="ccguard-sendmail-")
        os.chmod(self.dir, 0o755)
        tree = self.path("tree")
        for pkg in ("sendmail-bin", "sendmail-base", "sendmail-cf"):
            deb = sorted(glob.glob(os.path.join(DEB_DIR, pkg + "_*.deb")))[-1]
            subprocess.run(["dpkg-deb", "-x", deb, tree], check=True)
        binary = None
        for cand in ("usr/libexec/sendmail/sendmail", "usr/lib/sm.bin/sendmail"):
            if os.path.exists(os.path.join(tree, cand)):
                binary = os.path.join(tree, cand)
        if binary is None:
            raise Failure("no sendmail binary in the unpacked sendmail-bin")
        self.sendmail = self.path("sendmail")
        shutil.copy(binary, self.sendmail)
        os.chmod(self.sendmail, 0o755)		# without set-group-ID mail
        p = subprocess.run(in_uts([self.sendmail, "-d0.1", "-bt"]), input="", capture_output=True,
                           text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
        self.version = (p.stdout.split("\n") or [""])[0]
        os.makedirs(self.path("etc"))
        os.makedirs(self.queue_dir, mode=0o700)
        self.sink = harness.Sink(self.path("sink"))
        self.smtp_port = harness.free_port()
        self._write_cf()
        self.write_conf()
        if self.milter:
            self.start_milter()
        self.start_mta()
        log("sendmail env: dir=%s %s smtp=127.0.0.1:%d sink=127.0.0.1:%d" %
            (self.dir, self.version.strip(), self.smtp_port, self.sink.port))
        return self

    def _routing_mc(self):
        """_routing_mc - the sendmail.mc lines that decide where mail goes."""
        if not self.direct:
            return ("define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl\n"
                    "define(`ESMTP_MAILER_ARGS', `TCP $h {sink}')dnl\n"
                    "FEATURE(`nocanonify')dnl\n"
                    "FEATURE(`accept_unresolvable_domains')dnl\n").format(sink=self.sink.port)
        # Every SMTP mailer to the sink's port of whatever host it picked;
        # local delivery runs /bin/true (no mailbox is written).
        lines = ["define(`%s_MAILER_ARGS', `TCP $h %d')dnl\n" % (m, self.sink.port)
                 for m in ("SMTP", "ESMTP", "SMTP8", "DSMTP", "RELAY")]
        lines.append("define(`LOCAL_MAILER_PATH', `/bin/true')dnl\n")
        lines.append("define(`confFORWARD_PATH', `%s/no-such-forward')dnl\n" % self.dir)
        if self.local_names:
            lines.append("LOCAL_DOMAIN(`%s')dnl\n" % " ".join(self.local_names))
        return "".join(lines)

    def _write_cf(self):
        d = self.dir
        mc = """divert(-1)
# sendmail.mc of a private end-to-end test instance
divert(0)dnl
OSTYPE(`linux')dnl
define(`MAIL_SETTINGS_DIR', `{d}/etc/')dnl
define(`QUEUE_DIR', `{d}/queue')dnl
define(`STATUS_FILE', `{d}/etc/statistics')dnl
define(`confPID_FILE', `{d}/sendmail.pid')dnl
define(`ALIAS_FILE', `{d}/etc/aliases')dnl
define(`confSERVICE_SWITCH_FILE', `{d}/etc/service.switch')dnl
define(`confHOST_STATUS_DIRECTORY', `')dnl
define(`confDOMAIN_NAME', `{host}')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confDEF_USER_ID', `nobody:nogroup')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl
define(`confTO_QUEUEWARN', `')dnl
define(`confQUEUE_LA', `1000')dnl
define(`confREFUSE_LA', `1000')dnl
{routing}FEATURE(`promiscuous_relay')dnl
FEATURE(`no_default_msa')dnl
DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl
{milter}{extra}MAILER(`local')dnl
MAILER(`smtp')dnl
""".format(d=d, host=HOSTNAME, routing=self._routing_mc(), port=self.smtp_port,
           milter="INPUT_MAIL_FILTER(`ccguard', `S=unix:%s, F=T, T=S:30s;R:30s;E:2m')dnl\n" %
           self.socket if self.milter else "", extra=self.extra_mc)
        with open(self.path("etc", "sendmail.mc"), "w") as f:
            f.write(mc)
        cfdir = self.path("tree", "usr", "share", "sendmail", "cf")
        with open(self.cf, "w") as out:
            subprocess.run(["m4", "-D_CF_DIR_=" + cfdir + "/", os.path.join(cfdir, "m4", "cf.m4"),
                            self.path("etc", "sendmail.mc")], stdout=out,
                           stderr=subprocess.DEVNULL, check=True, cwd=cfdir)
        with open(self.path("etc", "service.switch"), "w") as f:
            f.write("hosts files\naliases files\n")
        for name in ("statistics", "aliases"):
            open(self.path("etc", name), "a").close()

    def sm(self, *args, check=True, input=None, timeout=120):
        """sm - run the private sendmail -C sendmail.cf ARGS; the CompletedProcess
        (its output as text, unless input is bytes)."""
        p = subprocess.run(in_uts([self.sendmail, "-C", self.cf] + list(args)), input=input,
                           capture_output=True, text=not isinstance(input, bytes),
                           timeout=timeout,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        if check and p.returncode != 0:
            raise Failure("sendmail %s: exit %d\n%s%s" % (" ".join(args), p.returncode,
                                                          p.stdout, p.stderr))
        return p

    def start_mta(self):
        self.mta_proc = subprocess.Popen(
            in_uts([self.sendmail, "-C", self.cf, "-bD", "-q1m"]),
            stdin=subprocess.DEVNULL, stdout=open(self.path("sendmail.out"), "ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        harness.wait_for(self._ready, 60, 0.1, "Sendmail on port %d" % self.smtp_port)

    def _ready(self):
        if self.mta_proc.poll() is not None:
            raise Failure("sendmail exited with %d:\n%s" % (self.mta_proc.returncode,
                                                            self.read("sendmail.out")))
        try:
            s = harness.socket.create_connection(("127.0.0.1", self.smtp_port), 1)
            banner = s.recv(512)
            s.close()
            return banner.startswith(b"220")
        except OSError:
            return False

    def stop(self):
        """stop - take everything down; safe to call twice or after errors."""
        if self.mta_proc is not None and self.mta_proc.poll() is None:
            try:
                os.killpg(self.mta_proc.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.mta_proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.mta_proc.pid, signal.SIGKILL)
                self.mta_proc.wait(10)
        self.kill_milter(signal.SIGTERM, grace=0.5)
        if self.sink is not None:
            self.sink.close()
            self.sink = None
        if self.dir and not os.environ.get("E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            log("kept %s" % self.dir)

    # -- ccguard
    def write_conf(self, extra=None):
        if extra is not None:
            self.extra_conf = extra
        with open(self.conf_path, "w") as f:
            f.write("# ccguard.conf for the Sendmail end-to-end test\n"
                    "user =\nsocket = unix:%s\nrules = %s\n"
                    "# No hold notices unless a test asks (the default goes to postmaster)\n"
                    "moderator =\n"
                    "mta = sendmail\nsendmail_path = %s\nsendmail_config = %s\n"
                    "release_key = %s\n%s\n" %
                    (self.socket, os.path.join(self.srcdir, "rules", "kernel-security.rules"),
                     self.sendmail, self.cf, self.path("release.key"), self.extra_conf))

    def start_milter(self, timeout=10):
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        fh = open(self.path("ccguard.log"), "ab")
        self.milter_proc = subprocess.Popen(
            [self.ccguard, "-c", self.conf_path], stdin=subprocess.DEVNULL, stdout=fh,
            stderr=subprocess.STDOUT, start_new_session=True)
        fh.close()
        end = time.monotonic() + timeout
        while not harness.socket_listening(self.socket):
            if self.milter_proc.poll() is not None:
                raise Failure("ccguard exited at startup:\n" + self.read("ccguard.log"))
            if time.monotonic() > end:
                raise Failure("ccguard did not open its socket:\n" + self.read("ccguard.log"))
            time.sleep(0.02)

    def kill_milter(self, sig=signal.SIGKILL, grace=10.0):
        p = self.milter_proc
        if p is None or p.poll() is not None:
            return
        p.send_signal(sig)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)

    def reload(self, extra):
        """reload - new ccguard.conf lines, SIGHUP, wait until in force."""
        self.write_conf(extra)
        start = len(self.read("ccguard.log"))
        self.milter_proc.send_signal(signal.SIGHUP)
        # "reload: reading" comes first; "in force" ends either outcome.
        harness.wait_for(lambda: "in force" in self.read("ccguard.log")[start:], 15, 0.05,
                         "ccguard reload")
        return "reload failed" not in self.read("ccguard.log")[start:]

    def read(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    # -- mail
    def send(self, mail_from, rcpts, data):
        with harness.Session(self.smtp_port) as s:
            return s.send(mail_from, rcpts, data)

    def ctl(self, *args, expect=0):
        """ctl - run ccguardctl -c ccguard.conf ARGS (in the UTS namespace)."""
        p = subprocess.run(in_uts([self.ccguardctl, "-c", self.conf_path] + list(args)),
                           capture_output=True, text=True, timeout=300,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        log("ccguardctl %s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        if expect is not None and p.returncode != expect:
            raise Failure("ccguardctl %s: exit %d, wanted %d\n%s%s" %
                          (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        return p

    def quarantined(self):
        """quarantined - queue ids with an hf (quarantined) file."""
        return sorted(n[2:] for n in os.listdir(self.queue_dir) if n.startswith("hf"))

    def queued(self):
        """queued - queue ids with a qf (ordinary) file."""
        return sorted(n[2:] for n in os.listdir(self.queue_dir) if n.startswith("qf"))


def dump(env):
    if env is None or env.dir is None:
        return
    print("---- ccguard.log")
    print(env.read("ccguard.log")[-6000:])
    print("---- sendmail.out")
    print(env.read("sendmail.out")[-3000:])
    try:
        print("---- queue: %s" % sorted(os.listdir(env.queue_dir)))
    except OSError:
        pass


def main(test, **env_args):
    """main - run test(env) in a fresh SendmailEnv; exit 0, 1, 77 or 99."""
    name = os.path.basename(sys.argv[0])
    env = None
    t0 = time.monotonic()

    def terminated(sig, frame):
        raise SystemExit("terminated by signal %d" % sig)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, terminated)
    try:
        require_environment()
        env = SendmailEnv(**env_args)
        env.start()
        test(env)
    except Skip as e:
        print("SKIP: %s: %s" % (name, e))
        if env is not None:
            env.stop()
        sys.exit(harness.SKIP)
    except Failure as e:
        print("FAIL: %s: %s" % (name, e))
        dump(env)
        if env is not None:
            env.stop()
        sys.exit(1)
    except BaseException:
        print("ERROR: %s" % name)
        import traceback
        traceback.print_exc(file=sys.stdout)
        dump(env)
        if env is not None:
            env.stop()
        sys.exit(harness.HARD_ERROR)
    env.stop()
    print("PASS: %s (%.1fs)" % (name, time.monotonic() - t0))
    sys.exit(0)
