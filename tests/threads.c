/*
 * threads.c - one finalized model queried from 8 threads at once.
 *
 * A plain pthread program (Criterion cannot run under ThreadSanitizer):
 * the answers to a fixed list of mixed queries are first computed on one
 * thread, then every worker thread asks all of them again, each in its own
 * order and with its own verdict object, and compares the return code, the
 * verdict and both renderings (text and JSON) with the single-threaded
 * answer.  Two models: the bundled ECS example (its expected.tsv gives
 * real selectors) and a generated one with hundreds of endpoints, group
 * references, missing groups (unknown), services (partial) and prefix lists.
 *
 * Odd threads ask by handle (sgreach_query_selected) with selectors
 * resolved once and shared by all threads; the answers must not differ.
 * Every thread also asks all the queries that have handles in one
 * sgreach_query_many() call a round, whose answers must not differ either,
 * and every query whose flow parses by text in one
 * sgreach_query_many_text() call with details, whose callback must see the
 * single-threaded code, result and JSON rendering.
 *
 * The analyses (exposure, matrix, who, reach) run in every thread too and
 * must give the single-threaded output byte for byte.
 *
 * Built normally it is in TESTS; "make check-tsan" builds it again with
 * -fsanitize=thread, where a data race anywhere in the query path fails.
 *
 * usage: threads [ROUNDS]  (top_srcdir from the environment, or SRCDIR)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgreach.h"

#define NTHREADS 8
#define MAX_QUERIES 6000

struct query {
	char src[160], dst[160], flow[32];
	unsigned int flags;
	/* selectors and flow resolved once, shared by every thread (NULL
	 * when a selector or the flow is an error) */
	sgreach_selector *hsrc, *hdst;
	sgreach_flow hflow;
	int flow_ok; /* hflow holds the flow (by text, the selectors may
			not resolve) */
	/* the single-threaded answer */
	int rc;
	sgreach_result result;
	char *text, *json, *error;
};

#define NANALYSES 4

struct suite {
	const char *name;
	const sgreach_model *m;
	struct query *q;
	size_t n;
	int rounds;
	/* the single-threaded outputs of analyses() */
	char *analysis[NANALYSES];
	int analysis_rc[NANALYSES];
};

struct worker {
	const struct suite *s;
	unsigned int seed;
	size_t mismatches, answered;
	size_t many; /* answers of sgreach_query_many() */
	size_t by_text; /* answers of sgreach_query_many_text() */
};

/* What sgreach_query_many_text()'s callback compares with. */
struct text_check {
	struct worker *w;
	const sgreach_text_question *tq;
	const size_t *of; /* the query of each question */
};

static void die(const char *what, const sgreach_model *m)
{
	fprintf(stderr, "threads: %s: %s\n", what,
		m ? sgreach_model_error(m) : strerror(errno));
	exit(1);
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s ? s : "(null)");

	if (!d)
		die("out of memory", NULL);
	return d;
}

static void add_query(struct suite *s, const char *src, const char *dst,
		      const char *flow, unsigned int flags)
{
	struct query *q;

	if (s->n == MAX_QUERIES)
		return;
	q = &s->q[s->n];
	/* A selector too long to hold is left out, not cut short (and GCC
	 * -O3 warns of a truncation nobody checks). */
	if (snprintf(q->src, sizeof(q->src), "%s", src) >= (int)sizeof(q->src) ||
	    snprintf(q->dst, sizeof(q->dst), "%s", dst) >= (int)sizeof(q->dst) ||
	    snprintf(q->flow, sizeof(q->flow), "%s", flow) >=
		(int)sizeof(q->flow))
		return;
	q->flags = flags;
	s->n++;
}

/* ------------------------------------------------------ the two models -- */

