#!/usr/bin/env python3
"""End-to-end: the spool, the two halves' privileges, the key, others' holds.

SPDX-License-Identifier: BSD-2-Clause

Through the private Postfix (default queue id length and timing) with the
pipe service of modlib, as doc/moderation.md claims:
- Only ccguard's holds: a message held by a header_checks HOLD rule is not
  listed by "held list" (which says how many others it left out), the
  command line's verbs (show, release, reject, discard) refuse it, the digest leaves it out, and a mail
  command with a token made for it is refused: it stays held.
- The pipe's user can not list the drop box. Unexpected entries in it (a
  directory and a symbolic link with a command file's name, a name of
  another form, a file with a second hard link, one larger than
  command_max_size, a FIFO named like a file being written) are moved
  aside and said, and the run goes on: it exits 0 and does the moderator's
  command that came with them. A file being written stays, one left over
  for two hours goes; the drop box is left empty otherwise.
- Once mail-process has taken a stored command (held here while it waits
  for the used-token file's lock), the pipe's user can no longer open it
  for reading or writing, change its mode, rename or remove it, or reach
  it by its old name; it belongs to root.
- A running "ccguardctl mail-command" is not dumpable: another process of
  the same user can not list its open files or read its environment.
- The reader of a command message is the unprivileged command_user: with
  a user that does not exist, the message is set aside unread and nothing
  is done or answered.
- A release key that others could change (mode 0666, or another user's)
  is refused, and so is a used-token file others may read: mail-process
  does nothing and the command waits; once they are mended, the waiting
  command is done. When the new list of used tokens can not be written,
  the command is refused. A key anyone may read is used, with a warning.
"""
import json
import os
import pwd
import grp
import fcntl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modlib  # noqa: E402
from modlib import harness, holdlib, check, ctl, MODERATOR  # noqa: E402

NOBODY = pwd.getpwnam("nobody").pw_uid
NOGROUP = grp.getgrnam("nogroup").gr_gid
# The pipe's user runs the system's Python (python3, a CI package): the
# test's own interpreter may live where nobody can run it.
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

# Run as the pipe's user: try each operation on the paths, report errno names.
PROBE = r"""
import errno, json, os, sys
out = {}
for op, path in json.loads(sys.argv[1]):
    try:
        if op == "read":
            os.close(os.open(path, os.O_RDONLY))
        elif op == "write":
            os.close(os.open(path, os.O_WRONLY))
        elif op == "unlink":
            os.unlink(path)
        elif op == "chmod":
            os.chmod(path, 0o666)
        elif op == "listdir":
            os.listdir(path)
        elif op == "rename":
            os.rename(path, path + ".moved")
        out[op + " " + path] = "ok"
    except OSError as e:
        out[op + " " + path] = errno.errorcode.get(e.errno, str(e.errno))
print(json.dumps(out))
"""


def as_nobody():
    os.setgroups([])
    os.setgid(NOGROUP)
    os.setuid(NOBODY)


def probe(ops):
    """probe - what the pipe's user gets for each (operation, path)."""
    p = subprocess.run([PY, "-c", PROBE, json.dumps(ops)], capture_output=True,
                       text=True, timeout=30, preexec_fn=as_nobody)
    check(p.returncode == 0, "probe ran", p.stderr)
    return json.loads(p.stdout)


def plant_at(kind, path, target=None):
    """plant_at - make an entry at path in the drop box, as the pipe's user."""
    code = {"dir": "os.mkdir(p)", "file": "open(p, 'w').write('x\\n')",
            "symlink": "os.symlink(t, p)", "fifo": "os.mkfifo(p)", "link": "os.link(t, p)"}[kind]
    p = subprocess.run([PY, "-c", "import os, sys; p, t = sys.argv[1], sys.argv[2]; " +
                        code, path, target or ""], capture_output=True, text=True, timeout=30,
                       preexec_fn=as_nobody)
    check(p.returncode == 0, "planted %s %s" % (kind, path), p.stderr)


def line_for(env, qid, action="discard"):
    _, lines = modlib.lines_of(modlib.notice_for(env, qid))
    return lines[(action, None, qid)][0]


def others_holds(env):
    """others_holds - a message held by a header_checks HOLD rule, not by ccguard."""
    with open(env.path("header_checks"), "w") as f:
        f.write("/^Subject:.*HOLD-BY-HEADER-CHECKS/ HOLD\n")
    env.postfix_cmd("postconf", "-c", env.config_dir, "-e",
                    "header_checks = regexp:" + env.path("header_checks"))
    env.postfix_cmd("postfix", "-c", env.config_dir, "reload")
    mid = harness.unique_id("other")
    data = harness.report_message(subject="HOLD-BY-HEADER-CHECKS", to=("maintainer@example.com",),
                                  cc=(), msgid=mid)
    r = env.send("someone@example.org", ["maintainer@example.com"], data)
    check(r.accepted and r.queue_id, "the other message accepted", r)
    harness.wait_for(lambda: r.queue_id in modlib.held_ids(env), 30, 0.1, "held by header_checks")
    return r.queue_id


