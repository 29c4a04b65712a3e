/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	notify_worker - the daemon's notifier: decides and queues the notices
 * SYNOPSIS
 *	notify_init();  action_set_notifier(notify_message);
 * DESCRIPTION
 *	action.c calls notify_message() after a hold or notify verdict, once
 *	the MTA has been told; the message is already safe in the hold queue,
 *	so nothing here can lose or release it, and a failure is only logged.
 *	Guidance is decided first (notify_gate, the rate), so the moderator
 *	notice can say; the messages are built by lib/notify.c.
 *
 *	A worker thread submits them (notify_queue, notify_send), so the
 *	MTA's answer never waits for a notice; at most NOTIFY_QUEUE_MAX
 *	notices wait, more are dropped with a log line, and notices still
 *	waiting when the daemon stops are not sent. The held message is safe
 *	in either case. Each guidance message and notice is counted
 *	(lib/metrics.c) as sent, suppressed or failed, where that is known.
 * SEE ALSO
 *	notify.c, mailout.c
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "modcmd.h"
#include "msg.h"
#include "notify.h"
#include "notify_worker.h"
#include "policy.h"
#include "release.h"
#include "ruleset.h"
#include "verdict.h"

/*
 * The daemon's notices are submitted by one worker thread, so a slow
 * sendmail or SMTP server never delays the MTA's answer. Jobs copy all
 * they need (a reload may free the conf); at most NOTIFY_QUEUE_MAX wait.
 */
struct notify_job {
	struct notify_job *next;
	struct conf	 conf;		/* only the submission fields are set */
	char		*rcpt, *data, *what;
	size_t		 len;
	enum metrics_mail kind;		/* what it counts as */
	char		 qid[80];
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct notify_job *queue_head, *queue_tail;
static size_t queue_len;
static int worker_started;

/* job_free - free a notice job */
static void
job_free(struct notify_job *j)
{
	free(j->conf.sendmail_path);
	free(j->conf.postfix_config);
	free(j->conf.notify_smtp);
	free(j->conf.hostname);
	free(j->rcpt);
	free(j->data);
	free(j->what);
	free(j);
}

/* notify_worker - submit queued notices, one at a time, forever */
static void *
notify_worker(void *arg)
{
	struct notify_job *j;

	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (queue_head == NULL)
			pthread_cond_wait(&queue_cond, &queue_lock);
		j = queue_head;
		queue_head = j->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		queue_len--;
		pthread_mutex_unlock(&queue_lock);
		if (notify_send(&j->conf, j->rcpt, j->data, j->len) == 0) {
			log_info("%s: %s sent to <%s>", j->qid, j->what, j->rcpt);
			metrics_count_mail(j->kind, METRICS_SENT);
		} else
			metrics_count_mail(j->kind, METRICS_FAILED);
		job_free(j);
	}
	return NULL;
}

/*
 * notify_queue - hand a notice of this kind to the worker; takes data;
 * counted failed if it can not. The worker says HELO as server, the name
 * the message's MTA goes by.
 */
static void
notify_queue(const struct conf *c, const char *server, const char *qid, enum metrics_mail kind,
    const char *what,
    const char *rcpt, char *data, size_t len)
{
	struct notify_job *j;
	pthread_t t;
	pthread_attr_t attr;

	pthread_mutex_lock(&queue_lock);
	if (!worker_started) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, notify_worker, NULL) == 0)
			worker_started = 1;
		pthread_attr_destroy(&attr);
	}
	if (!worker_started || queue_len >= NOTIFY_QUEUE_MAX ||
	    (j = calloc(1, sizeof(*j))) == NULL) {
		pthread_mutex_unlock(&queue_lock);
		log_warnx("%s: %s to <%s> not sent: %s", qid, what, rcpt,
		    worker_started ? "too many notices waiting" : "no notifier thread");
		metrics_count_mail(kind, METRICS_FAILED);
		free(data);
		return;
	}
	snprintf(j->qid, sizeof(j->qid), "%s", qid);
	j->conf.sendmail_path = strdup(c->sendmail_path);
	j->conf.postfix_config = strdup(c->postfix_config);
	j->conf.notify_smtp = strdup(c->notify_smtp);
	j->conf.hostname = strdup(server);
	j->conf.notify_timeout = c->notify_timeout;
	j->rcpt = strdup(rcpt);
	j->what = strdup(what);
	j->data = data;
	j->len = len;
	j->kind = kind;
	if (j->conf.sendmail_path == NULL || j->conf.postfix_config == NULL ||
	    j->conf.notify_smtp == NULL || j->conf.hostname == NULL || j->rcpt == NULL ||
	    j->what == NULL) {
		pthread_mutex_unlock(&queue_lock);
		log_warnx("%s: %s to <%s> not sent: out of memory", qid, what, rcpt);
		metrics_count_mail(kind, METRICS_FAILED);
		job_free(j);
		return;
	}
	if (queue_tail != NULL)
		queue_tail->next = j;
	else
		queue_head = j;
	queue_tail = j;
	queue_len++;
	pthread_cond_signal(&queue_cond);
	pthread_mutex_unlock(&queue_lock);
}

