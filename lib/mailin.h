/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailin.h - reading a whole message that arrived as mail (a moderator's
 * command): its From mailbox and its text. Hides GMime.
 */
#ifndef CCGUARD_MAILIN_H
#define CCGUARD_MAILIN_H

#include <stddef.h>

struct strbuf;
struct mailin;

struct mailin *mailin_parse(const char *text, size_t len);
void	mailin_free(struct mailin *);
const char *mailin_from_mailbox(const struct mailin *);
void	mailin_text(const struct mailin *, struct strbuf *out, size_t max);

#endif
