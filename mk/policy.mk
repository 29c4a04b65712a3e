# mk/policy.mk - the shipped policy beyond the basic pair, and its tests.
dist_rules_DATA += \
	rules/public-lists.list \
	rules/kernel-and-distros-reply.reply \
	rules/distros-and-public.guidance \
	rules/kernel-and-public.guidance \
	rules/both-distros-lists.reply \
	rules/distros-vs-tag.reply \
	rules/kernel-plain-text.guidance
