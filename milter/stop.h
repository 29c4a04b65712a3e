/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * stop.h - SIGTERM: finish the messages in flight, refuse new ones, then
 * stop at once (stop.c).
 */
#ifndef CCGUARD_STOP_H
#define CCGUARD_STOP_H

void	stop_init(void);
int	stop_message_begin(void);
void	stop_message_end(void);
void	stop_drain(void);

#endif
