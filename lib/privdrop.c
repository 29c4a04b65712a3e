/*
 * NAME
 *	privdrop - give up root for good before reading hostile input
 * SYNOPSIS
 *	if (privdrop_enter("ccguard-mail", err, sizeof(err)) < 0) _exit(...);
 * DESCRIPTION
 *	SPDX-License-Identifier: BSD-2-Clause
 *
 *	Called by a process forked from root (ccguardctl mail-process's
 *	reader of command messages) before it parses a stranger's mail. It
 *	becomes user (its uid and primary gid, no supplementary groups) with
 *	setresuid/setresgid, so no saved id leads back to root, and checks
 *	that setuid(0) now fails. Then:
 *	- no_new_privs: no setuid or file-capability program it could run
 *	  gives anything back;
 *	- not dumpable: other processes of that user (the MTA's pipe runs as
 *	  the same user) can not ptrace it or read its memory or files under
 *	  /proc;
 *	- RLIMIT_FSIZE 0 (SIGXFSZ ignored): it can not write a byte to any
 *	  file; pipes still work;
 *	- RLIMIT_NPROC 0: it can not fork;
 *	- RLIMIT_NOFILE a few descriptors, RLIMIT_CORE 0, RLIMIT_CPU a bound.
 *	The caller closes every descriptor it does not need before, and keeps
 *	no secret in memory (ctl_mail.c wipes the release key in the child).
 *	There is no system-call filter: the process holds nothing a filter
 *	would protect that the user does not already lack, and the MTA's pipe
 *	runs the same user on the same mail without one (doc/moderation.md).
 * DIAGNOSTICS
 *	-1 with a one-line reason in err; the caller must then exit, since
 *	part of the drop may have happened.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "diag.h"
#include "privdrop.h"

#define PRIVDROP_NOFILE	16	/* descriptors the reader may have open */
#define PRIVDROP_CPU	60	/* CPU seconds before the kernel stops it */

/* limit - set one resource limit, soft and hard; -1 on error */
static int
limit(int resource, rlim_t value)
{
	struct rlimit rl = { value, value };

	return setrlimit(resource, &rl);
}

/* privdrop_enter - become user for good, without the means to write or fork; 0 or -1 */
int
privdrop_enter(const char *user, char *err, size_t errsize)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uid_t uid;
	gid_t gid;

	if (user == NULL || *user == '\0' ||
	    getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		diag_set(err, errsize, "no user \"%s\"", user != NULL ? user : "");
		return -1;
	}
	uid = pw.pw_uid;
	gid = pw.pw_gid;
	if (uid == 0 || gid == 0) {
		diag_set(err, errsize, "user \"%s\" is root or in group root", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		diag_set(err, errsize, "cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		diag_set(err, errsize, "root could be regained after becoming %s", user);
		return -1;
	}
	signal(SIGXFSZ, SIG_IGN);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    limit(RLIMIT_FSIZE, 0) < 0 || limit(RLIMIT_NPROC, 0) < 0 ||
	    limit(RLIMIT_CORE, 0) < 0 || limit(RLIMIT_NOFILE, PRIVDROP_NOFILE) < 0 ||
	    limit(RLIMIT_CPU, PRIVDROP_CPU) < 0) {
		diag_set(err, errsize, "cannot restrict the process: %s", strerror(errno));
		return -1;
	}
	return 0;
}
