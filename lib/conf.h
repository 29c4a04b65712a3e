/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h - daemon settings from ccguard.conf, as an immutable struct.
 */
#ifndef CCGUARD_CONF_H
#define CCGUARD_CONF_H

#include <stddef.h>

#include "msg.h"
#include "verdict.h"

struct diag;

/* A per-rule override: "action.NAME = VALUE". */
struct conf_override {
	char		*rule;
	char		*value;		/* an action name, "monitor" or "off" */
	const char	*file;
	int		 line;
};

#define CONF_MAX_SETTINGS 64	/* entries of conf.c's table, at most */

/* Where a setting was given (struct conf's given[]). */
#define CONF_GIVEN_FILE		1	/* in ccguard.conf */
#define CONF_GIVEN_PROFILE	2	/* in the site profile */

/* guidance_senders: which senders may get guidance (and refusal notices). */
enum guidance_senders {
	GUIDANCE_SENDERS_AUTHENTICATED,	/* SMTP AUTH was used */
	GUIDANCE_SENDERS_LOCAL,		/* that, or a client on 127.0.0.1 or ::1 */
	GUIDANCE_SENDERS_ALL,
};

/* mta: the hold queue ccguardctl works on. */
enum conf_mta {
	CONF_MTA_AUTO,			/* Postfix when it is there, else Sendmail */
	CONF_MTA_POSTFIX,
	CONF_MTA_SENDMAIL,
};

struct conf {
	char		*path;		/* the file read, or "(defaults)" */
	char		*site;		/* deployment profile name ("site") */
	char		*site_file;	/* the profile file read, or "" */
	char		*texts;		/* text variants, most specific first */
	char		*socket;	/* libmilter socket spec */
	char		*user;		/* drop to this user when started as root */
	char		**rules;	/* rule files, evaluated in this order */
	size_t		 nrules;
	enum action	 on_error;
	enum action	 on_limit;
	struct msg_limits limits;
	int		 log_pass;	/* log a line for messages that pass */
	char		*hostname;	/* configured, else the system's (conf_server_name) */
	char		*hold_header;	/* header added to held messages */
	char		*metrics_file;	/* counters for node_exporter, or "": off */
	size_t		 metrics_interval;	/* seconds between writes of it */
	/* Guidance and notices (notify.c). */
	int		 guidance;	/* send guidance messages at all */
	char		*guidance_from;
	enum guidance_senders guidance_senders;	/* who may get guidance */
	size_t		 guidance_rate;	/* per sender per hour */
	int		 guidance_subject;	/* may quote the original Subject */
	char		*moderator;	/* notice address, or "" */
	char		*sendmail_path;
	char		*notify_smtp;	/* "host:port" instead of sendmail, or "" */
	char		*release_key;	/* key file for moderator releases */
	char		*moderator_template;	/* text of the moderator notice */
	char		*postfix_config;	/* Postfix config dir for ccguardctl, or "" */
	enum conf_mta	 mta;		/* ccguardctl's queue */
	char		*sendmail_config;	/* Sendmail's sendmail.cf, for ccguardctl */
	size_t		 notify_timeout;	/* seconds to submit one notice */
	/* Moderation by mail (modcmd.c, ctl_mail.c). */
	char		*command_address;	/* where commands go, or "": off */
	char		*command_spool;		/* commands waiting for the root service */
	char		*command_state;		/* used tokens */
	size_t		 command_max_size;	/* bytes of one command message */
	size_t		 command_token_lifetime;	/* seconds a token is valid */
	char		*command_authserv_id;	/* require this MTA's DKIM/SPF pass, or "" */
	char		*command_user;		/* the unprivileged user that reads command mail */
	size_t		 hold_max_age;		/* seconds; Postfix's maximal_queue_lifetime */
	size_t		 digest_min_age;	/* seconds held before a message is in the digest */
	struct conf_override *overrides;	/* profile's first, then ccguard.conf's */
	size_t		 noverrides;
	unsigned char	 given[CONF_MAX_SETTINGS];	/* CONF_GIVEN_* bits */
	unsigned char	 bad_word[CONF_MAX_SETTINGS];	/* a CT_ENUM not one of its words */
};

struct conf *conf_load(const char *path, struct diag *);
struct conf *conf_defaults(void);
struct conf *conf_free(struct conf *);
char	*conf_postmaster(const struct conf *, const char *mta_name);
char	*conf_moderator(const struct conf *, const char *mta_name);
int	conf_text_variant(const struct conf *, size_t i, const char *path, char *out, size_t size);
void	conf_dump(const struct conf *, void (*)(void *, const char *, const char *), void *);
const char *conf_server_name(const struct conf *, const char *mta_name);

#endif
