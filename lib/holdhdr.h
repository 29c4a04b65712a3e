/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * holdhdr.h - the hold header: written by the daemon on a held message,
 * read back by ccguardctl (rule, reason, the sender's kind).
 */
#ifndef CCGUARD_HOLDHDR_H
#define CCGUARD_HOLDHDR_H

#include <stddef.h>

struct verdict;
struct msg;
struct msg_header;

void	holdhdr_format(const struct verdict *, const struct msg *, const char *key,
	    size_t keylen, char *buf, size_t size);
void	holdhdr_parse(const char *hold_header, const struct msg_header *, size_t,
	    char **rule, char **reason);
const char *holdhdr_sender_class(const char *reason);
int	holdhdr_verify(const char *hold_header, const struct msg_header *, size_t,
	    const char *qid, const char *key, size_t keylen, char *nonce);

#endif
