/*
 * fdio.h - a whole buffer written to a descriptor, through short writes
 * and interrupted calls.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef CCGUARD_FDIO_H
#define CCGUARD_FDIO_H

#include <stddef.h>

int	fdio_write_all(int fd, const void *buf, size_t len);

#endif