static sgreach_model *example_model(const char *srcdir, struct suite *s)
{
	static const char *const flows[] = {"tcp/443", "tcp/8080", "udp/53",
					    "icmp/8/0", "esp", "tcp/5432"};
	char path[4096], line[1024], sel[64][160];
	size_t nsel = 0, i, j, k;
	sgreach_model *m = sgreach_model_new();
	FILE *f;

	if (!m)
		die("out of memory", NULL);
	snprintf(path, sizeof(path), "%s/examples/ecs-awsvpc/aws", srcdir);
	if (sgreach_model_load_file(m, path))
		die(path, m);
	if (sgreach_model_finalize(m))
		die("finalize", m);

	/* Every row of expected.tsv, then its selectors crossed. */
	snprintf(path, sizeof(path), "%s/examples/ecs-awsvpc/expected.tsv",
		 srcdir);
	f = fopen(path, "r");
	if (!f)
		die(path, NULL);
	while (fgets(line, sizeof(line), f)) {
		char *src = strtok(line, "\t\n"), *dst = strtok(NULL, "\t\n");
		char *flow = strtok(NULL, "\t\n");

		if (!src || !dst || !flow || !strcmp(src, "SRC"))
			continue;
		add_query(s, src, dst, flow, 0);
		for (k = 0; k < 2; k++) {
			const char *x = k ? dst : src;

			for (j = 0; j < nsel && strcmp(sel[j], x); j++)
				;
			if (j == nsel && nsel < 64)
				snprintf(sel[nsel++], sizeof(sel[0]), "%s", x);
		}
	}
	fclose(f);
	/* Selectors that name nothing, and a bad flow: errors too must be
	 * answered identically. */
	snprintf(sel[nsel++], sizeof(sel[0]), "eni-00000000000000000");
	snprintf(sel[nsel++], sizeof(sel[0]), "::/0");
	for (i = 0; i < nsel; i++)
		for (j = 0; j < nsel; j++)
			add_query(s, sel[i], sel[j],
				  flows[(i + j) % (sizeof(flows) /
						   sizeof(flows[0]))],
				  (i * j) % 5 == 4 ? SGREACH_QUERY_IPV6 : 0);
	add_query(s, sel[0], sel[1], "tcp/70000", 0);
	s->m = m;
	return m;
}

#define NGROUPS 50
#define NENIS 400
#define NSERVICES 8

static void check(int rc, const char *what, sgreach_model *m)
{
	if (rc)
		die(what, m);
}

