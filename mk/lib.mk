# SPDX-License-Identifier: BSD-2-Clause
# mk/lib.mk - lib/libccguard.a: everything the daemon and ccguardctl share
# (rules, evaluation, addresses, messages, texts, the hold header, release
# tokens, mail building, utilities); also linked by the tests and fuzzers.
# Nothing here uses libmilter.
noinst_LIBRARIES += lib/libccguard.a
lib_libccguard_a_SOURCES = \
	lib/action.c lib/action.h \
	lib/addr.c lib/addr.h \
	lib/conf.c lib/conf.h \
	lib/ctlverb.c lib/ctlverb.h \
	lib/diag.c lib/diag.h \
	lib/eval.c lib/eval.h \
	lib/fdio.c lib/fdio.h \
	lib/hdrblock.c lib/hdrblock.h \
	lib/holdhdr.c lib/holdhdr.h \
	lib/log.c lib/log.h \
	lib/mailin.c lib/mailin.h \
	lib/mailout.c lib/mailout.h \
	lib/metrics.c lib/metrics.h \
	lib/mime.h lib/mime_names.c \
	lib/mime_scan.c lib/mime_scan.h \
	lib/modcmd.c lib/modcmd.h \
	lib/modmail.c lib/modmail.h \
	lib/modtoken.c lib/modtoken.h \
	lib/msg.c lib/msg.h \
	lib/msgfile.c lib/msgfile.h \
	lib/notify.c lib/notify.h \
	lib/policy.c lib/policy.h \
	lib/privdrop.c lib/privdrop.h \
	lib/release.c lib/release.h \
	lib/reply.c lib/reply.h \
	lib/rules_parse.c lib/rules_parse.h \
	lib/run.c lib/run.h \
	lib/ruleset.c lib/ruleset.h lib/ruleset_impl.h \
	lib/sanitize.c lib/sanitize.h \
	lib/selftest.c lib/selftest.h \
	lib/smtp_path.c lib/smtp_path.h \
	lib/strbuf.c lib/strbuf.h \
	lib/strmap.c lib/strmap.h \
	lib/template.c lib/template.h \
	lib/verdict.c lib/verdict.h \
	lib/version.c lib/version.h
