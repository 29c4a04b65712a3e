#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/deploy/doc_examples.py - every configuration and rule example in the
manual pages, README.md and doc/*.md loads with "ccguard -n", warning-free.

Examples are taken from the sources: ".Bd -literal" blocks of man/*.[58]
(mdoc escapes undone) and code blocks of README.md and doc/*.md (fenced, or
indented by four spaces or more). A block is a ccguard.conf example when its first
setting is one of ccguard's (as "ccguard -n -v" lists them, or action.RULE),
a rule-file example when it has a "list", "rule" or "example" block; other
blocks (commands, output, main.cf) are not examples of ccguard's files. A
block that shows grammar rather than a file is marked: in Markdown by the
fence info string "grammar", in the manual by the GRAMMAR section.

Paths are made local: the shipped rules path becomes the source tree's
rules, any other rule file an empty file. A rule-file example is tried on
its own, then after the shipped rules, then before them (a local file that
uses the shipped lists). Each conf example gets "user =" and, unless it sets them, a
moderator reached over SMTP, so the notification warning of -n does not
hide others.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

srcdir = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
builddir = os.environ.get("top_builddir") or srcdir
ccguard = os.path.join(builddir, "milter", "ccguard")
SHIPPED = os.path.join(srcdir, "rules", "kernel-security.rules")

failures = []
checked = {"conf": 0, "rules": 0}


def fail(where, why, detail=""):
    failures.append("%s: %s\n%s" % (where, why, detail))
    print("FAIL: %s: %s" % (where, why))
    if detail:
        print(detail)


def unescape_mdoc(line):
    """The few mdoc escapes the examples use."""
    return (line.replace("\\e", "\\").replace("\\&", "").replace("\\(dq", '"')
            .replace("\\(aq", "'").replace("\\-", "-"))


def man_blocks(path):
    """(line, text) of each .Bd -literal block outside GRAMMAR."""
    blocks, cur, section, start = [], None, "", 0
    with open(path) as fp:
        for n, line in enumerate(fp, 1):
            line = line.rstrip("\n")
            if line.startswith(".Sh "):
                section = line[4:].strip()
            elif line.startswith(".Bd -literal"):
                cur, start = [], n
            elif line.startswith(".Ed") and cur is not None:
                if section != "GRAMMAR":
                    blocks.append(("%s:%d" % (os.path.basename(path), start), "\n".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(unescape_mdoc(line))
    return blocks


def md_blocks(path, name):
    """(line, text) of each fenced or indented code block of a Markdown file
    (README.md or doc/*.md), named NAME:LINE."""
    blocks, fence, cur, start, prev_blank = [], None, None, 0, True
    with open(path) as fp:
        lines = [l.rstrip("\n") for l in fp]
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)```(\S*)", line)
        if m:
            indent, info = len(m.group(1)), m.group(2)
            body, j = [], i + 1
            while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
                body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
                j += 1
            if info != "grammar":
                blocks.append(("%s:%d" % (name, i + 1), "\n".join(body)))
            i, prev_blank = j + 1, False
            continue
        if prev_blank and re.match(r"^ {4,}\S", line):
            indent = len(line) - len(line.lstrip(" "))
            body, j = [], i
            while j < len(lines) and (lines[j].startswith(" " * indent) or lines[j] == ""):
                body.append(lines[j][indent:])
                j += 1
            while body and body[-1] == "":
                body.pop()
            blocks.append(("%s:%d" % (name, i + 1), "\n".join(body)))
            i, prev_blank = j, True
            continue
        prev_blank = line.strip() == ""
        i += 1
    return blocks


def setting_names():
    """The settings ccguard knows, from "ccguard -n -v" on the shipped rules."""
    d = tempfile.mkdtemp(prefix="ccguard-doc-")
    try:
        conf = os.path.join(d, "c.conf")
        with open(conf, "w") as fp:
            fp.write("user =\nrules = %s\n" % SHIPPED)
        os.chmod(conf, 0o644)
        out = subprocess.run([ccguard, "-n", "-v", "-c", conf], capture_output=True, text=True).stdout
        return {m.group(1) for m in re.finditer(r"^([a-z_]+) = ", out, re.M)}
    finally:
        shutil.rmtree(d)


def kind(text, names):
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    if not lines:
        return None
    m = re.match(r"^([a-z_][a-z0-9_.-]*)\s*=", lines[0])
    if m and (m.group(1) in names or m.group(1).startswith("action.")):
        return "conf"
    if any(re.match(r"^(list|rule|example)\b.*\{", l) for l in lines) and \
            not lines[0].startswith("$"):
        return "rules"
    return None


def run_check(work, conf_text):
    conf = os.path.join(work, "ccguard.conf")
    with open(conf, "w") as fp:
        fp.write(conf_text)
    os.chmod(conf, 0o644)
    r = subprocess.run([ccguard, "-n", "-c", conf], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def prepare(work):
    """A rules directory in work with every shipped text, so relative template names resolve."""
    rules = os.path.join(work, "rules")
    shutil.copytree(os.path.join(srcdir, "rules"), rules)
    for f in os.listdir(rules):
        os.chmod(os.path.join(rules, f), 0o644)
    os.chmod(rules, 0o755)
    empty = os.path.join(work, "local.rules")
    open(empty, "w").close()
    os.chmod(empty, 0o644)
    return rules, empty


def check_conf(where, text, work, rules, empty):
    out_lines, has_rules, sets = ["user ="], False, set()
    for line in text.splitlines():
        m = re.match(r"^\s*([a-z_][a-z0-9_.-]*)\s*=\s*(.*)$", line)
        if m and m.group(1) == "rules":
            has_rules = True
            paths = []
            for p in re.split(r"[\s,]+", m.group(2).strip()):
                if p:
                    paths.append(os.path.join(rules, "kernel-security.rules")
                                 if p.endswith("/kernel-security.rules") else empty)
            line = "rules = " + " ".join(paths)
        if m:
            sets.add(m.group(1))
        out_lines.append(line)
    if not has_rules:
        out_lines.insert(1, "rules = %s" % os.path.join(rules, "kernel-security.rules"))
    if "moderator" not in sets:
        out_lines.append("moderator = moderators@example.org")
    if "notify_smtp" not in sets:
        out_lines.append("notify_smtp = 127.0.0.1:25")
    rc, out = run_check(work, "\n".join(out_lines) + "\n")
    checked["conf"] += 1
    if rc != 0 or "warning" in out:
        fail(where, "the ccguard.conf example does not load cleanly", out)


def check_rules(where, text, work, rules):
    path = os.path.join(rules, "doc-example.rules")
    with open(path, "w") as fp:
        fp.write(text + "\n")
    os.chmod(path, 0o644)
    tail = "moderator = moderators@example.org\nnotify_smtp = 127.0.0.1:25\n"
    checked["rules"] += 1
    rc, out = run_check(work, "user =\nrules = %s\n%s" % (path, tail))
    if rc == 0 and "warning" not in out:
        return
    shipped = os.path.join(rules, "kernel-security.rules")
    rc2, out2 = run_check(work, "user =\nrules = %s %s\n%s" % (shipped, path, tail))
    if rc2 == 0 and "warning" not in out2:
        return
    rc3, out3 = run_check(work, "user =\nrules = %s %s\n%s" % (path, shipped, tail))
    if rc3 == 0 and "warning" not in out3:
        return
    fail(where, "the rule-file example does not load cleanly, alone, after or before the "
         "shipped rules", out + "--- after the shipped rules:\n" + out2 +
         "--- before the shipped rules:\n" + out3)


def main():
    if not os.access(ccguard, os.X_OK):
        print("ERROR: %s not built" % ccguard)
        return 99
    names = setting_names()
    if "socket" not in names or "site" not in names:
        print("ERROR: could not list ccguard's settings: %r" % sorted(names))
        return 99
    blocks = []
    for page in sorted(os.listdir(os.path.join(srcdir, "man"))):
        if re.search(r"\.[58]$", page):
            blocks += man_blocks(os.path.join(srcdir, "man", page))
    blocks += md_blocks(os.path.join(srcdir, "README.md"), "README.md")
    for page in sorted(os.listdir(os.path.join(srcdir, "doc"))):
        if page.endswith(".md"):
            blocks += md_blocks(os.path.join(srcdir, "doc", page), "doc/" + page)
    for where, text in blocks:
        k = kind(text, names)
        if k is None:
            continue
        work = tempfile.mkdtemp(prefix="ccguard-doc-")
        try:
            rules, empty = prepare(work)
            if k == "conf":
                check_conf(where, text, work, rules, empty)
            else:
                check_rules(where, text, work, rules)
        finally:
            shutil.rmtree(work)
    print("%d blocks read; %d ccguard.conf and %d rule-file examples checked, %d failed" %
          (len(blocks), checked["conf"], checked["rules"], len(failures)))
    # The documents show at least this many examples of each kind (10 and 3
    # when README.md was split into doc/*.md): finding fewer means examples
    # were lost from the documents or from the extractor.
    if checked["conf"] < 10 or checked["rules"] < 3:
        print("FAIL: too few examples found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
