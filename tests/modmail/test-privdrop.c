/*
 * test-privdrop.c - the claims doc/moderation.md makes about the process
 * that reads a stranger's command message (lib/privdrop.c), checked in
 * such a process: it is the unprivileged user with no supplementary
 * groups and can not become root again; no_new_privs is set and it is
 * not dumpable; its CPU time is limited; it can not read root's files,
 * write a byte to any file (even one it was handed open), or fork. Needs
 * root (exit 77 without).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"
#include "testlib.h"

#define USER	"nobody"

/* in_child - run the checks in a child that dropped privileges; the number that failed */
static int
in_child(const char *secret, int handed)
{
	struct passwd *pw = getpwnam(USER);
	struct rlimit rl;
	char err[256];
	int failed = 0;
	pid_t pid;

#define CLAIM(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL: " __VA_ARGS__); \
	fprintf(stderr, "\n"); failed++; } } while (0)
	if (privdrop_enter(USER, err, sizeof(err)) < 0) {
		fprintf(stderr, "FAIL: privdrop_enter: %s\n", err);
		return 1;
	}
	CLAIM(getuid() == pw->pw_uid && geteuid() == pw->pw_uid, "uid %d", (int)getuid());
	CLAIM(getgid() == pw->pw_gid && getegid() == pw->pw_gid, "gid %d", (int)getgid());
	CLAIM(getgroups(0, NULL) == 0, "supplementary groups kept");
	CLAIM(setuid(0) < 0 && setgid(0) < 0 && seteuid(0) < 0, "root regained");
	CLAIM(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs not set");
	CLAIM(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "dumpable");
	CLAIM(getrlimit(RLIMIT_CPU, &rl) == 0 && rl.rlim_max != RLIM_INFINITY, "CPU time unlimited");
	CLAIM(open(secret, O_RDONLY) < 0 && errno == EACCES, "root's file readable");
	errno = 0;
	CLAIM(write(handed, "x", 1) < 0 && errno == EFBIG, "a file handed open is writable (%s)",
	    strerror(errno));
	pid = fork();
	if (pid == 0)
		_exit(0);
	CLAIM(pid < 0, "fork worked");
	if (pid > 0)
		waitpid(pid, NULL, 0);
#undef CLAIM
	return failed;
}

/* main - the drop in a child; refusals of root and unknown users */
int
main(void)
{
	char dir[] = "/tmp/ccguard-privdrop-XXXXXX", secret[64], handed[64], err[256];
	int fd, hfd, status;
	pid_t pid;

	if (getuid() != 0) {
		printf("SKIP: test-privdrop needs root\n");
		return 77;
	}
	CHECK(getpwnam(USER) != NULL, "user %s exists", USER);
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(handed, sizeof(handed), "%s/handed", dir);
	CHECK((fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0 &&
	    write(fd, "key\n", 4) == 4 && close(fd) == 0, "root's file");
	CHECK(chmod(dir, 0755) == 0, "the directory is readable by all");
	CHECK((hfd = open(handed, O_WRONLY | O_CREAT | O_EXCL, 0666)) >= 0, "a file to hand over");
	if ((pid = fork()) == 0)
		_exit(in_child(secret, hfd) == 0 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "every claim holds in the reader's process");
	close(hfd);
	CHECK(privdrop_enter("root", err, sizeof(err)) < 0 && strstr(err, "root") != NULL,
	    "root is refused: %s", err);
	CHECK(privdrop_enter("no-such-user-ccguard", err, sizeof(err)) < 0,
	    "an unknown user is refused");
	CHECK(getuid() == 0, "a refused drop changed nothing");
	unlink(secret);
	unlink(handed);
	rmdir(dir);
	return test_exit("test-privdrop");
}
