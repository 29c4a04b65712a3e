/*
 * test-realistic.c - generated realistic messages get the verdict their
 * recipients call for. SPDX-License-Identifier: BSD-2-Clause
 *
 * A property test of the address reader. A seeded generator writes
 * messages the way mail clients and people write them: display names
 * (quoted, with commas, with an address written inside the quotes),
 * comments, encoded words, groups of any size, Cc lists of up to a few
 * hundred addresses, folded lines, and decoys that name the kernel
 * security team or a distros list where they are no recipient (display
 * names, comments, Reply-To, the Subject). Each message is evaluated
 * through the shipped rules twice, as ccguard -t and the daemon do: as
 * written, and with every recipient header rewritten as the plain list of
 * the addresses it really holds. The verdicts must be equal: a display
 * name never refuses mail, a group of 64 or more members reads like a
 * small one, an address never vanishes, and a header that Postfix
 * delivers whole (below its token and size cuts) is never a limit.
 *
 * The generator keeps every recipient header below Postfix's cuts
 * (MSG_MTA_TOKEN_SLACK tokens short of mta_header_token_limit, and
 * MSG_MTA_CUT_SLACK bytes short of the 60000-byte cut), so any 451 is a
 * wrong reading. Usage: test-realistic [count [seed]].
 */
#include "config.h"

#include <stdint.h>

#include "harness.h"
#include "smtp_path.h"

#define DEFAULT_COUNT	1500
#define DEFAULT_SEED	20261128

/* The recipient headers a message may have. */
static const char *const rcpt_headers[] = { "To", "Cc", "Cc", "Resent-Cc" };
#define NHEADERS	4

static uint64_t rng_state;

/* rng - xorshift64*: the same messages for the same seed, everywhere */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* pick - a number in [0, n) */
static size_t
pick(size_t n)
{
	return (size_t)(rng() % n);
}

/* chance - true with probability percent/100 */
static int
chance(unsigned percent)
{
	return pick(100) < percent;
}

static const char *const first_names[] = {
	"Alice", "Bob", "Jürgen", "Mary-Ann", "Wei", "Olga", "José", "Sam", "Kees", "Greg",
};
static const char *const last_names[] = {
	"Smith", "Müller", "O'Brien", "van der Berg", "Nguyen", "Kowalski", "Doe", "Lee",
};
static const char *const domains[] = {
	"example.org", "example.com", "mail.example.net", "lists.example.org", "corp.example",
};

/* The two sides, as a real recipient may be written. */
static const char *const kernel_side[] = { "security@kernel.org", "Security@Kernel.org" };
static const char *const distros_side[] = {
	"linux-distros@vs.openwall.org", "distros@vs.openwall.org",
};

/* Decoys: text that names a side where it is no recipient. */
static const char *const decoy_names[] = {
	"\"Kernel Security <security@kernel.org>\"",
	"\"linux-distros@vs.openwall.org\"",
	"\"security@kernel.org, linux-distros@vs.openwall.org\"",
	"\"Distros (linux-distros@vs.openwall.org)\"",
	"=?UTF-8?Q?security=40kernel.org?=",
};
static const char *const decoy_comments[] = {
	"(cc'd security@kernel.org)", "(not linux-distros@vs.openwall.org)", "(team)",
};

/* One message being generated: each header as written and as plain addresses. */
struct gen_msg {
	struct strbuf	 written[NHEADERS], plain[NHEADERS];
	int		 used[NHEADERS];
	size_t		 elements[NHEADERS];	/* list elements written so far */
	int		 large_group;		/* a group of 64 or more members */
	int		 pair;			/* both sides are real recipients */
};

/* add_plain - one real address to the plain rendering of header h */
static void
add_plain(struct gen_msg *g, int h, const char *addr)
{
	if (g->plain[h].len > 0)
		strbuf_puts(&g->plain[h], ", ");
	strbuf_puts(&g->plain[h], addr);
}

