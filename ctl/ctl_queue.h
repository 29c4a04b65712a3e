/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_queue.h - ccguardctl's view of an MTA's hold queue. Postfix's
 * (postqueue -j, postcat and postsuper, run by fixed path without a shell)
 * is in ctl_queue.c; Sendmail's quarantine in ctl_sendmail.c; both behind
 * struct ctlq_backend, chosen by ctlq_open (ctl_backend.c).
 */
#ifndef CCGUARD_CTL_QUEUE_H
#define CCGUARD_CTL_QUEUE_H

#include <stddef.h>
#include <time.h>

struct msg_header;
struct conf;
struct ctlq;
struct ctlq_entry;
struct strbuf;

/* One MTA's hold queue, as ccguardctl uses it. Every function returns 0,
 * or -1 with a one-line reason in err. */
struct ctlq_backend {
	const char *name;	/* "postfix" or "sendmail" */
	/* every queued message; queue_name "hold" marks the held ones */
	int	(*list)(struct ctlq *, struct ctlq_entry **, size_t *, char *, size_t);
	/* the header section (body = 0) or the body (body = 1) of a held message */
	int	(*cat)(struct ctlq *, const char *qid, int body, char **, size_t *,
		    char *, size_t);
	/* deliver a held message as it is */
	int	(*release)(struct ctlq *, const char *qid, char *, size_t);
	/* delete a held message */
	int	(*remove)(struct ctlq *, const char *qid, char *, size_t);
	void	(*clear)(struct ctlq *);
};

struct ctlq_entry {
	char	*queue_id;
	char	*queue_name;	/* "hold", "active", ... */
	time_t	 arrival;
	long long size;
	char	*sender;	/* "" for the null sender */
	char	**rcpts;
	size_t	 nrcpts;
};

struct ctlq {
	const struct ctlq_backend *be;	/* set by ctlq_open */
	char	*config;	/* Postfix config dir ("-c DIR"), or NULL */
	char	*command_dir;	/* Postfix's command_directory */
	char	*sm_binary;	/* Sendmail: the sendmail program */
	char	*sm_cf;		/* Sendmail: its sendmail.cf ("-C FILE") */
	char	*sm_qdir;	/* Sendmail: its QueueDirectory */
};

int	ctlq_open(struct ctlq *, const struct conf *, char *err, size_t errsize);
void	ctlq_close(struct ctlq *);
const char *ctlq_submit_config(const struct ctlq *);
int	ctlq_init(struct ctlq *, const char *config, char *err, size_t errsize);
void	ctlq_clear(struct ctlq *);
int	ctlq_list(struct ctlq *, struct ctlq_entry **, size_t *, char *err, size_t errsize);
void	ctlq_entries_free(struct ctlq_entry *, size_t);
int	ctlq_entries_push(struct ctlq_entry **, size_t *, struct ctlq_entry *);
void	ctlq_entry_clear(struct ctlq_entry *);
int	ctlq_parse_json_line(const char *line, struct ctlq_entry *);
int	ctlq_cat(struct ctlq *, const char *qid, int body, char **out, size_t *len,
	    char *err, size_t errsize);
int	ctlq_super(struct ctlq *, const char *op, const char *qid, char *err, size_t errsize);
int	ctlq_deliver(struct ctlq *, const char *qid, char *err, size_t errsize);
void	ctlq_delivery_left(const char *qid, const char *why);
int	ctlq_run(const char *const *argv, char **out, size_t *len, char *err, size_t errsize);
extern const struct ctlq_backend ctlq_sendmail;
int	ctlq_sendmail_init(struct ctlq *, const char *binary, const char *cf,
	    char *err, size_t errsize);
int	ctlq_sendmail_parse_qf(const char *text, size_t len, struct ctlq_entry *,
	    struct strbuf *headers);

#endif
