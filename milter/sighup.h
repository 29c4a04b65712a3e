/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sighup.h - SIGHUP means "reload", even though libmilter would stop on it;
 * SIGTERM runs a stop handler before libmilter stops.
 */
#ifndef CCGUARD_SIGHUP_H
#define CCGUARD_SIGHUP_H

void	sighup_set_handler(void (*)(void));
void	sighup_set_stop_handler(void (*)(void));

#endif
