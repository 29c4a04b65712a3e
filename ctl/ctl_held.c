/*
 * NAME
 *	ctl_held - the moderator's verbs on one held message
 * SYNOPSIS
 *	e = find_held(c, qid);  ctl_load_headers(c, qid, &text, &h, &n);
 *	cmd_release(c, e);  cmd_release_without(c, e, list);
 *	cmd_reject(c, e, reason);  cmd_discard(c, e);
 * DESCRIPTION
 *	SPDX-License-Identifier: BSD-2-Clause
 *
 *	The one home of what a moderator can do to a held message. The
 *	command line (ccguardctl.c) and moderation by mail (ctl_mail.c) both
 *	call these through ctl.h; the mail front end never calls into the
 *	command line (which only starts it): mail commands run exactly the
 *	code of "ccguardctl held ...", with the
 *	moderator's address in the log lines (ctl_who) instead of the uid.
 *	Every queue operation goes through the queue backend (ctl_queue.c,
 *	ctl_sendmail.c): postqueue, postcat, postsuper by fixed path.
 *
 *	release --without LIST submits the message again, with sendmail, to
 *	the recipients that are not members of LIST (decided by the rule
 *	engine, eval_address_in_list), adding an X-Ccguard-Released header
 *	(release.c) so that ccguard delivers it; only after that submission
 *	succeeded is the held copy deleted. A message is never lost: when the
 *	deletion fails, both copies exist and the error says so.
 *
 *	reject sends the rule's refusal text (RULE.rejected or rejected.txt,
 *	loaded by policy.c; a short built-in one of facts only without them)
 *	and only to a sender the guidance gate allows, judged by the sender
 *	kind ccguard wrote into its hold header: an MX sends no backscatter.
 * DIAGNOSTICS
 *	The verbs print what they did on stdout, errors on stderr, and
 *	return ccguardctl's exit status (ctl.h).
 * SEE ALSO
 *	ccguardctl(8), ctl.h, ctl_mail.c
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "diag.h"
#include "eval.h"
#include "hdrblock.h"
#include "holdhdr.h"
#include "log.h"
#include "mailout.h"
#include "msg.h"
#include "notify.h"
#include "policy.h"
#include "release.h"
#include "ruleset.h"
#include "strbuf.h"
#include "template.h"

/* ctl_who - who acts, for the log: the uid, or the moderator by mail */
const char *
ctl_who(const struct ctl *c)
{
	static char buf[64];

	if (c->actor != NULL)
		return c->actor;
	snprintf(buf, sizeof(buf), "uid %lu", (unsigned long)getuid());
	return buf;
}

/*
 * ctl_release_key - the release key, read once and checked
 * (release_key_read): a key others could change is refused, one anyone
 * can read is used with a warning; both said on stderr and in the log.
 * 0, or -1 when there is no usable key.
 */
int
ctl_release_key(struct ctl *c, const char **key, size_t *keylen)
{
	const struct conf *cf = c->policy->conf;
	char why[1024];
	int r;

	*key = NULL;
	*keylen = 0;
	if (c->key_state == 0) {
		r = release_key_read(cf->release_key, cf->user, &c->key, &c->keylen, why,
		    sizeof(why));
		if (r < 0 && errno == ENOENT)
			fprintf(stderr, "ccguardctl: no release key %s (create it with: ccguardctl "
			    "init-key)\n", cf->release_key);
		else if (r != 0) {
			fprintf(stderr, "ccguardctl: release key %s\n", why);
			log_warnx("release key %s", why);
		}
		c->key_state = r < 0 ? -1 : 1;
	}
	if (c->key_state < 0)
		return -1;
	*key = c->key;
	*keylen = c->keylen;
	return 0;
}

/* ctl_forget_key - wipe the release key from memory (at exit, or before reading mail) */
void
ctl_forget_key(struct ctl *c)
{
	if (c->key != NULL) {
		explicit_bzero(c->key, c->keylen);
		free(c->key);
	}
	c->key = NULL;
	c->keylen = 0;
	c->key_state = 0;
	if (c->policy != NULL)
		release_key_forget(c->policy->release);
}

