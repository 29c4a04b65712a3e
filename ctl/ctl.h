/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl.h - the one file the command line (ccguardctl.c) and the mail front
 * end (ctl_mail.c) both include: the tool's state and the verbs on a held
 * message (ctl_held.c), so that the two no longer call into each other
 * (the command line only starts the mail front end's commands).
 */
#ifndef CCGUARD_CTL_H
#define CCGUARD_CTL_H

#include <stddef.h>

#include "ctl_queue.h"

struct msg_header;
struct policy;

/* Seconds a re-submission with sendmail may take (held release without). */
#define CTL_RESUBMIT_TIMEOUT	300

#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_NOTFOUND	3

struct ctl {
	struct policy	*policy;
	struct ctlq	 q;
	struct ctlq_entry *entries;
	size_t		 nentries;
	const char	*actor;		/* "mail from <addr>" for mail commands, or NULL */
	char		*key;		/* the release key, once read (ctl_release_key) */
	size_t		 keylen;
	int		 key_state;	/* 0: not read yet, 1: read, -1: not usable */
};

/* The verbs on one held message (ctl_held.c); output on stdout/stderr. */
struct ctlq_entry *find_held(struct ctl *, const char *qid);
int	ctl_load_headers(struct ctl *, const char *qid, char **text, struct msg_header **, size_t *n);
int	ctl_release_key(struct ctl *, const char **key, size_t *keylen);
void	ctl_forget_key(struct ctl *);
int	ctl_held_ours(struct ctl *, const struct ctlq_entry *, char *hold);
int	ctl_not_ours(const struct ctlq_entry *);
int	cmd_release(struct ctl *, struct ctlq_entry *);
int	cmd_release_without(struct ctl *, struct ctlq_entry *, const char *list);
int	cmd_reject(struct ctl *, struct ctlq_entry *, const char *reason);
int	cmd_discard(struct ctl *, struct ctlq_entry *);
const char *ctl_who(const struct ctl *);

/* Moderation by mail (ctl_mail.c). */
int	ctl_mail_command(const char *conf_path);
int	ctl_mail_process(struct ctl *);
int	ctl_held_digest(struct ctl *);

#endif
