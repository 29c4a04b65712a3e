/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msgfile.h - read a message file (RFC 5322, LF or CRLF) into a struct msg.
 */
#ifndef CCGUARD_MSGFILE_H
#define CCGUARD_MSGFILE_H

#include <stdio.h>

struct msg;
struct mime_scan;

/* What the MTA does with a NUL byte in a header before the milter sees it. */
enum msgfile_nul {
	MSGFILE_NUL_ENDS_VALUE,		/* Postfix: libmilter's C string ends there */
	MSGFILE_NUL_DROPPED,		/* Sendmail: the byte is removed */
};

int	msgfile_read(FILE *, struct msg *, struct mime_scan *, enum msgfile_nul,
	    char *err, size_t errlen);

#endif