/*
 * ctl_held_ours - is e a hold of ccguard's own: exactly one hold header,
 * its stamp verified under the release key for this queue id
 * (holdhdr_verify)? 1, with the stamp's nonce in hold (MSG_NONCE_HEX + 1
 * bytes, or NULL); 0 when not; -1 when the key or the message could not
 * be read (said on stderr).
 */
int
ctl_held_ours(struct ctl *c, const struct ctlq_entry *e, char *hold)
{
	struct msg_header *h;
	const char *key;
	char *text, nonce[MSG_NONCE_HEX + 1];
	size_t keylen, n;
	int ok;

	if (ctl_release_key(c, &key, &keylen) < 0 ||
	    ctl_load_headers(c, e->queue_id, &text, &h, &n) < 0)
		return -1;
	ok = holdhdr_verify(c->policy->conf->hold_header, h, n, e->queue_id, key, keylen, nonce);
	hdrblock_headers_free(h, n);
	free(text);
	if (ok && hold != NULL)
		memcpy(hold, nonce, sizeof(nonce));
	return ok;
}

/* ctl_not_ours - say that e is held, but not by ccguard; ccguardctl's exit status */
int
ctl_not_ours(const struct ctlq_entry *e)
{
	fprintf(stderr, "ccguardctl: %s: held, but not by ccguard: it has no valid hold stamp "
	    "(held by another filter or a header_checks rule, by a ccguard without a usable "
	    "release key, or before holds were stamped); ccguardctl acts only on ccguard's "
	    "holds, the MTA's own tools act on the others\n", e->queue_id);
	return EXIT_NOTFOUND;
}

/* find_held - the hold-queue entry for qid, or NULL */
struct ctlq_entry *
find_held(struct ctl *c, const char *qid)
{
	size_t i;

	for (i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].queue_id, qid) == 0 &&
		    strcmp(c->entries[i].queue_name, "hold") == 0)
			return &c->entries[i];
	return NULL;
}

