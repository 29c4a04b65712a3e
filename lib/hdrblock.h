/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdrblock.h - the one reader of a message's header block, line by line:
 * header lines, folding, and where the block ends.
 */
#ifndef CCGUARD_HDRBLOCK_H
#define CCGUARD_HDRBLOCK_H

#include <stddef.h>

#include "strbuf.h"

struct msg_header;

enum hdrblock_mode {
	HDRBLOCK_MTA,		/* as the MTA reads mail it is given (Postfix's rules) */
	HDRBLOCK_QUEUE,		/* what the MTA wrote itself (postcat -h): lenient */
};

enum hdrblock_status {
	HDRBLOCK_IN,		/* the line belongs to the header block */
	HDRBLOCK_END,		/* the line is not a header line: the block has ended */
	HDRBLOCK_ERROR,		/* out of memory, or a header beyond any bound */
};

/* Called once per complete header; the strings are the reader's. */
typedef int (*hdrblock_fn)(void *arg, const char *name, const char *value);

struct hdrblock {
	enum hdrblock_mode mode;
	size_t		 cap;		/* HDRBLOCK_MTA: cut a header at so many bytes; 0: no cut */
	hdrblock_fn	 emit;
	void		*arg;
	struct strbuf	 cur;		/* the header being read, folded lines and all */
	size_t		 name_len;	/* the length of its name */
};

void	hdrblock_init(struct hdrblock *, enum hdrblock_mode, size_t cap, size_t max,
	    hdrblock_fn, void *arg);
enum hdrblock_status hdrblock_line(struct hdrblock *, const char *line, size_t len);
int	hdrblock_finish(struct hdrblock *);
void	hdrblock_free(struct hdrblock *);

int	hdrblock_parse(const char *text, struct msg_header **, size_t *);
int	hdrblock_parse_mail(const char *text, size_t len, size_t max, struct msg_header **,
	    size_t *);
void	hdrblock_headers_free(struct msg_header *, size_t);

#endif
