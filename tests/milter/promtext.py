#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""promtext.py - a strict reader of the Prometheus text exposition format
(version 0.0.4), as node_exporter's textfile collector takes it, for the
metrics file ccguard writes (tests/milter/metrics.lua, test_promtext.py).

    promtext.py check FILE
        exit 0 when FILE is valid, else print every error and exit 1
    promtext.py expect FILE 'name{label="v",...}=N' 'name>=N' ...
        check FILE, then the values; for every metric family named in an
        expectation, the file must hold exactly the series listed for it
        (a ">=" expectation only bounds its value). Exit 0, or 1 with the
        differences.

What is checked, beyond what a lenient parser would let pass: metric and
label names by their grammar (no label name starting with "__"); label
values with only the escapes \\\\, \\" and \\n; HELP text with only \\\\ and
\\n; values as Go's ParseFloat reads them (NaN and +Inf included), counters
never negative or NaN; at most one HELP and one TYPE line per family, both
before its samples; the samples of a family together; no series twice; no
label twice in one series; valid UTF-8, no carriage return, and a newline at
the very end. For the textfile collector: no timestamps, and (the project's
rule) a HELP and a TYPE line for every family.
"""

import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|[+-]?(Inf|inf)$|NaN$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}


class FormatError(Exception):
    pass


def parse_labels(text, pos, where):
    """Labels from text[pos] == "{" to its "}": (dict, position after)."""
    labels = {}
    pos += 1
    while True:
        if text.startswith("}", pos):
            return labels, pos + 1
        m = LABEL.match(text, pos)
        if not m:
            raise FormatError("%s: bad label name at column %d" % (where, pos + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise FormatError("%s: label name %s is reserved" % (where, name))
        if name in labels:
            raise FormatError("%s: label %s given twice" % (where, name))
        pos = m.end()
        if not text.startswith('="', pos):
            raise FormatError('%s: want =" after label %s' % (where, name))
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise FormatError("%s: unterminated value of label %s" % (where, name))
            c = text[pos]
            if c == '"':
                pos += 1
                break
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise FormatError("%s: bad escape \\%s in label %s" % (where, esc, name))
                value.append("\n" if esc == "n" else esc)
                pos += 2
                continue
            if c == "\n":
                raise FormatError("%s: raw newline in label %s" % (where, name))
            value.append(c)
            pos += 1
        labels[name] = "".join(value)
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("}", pos):
            raise FormatError("%s: want , or } after label %s" % (where, name))


def help_escapes_ok(text):
    """HELP text knows only the escapes \\\\ and \\n."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1:i + 2] not in ("\\", "n"):
                return False
            i += 2
        else:
            i += 1
    return True


def parse_float(token, where):
    if not FLOAT.match(token):
        raise FormatError("%s: bad value %r" % (where, token))
    return float(token.replace("Inf", "inf"))


def family_of(name, types):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    for fam, kind in types.items():
        if name == fam:
            return fam
        for suffix in SUFFIXES.get(kind, ()):
            if name == fam + suffix:
                return fam
    return name