/* write_person - one mailbox as a client writes it, holding addr */
static void
write_person(struct strbuf *out, const char *addr)
{
	const char *first = first_names[pick(sizeof(first_names) / sizeof(first_names[0]))];
	const char *last = last_names[pick(sizeof(last_names) / sizeof(last_names[0]))];

	switch (pick(11)) {
	case 0: strbuf_printf(out, "%s", addr); break;
	case 1: strbuf_printf(out, "<%s>", addr); break;
	case 2: strbuf_printf(out, "%s %s <%s>", first, last, addr); break;
	case 3: strbuf_printf(out, "\"%s, %s\" <%s>", last, first, addr); break;
	case 4: strbuf_printf(out, "%s %c. %s <%s>", first, last[0], last, addr); break;
	case 5: strbuf_printf(out, "%s (%s %s)", addr, first, last); break;
	case 6: strbuf_printf(out, "=?UTF-8?Q?%s_%s?= <%s>", "J=C3=BCrgen", last, addr); break;
	case 7: case 8:
		strbuf_printf(out, "%s <%s>",
		    decoy_names[pick(sizeof(decoy_names) / sizeof(decoy_names[0]))], addr);
		break;
	case 9:
		strbuf_printf(out, "%s %s <%s> %s", first, last, addr,
		    decoy_comments[pick(sizeof(decoy_comments) / sizeof(decoy_comments[0]))]);
		break;
	default: strbuf_printf(out, "\"%s %s (%s)\" <%s>", first, last, "Example Corp", addr);
	}
}

/* separator - between two list elements: a comma, sometimes a folded line */
static void
separator(struct strbuf *out)
{
	strbuf_puts(out, chance(20) ? ",\n\t" : ", ");
}

/* ordinary_address - someone at an example domain, numbered */
static void
ordinary_address(char *buf, size_t len, size_t n)
{
	snprintf(buf, len, "person%zu.%c@%s", n, (char)('a' + pick(26)),
	    domains[pick(sizeof(domains) / sizeof(domains[0]))]);
}

/* add_element - one mailbox (addr) or a group of n ordinary ones, to header h */
static void
add_element(struct gen_msg *g, int h, const char *addr, size_t group)
{
	char buf[128];
	size_t i;

	if (g->elements[h]++ > 0)
		separator(&g->written[h]);
	g->used[h] = 1;
	if (group == 0) {
		write_person(&g->written[h], addr);
		add_plain(g, h, addr);
		return;
	}
	strbuf_printf(&g->written[h], "%s: ", chance(50) ? "Kernel Maintainers" : "\"Team, A\"");
	g->large_group |= group >= 64;
	for (i = 0; i < group; i++) {
		if (i > 0)
			separator(&g->written[h]);
		if (addr != NULL && i == group / 2) {
			write_person(&g->written[h], addr);
			add_plain(g, h, addr);
			continue;
		}
		ordinary_address(buf, sizeof(buf), i);
		write_person(&g->written[h], buf);
		add_plain(g, h, buf);
	}
	strbuf_puts(&g->written[h], ";");
}

/* below_cuts - is every recipient header below Postfix's cuts? */
static int
below_cuts(const struct gen_msg *g, const struct msg_limits *lim)
{
	size_t tokens = lim->mta_header_token_limit - MSG_MTA_TOKEN_SLACK;
	size_t bytes = MSG_MTA_HEADER_CUT(lim->mta_header_size_limit) - MSG_MTA_CUT_SLACK - 64;
	int h;

	for (h = 0; h < NHEADERS; h++)
		if (g->used[h] && (g->written[h].len >= bytes ||
		    smtp_path_token_count(g->written[h].data, tokens) >= tokens))
			return 0;
	return 1;
}

/* gen_free - release what generate() built */
static void
gen_free(struct gen_msg *g)
{
	int h;

	for (h = 0; h < NHEADERS; h++) {
		strbuf_free(&g->written[h]);
		strbuf_free(&g->plain[h]);
	}
}

/* generate - one message: which headers, how big, where the sides go */
static void
generate(struct gen_msg *g)
{
	int with_s = chance(15), with_d = chance(15), h;
	size_t n, big, i;
	char buf[128];

	memset(g, 0, sizeof(*g));
	for (h = 0; h < NHEADERS; h++) {
		strbuf_init(&g->written[h], 0);
		strbuf_init(&g->plain[h], 0);
	}
	/* The sides, as ordinary recipients somewhere. */
	if (with_s)
		add_element(g, (int)pick(2), kernel_side[pick(2)], chance(20) ? 1 + pick(150) : 0);
	/* Some mail: a list of hundreds, or a group of 64 or more. */
	big = chance(8) ? 200 + pick(700) : 0;
	n = 1 + pick(8) + big;
	for (i = 0; i < n; i++) {
		h = i == 0 ? 0 : chance(3) ? 3 : 1 + (int)pick(2);
		if (chance(4)) {
			add_element(g, h, NULL, chance(50) ? 64 + pick(100) : 1 + pick(10));
			continue;
		}
		ordinary_address(buf, sizeof(buf), i);
		add_element(g, h, buf, 0);
	}
	if (with_d)
		add_element(g, 1 + (int)pick(2), distros_side[pick(2)], chance(20) ? 1 + pick(150) : 0);
	g->pair = with_s && with_d;
}

