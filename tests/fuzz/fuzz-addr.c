/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-addr.c - libFuzzer target for address extraction and normalisation
 * (addr.c): the input is one address or header value. Properties: every
 * address reported is non-empty, has no ASCII upper case (the canonical
 * form folds it) and no NUL; parsing never crashes or leaks; the message
 * state built from it stays within its limits.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "msg.h"

/* check_canonical - the properties of every canonical address */
static void
check_canonical(const char *a)
{
	const char *p;

	FUZZ_CHECK(a != NULL && *a != '\0', "empty canonical address");
	for (p = a; *p != '\0'; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'), "upper case in a canonical address");
}

/* sink - check and count each reported address */
static int
sink(void *arg, const char *addr, int how)
{
	check_canonical(addr);
	FUZZ_CHECK((how & ~(ADDR_HOW_DAMAGED | ADDR_HOW_ROUTED | ADDR_HOW_CUT)) == 0, "unknown how bits");
	(*(size_t *)arg)++;
	return ADDR_OK;
}

/* LLVMFuzzerTestOneInput - one input through every address entry point */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct msg_limits limits = { .max_header_bytes = 1 << 20, .max_addresses = 64, .max_recipients = 64 };
	static int initialised;
	struct msg *m;
	size_t n = 0, ats;
	char *s, *out;
	int r;

	if (!initialised) {
		addr_init();
		initialised = 1;
	}
	/* The raw bytes, embedded NULs included, as a rule-list entry would be. */
	r = addr_normalize((const char *)data, size, &out);
	FUZZ_CHECK(r == ADDR_OK || r == ADDR_INVALID, "addr_normalize result");
	if (r == ADDR_OK) {
		check_canonical(out);
		free(out);
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)addr_header_is_clean(s, &ats);
	r = addr_from_header(s, sink, &n);
	FUZZ_CHECK(r == ADDR_OK, "addr_from_header result");
	r = addr_from_envelope(s, sink, &n);
	FUZZ_CHECK(r == ADDR_OK, "addr_from_envelope result");

	/* Through the message state, as the milter sees a Cc header. */
	if ((m = msg_new(&limits)) != NULL) {
		struct msg_resolved mta = { "esmtp", s, s }, local = { "local", "", s };

		msg_add_rcpt(m, s);
		/* What an MTA resolved a recipient to, and a local user in its domain. */
		msg_add_rcpt_resolved(m, s, &mta);
		msg_add_rcpt_resolved(m, "<x@kernel.org>", &local);
		msg_add_header(m, "Cc", s);
		msg_add_header(m, "Resent-To", s);
		FUZZ_CHECK(m->naddrs <= limits.max_addresses, "max_addresses exceeded");
		msg_free(m);
	}
	free(s);
	return 0;
}
