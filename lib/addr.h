/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addr.h - envelope and header address extraction and normalisation.
 *
 * The only module that sees GMime address types. Knows nothing of libmilter.
 */
#ifndef CCGUARD_ADDR_H
#define CCGUARD_ADDR_H

#include <stddef.h>

/* Where an address was found; a bit mask, so one address can carry several. */
#define ADDR_SRC_ENVELOPE	0x01	/* RCPT TO */
#define ADDR_SRC_TO		0x02
#define ADDR_SRC_CC		0x04
#define ADDR_SRC_RESENT_TO	0x08
#define ADDR_SRC_RESENT_CC	0x10
#define ADDR_SRC_HEADERS	(ADDR_SRC_TO | ADDR_SRC_CC | ADDR_SRC_RESENT_TO | ADDR_SRC_RESENT_CC)
#define ADDR_SRC_ALL		(ADDR_SRC_ENVELOPE | ADDR_SRC_HEADERS)

/* How an address was found, beyond where. */
#define ADDR_HOW_DAMAGED	0x01	/* token found in a header that did not parse cleanly */
#define ADDR_HOW_ROUTED		0x02	/* derived from a route: %, ! or an @ in the local part */
#define ADDR_HOW_CUT		0x04	/* a route went on past the hop limit: not all examined */
#define ADDR_HOW_MTA		0x08	/* the MTA resolved a recipient to it; ccguard read that otherwise */

/* Results. */
#define ADDR_OK		0
#define ADDR_INVALID	(-1)	/* not an address */
#define ADDR_NOMEM	(-2)
#define ADDR_STOP	(-3)	/* the sink asked to stop (a limit was reached) */

/*
 * The sink receives each normalised address; it must copy what it keeps.
 * It returns ADDR_OK to go on, or ADDR_NOMEM / ADDR_STOP to stop.
 */
typedef int (*addr_sink_fn)(void *arg, const char *addr, int how);

void	addr_init(void);
int	addr_source_from_header_name(const char *name);
const char *addr_source_name(int source_bit);

/* How addr_sources_format() words an address's sources. */
enum addr_sources_style {
	ADDR_SOURCES_LOG,	/* "envelope,Cc,malformed,routed,mta" */
	ADDR_SOURCES_TEXT,	/* "envelope, Cc, in a malformed header, by a routing form, as the MTA resolved it" */
	ADDR_SOURCES_TRACE,	/* "envelope, Cc (malformed header) (routing form) (MTA's reading)" */
};
struct strbuf;
void	addr_sources_format(struct strbuf *, int sources, int how, enum addr_sources_style);
int	addr_normalize(const char *in, size_t len, char **out);
int	addr_from_envelope(const char *arg, addr_sink_fn, void *sinkarg);
int	addr_from_header(const char *value, addr_sink_fn, void *sinkarg);
int	addr_simple_list(const char *value, addr_sink_fn, void *sinkarg);
int	addr_rfc5322_list(const char *value, addr_sink_fn, void *sinkarg);
int	addr_header_is_clean(const char *value, size_t *at_count);

#endif
