/*
 * sighup.h - SIGHUP means "reload", even though libmilter would stop on it.
 */
#ifndef CCGUARD_SIGHUP_H
#define CCGUARD_SIGHUP_H

void	sighup_set_handler(void (*)(void));

#endif
