/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ctl_info - ccguardctl -V
 * SYNOPSIS
 *	ccguardctl -V
 * DESCRIPTION
 *	-V prints the version and the run-time versions of the libraries
 *	ccguardctl links: jansson here, PCRE2, GMime and libidn2 through
 *	libccguard (lib/version.c). ccguardctl does not link libmilter.
 */
#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "ctl_info.h"
#include "ctlverb.h"
#include "version.h"

/* ctl_print_version - ccguardctl -V */
void
ctl_print_version(void)
{
	char jansson[64];

	snprintf(jansson, sizeof(jansson), "jansson %s\n", jansson_version_str());
	version_print(stdout, CTLVERB_PROG, jansson);
}
