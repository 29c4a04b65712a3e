/*
 * msgfile.h - read a message file (RFC 5322, LF or CRLF) into a struct msg.
 */
#ifndef CCGUARD_MSGFILE_H
#define CCGUARD_MSGFILE_H

#include <stdio.h>

struct msg;
struct mime_scan;

int	msgfile_read(FILE *, struct msg *, struct mime_scan *, char *err, size_t errlen);

#endif
