#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/deploy/spdx.py - every source file says its licence in its first
comment: the line "SPDX-License-Identifier: BSD-2-Clause" (LICENSE).

    spdx.py          check; list each offender with what to do; exit 0 or 1
    spdx.py --fix    add the line where it is missing, then check

The files are those git tracks (in a tarball without git: the files of
the tree but the ones autoreconf generates). Each is sorted by its name
into a kind, which says how a comment is written there and where --fix
puts the line: the first line, or the line after a "#!" line:

    C (.c .h)                      /* SPDX-License-Identifier: ... */
    shell, make, Python, rules,    # SPDX-License-Identifier: ...
      site and list files, the
      configuration, systemd
      units, Debian scripts, data
      files with '#' comments
    Lua                            -- SPDX-License-Identifier: ...
    manual pages (roff)            .\\" SPDX-License-Identifier: ...
    configure.ac                   dnl SPDX-License-Identifier: ...

The line counts when it is in the file's head: the comment lines (and
blank lines, a "#!" line, a Python docstring) before the first line of
anything else. Files that can carry no comment, or must stay byte for
byte, are listed in EXEMPT with the reason. A file of no known kind and
not exempt is an error too: decide what it is, here. A different SPDX
identifier anywhere is an error.
"""

import fnmatch
import os
import re
import subprocess
import sys

SPDX = "SPDX-License-Identifier: BSD-2-Clause"
srcdir = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# (pattern, kind); the first match wins. Patterns match the whole path.
KINDS = [
    ("*.c", "c"), ("*.h", "c"),
    ("*.py", "hash"), ("*.sh", "hash"), ("*.mk", "hash"), ("Makefile.am", "hash"),
    ("*.rules", "hash"), ("*.site", "hash"), ("*.list", "hash"), ("*.conf", "hash"),
    ("*.in", "hash"), ("*.service", "hash"), ("*.timer", "hash"), ("*.path", "hash"),
    ("*.sysusers", "hash"), ("*.tmpfiles", "hash"), ("*.cases", "hash"),
    ("debian/rules", "hash"), ("debian/postinst", "hash"), ("debian/prerm", "hash"),
    ("debian/postrm", "hash"), (".gitignore", "hash"), (".ci/run", "hash"),
    ("tests/oracle/*.txt", "hash"), ("tests/hold/postqueue-j.txt", "hash"),
    ("*.lua", "lua"),
    ("man/*.[1-9]", "roff"),
    ("configure.ac", "dnl"), ("m4/*.m4", "dnl"),
]

TEMPLATE = ("a text template: lib/template.c has no comment syntax, every line "
            "reaches the reader")
EXEMPT = [
    ("LICENSE", "the licence text itself"),
    ("NEWS", "documentation, not a source file"),
    ("*.md", "documentation, not a source file"),
    ("debian/README.Debian", "documentation, not a source file"),
    ("debian/copyright", "the machine-readable statement of the licence itself"),
    ("debian/changelog", "no comment syntax (dpkg-parsechangelog)"),
    ("debian/control", "package metadata; debian/copyright states the package's licence"),
    ("debian/source/format", "one word that dpkg-source reads"),
    ("debian/*.docs", "a list of file names for dh_installdocs"),
    ("*.reply", TEMPLATE), ("*.guidance", TEMPLATE), ("*.notice", TEMPLATE),
    ("*.rejected", TEMPLATE), ("rules/moderator-notice.txt", TEMPLATE),
    ("rules/rejected.txt", TEMPLATE),
    ("tests/fuzz/corpus/*", "fuzz inputs, replayed byte for byte"),
    ("*.eml", "mail messages (test inputs, shipped examples), read as mail: no comment syntax"),
    ("tests/rules/*.ref", "expected diagnostics, compared byte for byte"),
    ("m4/.keep", "an empty file that keeps m4/ in git"),
]

# What autoreconf writes into a tarball: not the project's sources.
GENERATED = ["configure", "aclocal.m4", "config.h.in", "Makefile.in", "build-aux/*",
             "autom4te.cache/*", "config.h.in~"]

COMMENT = {
    "c": "/* %s */" % SPDX,
    "hash": "# %s" % SPDX,
    "lua": "-- %s" % SPDX,
    "roff": '.\\" %s' % SPDX,
    "dnl": "dnl %s" % SPDX,
}


def match(path, patterns):
    for pattern, what in patterns:
        if fnmatch.fnmatchcase(path, pattern) or ("/" not in pattern and
                                                  fnmatch.fnmatchcase(os.path.basename(path), pattern)):
            return what
    return None


def source_files():
    """The files to check, relative to srcdir, and how they were found."""
    try:
        # Only the top of a checkout: an unpacked tarball may sit in one.
        top = subprocess.run(["git", "-C", srcdir, "rev-parse", "--show-toplevel"],
                             capture_output=True, check=True, text=True).stdout.strip()
        if os.path.realpath(top) == os.path.realpath(srcdir):
            out = subprocess.run(["git", "-C", srcdir, "ls-files", "-z"], capture_output=True,
                                 check=True).stdout
            return [p for p in out.decode().split("\0") if p], "git ls-files"
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for top, dirs, names in os.walk(srcdir):
        # make distcheck builds in _build/ and installs in _inst/ of the tree.
        dirs[:] = [d for d in dirs if d not in (".git", "_inst") and not d.startswith("_build")]
        for name in names:
            rel = os.path.relpath(os.path.join(top, name), srcdir)
            if not any(fnmatch.fnmatchcase(rel, g) for g in GENERATED):
                files.append(rel)
    return sorted(files), "the tree (no git)"


def head_lines(kind, lines):
    """The lines of the file's head: comments, blanks, shebang, docstring."""
    head, in_block, in_doc = [], False, None
    for i, line in enumerate(lines):
        s = line.strip()
        if in_block:
            head.append(line)
            if "*/" in s or (kind == "lua" and "]]" in s):
                in_block = False
            continue
        if in_doc:
            head.append(line)
            if in_doc in s:
                in_doc = None
            continue
        if s == "" or (i == 0 and line.startswith("#!")):
            head.append(line)
        elif kind == "c" and s.startswith("/*"):
            head.append(line)
            in_block = "*/" not in s[2:]
        elif kind == "c" and s.startswith("//"):
            head.append(line)
        elif kind == "hash" and s.startswith("#"):
            head.append(line)
        elif kind == "hash" and s[:3] in ('"""', "'''"):
            head.append(line)
            in_doc = s[:3] if s.count(s[:3]) == 1 else None
        elif kind == "lua" and s.startswith("--"):
            head.append(line)
            in_block = s.startswith("--[[") and "]]" not in s
        elif kind == "roff" and (s.startswith('.\\"') or s.startswith('\\"')):
            head.append(line)
        elif kind == "dnl" and (s.startswith("dnl") or s.startswith("#")):
            head.append(line)
        else:
            break
    return head