def test(env):
    modlib.start(env)

    # -- Only ccguard's holds.
    qx = others_holds(env)
    qa, _ = holdlib.hold(env)
    p = ctl(env, "held", "list")
    check(qa in p.stdout and qx not in p.stdout, "held list shows ccguard's hold only", p.stdout)
    check("1 other held message(s) not listed: not held by ccguard" in p.stderr,
          "held list says so", p.stderr)
    for verb in ("show", "release", "reject", "discard"):
        p = ctl(env, "held", verb, qx, expect=3)
        check("held, but not by ccguard" in p.stderr, "held %s refuses it" % verb, p.stderr)
    p = ctl(env, "held", "digest")
    check("1 other held message(s) left out" in p.stdout and
          "digest of 1 held message(s)" in p.stdout, "the digest leaves it out", p.stdout)
    dg = harness.wait_for(lambda: [x for x in env.sink.messages if holdlib.to(x, MODERATOR) and
                                   x.header("X-Ccguard-Answer") == ["digest"]], 30, 0.1, "digest")
    check(qx.encode() not in dg[0].data, "not a word of it in the digest")
    tok = modlib.make_token(env, qx, "discard", None, int(time.time()) + 3600, nonce="1" * 32)
    mid = modlib.command_mail(env, "ccguard discard %s %s\n" % (qx, tok))
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("held, but not by ccguard" in t, "a mail command for it is refused", t)
    check(qx in modlib.held_ids(env), "it stays held")
    env.postfix_cmd("postconf", "-c", env.config_dir, "-e", "header_checks =")
    env.postfix_cmd("postfix", "-c", env.config_dir, "reload")

    # -- Unexpected entries are moved aside; the run goes on.
    new = modlib.spool(env, "new")
    odd = {
        "cmd." + "a" * 24: "dir",
        "cmd." + "b" * 24: "symlink",
        "junk name": "file",
        "tmp." + "e" * 24: "fifo",
    }
    for name, kind in odd.items():
        plant_at(kind, os.path.join(new, name), "/etc/passwd")
    plant_at("file", os.path.join(new, "cmd." + "c" * 24))
    plant_at("link", os.path.join(new, "cmd." + "d" * 24), os.path.join(new, "cmd." + "c" * 24))
    big = os.path.join(new, "cmd." + "f" * 24)
    plant_at("file", big)
    with open(big, "a") as f:
        f.write("x" * 300000)		# over command_max_size
    stale = os.path.join(new, "tmp." + "0" * 24)
    plant_at("file", stale)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    young = os.path.join(new, "tmp." + "1" * 24)
    plant_at("file", young)
    check(probe([["listdir", new]]) == {"listdir " + new: "EACCES"},
          "the pipe's user can not list the drop box")
    mid = modlib.command_mail(env, line_for(env, qa) + "\n")
    p = modlib.process(env)
    check("discarded" in modlib.answer_text(env, mid), "the moderator's command was done")
    check(qa not in modlib.queued_ids(env), "qa discarded")
    check(os.listdir(new) == [os.path.basename(young)],
          "the drop box is empty but for a file being written", os.listdir(new))
    os.unlink(young)
    aside = os.listdir(modlib.spool(env, "aside"))
    check(not [a for a in aside if "tmp." + "0" * 24 in a], "a stale tmp file is removed", aside)
    for name in list(odd) + ["cmd." + "c" * 24, "cmd." + "d" * 24, "cmd." + "f" * 24]:
        shown = name.replace(" ", "_")
        check([a for a in aside if a.endswith("." + shown)], "%s moved aside" % name, aside)
        check(shown in p.stderr and "moved to aside/" in p.stderr, "%s: said" % name, p.stderr)
    st = os.stat(modlib.spool(env, "aside"))
    check(st.st_uid == 0 and st.st_mode & 0o077 == 0, "aside/ is root's alone")

    # -- Taken: out of the pipe user's reach.
    qb, _ = holdlib.hold(env)
    modlib.command_mail(env, line_for(env, qb) + "\n")
    [stored] = modlib.spool_files(env)
    lockf = open(env.path("used-tokens.lock"), "a")
    fcntl.flock(lockf, fcntl.LOCK_EX)
    run = subprocess.Popen([holdlib.ctl_path(env), "-c", env.conf_path, "mail-process"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    try:
        taken = modlib.spool(env, "cur", stored)
        harness.wait_for(lambda: os.path.exists(taken) and modlib.spool_files(env) == [],
                         30, 0.05, "the command taken into cur/")
        st = os.stat(taken)
        check(st.st_uid == 0 and st.st_gid == 0 and st.st_mode & 0o777 == 0o600,
              "taken: root's, 0600", oct(st.st_mode), st.st_uid)
        got = probe([["read", taken], ["write", taken], ["unlink", taken], ["chmod", taken],
                     ["rename", taken], ["read", os.path.join(new, stored)]])
        check(all(v in ("EACCES", "EPERM", "ENOENT") for v in got.values()) and
              got["read " + os.path.join(new, stored)] == "ENOENT",
              "the pipe's user can not read, change or remove it", got)
    finally:
        fcntl.flock(lockf, fcntl.LOCK_UN)
        lockf.close()
        out, err = run.communicate(timeout=120)
    check(run.returncode == 0, "the run went on once the lock was free", out, err)
    check(qb not in modlib.queued_ids(env), "and discarded qb")

    # -- mail-command is not dumpable.
    pipe = subprocess.Popen([holdlib.ctl_path(env), "-c", env.conf_path, "mail-command"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=as_nobody)
    try:
        fd_dir = "/proc/%d/fd" % pipe.pid
        environ = "/proc/%d/environ" % pipe.pid

        def protected():
            got = probe([["listdir", fd_dir], ["read", environ]])
            return pipe.poll() is None and got["listdir " + fd_dir] == "EACCES" and \
                got["read " + environ] == "EACCES"
        harness.wait_for(protected, 10, 0.1, "mail-command's /proc entries closed to its user")
    finally:
        pipe.stdin.close()
        pipe.wait(30)

    # -- The reader is command_user: one that does not exist reads nothing.
    qc, _ = holdlib.hold(env)
    cline = line_for(env, qc)
    modlib.write_conf(env, "command_user = no-such-user-ccguard\n")
    nsink = len(env.sink.messages)
    before = set(os.listdir(modlib.spool(env, "aside")))
    modlib.command_mail(env, cline + "\n")
    p = modlib.process(env)
    check("reader failed" in p.stderr, "the reader could not start", p.stderr)
    check(len(set(os.listdir(modlib.spool(env, "aside"))) - before) == 1, "the message set aside")
    env.barrier()
    check(not [x for x in env.sink.messages[nsink:] if holdlib.to(x, MODERATOR)], "no answer")
    check(qc in modlib.held_ids(env), "nothing done")
    modlib.write_conf(env)

    # -- The release key: refused when others could change it.
    key = env.path("release.key")
    os.chmod(key, 0o666)
    mid = modlib.command_mail(env, cline + "\n")
    p = modlib.process(env, expect=1)
    check("writable by group or others" in p.stderr and "wait in" in p.stderr,
          "a key others may write is refused", p.stderr)
    check(qc in modlib.held_ids(env) and len(os.listdir(modlib.spool(env, "cur"))) == 1,
          "nothing done; the command waits")
    p = ctl(env, "held", "list", expect=1)
    check(qc not in p.stdout and "writable by group or others" in p.stderr,
          "held list does not trust it either", p.stdout, p.stderr)
    os.chmod(key, 0o640)
    os.chown(key, NOBODY, -1)
    p = modlib.process(env, expect=1)
    check("owned by another user" in p.stderr, "another user's key is refused", p.stderr)
    os.chown(key, 0, -1)
    os.chmod(key, 0o640)
    # The used-token file: others may read it, so it is not used.
    tokens = env.path("used-tokens")
    os.chmod(tokens, 0o644)
    p = modlib.process(env, expect=1)
    check("must be root's alone" in p.stderr and "wait in" in p.stderr,
          "a used-token file others may read is refused; the command waits", p.stderr)
    check(qc in modlib.held_ids(env), "nothing done")
    os.chmod(tokens, 0o600)
    # The new list can not be written (its temporary name is taken by a
    # directory): the command is refused, nothing is done.
    os.mkdir(tokens + ".new")
    modlib.process(env)
    t = modlib.answer_text(env, mid)
    check("the used-token file could not be written; nothing was done" in t,
          "a use that can not be written is refused", t)
    check(qc in modlib.held_ids(env), "nothing done")
    os.rmdir(tokens + ".new")
    os.chmod(key, 0o644)
    mid = modlib.command_mail(env, cline + "\n")
    p = modlib.process(env)
    check("readable by anyone" in p.stderr, "a key anyone may read: a warning", p.stderr)
    check("discarded" in modlib.answer_text(env, mid), "the waiting command was done")
    check(qc not in modlib.queued_ids(env), "qc discarded")
    os.chmod(key, 0o640)


harness.main(test, milter=False, main_cf=modlib.DEFAULT_TIMING)
