/*
 * NAME
 *	notify - guidance and moderator notices (not built yet)
 * DESCRIPTION
 *	Placeholder until the hold workflow lands: it records in the debug log
 *	that a guidance message would have been sent, and sends nothing.
 */
#include "config.h"

#include "log.h"
#include "msg.h"
#include "notify.h"
#include "ruleset.h"
#include "verdict.h"

void
notify_init(void)
{
}

void
notify_message(const struct policy *p, const struct verdict *v, const struct msg *m)
{
	log_debug("%s: no guidance sent (not configured in this build)",
	    m->queue_id != NULL ? m->queue_id : "NOQUEUE");
}