static sgreach_model *generated_model(struct suite *s)
{
	static const char *const flows[] = {
		"tcp/443", "tcp/8005", "tcp/8017", "udp/53", "icmp/8/0",
		"icmpv6/128/0", "esp", "tcp/22", "tcp/1000",
	};
	sgreach_model *m = sgreach_model_new();
	char id[96], peer[96], arn[160], addr[64];
	unsigned int lcg = 12345;
	int g, i, k;

	if (!m)
		die("out of memory", NULL);
	check(sgreach_model_add_vpc(m, "vpc-gen", "10.0.0.0/16"), "vpc", m);
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "subnet-gen%d", i);
		snprintf(peer, sizeof(peer), "10.0.%d.0/24", i);
		check(sgreach_model_add_subnet(m, id, "vpc-gen", peer),
		      "subnet", m);
	}
	check(sgreach_model_add_prefix_list(m, "pl-gen", "office"), "pl", m);
	check(sgreach_model_add_prefix_list_entry(m, "pl-gen",
						  "192.0.2.0/24"),
	      "pl entry", m);

	for (g = 0; g < NGROUPS; g++) {
		snprintf(id, sizeof(id), "sg-gen%02d", g);
		check(sgreach_model_add_group(m, id, id + 3, "vpc-gen",
					      SGREACH_GROUP_COMPLETE),
		      "group", m);
		snprintf(peer, sizeof(peer), "sg-gen%02d", (g + 1) % NGROUPS);
		check(sgreach_model_add_rule(m, id, SGREACH_INGRESS, "tcp",
					     8000 + g, 8000 + g,
					     SGREACH_PEER_GROUP, peer, NULL,
					     "from the next group", 0),
		      "rule", m);
		if (g % 3 == 0)
			check(sgreach_model_add_rule(
				      m, id, SGREACH_INGRESS, "tcp", 443, 443,
				      SGREACH_PEER_CIDR, "10.0.0.0/16", NULL,
				      NULL, 0),
			      "rule", m);
		snprintf(peer, sizeof(peer), "10.0.%d.0/24", g % 10);
		check(sgreach_model_add_rule(m, id, SGREACH_INGRESS, "udp", 53,
					     53, SGREACH_PEER_CIDR, peer, NULL,
					     NULL, 0),
		      "rule", m);
		if (g % 5 == 0)
			check(sgreach_model_add_rule(
				      m, id, SGREACH_INGRESS, "icmp", 8, -1,
				      SGREACH_PEER_CIDR, "0.0.0.0/0", NULL,
				      NULL, 0),
			      "rule", m);
		if (g % 4 == 0)
			check(sgreach_model_add_rule(
				      m, id, SGREACH_INGRESS, "tcp", 22, 22,
				      SGREACH_PEER_PREFIX_LIST,
				      g % 8 ? "pl-gen" : "pl-missing", NULL,
				      NULL, 0),
			      "rule", m);
		if (g % 7 == 0) {
			snprintf(peer, sizeof(peer), "sg-gen%02d",
				 (g + 3) % NGROUPS);
			check(sgreach_model_add_rule(
				      m, id, SGREACH_EGRESS, "tcp", 0, 1024,
				      SGREACH_PEER_GROUP, peer, NULL, NULL, 0),
			      "rule", m);
		} else {
			check(sgreach_model_add_rule(
				      m, id, SGREACH_EGRESS, "-1", -1, -1,
				      SGREACH_PEER_CIDR, "0.0.0.0/0", NULL,
				      NULL, 0),
			      "rule", m);
		}
		if (g % 11 == 0)
			check(sgreach_model_add_rule(
				      m, id, SGREACH_INGRESS, "50", -1, -1,
				      SGREACH_PEER_GROUP, "sg-notloaded",
				      NULL, NULL, 0),
			      "rule", m);
	}

	for (i = 0; i < NENIS; i++) {
		snprintf(id, sizeof(id), "eni-gen%04d", i);
		snprintf(peer, sizeof(peer), "subnet-gen%d", i % 10);
		check(sgreach_model_add_endpoint(m, id, SGREACH_ENDPOINT_ENI,
						 "vpc-gen", peer, NULL),
		      "endpoint", m);
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i % 10, 10 + i / 10);
		check(sgreach_model_add_address(m, id, addr, 0), "address", m);
		snprintf(peer, sizeof(peer), "sg-gen%02d", i % NGROUPS);
		check(sgreach_model_add_endpoint_group(m, id, peer), "eg", m);
		snprintf(peer, sizeof(peer), "sg-gen%02d", (i * 7) % NGROUPS);
		check(sgreach_model_add_endpoint_group(m, id, peer), "eg", m);
		if (i % 13 == 0)
			check(sgreach_model_add_endpoint_group(m, id,
							       "sg-rulesmissing"),
			      "eg", m);
		if (i % 2 == 0) {
			snprintf(arn, sizeof(arn),
				 "arn:aws:ecs:eu-west-1:111122223333:task/gen/"
				 "%032x",
				 (unsigned int)i * 2654435761u);
			snprintf(peer, sizeof(peer), "svc%d", i % NSERVICES);
			check(sgreach_model_add_task(m, arn, id, peer), "task",
			      m);
		}
	}
	for (k = 0; k < NSERVICES; k++) {
		snprintf(id, sizeof(id), "svc%d", k);
		check(sgreach_model_add_endpoint(m, id,
						 SGREACH_ENDPOINT_SERVICE,
						 "vpc-gen", NULL, NULL),
		      "service", m);
		snprintf(peer, sizeof(peer), "subnet-gen%d", k);
		check(sgreach_model_add_endpoint_subnet(m, id, peer), "ss", m);
		snprintf(peer, sizeof(peer), "sg-gen%02d", k * 3);
		check(sgreach_model_add_endpoint_group(m, id, peer), "sg", m);
	}
	check(sgreach_model_finalize(m), "finalize", m);

	/* Mixed selectors, pseudo-random but the same on every run. */
	for (i = 0; i < 4000; i++) {
		char a[160], b[160];
		int j;

		for (k = 0; k < 2; k++) {
			char *o = k ? b : a;

			lcg = lcg * 1103515245u + 12345u;
			j = (int)((lcg >> 8) % NENIS);
			switch ((lcg >> 4) % 9) {
			case 0:
			case 1:
			case 2:
				snprintf(o, 160, "eni-gen%04d", j);
				break;
			case 3:
				snprintf(o, 160, "10.0.%d.%d", j % 10,
					 10 + j / 10);
				break;
			case 4:
				snprintf(o, 160, "service:svc%d",
					 j % NSERVICES);
				break;
			case 5:
				snprintf(o, 160, "%032x",
					 (unsigned int)(j & ~1) *
						 2654435761u);
				break;
			case 6:
				snprintf(o, 160, "%s",
					 j % 2 ? "0.0.0.0/0" : "203.0.113.7");
				break;
			case 7:
				snprintf(o, 160, "10.0.%d.0/24", j % 10);
				break;
			default:
				snprintf(o, 160, "%s",
					 j % 3 ? "192.0.2.9" : "eni-nothere");
			}
		}
		add_query(s, a, b,
			  flows[(lcg >> 12) % (sizeof(flows) / sizeof(flows[0]))],
			  (lcg >> 20) % 7 == 0 ? SGREACH_QUERY_IPV6 : 0);
	}
	s->m = m;
	return m;
}

