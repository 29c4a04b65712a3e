/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fnv-collide.h - address sets for hash-flooding tests: fnv_collide() makes
 * n distinct addresses whose 32-bit FNV-1a hashes share their low `bits`
 * bits (8..24), so a table indexed by those bits puts them all in one
 * chain; fnv_random() makes n distinct addresses of the same length and
 * alphabet without that property. Both return a NULL-terminated vector
 * (NULL when out of memory) for fnv_free().
 */
#ifndef CCGUARD_FNV_COLLIDE_H
#define CCGUARD_FNV_COLLIDE_H

#include <stddef.h>
#include <stdint.h>

uint32_t fnv1a_32(const char *);
char	**fnv_collide(size_t n, unsigned bits, const char *domain);
char	**fnv_random(size_t n, unsigned long seed, const char *domain);
void	  fnv_free(char **);

#endif
