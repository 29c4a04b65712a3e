/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_info.h - what ccguardctl says about ccguard itself: its versions
 * ("-V").
 */
#ifndef CCGUARD_CTL_INFO_H
#define CCGUARD_CTL_INFO_H

void	ctl_print_version(void);

#endif