def parse(data, textfile=True):
    """Families of a metrics text: {family: {"help", "type", "samples": {key: value}}}.

    key is (name, tuple of sorted (label, value)). Raises FormatError."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FormatError("not UTF-8: %s" % e)
    if data == "":
        raise FormatError("empty file")
    if not data.endswith("\n"):
        raise FormatError("no newline at the end")
    if "\r" in data:
        raise FormatError("carriage return in the text")
    families, types, done, current = {}, {}, set(), None
    for n, line in enumerate(data[:-1].split("\n"), 1):
        where = "line %d" % n
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[0] == "#" and parts[1] in ("HELP", "TYPE"):
                kind, name = parts[1], parts[2]
                if not NAME.fullmatch(name):
                    raise FormatError("%s: bad metric name %r in %s" % (where, name, kind))
                fam = families.setdefault(name, {"help": None, "type": None, "samples": {}})
                if name in done or fam["samples"]:
                    raise FormatError("%s: %s for %s after its samples" % (where, kind, name))
                key = kind.lower()
                if fam[key] is not None:
                    raise FormatError("%s: second %s line for %s" % (where, kind, name))
                text = parts[3] if len(parts) == 4 else ""
                if kind == "TYPE":
                    if text not in TYPES:
                        raise FormatError("%s: unknown type %r for %s" % (where, text, name))
                    types[name] = text
                elif not help_escapes_ok(text):
                    raise FormatError("%s: bad escape in HELP of %s" % (where, name))
                fam[key] = text
                if current is not None and current != name:
                    done.add(current)
                current = name
            continue
        m = NAME.match(line)
        if not m:
            raise FormatError("%s: bad metric name" % where)
        name, pos = m.group(0), m.end()
        labels = {}
        if line.startswith("{", pos):
            labels, pos = parse_labels(line, pos, where)
        if not line.startswith(" ", pos):
            raise FormatError("%s: want a space before the value" % where)
        tokens = line[pos + 1:].split(" ")
        if len(tokens) not in (1, 2) or "" in tokens:
            raise FormatError("%s: want a value and at most a timestamp" % where)
        value = parse_float(tokens[0], where)
        if len(tokens) == 2:
            if not re.fullmatch(r"-?\d+", tokens[1]):
                raise FormatError("%s: bad timestamp %r" % (where, tokens[1]))
            if textfile:
                raise FormatError("%s: a timestamp (the textfile collector refuses them)" % where)
        fam_name = family_of(name, types)
        if fam_name in done:
            raise FormatError("%s: samples of %s are not together" % (where, fam_name))
        if current is not None and current != fam_name:
            done.add(current)
        current = fam_name
        fam = families.setdefault(fam_name, {"help": None, "type": None, "samples": {}})
        if fam["type"] == "counter" and (value != value or value < 0):
            raise FormatError("%s: counter %s is %s" % (where, name, tokens[0]))
        key = (name, tuple(sorted(labels.items())))
        if key in fam["samples"]:
            raise FormatError("%s: series %s given twice" % (where, series_text(key)))
        fam["samples"][key] = value
    if textfile:
        for name, fam in families.items():
            if fam["help"] is None or fam["type"] is None:
                raise FormatError("%s has no HELP or no TYPE line" % name)
    return families


def series_text(key):
    name, labels = key
    if not labels:
        return name
    return "%s{%s}" % (name, ",".join('%s="%s"' % (k, v.replace("\\", "\\\\")
                       .replace('"', '\\"').replace("\n", "\\n")) for k, v in labels))


def parse_expectation(text):
    """'name{l="v"}=N' or '...>=N': (key, op, number)."""
    m = re.fullmatch(r"(.*?)(>=|=)([0-9.eE+-]+)", text)
    if not m:
        raise FormatError("bad expectation %r" % text)
    sample = m.group(1) + " " + m.group(3) + "\n"
    fams = parse(sample, textfile=False)
    (fam,) = fams.values()
    ((key, value),) = fam["samples"].items()
    return key, m.group(2), value


def expect(families, expectations):
    """The differences between the file and the expectations, as lines."""
    problems, listed = [], {}
    samples = {}
    for fam in families.values():
        samples.update(fam["samples"])
    for text in expectations:
        key, op, want = parse_expectation(text)
        listed.setdefault(family_of(key[0], {}), set()).add(key)
        got = samples.get(key)
        if got is None:
            problems.append("%s: missing, want %s%g" % (series_text(key), op, want))
        elif (op == "=" and got != want) or (op == ">=" and got < want):
            problems.append("%s: %g, want %s%g" % (series_text(key), got, op, want))
    for fam_name, keys in listed.items():
        fam = families.get(fam_name)
        for key in (fam["samples"] if fam else {}):
            if key not in keys:
                problems.append("%s: not expected (%g)" % (series_text(key),
                                fam["samples"][key]))
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "expect"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        with open(argv[2], "rb") as f:
            families = parse(f.read())
        problems = expect(families, argv[3:]) if argv[1] == "expect" else []
    except (OSError, FormatError) as e:
        print("%s: %s" % (argv[2], e))
        return 1
    for p in problems:
        print("%s: %s" % (argv[2], p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
