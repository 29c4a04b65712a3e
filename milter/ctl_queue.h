/*
 * ctl_queue.h - ccguardctl's view of Postfix's hold queue: postqueue -j,
 * postcat and postsuper, run by fixed path without a shell.
 */
#ifndef CCGUARD_CTL_QUEUE_H
#define CCGUARD_CTL_QUEUE_H

#include <stddef.h>
#include <time.h>

struct msg_header;

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
	char	*config;	/* Postfix config dir ("-c DIR"), or NULL */
	char	*command_dir;	/* Postfix's command_directory */
};

int	ctlq_init(struct ctlq *, const char *config, char *err, size_t errsize);
void	ctlq_clear(struct ctlq *);
int	ctlq_list(struct ctlq *, struct ctlq_entry **, size_t *, char *err, size_t errsize);
void	ctlq_entries_free(struct ctlq_entry *, size_t);
int	ctlq_parse_json_line(const char *line, struct ctlq_entry *);
int	ctlq_cat(struct ctlq *, const char *qid, int body, char **out, size_t *len,
	    char *err, size_t errsize);
int	ctlq_super(struct ctlq *, const char *op, const char *qid, char *err, size_t errsize);
int	ctlq_headers_parse(const char *text, struct msg_header **, size_t *);
void	ctlq_headers_free(struct msg_header *, size_t);
void	ctlq_hold_reason(const char *hold_header, const struct msg_header *, size_t,
	    char **rule, char **reason);
int	ctlq_run(const char *const *argv, char **out, size_t *len, char *err, size_t errsize);

#endif
