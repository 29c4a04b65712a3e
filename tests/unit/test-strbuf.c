/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test-strbuf.c - strbuf appends either succeed whole or fail without
 * changing the buffer, and the first failure stays in sb->error until a
 * reset, so code that builds a message in many appends can check once
 * before it submits (ccguardctl release --without, the SMTP submitter).
 */
#include "config.h"

#include <string.h>

#include "strbuf.h"
#include "testlib.h"

int
main(void)
{
	struct strbuf sb;

	strbuf_init(&sb, 8);
	CHECK(sb.error == STRBUF_OK, "a new buffer has no error");
	CHECK(strbuf_puts(&sb, "abcd") == STRBUF_OK && sb.error == STRBUF_OK, "fits");
	CHECK(strbuf_puts(&sb, "efghij") == STRBUF_FULL, "past the cap: want FULL");
	CHECK_STR(strbuf_str(&sb), "abcd", "a failed append leaves the text as it was");
	CHECK(sb.error == STRBUF_FULL, "the failure is kept: got %d", sb.error);
	CHECK(strbuf_puts(&sb, "ef") == STRBUF_OK, "a later append that fits succeeds");
	CHECK(sb.error == STRBUF_FULL, "and the earlier failure is still kept: got %d", sb.error);
	CHECK(strbuf_printf(&sb, "%s", "0123456789") == STRBUF_FULL, "printf past the cap");
	strbuf_reset(&sb);
	CHECK(sb.error == STRBUF_OK && sb.len == 0, "reset clears text and error");
	CHECK(strbuf_putc(&sb, 'x') == STRBUF_OK && sb.error == STRBUF_OK, "usable again");
	strbuf_free(&sb);
	CHECK(sb.error == STRBUF_OK && sb.data == NULL, "free clears it");
	return test_exit("test-strbuf");
}
