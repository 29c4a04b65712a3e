/*
 * strmap.h - open-addressing hash map from NUL-terminated strings to pointers.
 */
#ifndef CCGUARD_STRMAP_H
#define CCGUARD_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(size_t hint);
void	*strmap_get(const struct strmap *, const char *key);
int	 strmap_put(struct strmap *, const char *key, void *value, void **old);
void	 strmap_foreach(const struct strmap *, void (*)(const char *, void *, void *), void *);
struct strmap *strmap_free(struct strmap *, void (*free_value)(void *));

#endif
