#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ccguard -n on rule files: the shipped rules pass with no warning, a wrong
example fails with its exact file:line, lint findings are warnings with
file:line, and "file?" lists are optional while "file" lists are not."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policytest as pt  # noqa: E402

srcdir, builddir, ccguard = pt.paths()
fixtures = os.path.join(srcdir, "tests", "policy", "fixtures")
t = pt.Checker()
work = pt.tmpdir()


def check_rules(name, rules_files, extra=""):
    d = os.path.join(work, "conf-" + name)
    os.makedirs(d)
    conf = pt.write_conf(d, rules_files, extra)
    return pt.run([ccguard, "-n", "-c", conf])


def fixture(name):
    """A fixture copied into the work directory (ccguard refuses group or
    world writable rule files, and a checkout may have any umask)."""
    src = os.path.join(fixtures, name)
    dst = os.path.join(work, "fx-" + name)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)
    return dst


# 1. The shipped rules as installed (reading /etc/ccguard/ if present), from
#    a private copy: ccguard refuses group-writable rule files.
os.makedirs(os.path.join(work, "shipped"))
shipped = pt.fixtures.copy_rules(os.path.join(work, "shipped"))
rc, out, err = check_rules("shipped", [shipped])
t.check("shipped rules pass -n", rc == 0, "exit %d, stderr %r" % (rc, err))
t.check("shipped rules report their examples", "examples passed" in out, out)

# 2. The shipped rules with the operator's files redirected to an empty
#    directory: no host configuration, and no warning at all (the optional
#    lists are empty by design).
main, etc = pt.private_rules_copy(srcdir, os.path.join(work, "private"))
# A moderator reached by SMTP: otherwise -n warns that held mail goes
# unnoticed (tests/policy/test-texts checks that warning).
rc, out, err = check_rules("private", [main],
                           "moderator = mod@example.org\nnotify_smtp = 127.0.0.1:25\n")
t.check("private copy passes -n", rc == 0, "exit %d, stderr %r" % (rc, err))
t.check("private copy gives no warnings", "warning" not in err, err)

# 3. Each shipped rule has at least one example that expects it, and a
#    wrong expectation in the shipped file would be caught.
with open(main) as fp:
    text = fp.read()
rules = [line.split()[1] for line in text.splitlines() if line.startswith("rule ")]
# exempt-senders needs the operator's list, which the shipped file can not
# have: test_rules_table.py covers it with one.
for r in [r for r in rules if r != "exempt-senders"]:
    t.check("rule %s has an example" % r, ("expect\taccept %s\n" % r in text or
            "expect\treject %s\n" % r in text or "expect\thold %s\n" % r in text or
            "expect\tnotify %s\n" % r in text), "no example expects it")
t.check("the shipped file has at least 9 rules", len(rules) >= 9, str(rules))
broken = text.replace("expect\treject distros-vs-tag", "expect\tpass", 1)
lineno = text[:text.index("expect\treject distros-vs-tag")].count("\n") + 1
example_line = max(i + 1 for i, line in enumerate(text.splitlines()[:lineno])
                   if line.startswith("example "))
with open(main, "w") as fp:
    fp.write(broken)
rc, out, err = check_rules("broken-shipped", [main])
t.check("a broken shipped example fails -n", rc != 0, "exit %d" % rc)
t.check("... at the example's file:line", "%s:%d: example expects pass" % (main, example_line) in err, err)
with open(main, "w") as fp:
    fp.write(text)

# 4. A fixture with a deliberately wrong example: fails, exact file:line.
wrong = fixture("wrong-example.rules")
rc, out, err = check_rules("wrong", [wrong])
t.check("wrong example fails -n", rc == 78, "exit %d" % rc)
want = "%s:22: example expects pass, but the rules give reject by rule pair" % wrong
t.check("wrong example names file:line", want in err, "got %r, want %r" % (err, want))
t.check("the right example is not reported", ":17:" not in err, err)

# 5. Lint: warnings with file:line, and -n still succeeds.
lint = fixture("lint.rules")
rc, out, err = check_rules("lint", [lint])
t.check("lint findings do not fail -n", rc == 0, "exit %d, %r" % (rc, err))
for want in ['%s:13: warning: list "nothing" is empty' % lint,
             '%s:16: warning: rule "overlap": shared@example.org is in both "a" and "b"' % lint,
             '%s:21: warning: rule "shadowed" can never fire: rule "overlap" (%s:16)' % (lint, lint)]:
    t.check("lint: %s" % want.split(": ", 2)[-1][:50], want in err, "got %r" % err)

# 6. "file?": absent -> empty, silently; present -> its entries count.
d = os.path.join(work, "optional")
os.makedirs(d)
opt = os.path.join(d, "optional-list.rules")
shutil.copyfile(os.path.join(fixtures, "optional-list.rules"), opt)
os.chmod(opt, 0o644)
conf = pt.write_conf(d, [opt])
rc, out, err = pt.run([ccguard, "-n", "-c", conf])
t.check("file? absent: -n passes", rc == 0, "exit %d, %r" % (rc, err))
t.check("file? absent: no empty-list warning", "empty" not in err, err)
eml = os.path.join(srcdir, "tests", "policy", "eml", "plain.eml")
rc, out, err = pt.run([ccguard, "-t", eml, "-c", conf, "--from", "team@example.org",
                       "--auth", "team", "--rcpt", "security@kernel.org"])
t.check("file? absent: nobody is exempt", pt.field(out, "action") == "hold",
        "got %r, want hold" % pt.field(out, "action"))
with open(os.path.join(d, "exempt.list"), "w") as fp:
    fp.write("# the team\nTeam@Example.ORG\n")
os.chmod(os.path.join(d, "exempt.list"), 0o644)
rc, out, err = pt.run([ccguard, "-t", eml, "-c", conf, "--from", "team@example.org",
                       "--auth", "team", "--rcpt", "security@kernel.org"])
t.check("file? present: its sender is exempt", pt.field(out, "action") == "accept",
        "got %r, want accept (%s)" % (pt.field(out, "action"), err))
os.chmod(os.path.join(d, "exempt.list"), 0o666)
rc, out, err = pt.run([ccguard, "-n", "-c", conf])
t.check("file? present but world writable: refused", rc != 0 and "writable" in err,
        "exit %d, %r" % (rc, err))
os.remove(os.path.join(d, "exempt.list"))
os.mkdir(os.path.join(d, "exempt.list"))
rc, out, err = pt.run([ccguard, "-n", "-c", conf])
t.check("file? that is not a readable file: still an error",
        rc != 0 and "%s:6: cannot read list file" % opt in err, "exit %d, %r" % (rc, err))

# 7. Plain "file" stays mandatory.
missing = fixture("missing-list.rules")
rc, out, err = check_rules("missing", [missing])
t.check("missing plain file: -n fails", rc != 0, "exit %d" % rc)
t.check("missing plain file: file:line", "%s:4: cannot open list file" % missing in err, err)

t.done()
