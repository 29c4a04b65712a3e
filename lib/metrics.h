/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h - the daemon's counters, and the file in the Prometheus text
 * format that node_exporter's textfile collector reads.
 */
#ifndef CCGUARD_METRICS_H
#define CCGUARD_METRICS_H

#include <stddef.h>
#include <time.h>

#include "action.h"

struct strbuf;
struct verdict;

/* What the MTA was told about a message (ccguard_messages_total{verdict}). */
enum metrics_verdict {
	METRICS_PASS,		/* delivered: pass, accept, notify, monitor, released */
	METRICS_REJECT,
	METRICS_TEMPFAIL,
	METRICS_HOLD,		/* quarantined */
	METRICS_DISCARD,	/* never told today; listed so the label set is fixed */
	METRICS_NVERDICTS
};

/* The mail ccguard sends besides the MTA's answer. */
enum metrics_mail {
	METRICS_GUIDANCE,	/* to the sender (ccguard_guidance_total) */
	METRICS_NOTICE,		/* to the moderators (ccguard_notice_total) */
	METRICS_NMAILS
};

/* What became of one such message. */
enum metrics_mail_result {
	METRICS_SENT,		/* handed to the MTA */
	METRICS_SUPPRESSED,	/* the settings say nobody is to get it */
	METRICS_FAILED,		/* could not be built, queued or submitted */
	METRICS_NRESULTS
};

/* The largest file metrics_format() builds (rule series included). */
#define METRICS_TEXT_MAX	((size_t)16 << 20)

void	metrics_set_start_time(time_t);
void	metrics_count_message(const struct verdict *, enum action_result);
void	metrics_count_unjudged(void);
void	metrics_count_rule(const char *rule, const char *action);
void	metrics_count_mail(enum metrics_mail, enum metrics_mail_result);
void	metrics_count_reload(int ok);
void	metrics_count_write_failure(void);
int	metrics_format(struct strbuf *);
int	metrics_write(const char *path, char *err, size_t errsize);

#endif