/* ctl_load_headers - the held message's header block, parsed */
int
ctl_load_headers(struct ctl *c, const char *qid, char **text, struct msg_header **h, size_t *n)
{
	char err[512];
	size_t len;

	if (c->q.be->cat(&c->q, qid, 0, text, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", qid, err);
		return -1;
	}
	if (hdrblock_parse(*text, h, n) < 0) {
		fprintf(stderr, "ccguardctl: %s: out of memory\n", qid);
		free(*text);
		return -1;
	}
	return 0;
}

/* cmd_release - postsuper -H or sendmail -qQ -qIID -Q: milters do not run again */
int
cmd_release(struct ctl *c, struct ctlq_entry *e)
{
	char err[512];

	if (c->q.be->release(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: release failed: %s\n", e->queue_id, err);
		log_warnx("%s: release failed: %s", e->queue_id, err);
		return EXIT_FAIL;
	}
	log_info("%s: released by a moderator (%s)", e->queue_id, ctl_who(c));
	printf("%s: released\n", e->queue_id);
	return EXIT_OK;
}

/* strip_headers - the header text without our own headers */
static void
strip_headers(const struct conf *cf, const char *text, struct strbuf *out)
{
	const char *p = text, *nl;
	size_t len;
	int skipping = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) + 1 : strlen(p);
		if (*p != ' ' && *p != '\t') {
			size_t hl = strlen(cf->hold_header), rl = strlen(RELEASE_HEADER);

			skipping = (strncasecmp(p, cf->hold_header, hl) == 0 && p[hl] == ':') ||
			    (strncasecmp(p, RELEASE_HEADER, rl) == 0 && p[rl] == ':');
		}
		if (!skipping)
			strbuf_append(out, p, len);
		p += len;
	}
	while (out->len > 1 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
		out->data[--out->len] = '\0';
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		strbuf_putc(out, '\n');
}

/* cmd_release_without - resubmit to the recipients outside LIST, then delete */
int
cmd_release_without(struct ctl *c, struct ctlq_entry *e, const char *listname)
{
	const struct conf *cf = c->policy->conf;
	struct mailout_via via;
	struct strbuf msgtext;
	const char *key;
	char **keep, *value, *htext = NULL, *btext = NULL, err[512];
	size_t k, nkeep = 0, keylen, hlen, blen;
	int list, r = EXIT_FAIL;

	if ((list = ruleset_find_list(c->policy->rs, listname)) < 0) {
		fprintf(stderr, "ccguardctl: no list named \"%s\" in the rules\n", listname);
		return EXIT_USAGE;
	}
	if ((keep = calloc(e->nrcpts + 1, sizeof(*keep))) == NULL)
		return EXIT_FAIL;
	for (k = 0; k < e->nrcpts; k++)
		if (!eval_envelope_in_list(c->policy->rs, e->rcpts[k], list))
			keep[nkeep++] = e->rcpts[k];
	if (nkeep == 0) {
		fprintf(stderr, "ccguardctl: %s: every recipient is in %s; use reject or discard\n",
		    e->queue_id, listname);
		goto out;
	}
	if (nkeep == e->nrcpts) {
		fprintf(stderr, "ccguardctl: %s: no recipient is in %s; use release to deliver "
		    "it as it is\n", e->queue_id, listname);
		goto out;
	}
	if (ctl_release_key(c, &key, &keylen) < 0)
		goto out;
	value = release_header_value(key, keylen, e->queue_id, time(NULL), keep, nkeep);
	if (value == NULL) {
		fprintf(stderr, "ccguardctl: %s: could not compute the release header\n", e->queue_id);
		goto out;
	}
	if (c->q.be->cat(&c->q, e->queue_id, 0, &htext, &hlen, err, sizeof(err)) < 0 ||
	    c->q.be->cat(&c->q, e->queue_id, 1, &btext, &blen, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: %s\n", e->queue_id, err);
		free(value);
		goto out;
	}
	strbuf_init(&msgtext, 0);
	strbuf_printf(&msgtext, "%s: %s\n", RELEASE_HEADER, value);
	free(value);
	strip_headers(cf, htext, &msgtext);
	/* postcat -b starts at the first non-header line: the empty separator. */
	if (blen == 0 || btext[0] != '\n')
		strbuf_putc(&msgtext, '\n');
	strbuf_append(&msgtext, btext, blen);
	if (msgtext.error != STRBUF_OK) {
		/* Never submit a cut copy: the held one would be deleted next. */
		fprintf(stderr, "ccguardctl: %s: out of memory building the message; it stays "
		    "held\n", e->queue_id);
		strbuf_free(&msgtext);
		goto out;
	}

	memset(&via, 0, sizeof(via));
	via.sendmail_path = cf->sendmail_path;
	via.postfix_config = ctlq_submit_config(&c->q);
	via.envelope_from = e->sender;
	via.timeout = CTL_RESUBMIT_TIMEOUT;
	if (mailout_submit(&via, keep, nkeep, msgtext.data, msgtext.len, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: re-submission failed, the message stays held: %s\n",
		    e->queue_id, err);
		log_warnx("%s: release without %s failed, still held: %s", e->queue_id,
		    listname, err);
		strbuf_free(&msgtext);
		goto out;
	}
	strbuf_free(&msgtext);
	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: re-submitted, but the held copy could not be "
		    "deleted (delete it with: ccguardctl held discard %s): %s\n",
		    e->queue_id, e->queue_id, err);
		log_warnx("%s: released without %s, but the held copy remains: %s",
		    e->queue_id, listname, err);
		goto out;
	}
	log_info("%s: released without %s by a moderator (%s) to %zu of %zu recipients",
	    e->queue_id, listname, ctl_who(c), nkeep, e->nrcpts);
	printf("%s: re-submitted to %zu recipient(s) without %s; held copy deleted\n",
	    e->queue_id, nkeep, listname);
	r = EXIT_OK;
out:
	free(htext);
	free(btext);
	free(keep);
	return r;
}

