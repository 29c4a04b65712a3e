/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * selftest.h - run a rule set's own examples, and lint it.
 */
#ifndef CCGUARD_SELFTEST_H
#define CCGUARD_SELFTEST_H

struct ruleset;
struct diag;

int	selftest_run(const struct ruleset *, struct diag *);
void	selftest_lint(const struct ruleset *, struct diag *);

#endif
