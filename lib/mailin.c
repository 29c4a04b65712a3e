/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mailin - read a message that arrived as mail
 * SYNOPSIS
 *	m = mailin_parse(text, len);
 *	from = mailin_from_mailbox(m);  mailin_text(m, &body, max);
 * DESCRIPTION
 *	The one reader of whole incoming messages (moderation by mail,
 *	modmail.c), so that GMime stays in address handling, mail building
 *	and here; the header block itself is read as the MTA reads it, by
 *	hdrblock.c, values raw. mailin_from_mailbox gives the address of the
 *	From header when it names exactly one mailbox (NULL otherwise);
 *	mailin_text the decoded
 *	text/plain parts that are not attachments, each followed by a newline,
 *	as long as out stays within max bytes; a format=flowed part (RFC 3676)
 *	comes with its soft line breaks undone.
 * SEE ALSO
 *	mailout.c (building), addr.c (addresses)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mailin.h"
#include "strbuf.h"

struct mailin {
	GMimeMessage *msg;
};

/* mailin_parse - parse a message; NULL when it is not a readable message */
struct mailin *
mailin_parse(const char *text, size_t len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct mailin *m;

	stream = g_mime_stream_mem_new_with_buffer(text, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		g_object_unref(msg);
		return NULL;
	}
	m->msg = msg;
	return m;
}

/* mailin_free - free a parsed message */
void
mailin_free(struct mailin *m)
{
	if (m == NULL)
		return;
	g_object_unref(m->msg);
	free(m);
}

/* mailin_from_mailbox - the From address when it is exactly one mailbox, else NULL */
const char *
mailin_from_mailbox(const struct mailin *m)
{
	InternetAddressList *list = g_mime_message_get_from(m->msg);
	InternetAddress *ia;

	if (list == NULL || internet_address_list_length(list) != 1 ||
	    (ia = internet_address_list_get_address(list, 0)) == NULL ||
	    !INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
}

struct text_ctx {
	struct strbuf	*out;
	size_t		 max;
};

/* quote_depth - the '>' marks that begin a format=flowed line (RFC 3676 4.5) */
static size_t
quote_depth(const char *p, size_t len)
{
	size_t d = 0;

	while (d < len && p[d] == '>')
		d++;
	return d;
}

/*
 * unflow - a format=flowed text (RFC 3676) as the lines its sender wrote:
 * a line ending in a space continues on the next line of the same quote
 * depth (with DelSp=yes that space goes); space-stuffing is removed. A
 * mail program that wraps a long command line this way sends it whole.
 */
static void
unflow(const char *text, size_t len, int delsp, struct strbuf *out)
{
	const char *p, *end, *nl;
	size_t ll, depth, cur = 0;
	int joining = 0, flowed;

	if (len == 0)
		return;		/* an empty part: GMime may give no buffer at all */
	p = text;
	end = text + len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		depth = quote_depth(p, ll);
		if (joining && depth != cur) {
			strbuf_putc(out, '\n');	/* a quote depth change ends the paragraph */
			joining = 0;
		}
		if (!joining) {
			size_t i;

			for (i = 0; i < depth; i++)
				strbuf_putc(out, '>');
			if (depth > 0)
				strbuf_putc(out, ' ');
			cur = depth;
		}
		p += depth;
		ll -= depth;
		if (ll > 0 && *p == ' ') {	/* space-stuffed */
			p++;
			ll--;
		}
		flowed = ll > 0 && p[ll - 1] == ' ' && !(ll == 3 && strncmp(p, "-- ", 3) == 0);
		strbuf_append(out, p, flowed && delsp ? ll - 1 : ll);
		joining = flowed;
		if (!joining)
			strbuf_putc(out, '\n');
		p = nl != NULL ? nl + 1 : end;
	}
	if (joining)
		strbuf_putc(out, '\n');
}

/* param_is - does the content type have parameter name with this value (any case)? */
static int
param_is(GMimeContentType *ct, const char *name, const char *value)
{
	const char *v = g_mime_content_type_get_parameter(ct, name);

	return v != NULL && g_ascii_strcasecmp(v, value) == 0;
}

/* collect_text - g_mime_message_foreach callback: decoded text/plain parts */
static void
collect_text(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct text_ctx *t = data;
	GMimeContentType *ct;
	GMimeDataWrapper *w;
	GMimeStream *ms;
	GByteArray *bytes;

	(void)parent;
	if (!GMIME_IS_PART(part) || (ct = g_mime_object_get_content_type(part)) == NULL ||
	    !g_mime_content_type_is_type(ct, "text", "plain") ||
	    g_mime_part_is_attachment(GMIME_PART(part)) ||
	    (w = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return;
	ms = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, ms) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
		if (t->out->len + bytes->len <= t->max) {
			if (param_is(ct, "format", "flowed"))
				unflow((const char *)bytes->data, bytes->len,
				    param_is(ct, "delsp", "yes"), t->out);
			else {
				strbuf_append(t->out, (const char *)bytes->data, bytes->len);
				strbuf_putc(t->out, '\n');
			}
		}
	}
	g_object_unref(ms);
}

/* mailin_text - append the decoded text/plain parts, each while out stays within max */
void
mailin_text(const struct mailin *m, struct strbuf *out, size_t max)
{
	struct text_ctx t = { out, max };

	g_mime_message_foreach(m->msg, collect_text, &t);
}
