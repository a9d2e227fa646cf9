/*
 * noalloc.c - checks the claim that a warm verdict makes queries
 * allocation-free.  This program defines malloc, calloc and realloc
 * itself (glibc's own are reached as __libc_*), so every allocation in the
 * process is counted, including any made inside cJSON or libcidr.
 * Prints "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>

#include "sgreach.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NOALLOC_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||          \
	defined(NOALLOC_SANITIZED)
/* Sanitizers own malloc: nothing to count here (exit 77 = skipped). */
int main(void)
{
	printf("noalloc: skipped under a sanitizer\n");
	return 77;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t s);
void *__libc_realloc(void *p, size_t n);

static unsigned long allocations;

void *malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t s)
{
	allocations++;
	return __libc_calloc(n, s);
}

void *realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}

static const char *queries[][3] = {
	{"service:web", "10.0.1.30", "tcp/5432"},
	{"10.0.1.20", "10.0.1.30", "tcp/5432"},
	{"203.0.113.9", "10.0.0.10", "tcp/443"},
	{"10.0.1.40", "8.8.8.8", "udp/53"},
	{"0.0.0.0/0", "10.0.1.10", "tcp/8080"},
	{"10.0.0.0/8", "10.0.0.10", "tcp/443"},
	{"10.0.0.10", "service:web", "icmp/8/0"},
};
#define NQ (sizeof(queries) / sizeof(queries[0]))

/* sgreach_answer_fn: renders each answer as JSON. */
static int render_each(void *arg, size_t i, sgreach_verdict *v)
{
	(void)arg;
	(void)i;
	return sgreach_verdict_error(v)[0] == '\0' &&
	       !sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();
	unsigned long before, query_allocs, render_allocs, handle_allocs;
	unsigned long many_allocs, text_allocs;
	sgreach_question qs[sizeof(queries) / sizeof(queries[0])];
	sgreach_text_question ts[sizeof(queries) / sizeof(queries[0])];
	sgreach_selector *hs[sizeof(queries) / sizeof(queries[0])][2];
	sgreach_flow hf[sizeof(queries) / sizeof(queries[0])];
	int pass = 0, fail = 0, i;
	size_t q;

	snprintf(dir, sizeof(dir), "%s/examples/ecs-awsvpc/aws",
		 argc > 1 ? argv[1] : top ? top : ".");
	if (!m || !v || sgreach_model_load_file(m, dir) ||
	    sgreach_model_finalize(m)) {
		fprintf(stderr, "noalloc: cannot load %s: %s\n", dir,
			m ? sgreach_model_error(m) : "out of memory");
		return 2;
	}
	/* warm up: the verdict's buffers grow to what these queries need;
	 * this must allocate, or the counting itself is broken */
	before = allocations;
	for (q = 0; q < NQ; q++) {
		if (sgreach_query(m, queries[q][0], queries[q][1],
				  queries[q][2], 0, v)) {
			fprintf(stderr, "noalloc: %s\n", sgreach_verdict_error(v));
			return 2;
		}
		sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
		sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	}
	if (allocations > before) {
		pass++;
		printf("ok - a cold verdict allocates (%lu): the count works\n",
		       allocations - before);
	} else {
		fail++;
		printf("not ok - a cold verdict allocated nothing: malloc is "
		       "not being counted\n");
	}
	before = allocations;
	for (i = 0; i < 1000; i++)
		for (q = 0; q < NQ; q++)
			sgreach_query(m, queries[q][0], queries[q][1],
				      queries[q][2], 0, v);
	query_allocs = allocations - before;
	before = allocations;
	for (i = 0; i < 100; i++)
		for (q = 0; q < NQ; q++) {
			sgreach_query(m, queries[q][0], queries[q][1],
				      queries[q][2], 0, v);
			sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
			sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
		}
	render_allocs = allocations - before;
	/* Queries by handle: selecting allocates, querying must not. */
	for (q = 0; q < NQ; q++)
		if (sgreach_flow_parse(queries[q][2], &hf[q]) ||
		    sgreach_select(m, queries[q][0], v, &hs[q][0]) ||
		    sgreach_select(m, queries[q][1], v, &hs[q][1])) {
			fprintf(stderr, "noalloc: %s\n", sgreach_verdict_error(v));
			return 2;
		}
	before = allocations;
	for (i = 0; i < 1000; i++)
		for (q = 0; q < NQ; q++)
			sgreach_query_selected(m, hs[q][0], hs[q][1], &hf[q], 0,
					       v);
	handle_allocs = allocations - before;
	/* Nor does answering them all in one call. */
	for (q = 0; q < NQ; q++) {
		qs[q].src = hs[q][0];
		qs[q].dst = hs[q][1];
		qs[q].flow = hf[q];
		qs[q].flags = 0;
	}
	sgreach_query_many(m, qs, NQ, v);
	before = allocations;
	for (i = 0; i < 1000; i++)
		sgreach_query_many(m, qs, NQ, v);
	many_allocs = allocations - before;
	/* Nor answering them by text in one call, each answer rendered
	 * (as `sgreach batch` does). */
	for (q = 0; q < NQ; q++) {
		ts[q].src = queries[q][0];
		ts[q].dst = queries[q][1];
		ts[q].flow = hf[q];
		ts[q].flags = SGREACH_QUERY_DETAILS;
	}
	sgreach_query_many_text(m, ts, NQ, v, render_each, NULL);
	sgreach_query_many_text(m, ts, NQ, v, render_each, NULL);
	before = allocations;
	for (i = 0; i < 1000; i++)
		sgreach_query_many_text(m, ts, NQ, v, render_each, NULL);
	text_allocs = allocations - before;
	for (q = 0; q < NQ; q++) {
		sgreach_selector_free(hs[q][0]);
		sgreach_selector_free(hs[q][1]);
	}

	if (query_allocs == 0) {
		pass++;
		printf("ok - %zu queries x 1000 made no allocation\n", NQ);
	} else {
		fail++;
		printf("not ok - %lu allocations in %zu000 warm queries\n",
		       query_allocs, NQ);
	}
	if (render_allocs == 0) {
		pass++;
		printf("ok - rendering into a warm verdict made no allocation\n");
	} else {
		fail++;
		printf("not ok - %lu allocations while rendering\n",
		       render_allocs);
	}
	if (handle_allocs == 0) {
		pass++;
		printf("ok - %zu queries by handle x 1000 made no allocation\n",
		       NQ);
	} else {
		fail++;
		printf("not ok - %lu allocations in %zu000 queries by handle\n",
		       handle_allocs, NQ);
	}
	if (many_allocs == 0) {
		pass++;
		printf("ok - sgreach_query_many() of %zu x 1000 made no "
		       "allocation\n",
		       NQ);
	} else {
		fail++;
		printf("not ok - %lu allocations in 1000 sgreach_query_many() "
		       "calls\n",
		       many_allocs);
	}
	if (text_allocs == 0) {
		pass++;
		printf("ok - sgreach_query_many_text() of %zu x 1000, rendered, "
		       "made no allocation\n",
		       NQ);
	} else {
		fail++;
		printf("not ok - %lu allocations in 1000 "
		       "sgreach_query_many_text() calls\n",
		       text_allocs);
	}
	sgreach_verdict_free(v);
	sgreach_model_free(m);
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
#endif
