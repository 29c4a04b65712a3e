/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-mime-scan.c - the body MIME scanner (lib/mime_scan.c) on small
 * messages, fed the way an MTA may feed it: whole, in 1-byte and in odd
 * sized chunks, with LF and with CRLF line ends. Every split must give the
 * same MIME_* facts, and those must be the ones the table expects.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "mime_scan.h"
#include "../unit/testlib.h"

struct hdr {
	const char	*name;
	const char	*value;
};

static const struct {
	const char	*label;
	struct hdr	 headers[3];
	const char	*body;
	int		 want;
} cases[] = {
	{ "no MIME at all", { { NULL, NULL } }, "hello\n-- \nme\n", 0 },
	{ "text/html alone", { { "Content-Type", "text/html; charset=utf-8" } },
	  "<p>x</p>\n", MIME_HTML_ONLY },
	{ "top-level Markdown type", { { "Content-Type", "text/markdown" } },
	  "x\n", MIME_MARKUP },
	{ "alternative, boundary folded in the top header",
	  { { "Content-Type", "multipart/alternative;\n\tboundary=\"b1\"" } },
	  "--b1\nContent-Type: text/plain\n\nx\n--b1\nContent-Type: text/html\n\n<p>x</p>\n--b1--\n",
	  MIME_HTML_ALTERNATIVE },
	{ "unquoted boundary, trailing blanks after it",
	  { { "Content-Type", "multipart/mixed; boundary=zz" } },
	  "--zz  \nContent-Type: text/html\n\n<p>x</p>\n--zz--\n", MIME_HTML_ONLY },
	{ "name= on a continuation line, .exe",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\n\nreport\n--m\nContent-Type: application/octet-stream;\n name=\"poc.exe\"\n\nAAAA\n--m--\n",
	  MIME_ATTACHMENT | MIME_EXECUTABLE },
	{ "ELF by content, innocent name",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\n\nreport\n--m\nContent-Type: application/octet-stream; name=\"data\"\n"
	  "Content-Transfer-Encoding: base64\n\n\nf0VMRgIBAQAA\n--m--\n",
	  MIME_ATTACHMENT | MIME_EXECUTABLE },
	{ "PE by content",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\nContent-Type: application/zip; name=\"x.zip\"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAE\n--m--\n",
	  MIME_ATTACHMENT | MIME_EXECUTABLE },
	{ "a zip is an attachment, not a program",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\nContent-Type: application/zip; name=\"x.zip\"\nContent-Transfer-Encoding: base64\n\nUEsDBBQAAAAI\n--m--\n",
	  MIME_ATTACHMENT },
	{ "a file system image is not a program",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\nContent-Type: application/octet-stream; name=\"fs.bin\"\n\nAAAA\n--m--\n",
	  MIME_ATTACHMENT },
	{ "PGP/MIME signature is not an attachment",
	  { { "Content-Type", "multipart/signed; protocol=\"application/pgp-signature\"; boundary=s" } },
	  "--s\nContent-Type: text/plain\n\nx\n--s\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n\n"
	  "-----BEGIN PGP SIGNATURE-----\n--s--\n", 0 },
	{ "PGP/MIME encrypted parts are opaque",
	  { { "Content-Type", "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=e" } },
	  "--e\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--e\n"
	  "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n\n-----BEGIN PGP MESSAGE-----\n--e--\n", 0 },
	{ "a '--' line that is not our boundary stays content",
	  { { "Content-Type", "multipart/mixed; boundary=\"real\"" } },
	  "--real\nContent-Type: text/plain\n\n--fake\nContent-Type: text/html\n\n--real--\n", 0 },
	{ "epilogue after the close is not a part",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\n\nx\n--m--\nContent-Type: text/html\n\n", 0 },
	{ "attached HTML document is markup, not an HTML body",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\n\nx\n--m\nContent-Type: text/html\nContent-Disposition: attachment; filename=\"r.html\"\n\n<p>\n--m--\n",
	  MIME_MARKUP | MIME_ATTACHMENT },
	{ "RFC 2231 file name", { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\n\nx\n--m\nContent-Type: text/x-rst\nContent-Disposition: attachment;\n filename*=UTF-8''report.rst\n\nx\n--m--\n",
	  MIME_MARKUP | MIME_ATTACHMENT },
	{ "Markdown written into text/plain",
	  { { "Content-Type", "text/plain; charset=utf-8" } },
	  "## Summary\nx\n```\n# ./poc\n```\n", MIME_MARKUP },
	{ "one shell prompt and a C comment are not Markdown", { { NULL, NULL } },
	  "# echo 1 > /proc/sys/x\n#define X 1\n/* ## */\n", 0 },
	{ "Markdown hidden in base64 is not read (documented limit)",
	  { { "Content-Type", "text/plain" }, { "Content-Transfer-Encoding", "base64" } },
	  "IyMgU3VtbWFyeQo=\n", 0 },
	{ "nested multiparts pop back to the outer level",
	  { { "Content-Type", "multipart/mixed; boundary=\"o\"" } },
	  "--o\nContent-Type: multipart/alternative; boundary=\"i\"\n\n--i\nContent-Type: text/plain\n\nx\n"
	  "--i\nContent-Type: text/html\n\n<p>\n--i--\n--o\nContent-Type: image/png; name=\"a.png\"\n\nAAAA\n--o--\n",
	  MIME_HTML_ALTERNATIVE | MIME_ATTACHMENT },
	{ "a part cut off by the end of the message still counts",
	  { { "Content-Type", "multipart/mixed; boundary=\"m\"" } },
	  "--m\nContent-Type: text/html", MIME_HTML_ONLY },
};

/* crlf - the body with every LF as CRLF (caller frees) */
static char *
crlf(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *p = out;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			*p++ = '\r';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

/* scan - the facts for one case, body fed in chunks of size step (0: whole) */
static int
scan(size_t i, const char *body, size_t step)
{
	struct mime_scan *s = mime_scan_new();
	size_t j, len = strlen(body);
	int flags;

	for (j = 0; j < 3 && cases[i].headers[j].name != NULL; j++)
		mime_scan_header(s, cases[i].headers[j].name, cases[i].headers[j].value);
	if (step == 0)
		step = len > 0 ? len : 1;
	for (j = 0; j < len; j += step)
		mime_scan_body(s, body + j, len - j < step ? len - j : step);
	flags = mime_scan_finish(s);
	mime_scan_free(s);
	return flags;
}

int
main(void)
{
	static const size_t steps[] = { 0, 1, 2, 7, 64 };
	char got[128], want[128];
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body2 = crlf(cases[i].body);

		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			int f = scan(i, cases[i].body, steps[k]);
			int g = scan(i, body2, steps[k]);

			CHECK(f == cases[i].want, "%s (chunks of %zu): got %s, want %s",
			    cases[i].label, steps[k], mime_flag_names(f, got, sizeof(got)),
			    mime_flag_names(cases[i].want, want, sizeof(want)));
			CHECK(g == cases[i].want, "%s (CRLF, chunks of %zu): got %s, want %s",
			    cases[i].label, steps[k], mime_flag_names(g, got, sizeof(got)),
			    mime_flag_names(cases[i].want, want, sizeof(want)));
		}
		free(body2);
	}
	return test_exit("test-mime-scan");
}
