/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	nullmilter - a libmilter filter that accepts everything (benchmark
 *	baseline)
 * SYNOPSIS
 *	nullmilter -p SOCKET [-b] [-d] [-n]
 * DESCRIPTION
 *	The cost of libmilter itself, for comparison with ccguard. It asks
 *	the MTA for no HELO, no unknown commands and no body, takes MAIL,
 *	RCPT and every header, and accepts every message at end of message.
 *	Variants:
 *	-b asks for the body and reads it (a body-reading filter);
 *	-d registers a DATA callback. Without one, libmilter asks the MTA
 *	not to send DATA, and Postfix then sends the DATA macros alone,
 *	which over TCP waits for a delayed ACK: the "stalling" null milter;
 *	-n answers nothing before end of message: it negotiates the
 *	protocol 6 no-reply flags (SMFIP_NR_MAIL, _RCPT, _HDR, _DATA, _BODY)
 *	and answers those steps SMFIS_NOREPLY. That is the least any filter
 *	that sees the envelope and headers can cost: the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int null_body;		/* -b */
static int null_data;		/* -d */
static int null_noreply;	/* -n */

/* null_next - the answer to a step before end of message */
static sfsistat
null_next(void)
{
	return null_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* null_envfrom, null_envrcpt, null_header, null_data_cb - continue */
static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	return null_next();
}

static sfsistat
null_envrcpt(SMFICTX *ctx, char **argv)
{
	return null_next();
}

static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	return null_next();
}

static sfsistat
null_data_cb(SMFICTX *ctx)
{
	return null_next();
}

/* null_body_cb - read the chunk, continue */
static sfsistat
null_body_cb(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	volatile unsigned char sum = 0;
	size_t i;

	/* Touch every byte, as a filter that reads the body would. */
	for (i = 0; i < len; i++)
		sum ^= chunk[i];
	return null_next();
}

/* null_eom - accept */
static sfsistat
null_eom(SMFICTX *ctx)
{
	return SMFIS_ACCEPT;
}

/* null_negotiate - no HELO, unknown commands or body, plus the variant's needs */
static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	unsigned long want = SMFIP_NOHELO | SMFIP_NOUNKNOWN;

	if (!null_body)
		want |= SMFIP_NOBODY;
	if (!null_data)
		want |= SMFIP_NODATA;
	/* libmilter grants these whatever the MTA offered (it fakes them). */
	if (null_noreply)
		want |= SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_DATA |
		    SMFIP_NR_BODY | SMFIP_NOEOH;
	*pf0 = 0;
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* main - parse options, register, run until SIGTERM */
int
main(int argc, char **argv)
{
	struct smfiDesc desc;
	const char *spec = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:bdn")) != -1) {
		switch (ch) {
		case 'p': spec = optarg; break;
		case 'b': null_body = 1; break;
		case 'd': null_data = 1; break;
		case 'n': null_noreply = 1; break;
		default:
			fprintf(stderr, "usage: nullmilter -p SOCKET [-b] [-d] [-n]\n");
			return 2;
		}
	}
	if (spec == NULL) {
		fprintf(stderr, "usage: nullmilter -p SOCKET [-b] [-d] [-n]\n");
		return 2;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "nullmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_envfrom = null_envfrom;
	desc.xxfi_envrcpt = null_envrcpt;
	desc.xxfi_header = null_header;
	desc.xxfi_body = null_body ? null_body_cb : NULL;
	desc.xxfi_data = null_data ? null_data_cb : NULL;
	desc.xxfi_eom = null_eom;
	desc.xxfi_negotiate = null_negotiate;
	if (smfi_setconn((char *)spec) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot open %s\n", spec);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
