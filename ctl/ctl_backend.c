/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ctl_backend - choose the MTA whose hold queue ccguardctl works on
 * SYNOPSIS
 *	ctlq_open(&q, conf, err, size);	q.be->list, cat, release, remove
 *	ctlq_close(&q);
 * DESCRIPTION
 *	The "mta" setting names the MTA: postfix, sendmail, or auto. With
 *	auto, a set postfix_config or an installed Postfix (postconf at its
 *	fixed path) means Postfix; otherwise an existing sendmail_config
 *	(sendmail.cf) means Sendmail; otherwise Postfix, whose tools then
 *	say what is missing.
 *
 *	The Postfix backend is ctl_queue.c (postqueue, postcat, postsuper);
 *	the Sendmail backend is ctl_sendmail.c (mailq -qQ, sendmail -qQ).
 *	Both release in two steps: out of the hold queue (the quarantine),
 *	then a request to deliver that one message now.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctl_queue.h"

#ifndef CCGUARD_POSTCONF
#define CCGUARD_POSTCONF "/usr/sbin/postconf"
#endif

/*
 * pf_release - postsuper -H (Postfix does not run milters again on
 * release), then postqueue -i, so that it goes now rather than at the
 * next scan of the deferred queue
 */
static int
pf_release(struct ctlq *q, const char *qid, char *err, size_t errsize)
{
	char why[512];

	if (ctlq_super(q, "-H", qid, err, errsize) < 0)
		return -1;
	/* Released already: should this fail, the next queue run delivers it. */
	if (ctlq_deliver(q, qid, why, sizeof(why)) < 0)
		ctlq_delivery_left(qid, why);
	return 0;
}

/* pf_remove - postsuper -d QID hold */
static int
pf_remove(struct ctlq *q, const char *qid, char *err, size_t errsize)
{
	return ctlq_super(q, "-d", qid, err, errsize);
}

static const struct ctlq_backend ctlq_postfix = {
	"postfix", ctlq_list, ctlq_cat, pf_release, pf_remove, ctlq_clear
};

/* ctlq_open - the backend the configuration names or the system has */
int
ctlq_open(struct ctlq *q, const struct conf *cf, char *err, size_t errsize)
{
	enum conf_mta mta = cf->mta;
	int r;

	memset(q, 0, sizeof(*q));
	if (mta == CONF_MTA_AUTO) {
		if (cf->postfix_config[0] != '\0' || access(CCGUARD_POSTCONF, X_OK) == 0)
			mta = CONF_MTA_POSTFIX;
		else if (access(cf->sendmail_config, R_OK) == 0)
			mta = CONF_MTA_SENDMAIL;
		else
			mta = CONF_MTA_POSTFIX;
	}
	if (mta == CONF_MTA_SENDMAIL) {
		r = ctlq_sendmail_init(q, cf->sendmail_path, cf->sendmail_config, err, errsize);
		q->be = &ctlq_sendmail;
	} else {
		r = ctlq_init(q, cf->postfix_config, err, errsize);
		q->be = &ctlq_postfix;
	}
	return r;
}

/* ctlq_close - free what ctlq_open set up */
void
ctlq_close(struct ctlq *q)
{
	if (q->be != NULL)
		q->be->clear(q);
	memset(q, 0, sizeof(*q));
}

/* ctlq_submit_config - the "-C" argument for re-submitting with sendmail, or NULL */
const char *
ctlq_submit_config(const struct ctlq *q)
{
	if (q->be == &ctlq_sendmail)
		return q->sm_cf;
	return q->config;
}
