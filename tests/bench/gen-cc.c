/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen-cc.c - writes a test message whose Cc header lists N addresses, for
 * the hash-flooding row of `make bench`:
 *	gen-cc collide N >msg	N addresses that collide under FNV-1a
 *	gen-cc random N >msg	N random addresses of the same length
 * The header is folded every 16 addresses, as a mail client would.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fnv-collide.h"

/* main - write the message to stdout */
int
main(int argc, char **argv)
{
	char **addrs;
	size_t i, n;

	if (argc != 3 || (strcmp(argv[1], "collide") != 0 && strcmp(argv[1], "random") != 0) ||
	    (n = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: gen-cc collide|random N\n");
		return 2;
	}
	addrs = strcmp(argv[1], "collide") == 0 ? fnv_collide(n, 20, "example.org") :
	    fnv_random(n, 1, "example.org");
	if (addrs == NULL) {
		fprintf(stderr, "gen-cc: out of memory\n");
		return 1;
	}
	printf("From: reporter@example.org\nTo: maintainer@example.org\n"
	    "Subject: %s addresses\nMessage-ID: <gen-cc@example.org>\nCc: ", argv[1]);
	for (i = 0; addrs[i] != NULL; i++)
		printf("%s%s%s", i == 0 ? "" : ",", i > 0 && i % 16 == 0 ? "\n " : i > 0 ? " " : "",
		    addrs[i]);
	printf("\n\nbody\n");
	fnv_free(addrs);
	return ferror(stdout) ? 1 : 0;
}
