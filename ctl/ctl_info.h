/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_info.h - what ccguardctl says about ccguard itself: its counters
 * ("stats", from the daemon's metrics file) and its versions ("-V").
 */
#ifndef CCGUARD_CTL_INFO_H
#define CCGUARD_CTL_INFO_H

int	ctl_stats(const char *conf_path, const char *file);
void	ctl_print_version(void);

#endif
