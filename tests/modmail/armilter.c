/*
 * NAME
 *	armilter - a test milter that adds the MTA's own Authentication-Results
 * SYNOPSIS
 *	armilter -p SOCKET -a AUTHSERV-ID
 * DESCRIPTION
 *	SPDX-License-Identifier: BSD-2-Clause
 *
 *	Stands in, in the end-to-end tests of moderation by mail, for the
 *	MTA's DKIM verifier (OpenDKIM and the like): at the end of every
 *	message it inserts, at the top of the header block as such milters
 *	do, "Authentication-Results: AUTHSERV-ID; dkim=RESULT
 *	header.d=DOMAIN". It verifies nothing: RESULT is "pass" and DOMAIN
 *	the envelope sender's domain when the message has a header
 *	"X-Test-Dkim: pass", else RESULT is "none". Being a milter, what it
 *	adds is not subject to the MTA's header_checks, while a copy that
 *	arrives with the message is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static const char *authserv_id;

/* struct ar_state - what one message showed */
struct ar_state {
	char	domain[256];
	int	pass;
};

/* ar_state_of - the message's state, made on first use */
static struct ar_state *
ar_state_of(SMFICTX *ctx)
{
	struct ar_state *s = smfi_getpriv(ctx);

	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL)
		smfi_setpriv(ctx, s);
	return s;
}

/* ar_envfrom - note the envelope sender's domain */
static sfsistat
ar_envfrom(SMFICTX *ctx, char **argv)
{
	struct ar_state *s = ar_state_of(ctx);
	const char *at = strrchr(argv[0], '@');
	size_t n;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	memset(s, 0, sizeof(*s));
	if (at != NULL) {
		n = strcspn(at + 1, ">");
		if (n >= sizeof(s->domain))
			n = sizeof(s->domain) - 1;
		memcpy(s->domain, at + 1, n);
	}
	return SMFIS_CONTINUE;
}

/* ar_header - "X-Test-Dkim: pass" asks for a pass */
static sfsistat
ar_header(SMFICTX *ctx, char *name, char *value)
{
	struct ar_state *s = ar_state_of(ctx);

	if (s != NULL && strcasecmp(name, "X-Test-Dkim") == 0 && strcmp(value, "pass") == 0)
		s->pass = 1;
	return SMFIS_CONTINUE;
}

/* ar_eom - insert the result at the top */
static sfsistat
ar_eom(SMFICTX *ctx)
{
	struct ar_state *s = ar_state_of(ctx);
	char value[600];

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (s->pass)
		snprintf(value, sizeof(value), "%s; dkim=pass header.d=%s header.s=test",
		    authserv_id, s->domain);
	else
		snprintf(value, sizeof(value), "%s; dkim=none", authserv_id);
	if (smfi_insheader(ctx, 0, "Authentication-Results", value) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
}

/* ar_close - forget the message */
static sfsistat
ar_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* main - options, register, run until SIGTERM */
int
main(int argc, char **argv)
{
	struct smfiDesc desc;
	const char *spec = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:a:")) != -1) {
		switch (ch) {
		case 'p': spec = optarg; break;
		case 'a': authserv_id = optarg; break;
		default:
			fprintf(stderr, "usage: armilter -p SOCKET -a AUTHSERV-ID\n");
			return 2;
		}
	}
	if (spec == NULL || authserv_id == NULL) {
		fprintf(stderr, "usage: armilter -p SOCKET -a AUTHSERV-ID\n");
		return 2;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "armilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS;
	desc.xxfi_envfrom = ar_envfrom;
	desc.xxfi_header = ar_header;
	desc.xxfi_eom = ar_eom;
	desc.xxfi_close = ar_close;
	if (smfi_setconn((char *)spec) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "armilter: cannot register on %s\n", spec);
		return 1;
	}
	unlink(spec + (strncmp(spec, "unix:", 5) == 0 ? 5 : 0));
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
