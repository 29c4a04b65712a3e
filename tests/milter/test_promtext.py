#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_promtext.py - the strict reader of the metrics text format
(promtext.py) refuses what the format forbids, so that metrics.lua's
"the file parses" means something: each bad text below must be refused
with a reason, each good one read to the expected series and values.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promtext  # noqa: E402

HEAD = "# HELP m_total A counter.\n# TYPE m_total counter\n"

GOOD = [
    ("plain", HEAD + 'm_total{a="x"} 1\nm_total{a="y"} 2\n',
     {("m_total", (("a", "x"),)): 1, ("m_total", (("a", "y"),)): 2}),
    ("escapes in a label value", HEAD + 'm_total{a="q\\"b\\\\c\\nd"} 3\n',
     {("m_total", (("a", 'q"b\\c\nd'),)): 3}),
    ("no labels, a gauge, float forms",
     "# HELP g A gauge.\n# TYPE g gauge\ng 1.5e3\n# HELP h x\n# TYPE h gauge\nh{a=\"\"} +Inf\n",
     {("g", ()): 1500.0, ("h", (("a", ""),)): float("inf")}),
    ("trailing comma, label order", HEAD + 'm_total{b="2",a="1",} 0\n',
     {("m_total", (("a", "1"), ("b", "2"))): 0}),
    ("HELP escapes", "# HELP m_total back\\\\slash \\n newline\n# TYPE m_total counter\nm_total 1\n",
     {("m_total", ()): 1}),
]

BAD = [
    ("no final newline", HEAD + "m_total 1"),
    ("empty", ""),
    ("carriage return", HEAD + "m_total 1\r\n"),
    ("not UTF-8", HEAD.encode() + b'm_total{a="\xff"} 1\n'),
    ("bad metric name", HEAD + "1m_total 1\n"),
    ("bad label name", HEAD + 'm_total{1a="x"} 1\n'),
    ("reserved label name", HEAD + 'm_total{__name__="x"} 1\n'),
    ("label twice", HEAD + 'm_total{a="x",a="y"} 1\n'),
    ("unknown escape", HEAD + 'm_total{a="\\t"} 1\n'),
    ("unterminated value", HEAD + 'm_total{a="x} 1\n'),
    ("unquoted value", HEAD + "m_total{a=x} 1\n"),
    ("missing value", HEAD + "m_total\n"),
    ("two spaces", HEAD + "m_total  1\n"),
    ("bad number", HEAD + "m_total 1,5\n"),
    ("negative counter", HEAD + "m_total -1\n"),
    ("NaN counter", HEAD + "m_total NaN\n"),
    ("a timestamp", HEAD + "m_total 1 1700000000000\n"),
    ("duplicate series", HEAD + 'm_total{a="x"} 1\nm_total{a="x"} 2\n'),
    ("duplicate series, labels reordered", HEAD + 'm_total{a="x",b="y"} 1\nm_total{b="y",a="x"} 2\n'),
    ("TYPE after samples", "# HELP m_total x\nm_total 1\n# TYPE m_total counter\n"),
    ("second TYPE", HEAD + "# TYPE m_total counter\nm_total 1\n"),
    ("second HELP", "# HELP m_total x\n# HELP m_total y\n# TYPE m_total counter\nm_total 1\n"),
    ("unknown type", "# HELP m x\n# TYPE m countr\nm 1\n"),
    ("no TYPE (textfile rule)", "# HELP m x\nm 1\n"),
    ("no HELP (textfile rule)", "# TYPE m gauge\nm 1\n"),
    ("samples split", HEAD + "m_total 1\n# HELP g x\n# TYPE g gauge\ng 1\nm_total{a=\"z\"} 2\n"),
    ("bad HELP escape", "# HELP m_total a\\tb\n# TYPE m_total counter\nm_total 1\n"),
]


def main():
    failed = 0
    for label, text, want in GOOD:
        try:
            fams = promtext.parse(text)
        except promtext.FormatError as e:
            print("FAIL: good text refused: %s: %s" % (label, e))
            failed += 1
            continue
        got = {}
        for fam in fams.values():
            got.update(fam["samples"])
        if got != want:
            print("FAIL: %s: read %r, want %r" % (label, got, want))
            failed += 1
    for label, text in BAD:
        try:
            promtext.parse(text)
        except promtext.FormatError as e:
            print("ok: refused %s: %s" % (label, e))
            continue
        print("FAIL: bad text accepted: %s" % label)
        failed += 1
    # expect(): a family named in the expectations must hold exactly those series.
    fams = promtext.parse(HEAD + 'm_total{a="x"} 1\nm_total{a="y"} 2\n')
    checks = [
        (['m_total{a="x"}=1', 'm_total{a="y"}=2'], 0),
        (['m_total{a="x"}=1'], 1),                      # a="y" not listed
        (['m_total{a="x"}=1', 'm_total{a="y"}>=3'], 1),
        (['m_total{a="x"}=1', 'm_total{a="y"}>=2'], 0),
        (['m_total{a="x"}=1', 'm_total{a="y"}=2', 'm_total{a="z"}=0'], 1),
    ]
    for exp, nproblems in checks:
        problems = promtext.expect(fams, exp)
        if (len(problems) > 0) != (nproblems > 0):
            print("FAIL: expect(%r): %r" % (exp, problems))
            failed += 1
    print("%d good, %d bad texts, %d expect checks; %d failed" %
          (len(GOOD), len(BAD), len(checks), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
