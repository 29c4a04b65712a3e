/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault.h - test-only allocation failure: with the program linked with
 * -Wl,--wrap=SYMBOL for each allocator below, the fault_fail_at'th call
 * (counted from fault_arm()) of any of them fails as it would when memory
 * runs out. Only calls made from objects linked into the program (the
 * test and libccguard.a) are counted; GLib's own allocations are not,
 * since g_malloc() aborts on failure by design.
 */
#ifndef CCGUARD_FAULT_H
#define CCGUARD_FAULT_H

void	fault_arm(unsigned long fail_at);	/* 0: count, never fail */
unsigned long fault_disarm(void);		/* calls counted since arming */
int	fault_hit(void);			/* the planned failure happened */

#endif