/* ------------------------------------------------------------ queries -- */

/* The analyses share the query path's indexes and are documented as
 * thread-safe too: each thread runs them between its queries. */
static int analysis(const sgreach_model *m, int which, sgreach_verdict *v,
		    const char **out)
{
	*out = "";
	switch (which) {
	case 0:
		return sgreach_exposure(m, 0, SGREACH_FORMAT_JSON, v, out);
	case 1:
		return sgreach_matrix(m, "tcp/443", SGREACH_GROUP_BY_SERVICE, 0,
				      SGREACH_FORMAT_JSON, v, out);
	case 2:
		return sgreach_who(m, "0.0.0.0/0", NULL, 0, SGREACH_FORMAT_TEXT,
				   v, out);
	default:
		return sgreach_reach(m, "0.0.0.0/0", "tcp/443", 0,
				     SGREACH_FORMAT_CSV, v, out);
	}
}

static void answer(const sgreach_model *m, const struct query *q,
		   int by_handle, sgreach_verdict *v, int *rc,
		   sgreach_result *res, const char **text, const char **json,
		   const char **err)
{
	if (by_handle && q->hsrc && q->hdst)
		*rc = sgreach_query_selected(m, q->hsrc, q->hdst, &q->hflow,
					     q->flags, v);
	else
		*rc = sgreach_query(m, q->src, q->dst, q->flow, q->flags, v);
	*res = *rc ? SGREACH_DENIED : sgreach_verdict_result(v);
	/* Copy-free: text is only valid until the next render, so the
	 * caller compares it before rendering JSON. */
	*text = *rc ? "" : sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	*json = NULL;
	*err = *rc ? sgreach_verdict_error(v) : "";
}

static void single_threaded(struct suite *s)
{
	sgreach_verdict *v = sgreach_verdict_new();
	size_t i;

	if (!v)
		die("out of memory", NULL);
	for (i = 0; i < s->n; i++) {
		struct query *q = &s->q[i];
		const char *text, *json, *err;

		answer(s->m, q, 0, v, &q->rc, &q->result, &text, &json, &err);
		/* Handles for the threads that ask by handle: the same
		 * answer, from selectors every thread shares. */
		q->flow_ok = sgreach_flow_parse(q->flow, &q->hflow) == 0;
		if (!q->flow_ok ||
		    sgreach_select(s->m, q->src, NULL, &q->hsrc) ||
		    sgreach_select(s->m, q->dst, NULL, &q->hdst)) {
			sgreach_selector_free(q->hsrc);
			q->hsrc = q->hdst = NULL;
		}
		q->text = dup_or_die(text);
		q->json = dup_or_die(q->rc ? "" : sgreach_verdict_render(
							  v, SGREACH_FORMAT_JSON));
		q->error = dup_or_die(err);
	}
	for (i = 0; i < NANALYSES; i++) {
		const char *out;

		s->analysis_rc[i] = analysis(s->m, (int)i, v, &out);
		s->analysis[i] = dup_or_die(s->analysis_rc[i] ? "" : out);
	}
	sgreach_verdict_free(v);
}

