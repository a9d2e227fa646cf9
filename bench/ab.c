/*
 * ab.c - two builds of libsgreach against each other, in one process.
 *
 *   bench/ab LIB_A LIB_B DIR s|h|m|r|t [ROUNDS [SECONDS]]
 *
 * The machine this benchmark grew on (a VM) runs the same code 20-40%
 * faster or slower from one minute to the next, which hides the change a
 * query's optimisation makes when two builds are timed in turn.  Here both
 * builds (two libsgreach.so files, each opened with dlmopen() in a
 * namespace of its own) load the estate in DIR (bench/gen) and answer its
 * queries.txt in short alternating rounds, A B B A ..., so that both see
 * the same spells: what is compared is each round's ratio B / A.
 *
 * Modes, as bench/bench times them: s by selector strings
 * (sgreach_query()), h by handle (sgreach_query_selected()), m by
 * sgreach_query_many(); and r, the library's share of a line of `sgreach
 * batch` as a program asking one question at a time does it:
 * sgreach_query() with SGREACH_QUERY_DETAILS, then the answer rendered as
 * JSON (sgreach_verdict_render()); t, the same through
 * sgreach_query_many_text() 64 questions a call, rendering in its callback,
 * as `sgreach batch` does (both builds must have that function).  Both builds must give the answers of
 * sgreach_query() (checked once, untimed, as bench/bench checks them).
 * Default: 20 rounds of 0.25 s of CPU time per build.
 *
 * The code of bench.c is compiled here with every call of the API going
 * through the table of the build that runs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "sgreach.h"

#define AB_FUNCTIONS(X)                                                        \
	X(sgreach_flow_parse)                                                  \
	X(sgreach_matrix)                                                      \
	X(sgreach_model_count)                                                 \
	X(sgreach_model_error)                                                 \
	X(sgreach_model_finalize)                                              \
	X(sgreach_model_free)                                                  \
	X(sgreach_model_load_file)                                             \
	X(sgreach_model_new)                                                   \
	X(sgreach_model_warning_count)                                         \
	X(sgreach_query)                                                       \
	X(sgreach_query_many)                                                  \
	X(sgreach_query_selected)                                              \
	X(sgreach_select)                                                      \
	X(sgreach_selector_free)                                               \
	X(sgreach_strerror)                                                    \
	X(sgreach_verdict_error)                                               \
	X(sgreach_verdict_free)                                                \
	X(sgreach_verdict_new)                                                 \
	X(sgreach_verdict_render)                                              \
	X(sgreach_verdict_result)                                              \
	X(sgreach_verdict_set_writer)                                          \
	X(sgreach_version)

struct lib {
#define AB_FIELD(f) __typeof__(&f) f_##f;
	AB_FUNCTIONS(AB_FIELD)
#undef AB_FIELD
	/* mode t only: builds before it lack it */
	__typeof__(&sgreach_query_many_text) f_sgreach_query_many_text;
};

/* The build bench.c's calls go to. */
static struct lib *L;

#define sgreach_flow_parse	    (L->f_sgreach_flow_parse)
#define sgreach_matrix		    (L->f_sgreach_matrix)
#define sgreach_model_count	    (L->f_sgreach_model_count)
#define sgreach_model_error	    (L->f_sgreach_model_error)
#define sgreach_model_finalize	    (L->f_sgreach_model_finalize)
#define sgreach_model_free	    (L->f_sgreach_model_free)
#define sgreach_model_load_file	    (L->f_sgreach_model_load_file)
#define sgreach_model_new	    (L->f_sgreach_model_new)
#define sgreach_model_warning_count (L->f_sgreach_model_warning_count)
#define sgreach_query		    (L->f_sgreach_query)
#define sgreach_query_many	    (L->f_sgreach_query_many)
#define sgreach_query_selected	    (L->f_sgreach_query_selected)
#define sgreach_select		    (L->f_sgreach_select)
#define sgreach_selector_free	    (L->f_sgreach_selector_free)
#define sgreach_strerror	    (L->f_sgreach_strerror)
#define sgreach_verdict_error	    (L->f_sgreach_verdict_error)
#define sgreach_verdict_free	    (L->f_sgreach_verdict_free)
#define sgreach_verdict_new	    (L->f_sgreach_verdict_new)
#define sgreach_query_many_text	    (L->f_sgreach_query_many_text)
#define sgreach_verdict_render	    (L->f_sgreach_verdict_render)
#define sgreach_verdict_result	    (L->f_sgreach_verdict_result)
#define sgreach_verdict_set_writer  (L->f_sgreach_verdict_set_writer)
#define sgreach_version		    (L->f_sgreach_version)

#define main bench_main
int bench_main(int argc, char **argv);
#include "bench.c"
#undef main

enum { AB_MAX_ROUNDS = 1000 };

