/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-qf.c - unit test of ctlq_sendmail_parse_qf, which reads the envelope
 * and headers of a Sendmail queue file for ccguardctl: fields, folded and
 * conditional headers, and damaged or hostile files (no crash, nothing
 * invented).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl_queue.h"
#include "strbuf.h"
#include "testlib.h"

/* parse - ctlq_sendmail_parse_qf on a C string; 0 or -1 */
static int
parse(const char *text, struct ctlq_entry *e, struct strbuf *h)
{
	strbuf_init(h, 1 << 20);
	return ctlq_sendmail_parse_qf(text, strlen(text), e, h);
}

/* main - the cases */
int
main(void)
{
	struct ctlq_entry e;
	struct strbuf h;

	/* A quarantined file as Sendmail 8.17 writes it (from a real run). */
	CHECK(parse("V8\nT1796078146\nK1796078146\nN0\nP60360\n"
	    "qccguard rule kernel-and-distros\nFbs\n$_localhost [127.0.0.1]\n"
	    "S<reporter@example.org>\nrRFC822; security@kernel.org\n"
	    "RPFD:<security@kernel.org>\nrRFC822; linux-distros@vs.openwall.org\n"
	    "RPFD:<linux-distros@vs.openwall.org>\n"
	    "H?P?Return-Path: <\x83g>\n"
	    "H??Received: from client (localhost [127.0.0.1])\n\tby sm.example.test; Mon\n"
	    "H??To: security@kernel.org\n"
	    "H?${x}?X-Cond: only for some\n\tcontinued\n"
	    "H??X-Ccguard-Hold: rule=kernel-and-distros; matched=a\n.\n"
	    "H??After-End: not read\n", &e, &h) == 0, "a real queue file parses");
	CHECK(e.arrival == 1796078146, "T: got %lld", (long long)e.arrival);
	CHECK_STR(e.sender, "reporter@example.org", "S without brackets");
	CHECK(e.nrcpts == 2, "two R lines: got %zu", e.nrcpts);
	if (e.nrcpts == 2) {
		CHECK_STR(e.rcpts[0], "security@kernel.org", "first R");
		CHECK_STR(e.rcpts[1], "linux-distros@vs.openwall.org", "second R");
	}
	CHECK_STR(e.queue_name, "hold", "quarantined means held");
	CHECK_STR(strbuf_str(&h),
	    "Received: from client (localhost [127.0.0.1])\n\tby sm.example.test; Mon\n"
	    "To: security@kernel.org\n"
	    "X-Ccguard-Hold: rule=kernel-and-distros; matched=a\n",
	    "headers: folded kept, conditional (and its continuation) and after '.' left out");
	ctlq_entry_clear(&e);
	strbuf_free(&h);

	/* The null sender, an R line without flags, no final newline. */
	CHECK(parse("S<>\nRbob@example.org\nH??Subject: x", &e, &h) == 0, "short file");
	CHECK_STR(e.sender, "", "null sender");
	CHECK(e.nrcpts == 1 && strcmp(e.rcpts[0], "bob@example.org") == 0,
	    "R without a colon is the address");
	CHECK_STR(strbuf_str(&h), "Subject: x\n", "last line without newline");
	ctlq_entry_clear(&e);
	strbuf_free(&h);

	/* Damaged: empty, only continuations, an unterminated condition, NULs. */
	CHECK(parse("", &e, &h) == 0 && e.nrcpts == 0 && e.arrival == 0 && h.len == 0,
	    "an empty file gives an empty entry");
	ctlq_entry_clear(&e);
	strbuf_free(&h);
	CHECK(parse("\tstray\n H?P\nTnotanumber\nS\nR:\n", &e, &h) == 0 && h.len == 0,
	    "stray continuations and an unterminated condition add no header");
	CHECK(e.nrcpts == 1 && e.rcpts[0][0] == '\0' && e.sender[0] == '\0',
	    "an empty R and S are kept empty, not invented");
	ctlq_entry_clear(&e);
	strbuf_free(&h);
	{
		static const char nul[] = "S<a@b>\nH??X: a\0b\nRx:<c@d>\n";

		strbuf_init(&h, 1 << 20);
		CHECK(ctlq_sendmail_parse_qf(nul, sizeof(nul) - 1, &e, &h) == 0 && e.nrcpts == 1,
		    "a NUL byte inside a line does not end the file");
		ctlq_entry_clear(&e);
		strbuf_free(&h);
	}
	/* A header block past the buffer's cap is an error, never a cut copy. */
	{
		struct strbuf small;
		const char *big = "H??Subject: 0123456789012345678901234567890123456789\n";

		strbuf_init(&small, 16);
		CHECK(ctlq_sendmail_parse_qf(big, strlen(big), &e, &small) == -1,
		    "headers past the cap fail");
		ctlq_entry_clear(&e);
		strbuf_free(&small);
	}
	return test_exit("test-qf");
}