static int check_text(void *arg, size_t i, sgreach_verdict *v)
{
	struct text_check *c = arg;
	const struct query *q = &c->w->s->q[c->of[i]];
	const sgreach_text_question *t = &c->tq[i];
	int bad = t->error != q->rc;

	if (!bad && q->rc == 0)
		bad = t->result != q->result ||
		      strcmp(sgreach_verdict_render(v, SGREACH_FORMAT_JSON),
			     q->json) != 0;
	if (!bad && q->rc)
		bad = strcmp(sgreach_verdict_error(v), q->error) != 0;
	if (bad && c->w->mismatches++ < 3)
		fprintf(stderr,
			"threads: %s: thread %u: '%s' -> '%s' %s: "
			"sgreach_query_many_text() differs from the "
			"single-threaded answer\n",
			c->w->s->name, c->w->seed, q->src, q->dst, q->flow);
	c->w->by_text++;
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct suite *s = w->s;
	sgreach_verdict *v = sgreach_verdict_new();
	size_t i, n = s->n, nq;
	sgreach_question *qs = calloc(n, sizeof(*qs));
	sgreach_text_question *tq = calloc(n, sizeof(*tq));
	size_t *of = calloc(n, sizeof(*of));
	struct text_check tc = {w, tq, of};
	int r;

	if (!v || !qs || !tq || !of) {
		sgreach_verdict_free(v);
		free(qs);
		free(tq);
		free(of);
		return NULL;
	}
	for (r = 0; r < s->rounds; r++) {
		/* Each thread walks the list from its own start with its own
		 * stride, so that threads ask different queries at the same
		 * moment (a stride sharing a factor with n visits some
		 * queries twice and skips others: fine for a comparison). */
		size_t start = (w->seed * 7919u + (unsigned int)r * 104729u) % n;
		size_t stride = 1 + (w->seed + (unsigned int)r) % 3;

		for (i = 0; i < n; i++) {
			const struct query *q = &s->q[(start + i * stride) % n];
			const char *text, *json, *err;
			sgreach_result res;
			int rc, bad;

			/* Odd threads ask by handle. */
			answer(s->m, q, (int)(w->seed & 1), v, &rc, &res,
			       &text, &json, &err);
			bad = rc != q->rc || res != q->result ||
			      strcmp(text, q->text) || strcmp(err, q->error);
			if (!bad && rc == 0)
				bad = strcmp(sgreach_verdict_render(
						     v, SGREACH_FORMAT_JSON),
					     q->json) != 0;
			if (bad && w->mismatches++ < 3)
				fprintf(stderr,
					"threads: %s: thread %u: '%s' -> '%s' "
					"%s differs from the single-threaded "
					"answer\n",
					s->name, w->seed, q->src, q->dst,
					q->flow);
			w->answered++;
		}
		/* The same queries in one call, in this thread's order. */
		for (i = nq = 0; i < n; i++) {
			const struct query *q = &s->q[(start + i * stride) % n];

			if (!q->hsrc || !q->hdst)
				continue;
			of[nq] = (start + i * stride) % n;
			qs[nq].src = q->hsrc;
			qs[nq].dst = q->hdst;
			qs[nq].flow = q->hflow;
			qs[nq].flags = q->flags;
			nq++;
		}
		sgreach_query_many(s->m, qs, nq, v);
		for (i = 0; i < nq; i++) {
			const struct query *q = &s->q[of[i]];

			if ((qs[i].error != q->rc ||
			     (!q->rc && qs[i].result != q->result)) &&
			    w->mismatches++ < 3)
				fprintf(stderr,
					"threads: %s: thread %u: '%s' -> '%s' "
					"%s: sgreach_query_many() differs "
					"from the single-threaded answer\n",
					s->name, w->seed, q->src, q->dst,
					q->flow);
			w->many++;
		}
		/* By text, with details, rendered in the callback. */
		for (i = nq = 0; i < n; i++) {
			const struct query *q = &s->q[(start + i * stride) % n];

			if (!q->flow_ok)
				continue;
			of[nq] = (start + i * stride) % n;
			tq[nq].src = q->src;
			tq[nq].dst = q->dst;
			tq[nq].flow = q->hflow;
			tq[nq].flags = q->flags | SGREACH_QUERY_DETAILS;
			nq++;
		}
		sgreach_query_many_text(s->m, tq, nq, v, check_text, &tc);
		for (i = 0; i < NANALYSES; i++) {
			int which = (int)((i + w->seed) % NANALYSES);
			const char *out;
			int rc = analysis(s->m, which, v, &out);

			if (rc != s->analysis_rc[which] ||
			    (!rc && strcmp(out, s->analysis[which]))) {
				if (w->mismatches++ < 3)
					fprintf(stderr,
						"threads: %s: thread %u: "
						"analysis %d differs\n",
						s->name, w->seed, which);
			}
		}
	}
	sgreach_verdict_free(v);
	free(qs);
	free(tq);
	free(of);
	return NULL;
}