static void open_lib(struct lib *l, const char *path)
{
	void *h = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		die(path, dlerror());
#define AB_SYM(f)                                                              \
	if (!(*(void **)&l->f_##f = dlsym(h, #f)))                             \
		die(path, "a function of sgreach.h is missing: " #f);
	AB_FUNCTIONS(AB_SYM)
#undef AB_SYM
	*(void **)&l->f_sgreach_query_many_text =
	    dlsym(h, "sgreach_query_many_text");
}

/* Mode r: query_run() by selector strings, each answer detailed and
 * rendered as JSON. */
static size_t render_run(const sgreach_model *m, const struct queries *q,
			 sgreach_verdict *v, double seconds, size_t *start)
{
	double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	size_t done = 0, i = *start;

	do {
		for (int k = 0; k < 256; k++) {
			if (sgreach_query(m, q->src[i], q->dst[i], q->flow[i],
					  q->flags[i] | SGREACH_QUERY_DETAILS,
					  v) == 0 &&
			    !sgreach_verdict_render(v, SGREACH_FORMAT_JSON))
				die("sgreach_verdict_render", "out of memory");
			if (++i == q->n)
				i = 0;
		}
		done += 256;
	} while (now(CLOCK_PROCESS_CPUTIME_ID) - t0 < seconds);
	*start = i;
	return done;
}

static int double_cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static double rate[2][AB_MAX_ROUNDS], ratio[AB_MAX_ROUNDS];
	struct lib lib[2];
	struct files f;
	struct queries q;
	struct handles h[2];
	struct mix mix[2];
	sgreach_model *m[2];
	sgreach_verdict *v[2];
	sgreach_question *qs[2];
	sgreach_text_question *tq[2] = {NULL, NULL};
	size_t next[2] = {0, 0};
	const char mode = argc > 4 ? argv[4][0] : 0;
	const int rounds = argc > 5 ? atoi(argv[5]) : 20;
	const double seconds = argc > 6 ? atof(argv[6]) : 0.25;

	if (argc < 5 || argc > 7 || !strchr("shmrt", mode) || argv[4][1] ||
	    rounds < 1 || rounds > AB_MAX_ROUNDS || !(seconds > 0)) {
		fprintf(stderr, "usage: ab LIB_A LIB_B DIR s|h|m|r|t [ROUNDS "
				"[SECONDS]]\n");
		return 2;
	}
	list_files(argv[3], &f);
	read_queries(argv[3], &q);
	for (int k = 0; k < 2; k++) {
		open_lib(&lib[k], argv[1 + k]);
		L = &lib[k];
		m[k] = load_model(&f, NULL);
		v[k] = sgreach_verdict_new();
		if (!v[k])
			die("sgreach_verdict_new", "out of memory");
		query_mix(m[k], &q, v[k], &mix[k]);
		select_all(m[k], &q, v[k], &h[k]);
		qs[k] = questions(m[k], &q, &h[k], v[k]);
		if (mode == 't' && !lib[k].f_sgreach_query_many_text)
			die(argv[1 + k], "mode t needs sgreach_query_many_text()");
		if (mode == 't')
			tq[k] = text_questions(&q, SGREACH_QUERY_DETAILS);
	}
	if (memcmp(mix[0].result, mix[1].result, sizeof(mix[0].result)) ||
	    mix[0].errors != mix[1].errors)
		die(argv[2], "its answers differ from LIB_A's");
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 2; i++) {
			const int k = r % 2 ? 1 - i : i; /* A B, B A, ... */
			const double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
			double n;

			L = &lib[k];
			if (mode == 'm')
				n = (double)many_run(m[k], qs[k], q.n, v[k],
						     seconds, &next[k]);
			else if (mode == 't')
				n = (double)text_run(m[k], tq[k], q.n, v[k], 1,
						     seconds, &next[k]);
			else if (mode == 'r')
				n = (double)render_run(m[k], &q, v[k], seconds,
						       &next[k]);
			else
				n = (double)query_run(m[k], &q,
						      mode == 'h' ? &h[k] : NULL,
						      v[k], seconds, &next[k]);
			rate[k][r] = n / (now(CLOCK_PROCESS_CPUTIME_ID) - t0);
		}
		ratio[r] = rate[1][r] / rate[0][r];
	}
	qsort(ratio, (size_t)rounds, sizeof(double), double_cmp);
	printf("%s, %s, %d rounds of %.2f s each:\n", argv[3],
	       mode == 's'   ? "sgreach_query() (selector strings)"
	       : mode == 'h' ? "sgreach_query_selected() (handles)"
	       : mode == 'r' ? "sgreach_query() with details, rendered as JSON"
	       : mode == 't' ? "sgreach_query_many_text(), rendered as JSON"
			     : "sgreach_query_many()",
	       rounds, seconds);
	for (int k = 0; k < 2; k++) {
		qsort(rate[k], (size_t)rounds, sizeof(double), double_cmp);
		printf("  %c %s: median %.0f/s (%.0f - %.0f)\n", "AB"[k],
		       argv[1 + k], rate[k][rounds / 2], rate[k][0],
		       rate[k][rounds - 1]);
	}
	printf("  B / A, round by round: median %.3f (%.3f - %.3f)\n",
	       ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
	return 0;
}