/*
 * notify_message - the notifier action.c calls for hold and notify verdicts.
 * Counted: guidance when the rule has a text (suppressed when the gate or
 * the rate says no), a notice for every hold (suppressed with no moderator).
 */
void
notify_message(const struct policy *p, const struct verdict *v, const struct msg *m)
{
	const char *qid = m->queue_id != NULL && release_qid_ok(m->queue_id) ?
	    m->queue_id : "NOQUEUE";
	const char *server = conf_server_name(p->conf, m->server_name);
	const char *why = NULL;
	char *data, *rcpt = NULL, *gdata = NULL, status[600], **mods = NULL, *moderators;
	size_t len, glen = 0, i, nmods;
	int has_text = v->rule != NULL && rule_guidance(v->rule) != NULL;

	/* Guidance is decided first, so that the moderator notice can say. */
	if (!has_text)
		why = "the rule has no guidance text";
	else if ((why = notify_gate(p->conf, m)) != NULL)
		metrics_count_mail(METRICS_GUIDANCE, METRICS_SUPPRESSED);
	else if (!notify_rate_take(m->sender, p->conf->guidance_rate, time(NULL))) {
		why = "guidance_rate reached for this sender";
		metrics_count_mail(METRICS_GUIDANCE, METRICS_SUPPRESSED);
	} else if ((gdata = notify_guidance_build(p, v, m, &rcpt, &glen)) == NULL) {
		why = "the guidance message could not be built";
		metrics_count_mail(METRICS_GUIDANCE, METRICS_FAILED);
	}
	if (gdata != NULL)
		snprintf(status, sizeof(status), "sent to <%.500s>", rcpt);
	else
		snprintf(status, sizeof(status), "none (%s)", why);

	if (v->action == ACTION_HOLD && p->conf->moderator[0] == '\0')
		metrics_count_mail(METRICS_NOTICE, METRICS_SUPPRESSED);
	else if (v->action == ACTION_HOLD) {
		/* By default the postmaster of the name this message's MTA goes by. */
		if ((moderators = conf_moderator(p->conf, m->server_name)) == NULL)
			nmods = 0;
		else
			nmods = modcmd_moderators(moderators, &mods);
		free(moderators);
		if (nmods == 0) {
			log_warnx("%s: moderator notice not built: no usable moderator address", qid);
			metrics_count_mail(METRICS_NOTICE, METRICS_FAILED);
		}
		for (i = 0; i < nmods; i++) {
			if ((data = notify_moderator_build_to(p, v, m, mods[i], status, &len)) == NULL) {
				log_warnx("%s: moderator notice not built", qid);
				metrics_count_mail(METRICS_NOTICE, METRICS_FAILED);
			} else
				notify_queue(p->conf, server, qid, METRICS_NOTICE, "moderator notice",
				    mods[i], data, len);
		}
		modcmd_moderators_free(mods, nmods);
	}
	if (gdata == NULL) {
		log_info("%s: no guidance sent: %s", qid, why);
		return;
	}
	notify_queue(p->conf, server, qid, METRICS_GUIDANCE, "guidance", rcpt, gdata, glen);
	free(rcpt);
}
