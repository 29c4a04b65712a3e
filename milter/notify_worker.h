/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify_worker.h - the daemon's notifier: guidance and moderator notices
 * decided after a verdict and submitted by a worker thread.
 */
#ifndef CCGUARD_NOTIFY_WORKER_H
#define CCGUARD_NOTIFY_WORKER_H

struct policy;
struct verdict;
struct msg;

#define NOTIFY_QUEUE_MAX	256	/* notices waiting for the worker thread */

void	notify_message(const struct policy *, const struct verdict *, const struct msg *);

#endif
