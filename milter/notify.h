/*
 * notify.h - messages ccguard sends: guidance to the sender of a held or
 * advised message, and a notice to the moderators.
 */
#ifndef CCGUARD_NOTIFY_H
#define CCGUARD_NOTIFY_H

struct policy;
struct verdict;
struct msg;

void	notify_init(void);
void	notify_message(const struct policy *, const struct verdict *, const struct msg *);

#endif
