# SPDX-License-Identifier: BSD-2-Clause
"""fixtures.py - private copies of the files the Python tests hand to ccguard.

ccguard refuses configuration, rule, list and template files that are group
or world writable, and a checkout made with umask 002 has exactly such
files; so tests never hand it the source tree's files in place. They copy
them into a private directory with fixed modes (tests/fixtures.sh is the
same for the shell tests). Importing this module also sets umask 022, so
what a test writes itself gets 0644 and 0755 whatever the caller's umask.
"""
import os
import shutil
import tempfile

os.umask(0o022)

SRCDIR = os.environ.get("top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def private_dir(prefix="ccguard-"):
    """private_dir - a new temporary directory only its owner can enter (0700)."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o700)
    return d


def write_file(path, text, mode=0o644):
    """write_file - path holds text, with exactly the given mode."""
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def copy_file(src, directory, name=None, mode=0o644):
    """copy_file - a copy of src in directory (mode 0644); its path."""
    dst = os.path.join(directory, name or os.path.basename(src))
    shutil.copyfile(src, dst)
    os.chmod(dst, mode)
    return dst


def copy_rules(directory):
    """copy_rules - the shipped rules/ copied into directory/rules (files
    0644, the directory 0755); the path of kernel-security.rules there."""
    rules = os.path.join(directory, "rules")
    os.makedirs(rules)
    os.chmod(rules, 0o755)
    src = os.path.join(SRCDIR, "rules")
    for name in sorted(os.listdir(src)):
        if os.path.isfile(os.path.join(src, name)):
            copy_file(os.path.join(src, name), rules)
    return os.path.join(rules, "kernel-security.rules")