/* The variables a rejection notice may use; the rest render empty. */
struct reject_vars {
	const struct conf *cf;
	struct ctlq_entry *e;
	const char	*rule, *reason, *message_id;
	char		 date[64];
	struct strbuf	 reason_text;
};

/* reject_var - template lookup for the rejection notice */
static const char *
reject_var(void *arg, const char *name)
{
	struct reject_vars *rv = arg;

	if (strcmp(name, "rule") == 0)
		return rv->rule != NULL ? rv->rule : "(unknown)";
	if (strcmp(name, "action") == 0)
		return "hold";
	if (strcmp(name, "sender") == 0)
		return rv->e->sender[0] != '\0' ? rv->e->sender : "<>";
	if (strcmp(name, "queue_id") == 0)
		return rv->e->queue_id;
	if (strcmp(name, "hostname") == 0)
		return rv->cf->hostname != NULL ? rv->cf->hostname : "localhost";
	if (strcmp(name, "message_id") == 0)
		return rv->message_id != NULL ? rv->message_id : "(none)";
	if (strcmp(name, "date") == 0)
		return rv->date;
	if (strcmp(name, "site") == 0)
		return rv->cf->site;
	if (strcmp(name, "reason") == 0)
		return strbuf_str(&rv->reason_text);
	return NULL;	/* about the message's content: not known here */
}

/* Used when no RULE.rejected or rejected.txt exists: facts only. */
static const char builtin_rejected[] =
    "Refused by a moderator: your message was held on ${hostname} and deleted.\n"
    "This server did not deliver it to any of its recipients here.\n"
    "Rule: ${rule}. Message-ID: ${message_id}.\n"
    "The moderator's reason: ${reason}\n"
    "The headers of your message are attached; its body is not.\n"
    "Refused by a moderator on ${hostname}: see the reason above.\n";

