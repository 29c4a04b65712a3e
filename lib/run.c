/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	run - run a program with a deadline
 * SYNOPSIS
 *	r = run_program(argv, &io, &status, &werr, err, errsize);
 * DESCRIPTION
 *	The one way ccguard and ccguardctl start another program (sendmail,
 *	postqueue, postcat, postsuper, Sendmail's mailq): posix_spawn of
 *	argv[0], which must be an absolute path, with argv as given (no
 *	shell), the fixed environment RUN_PATH, SIGPIPE at its default, and
 *	stdin and stdout as struct run_io says (/dev/null when not used). Its
 *	stderr is ours, or with io.err_to_out collected with its stdout, so
 *	the caller decides what of the program's chatter a person sees.
 *	io.in is written and io.out collected at the same time, so neither
 *	side can block the other; when io.out refuses more (its limit), the
 *	rest is not read.
 *
 *	With a deadline, the program is killed (SIGKILL) when it has not
 *	ended by then: RUN_TIMEOUT. Otherwise RUN_DONE and its wait status;
 *	*write_errno is 0, or why io.in could not all be written (ETIMEDOUT
 *	when the deadline came first). RUN_NOT_RUN when it could not be
 *	started ("could not run PATH") or waited for, with err set.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "strbuf.h"

#define RUN_READ_CHUNK	65536		/* bytes read from its stdout at once */
#define RUN_POLL_MAX_MS	1000000		/* longest single wait, milliseconds */
#define RUN_REAP_MS	20		/* pause between checks for its end */

/* run_ms_left - milliseconds until the deadline, at least 0 (NULL: no deadline, -1) */
int
run_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (deadline == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > RUN_POLL_MAX_MS ? RUN_POLL_MAX_MS : (int)ms;
}

/* run_seterr - format a one-line error into err */
static void
run_seterr(char *err, size_t size, const char *what, const char *path)
{
	if (path != NULL)
		snprintf(err, size, "%s %s", what, path);
	else
		snprintf(err, size, "%s: %s", what, strerror(errno));
}

/* exchange - write io->in to fd in, read fd out into io->out, until both are done */
static int
exchange(const struct run_io *io, int in, int out)
{
	struct pollfd pfd[2];
	const char *p = io->in;
	size_t left = io->inlen;
	char buf[RUN_READ_CHUNK];
	ssize_t n;
	int werr = 0, np, r;

	while (in >= 0 || out >= 0) {
		np = 0;
		if (in >= 0) {
			pfd[np].fd = in;
			pfd[np++].events = POLLOUT;
		}
		if (out >= 0) {
			pfd[np].fd = out;
			pfd[np++].events = POLLIN;
		}
		if ((r = poll(pfd, (nfds_t)np, run_ms_left(io->deadline))) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* The deadline passed (or poll failed): stop talking to it. */
			if (in >= 0) {
				werr = r == 0 ? ETIMEDOUT : errno;
				close(in);
				in = -1;
			}
			if (out >= 0) {
				close(out);
				out = -1;
			}
			break;
		}
		np = 0;
		if (in >= 0 && pfd[np++].revents != 0) {
			if (left == 0) {
				close(in);
				in = -1;
			} else if ((n = write(in, p, left)) < 0) {
				if (errno != EINTR && errno != EAGAIN) {
					werr = errno;
					close(in);
					in = -1;
				}
			} else {
				p += n;
				left -= (size_t)n;
				if (left == 0) {
					close(in);
					in = -1;
				}
			}
		}
		if (out >= 0 && pfd[np].revents != 0) {
			n = read(out, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || strbuf_append(io->out, buf, (size_t)n) != STRBUF_OK) {
				close(out);
				out = -1;
			}
		}
	}
	return werr;
}

/* run_program - run argv[0] with io, within io->deadline; see the top of this file */
enum run_result
run_program(const char *const *argv, const struct run_io *io, int *status, int *write_errno,
    char *err, size_t errsize)
{
	static char *const envp[] = { RUN_PATH, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl;
	int inpipe[2] = { -1, -1 }, outpipe[2] = { -1, -1 }, e, werr;
	pid_t pid, w;

	*status = 0;
	*write_errno = 0;
	if (argv[0] == NULL || argv[0][0] != '/') {
		snprintf(err, errsize, "%s: not an absolute path", argv[0] != NULL ? argv[0] : "");
		return RUN_NOT_RUN;
	}
	if ((io->in != NULL && pipe2(inpipe, O_CLOEXEC) < 0) ||
	    (io->out != NULL && pipe2(outpipe, O_CLOEXEC) < 0)) {
		run_seterr(err, errsize, "pipe", NULL);
		if (inpipe[0] >= 0) {
			close(inpipe[0]);
			close(inpipe[1]);
		}
		return RUN_NOT_RUN;
	}
	posix_spawn_file_actions_init(&fa);
	if (io->in != NULL)
		posix_spawn_file_actions_adddup2(&fa, inpipe[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (io->out != NULL) {
		posix_spawn_file_actions_adddup2(&fa, outpipe[1], 1);
		if (io->err_to_out)
			posix_spawn_file_actions_adddup2(&fa, outpipe[1], 2);
	} else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (inpipe[0] >= 0)
		close(inpipe[0]);
	if (outpipe[1] >= 0)
		close(outpipe[1]);
	if (e != 0) {
		if (inpipe[1] >= 0)
			close(inpipe[1]);
		if (outpipe[0] >= 0)
			close(outpipe[0]);
		run_seterr(err, errsize, "could not run", argv[0]);
		return RUN_NOT_RUN;
	}
	werr = exchange(io, inpipe[1], outpipe[0]);
	*write_errno = werr;
	for (;;) {
		w = waitpid(pid, status, io->deadline != NULL ? WNOHANG : 0);
		if (w == pid)
			return RUN_DONE;
		if (w < 0 && errno != EINTR) {
			run_seterr(err, errsize, "waitpid", NULL);
			return RUN_NOT_RUN;
		}
		if (io->deadline != NULL && run_ms_left(io->deadline) == 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return RUN_TIMEOUT;
		}
		if (w == 0)
			poll(NULL, 0, RUN_REAP_MS);
	}
}
