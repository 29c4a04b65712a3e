/*
 * selftest.h - run a rule set's own examples, and lint it.
 */
#ifndef CCGUARD_SELFTEST_H
#define CCGUARD_SELFTEST_H

struct ruleset;
struct diag;
struct example;
struct msg;

int	selftest_run(const struct ruleset *, struct diag *);
void	selftest_lint(const struct ruleset *, struct diag *);
struct msg *selftest_example_msg(const struct example *);

#endif
