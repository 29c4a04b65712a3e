/*
 * privdrop.h - give up root for good in a process that reads hostile
 * input: another user, no groups, no way back, no files written.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef CCGUARD_PRIVDROP_H
#define CCGUARD_PRIVDROP_H

#include <stddef.h>

int	privdrop_enter(const char *user, char *err, size_t errsize);

#endif