def add_line(path, kind, lines, text):
    """Insert the comment as the first line, or after a "#!" line."""
    at = 1 if lines and lines[0].startswith("#!") else 0
    lines.insert(at, COMMENT[kind])
    with open(path, "w", newline="") as f:
        f.write("\n".join(lines) + ("\n" if text.endswith("\n") else ""))


def main(argv):
    fix = "--fix" in argv[1:]
    files, how = source_files()
    problems, counts = [], {"checked": 0, "exempt": 0, "fixed": 0}
    for rel in files:
        path = os.path.join(srcdir, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        reason = match(rel, EXEMPT)
        kind = None if reason else match(rel, KINDS)
        if reason is None and kind is None:
            problems.append("%s: no kind known: add it to KINDS or EXEMPT (with the reason) "
                            "in tests/deploy/spdx.py" % rel)
            continue
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        for m in re.finditer(r"SPDX-License-Identifier:[ \t]*([A-Za-z0-9][A-Za-z0-9.+-]*)", text):
            if m.group(1) != "BSD-2-Clause":
                problems.append("%s: SPDX-License-Identifier %s, want BSD-2-Clause" % (rel, m.group(1)))
        if reason is not None:
            counts["exempt"] += 1
            continue
        counts["checked"] += 1
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        if any(SPDX in line for line in head_lines(kind, lines)):
            continue
        if SPDX in text:
            problems.append("%s: the %s line is not in the first comment: move it there"
                            % (rel, SPDX))
        elif fix:
            add_line(path, kind, lines, text)
            counts["fixed"] += 1
            print("fixed: %s" % rel)
        else:
            problems.append("%s: no SPDX line in the first comment; add: %s" % (rel, COMMENT[kind]))
    for p in problems:
        print("FAIL: " + p)
    if problems:
        print("(tests/deploy/spdx.py --fix adds the missing lines)")
    print("%s: %d files checked, %d exempt, %d fixed, %d problems" %
          (how, counts["checked"], counts["exempt"], counts["fixed"], len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
