/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mime_scan.h - learn MIME facts (mime.h) from a streamed message body.
 */
#ifndef CCGUARD_MIME_SCAN_H
#define CCGUARD_MIME_SCAN_H

#include <stddef.h>

struct mime_scan;

struct mime_scan *mime_scan_new(void);
void	mime_scan_header(struct mime_scan *, const char *name, const char *value);
void	mime_scan_body(struct mime_scan *, const char *chunk, size_t len);
int	mime_scan_finish(struct mime_scan *);
struct mime_scan *mime_scan_free(struct mime_scan *);

#endif
