/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	version - the program's version and its libraries' run-time versions
 * SYNOPSIS
 *	version_print(stdout, "ccguard", "libmilter 1.0.1\n");
 * DESCRIPTION
 *	One line for the program ("ccguard 1.0.0", as before), then the lines
 *	the caller adds for the libraries only it links (the daemon's
 *	libmilter, ccguardctl's jansson), then one line per library every
 *	program links through libccguard: PCRE2, GMime and libidn2. Each
 *	version is what the library reports when asked at run time, not the
 *	header it was built against: after a library upgrade the running
 *	program says what it really uses.
 */
#include "config.h"

#include <stdio.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <gmime/gmime.h>
#include <idn2.h>
#include <pcre2.h>

#include "version.h"

/* version_print - the program line, the caller's lines, the shared libraries' */
void
version_print(FILE *fp, const char *program, const char *extra)
{
	char pcre2[64];
	const char *idn2 = idn2_check_version(NULL);

	fprintf(fp, "%s %s\n", program, PACKAGE_VERSION);
	if (extra != NULL)
		fputs(extra, fp);
	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre2) < 0)
		snprintf(pcre2, sizeof(pcre2), "unknown");
	fprintf(fp, "PCRE2 %s\n", pcre2);
	fprintf(fp, "GMime %u.%u.%u\n", gmime_major_version, gmime_minor_version,
	    gmime_micro_version);
	fprintf(fp, "libidn2 %s\n", idn2 != NULL ? idn2 : "unknown");
}
