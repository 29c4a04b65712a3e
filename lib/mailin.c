/*
 * NAME
 *	mailin - read a message that arrived as mail
 * SYNOPSIS
 *	m = mailin_parse(text, len);  h = mailin_headers(m, &n);
 *	from = mailin_from_mailbox(m);  mailin_text(m, &body, max);
 * DESCRIPTION
 *	The one reader of whole incoming messages (moderation by mail,
 *	ctl_mail.c), so that GMime stays in address handling, mail building
 *	and here. mailin_headers gives every header with its value decoded;
 *	mailin_from_mailbox the address of the From header when it names
 *	exactly one mailbox (NULL otherwise); mailin_text the decoded
 *	text/plain parts that are not attachments, each followed by a newline,
 *	as long as out stays within max bytes.
 * SEE ALSO
 *	mailout.c (building), addr.c (addresses)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mailin.h"
#include "msg.h"
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

/* mailin_headers - the message's headers as msg_header pairs (values decoded) */
struct msg_header *
mailin_headers(const struct mailin *m, size_t *n)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m->msg));
	struct msg_header *h;
	int i, count = g_mime_header_list_get_count(hl);

	*n = 0;
	if (count <= 0 || (h = calloc((size_t)count, sizeof(*h))) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(hd), *value = g_mime_header_get_value(hd);

		h[*n].name = strdup(name != NULL ? name : "");
		h[*n].value = strdup(value != NULL ? value : "");
		if (h[*n].name == NULL || h[*n].value == NULL) {
			free(h[*n].name);
			free(h[*n].value);
			break;
		}
		(*n)++;
	}
	return h;
}

/* mailin_headers_free - free mailin_headers()'s array */
void
mailin_headers_free(struct msg_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
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
			strbuf_append(t->out, (const char *)bytes->data, bytes->len);
			strbuf_putc(t->out, '\n');
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