/* most_tokens - the largest token count of the message's recipient headers */
static size_t
most_tokens(const struct gen_msg *g)
{
	size_t most = 0, n;
	int h;

	for (h = 0; h < NHEADERS; h++)
		if (g->used[h] && (n = smtp_path_token_count(g->written[h].data, (size_t)-1)) > most)
			most = n;
	return most;
}

/* eval_headers - the verdict for these recipient headers and the decoys */
static enum action
eval_headers(struct policy *p, struct strbuf *hdr, const int *used, size_t seq,
    char *limit, size_t limitlen)
{
	const struct eval_opts opts = harness_opts(p);
	struct verdict v;
	struct msg *m;
	enum action a;
	int h;

	if ((m = msg_new(&p->conf->limits)) == NULL) {
		perror("msg_new");
		exit(99);
	}
	msg_set_sender(m, "<reporter@example.org>");
	msg_add_rcpt(m, "<maintainer@example.com>");
	msg_add_header(m, "From", "Reporter <reporter@example.org>");
	msg_add_header(m, "Reply-To", "\"Kernel Security\" <reporter@example.org>");
	msg_add_header(m, "Subject", seq % 2 ? "[PATCH] fix, Cc security@kernel.org" : "question");
	for (h = 0; h < NHEADERS; h++)
		if (used[h])
			msg_add_header(m, rcpt_headers[h], strbuf_str(&hdr[h]));
	msg_set_string(m, &m->queue_id, "REALISTIC");
	eval_message(p->rs, m, &opts, &v);
	a = v.action;
	snprintf(limit, limitlen, "%s", v.origin == ORIGIN_LIMIT && v.reason ? v.reason : "");
	verdict_clear(&v);
	msg_free(m);
	return a;
}

/* main - generate count messages from seed and compare their two verdicts */
int
main(int argc, char **argv)
{
	size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_COUNT, i, failed = 0;
	size_t groups = 0, large = 0, pairs = 0, refused = 0, most = 0, n;
	struct policy *p;
	struct gen_msg g;
	int h;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : DEFAULT_SEED;
	if (rng_state == 0)
		rng_state = 1;
	addr_init();
	log_init("test-realistic", 0, 0, 0);
	if ((p = harness_policy(NULL)) == NULL)
		return 99;
	for (i = 0; i < count; i++) {
		char lw[64], lp[64];
		enum action written, plain;

		/* A message Postfix would cut is drawn again: it is not the point here. */
		for (generate(&g); !below_cuts(&g, &p->conf->limits); generate(&g))
			gen_free(&g);
		written = eval_headers(p, g.written, g.used, i, lw, sizeof(lw));
		plain = eval_headers(p, g.plain, g.used, i, lp, sizeof(lp));
		groups += g.large_group;
		pairs += g.pair;
		refused += written != ACTION_PASS;
		large += (n = most_tokens(&g)) >= 5000;
		most = n > most ? n : most;
		if (written != plain || strcmp(lw, lp) != 0) {
			if (failed++ < 10) {
				fprintf(stderr, "message %zu: as written %s%s%s, as plain addresses %s%s%s\n",
				    i, action_name(written), *lw ? "/" : "", lw, action_name(plain),
				    *lp ? "/" : "", lp);
				for (h = 0; h < NHEADERS; h++)
					if (g.used[h])
						fprintf(stderr, "  %s: %.600s%s\n", rcpt_headers[h],
						    strbuf_str(&g.written[h]),
						    g.written[h].len > 600 ? " ..." : "");
			}
		}
		gen_free(&g);
	}
	printf("test-realistic: %zu messages (%zu with a group of 64 or more, %zu with a header of "
	    "5,000 tokens or more, at most %zu; %zu addressed to both sides), %zu stopped, "
	    "%zu read differently from their plain addresses\n",
	    count, groups, large, most, pairs, refused, failed);
	policy_unref(p);
	return failed == 0 ? 0 : 1;
}