/* reject_notice - the message telling the sender a moderator refused it */
static char *
reject_notice(const struct policy *p, struct ctlq_entry *e, const struct msg_header *h,
    size_t n, const char *rule, const char *reason, char **rcpt, size_t *len)
{
	static const char *const omit[] = { RELEASE_HEADER, NULL, NULL };
	const struct conf *cf = p->conf;
	const char *omit_all[3];
	const struct template *t = NULL;
	struct template *builtin = NULL;
	struct reject_vars rv;
	struct mailout_spec spec;
	struct strbuf text, subj;
	struct diag d;
	const char *subject = NULL;
	char *from, *data = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if ((*rcpt = mailout_envelope_address(e->sender)) == NULL)
		return NULL;
	memset(&rv, 0, sizeof(rv));
	rv.cf = cf;
	rv.e = e;
	rv.rule = rule;
	for (i = 0; i < n; i++) {
		if (rv.message_id == NULL && strcasecmp(h[i].name, "Message-ID") == 0)
			rv.message_id = h[i].value;
		if (subject == NULL && strcasecmp(h[i].name, "Subject") == 0)
			subject = h[i].value;
	}
	gmtime_r(&now, &tm);
	strftime(rv.date, sizeof(rv.date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	strbuf_init(&rv.reason_text, 8192);
	if (reason != NULL && *reason != '\0')
		strbuf_puts(&rv.reason_text, reason);
	else
		strbuf_puts(&rv.reason_text, "(none given)");
	/* The rule's own text (RULE.rejected, or rejected.txt beside it). */
	if (rule != NULL)
		t = policy_rule_texts(p, ruleset_find_rule(p->rs, rule))->rejected;
	diag_init(&d);
	if (t == NULL)
		t = builtin = template_from_text(builtin_rejected, "built-in", &d);
	diag_free(&d);
	from = notify_from(cf);
	strbuf_init(&text, 64 * 1024);
	strbuf_init(&subj, 2048);
	if (t != NULL && template_render(t, reject_var, &rv, &text) == STRBUF_OK) {
		strbuf_puts(&subj, "Your message was not delivered");
		if (cf->guidance_subject && subject != NULL)
			strbuf_printf(&subj, ": %.400s", subject);
		memcpy(omit_all, omit, sizeof(omit_all));
		omit_all[1] = cf->hold_header;
		memset(&spec, 0, sizeof(spec));
		spec.from = from != NULL ? from : "postmaster";
		spec.to = *rcpt;
		spec.subject = strbuf_str(&subj);
		spec.text = strbuf_str(&text);
		spec.in_reply_to = rv.message_id;
		spec.hostname = cf->hostname;
		spec.headers = h;
		spec.nheaders = n;
		spec.keep_subject = cf->guidance_subject;
		spec.omit = omit_all;
		data = mailout_build(&spec, len);
	}
	template_free(builtin);
	strbuf_free(&text);
	strbuf_free(&subj);
	strbuf_free(&rv.reason_text);
	free(from);
	if (data == NULL) {
		free(*rcpt);
		*rcpt = NULL;
	}
	return data;
}

/*
 * cmd_reject - delete, and tell the sender why; only a sender who could
 * not be forged (guidance_senders: the same gate as guidance), so that an
 * MX never sends backscatter
 */
int
cmd_reject(struct ctl *c, struct ctlq_entry *e, const char *reason)
{
	struct msg_header *h;
	const char *why = NULL;
	char *text, *notice = NULL, *rcpt = NULL, *rule = NULL, *hold = NULL, err[512];
	size_t n, len = 0;
	int r = EXIT_OK;

	if (ctl_load_headers(c, e->queue_id, &text, &h, &n) < 0)
		return EXIT_FAIL;
	holdhdr_parse(c->policy->conf->hold_header, h, n, &rule, &hold);
	if (e->sender[0] == '\0')
		why = "the sender is <>";
	else if ((why = notify_class_gate(c->policy->conf, holdhdr_sender_class(hold))) != NULL)
		;
	else if ((why = mailout_suppress_reason(h, n)) == NULL &&
	    (notice = reject_notice(c->policy, e, h, n, rule, reason, &rcpt, &len)) == NULL)
		why = "no usable sender address";
	hdrblock_headers_free(h, n);
	free(text);
	free(rule);
	free(hold);
	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: delete failed, the message stays held: %s\n",
		    e->queue_id, err);
		free(notice);
		free(rcpt);
		return EXIT_FAIL;
	}
	log_info("%s: rejected by a moderator (%s)", e->queue_id, ctl_who(c));
	if (notice == NULL) {
		printf("%s: rejected; no notice sent (%s)\n", e->queue_id, why);
	} else if (notify_send(c->policy->conf, rcpt, notice, len) < 0) {
		fprintf(stderr, "ccguardctl: %s: rejected, but the notice to the sender could "
		    "not be sent (see the log)\n", e->queue_id);
		r = EXIT_FAIL;
	} else {
		log_info("%s: rejection notice sent to <%s>", e->queue_id, rcpt);
		printf("%s: rejected; notice sent to <%s>\n", e->queue_id, rcpt);
	}
	free(notice);
	free(rcpt);
	return r;
}

/* cmd_discard - delete without a word */
int
cmd_discard(struct ctl *c, struct ctlq_entry *e)
{
	char err[512];

	if (c->q.be->remove(&c->q, e->queue_id, err, sizeof(err)) < 0) {
		fprintf(stderr, "ccguardctl: %s: delete failed: %s\n", e->queue_id, err);
		return EXIT_FAIL;
	}
	log_info("%s: discarded by a moderator (%s)", e->queue_id, ctl_who(c));
	printf("%s: discarded\n", e->queue_id);
	return EXIT_OK;
}
