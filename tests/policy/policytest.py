# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers for the policy tests: find ccguard, write a test
configuration, run ccguard and report failures as "got X, want Y". ccguard
only ever reads private copies (tests/fixtures.py)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fixtures  # noqa: E402,F401  (sets umask 022 for what the tests write)

SKIP = 77


def paths():
    """(srcdir, builddir, ccguard path) from the environment make check sets."""
    here = os.path.dirname(os.path.abspath(__file__))
    srcdir = os.environ.get("top_srcdir") or os.path.normpath(os.path.join(here, "..", ".."))
    builddir = os.environ.get("top_builddir") or srcdir
    ccguard = os.path.join(builddir, "milter", "ccguard")
    if not os.access(ccguard, os.X_OK):
        print("SKIP: %s is not built" % ccguard)
        sys.exit(SKIP)
    return srcdir, builddir, ccguard


def write_conf(directory, rules_files, extra=""):
    """A ccguard.conf naming rules_files (in order); returns its path."""
    path = os.path.join(directory, "ccguard.conf")
    with open(path, "w") as fp:
        fp.write("user =\n")
        for r in rules_files:
            fp.write("rules = %s\n" % r)
        fp.write(extra)
    os.chmod(path, 0o644)
    return path


def private_rules_copy(srcdir, directory):
    """Copy the shipped rules into directory/rules, with the operator's
    /etc/ccguard/ files redirected to directory/etc/ (created empty), so a
    test neither reads nor depends on the host's configuration. Returns
    (rules file, etc directory)."""
    rules = os.path.join(directory, "rules")
    etc = os.path.join(directory, "etc")
    shutil.copytree(os.path.join(srcdir, "rules"), rules)
    os.makedirs(etc)
    main = os.path.join(rules, "kernel-security.rules")
    with open(main) as fp:
        text = fp.read()
    if "/etc/ccguard/" not in text:
        raise SystemExit("FAIL: kernel-security.rules no longer names /etc/ccguard/")
    with open(main, "w") as fp:
        fp.write(text.replace("/etc/ccguard/", etc + "/"))
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            os.chmod(os.path.join(dirpath, name), 0o755 if name in dirnames else 0o644)
    return main, etc


def run(cmd):
    """Run a command; (exit status, stdout, stderr)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Checker:
    """Counts failures; each check prints one line."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % label)
        else:
            self.failed += 1
            print("FAIL %s%s" % (label, ": " + detail if detail else ""))

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def tmpdir():
    """A temporary directory that goes away at exit."""
    d = tempfile.TemporaryDirectory(prefix="ccguard-policy-")
    import atexit
    atexit.register(d.cleanup)
    os.chmod(d.name, 0o755)
    return d.name


def field(output, name):
    """The value of the first "name: value" line of ccguard -t output."""
    m = re.search(r"^%s: (.*)$" % re.escape(name), output, re.M)
    return m.group(1) if m else None
