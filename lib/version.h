/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * version.h - what "-V" prints: the program's version and the versions of
 * the libraries it runs with, as they report themselves at run time.
 */
#ifndef CCGUARD_VERSION_H
#define CCGUARD_VERSION_H

#include <stdio.h>

void	version_print(FILE *, const char *program, const char *extra);

#endif
