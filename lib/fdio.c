/*
 * NAME
 *	fdio - write a whole buffer to a descriptor
 * SYNOPSIS
 *	if (fdio_write_all(fd, data, len) < 0) ... errno ...
 * DESCRIPTION
 *	SPDX-License-Identifier: BSD-2-Clause
 *
 *	The one loop that writes a buffer whole: it goes on after a short
 *	write and after EINTR, and stops at the first other error. Its users
 *	store what must never be half written without saying so: a command
 *	message in the spool, the used-token file, a reader's report.
 * DIAGNOSTICS
 *	0, or -1 with errno set by write(2).
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "fdio.h"

/* fdio_write_all - all len bytes of buf to fd; 0 or -1 */
int
fdio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if ((n = write(fd, p + done, len - done)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}