static int run_suite(struct suite *s)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	size_t i, bad = 0, answered = 0, many = 0, by_text = 0, results[5] = {0};
	size_t errors = 0;

	single_threaded(s);
	for (i = 0; i < s->n; i++) {
		if (s->q[i].rc)
			errors++;
		else
			results[s->q[i].result]++;
	}
	for (i = 0; i < NTHREADS; i++) {
		w[i].s = s;
		w[i].seed = (unsigned int)i;
		w[i].mismatches = w[i].answered = w[i].many = w[i].by_text = 0;
		if (pthread_create(&t[i], NULL, work, &w[i]))
			die("pthread_create", NULL);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].mismatches;
		answered += w[i].answered;
		many += w[i].many;
		by_text += w[i].by_text;
	}
	printf("%s: %zu queries (%zu allowed, %zu denied, %zu unknown, "
	       "%zu partial, %zu errors), %zu answers from %d threads, "
	       "%zu from sgreach_query_many() and %zu from "
	       "sgreach_query_many_text(), %zu differ\n",
	       s->name, s->n, results[SGREACH_ALLOWED], results[SGREACH_DENIED],
	       results[SGREACH_UNKNOWN], results[SGREACH_PARTIAL], errors,
	       answered, NTHREADS, many, by_text, bad);
	/* A list of nothing but errors would prove nothing. */
	if (answered != (size_t)NTHREADS * s->n * (size_t)s->rounds ||
	    errors == s->n || many == 0 || by_text == 0)
		bad++;
	for (i = 0; i < s->n; i++) {
		free(s->q[i].text);
		free(s->q[i].json);
		free(s->q[i].error);
		sgreach_selector_free(s->q[i].hsrc);
		sgreach_selector_free(s->q[i].hdst);
	}
	for (i = 0; i < NANALYSES; i++) {
		if (s->analysis_rc[i])
			fprintf(stderr, "threads: %s: analysis %zu: %s\n",
				s->name, i, strerror(-s->analysis_rc[i]));
		bad += s->analysis_rc[i] != 0;
		free(s->analysis[i]);
	}
	return bad != 0;
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	static struct query q1[MAX_QUERIES], q2[MAX_QUERIES];
	struct suite ex = {"example", NULL, q1, 0, 2, {NULL}, {0}};
	struct suite gen = {"generated", NULL, q2, 0, 2, {NULL}, {0}};
	sgreach_model *m1, *m2;
	int failed = 0;

#ifdef SRCDIR
	if (!srcdir || !*srcdir)
		srcdir = SRCDIR;
#endif
	if (!srcdir || !*srcdir)
		srcdir = ".";
	if (argc > 1)
		ex.rounds = gen.rounds = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;

	m1 = example_model(srcdir, &ex);
	m2 = generated_model(&gen);
	failed |= run_suite(&ex);
	failed |= run_suite(&gen);
	sgreach_model_free(m1);
	sgreach_model_free(m2);
	printf("%s\n", failed ? "FAIL" : "PASS");
	return failed;
}
