/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz-main.c - replay driver: runs a fuzz target's LLVMFuzzerTestOneInput
 * over files and directories named on the command line, without libFuzzer,
 * so that every corpus entry (seeds and regression inputs) is checked by
 * "make check" with any compiler, and under the sanitizer build.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int nfiles;

/* replay_file - one input */
static int
replay_file(const char *path)
{
	unsigned char *buf;
	struct stat st;
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) < 0) {
		perror(path);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	nfiles++;
	return 0;
}

/* replay - a file, or every regular file of a directory (sorted) */
static int
replay(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int i, n, rv = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
		perror(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(sub, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(sub) < 0)
			rv = -1;
		free(ents[i]);
	}
	free(ents);
	return rv;
}

/* main - replay every named file and directory */
int
main(int argc, char *argv[])
{
	int i, rv = 0;

	for (i = 1; i < argc; i++)
		if (replay(argv[i]) < 0)
			rv = 1;
	printf("%s: %d inputs replayed\n", argv[0], nfiles);
	if (nfiles == 0) {
		fprintf(stderr, "%s: no inputs\n", argv[0]);
		return 1;
	}
	return rv;
}
