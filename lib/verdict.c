/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	verdict - helpers of the verdict: action names, default SMTP codes
 * DESCRIPTION
 *	The one place for the SMTP reply codes used when a rule names none
 *	(or names one of the wrong class for the action in force): 550 5.7.1
 *	for a refusal, 451 4.7.1 for a temporary one, 451 4.3.0 when ccguard
 *	itself failed or hit a limit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

static const char *const action_names[] = {
	[ACTION_PASS] = "pass",
	[ACTION_ACCEPT] = "accept",
	[ACTION_MONITOR] = "monitor",
	[ACTION_NOTIFY] = "notify",
	[ACTION_HOLD] = "hold",
	[ACTION_REJECT] = "reject",
	[ACTION_TEMPFAIL] = "tempfail",
};

/* action_name - the word for an action, as rule files write it */
const char *
action_name(enum action a)
{
	if ((size_t)a < sizeof(action_names) / sizeof(action_names[0]))
		return action_names[a];
	return "?";
}

/* action_from_name - the action a word names; -1 when none */
int
action_from_name(const char *s, enum action *a)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (strcmp(s, action_names[i]) == 0) {
			*a = (enum action)i;
			return 0;
		}
	}
	return -1;
}

/* verdict_clear - free what a verdict owns and empty it */
void
verdict_clear(struct verdict *v)
{
	free(v->matches);
	memset(v, 0, sizeof(*v));
}

/* verdict_default_code - code and DSN when none is given: 5xx, or 4xx when temporary */
void
verdict_default_code(int temporary, int internal, char code[VERDICT_CODE_SIZE],
    char dsn[VERDICT_DSN_SIZE])
{
	snprintf(code, VERDICT_CODE_SIZE, "%s", temporary ? SMTP_TEMPFAIL_CODE : SMTP_REJECT_CODE);
	snprintf(dsn, VERDICT_DSN_SIZE, "%s", !temporary ? SMTP_REJECT_DSN :
	    internal ? SMTP_INTERNAL_DSN : SMTP_TEMPFAIL_DSN);
}

/* verdict_default_dsn - the DSN for a code that came without one */
const char *
verdict_default_dsn(const char *code)
{
	return code[0] == '4' ? SMTP_TEMPFAIL_DSN : SMTP_REJECT_DSN;
}
