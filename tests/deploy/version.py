#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/deploy/version.py - "ccguard -V" and "ccguardctl -V" print the
version configure set and the versions of the libraries each program
runs with, as those libraries report them.

The expected versions are not written here: the test asks ldd(1) which
shared libraries each program loads, loads the same files with ctypes
and asks each for its version the way its API offers (libmilter's
smfi_version(), PCRE2's pcre2_config(PCRE2_CONFIG_VERSION), GMime's
gmime_*_version variables, libidn2's idn2_check_version(NULL),
jansson's jansson_version_str()). The program's own version is
PACKAGE_VERSION from the build's config.h. ccguardctl must not name
libmilter, which it does not link.
"""

import ctypes
import os
import re
import subprocess
import sys

builddir = os.environ.get("top_builddir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PCRE2_CONFIG_VERSION = 11  # pcre2.h

failures = []


def fail(why):
    failures.append(why)
    print("FAIL: " + why)


def package_version():
    with open(os.path.join(builddir, "config.h")) as f:
        m = re.search(r'^#define PACKAGE_VERSION "([^"]*)"', f.read(), re.M)
    return m.group(1)


def loaded_libraries(program):
    """{soname prefix: path} of the shared libraries ldd says program loads."""
    out = subprocess.run(["ldd", program], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            libs[m.group(1).split(".so")[0]] = m.group(2)
    return libs


def version_of(name, path):
    """What the library at path says its version is."""
    lib = ctypes.CDLL(path)
    if name == "libmilter":
        v = [ctypes.c_uint() for _ in range(3)]
        if lib.smfi_version(*[ctypes.byref(x) for x in v]) != 0:
            raise RuntimeError("smfi_version failed")
        return "%d.%d.%d" % tuple(x.value for x in v)
    if name == "PCRE2":
        buf = ctypes.create_string_buffer(64)
        if lib.pcre2_config_8(PCRE2_CONFIG_VERSION, buf) < 0:
            raise RuntimeError("pcre2_config failed")
        return buf.value.decode()
    if name == "GMime":
        return ".".join(str(ctypes.c_uint.in_dll(lib, "gmime_%s_version" % part).value)
                        for part in ("major", "minor", "micro"))
    if name == "libidn2":
        lib.idn2_check_version.restype = ctypes.c_char_p
        return lib.idn2_check_version(None).decode()
    if name == "jansson":
        lib.jansson_version_str.restype = ctypes.c_char_p
        return lib.jansson_version_str().decode()
    raise ValueError(name)


# The library each line names, and the soname it is loaded as.
SONAMES = {"libmilter": "libmilter", "PCRE2": "libpcre2-8", "GMime": "libgmime-3",
           "libidn2": "libidn2", "jansson": "libjansson"}


def check(program, name, libraries, not_linked):
    path = os.path.join(builddir, program)
    r = subprocess.run([path, "-V"], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    if r.returncode != 0 or r.stderr:
        fail("%s -V: exit %d, stderr %r" % (program, r.returncode, r.stderr))
    want_first = "%s %s" % (name, package_version())
    if not lines or lines[0] != want_first:
        fail("%s -V: first line %r, want %r" % (program, lines[:1], want_first))
    printed = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
    if len(printed) != len(lines) - 1:
        fail("%s -V: a line is not \"NAME VERSION\": %r" % (program, lines))
    loaded = loaded_libraries(path)
    for lib in libraries:
        soname = SONAMES[lib]
        where = [p for s, p in loaded.items() if s.startswith(soname)]
        if len(where) != 1:
            fail("%s: ldd shows %d copies of %s" % (program, len(where), soname))
            continue
        want = version_of(lib, where[0])
        if printed.get(lib) != want:
            fail("%s -V: %s %r, but %s says %r" % (program, lib, printed.get(lib), where[0], want))
        else:
            print("ok: %s -V: %s %s (%s)" % (program, lib, want, where[0]))
    for lib in not_linked:
        if lib in printed:
            fail("%s -V names %s, which it does not link" % (program, lib))
    extra = set(printed) - set(libraries)
    if extra:
        fail("%s -V: unexpected lines %s" % (program, sorted(extra)))


check("milter/ccguard", "ccguard", ["libmilter", "PCRE2", "GMime", "libidn2"], ["jansson"])
check("ctl/ccguardctl", "ccguardctl", ["jansson", "PCRE2", "GMime", "libidn2"], ["libmilter"])
sys.exit(1 if failures else 0)
