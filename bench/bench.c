/*
 * bench.c - the benchmark of issue 7: one table for one generated estate.
 *
 *   bench/bench [-r RUNS] [-t SECONDS] [-m SECONDS] [-g service|group|none]
 *               [-C] [-M] DIR
 *
 * DIR holds what bench/gen writes: the *.json documents and queries.txt.
 * Everything goes through the public API of sgreach.h, except the floor:
 * the time cJSON alone takes to read, parse and free the same files, which
 * is what any loader built on cJSON must at least spend.
 *
 * Times are taken twice: process CPU time, which stays meaningful when the
 * machine runs other jobs (the targets are for one core), and wall-clock
 * time.  Each figure is the median of RUNS runs with the min-max beside it.
 *
 * The matrix is timed in both forms: the listing of every pair of nodes,
 * and the class form (SGREACH_MATRIX_CLASSES), whose size grows with the
 * classes.  Listing every pair of a large estate is gigabytes: the output
 * goes through a writer (sgreach_verdict_set_writer()) that counts it, as
 * `sgreach matrix` writes it to a pipe, so its time is the library's and
 * not the memory of a whole report.  -C times the class form only.
 *
 * Memory is measured in a child forked before anything else is allocated,
 * so that its heap holds the model alone: mallinfo2() before and after
 * load + finalize (bytes in use, arena and mmapped) and its peak RSS.
 */
#define _GNU_SOURCE
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sgreach.h"

#define MAX_RUNS 32

struct opts {
	int runs;	      /* runs per figure */
	double query_seconds; /* CPU seconds per query run */
	double matrix_budget; /* CPU seconds before matrix runs stop */
	double matrix_limit;  /* CPU seconds one matrix run may take */
	sgreach_group_by group_by;
	int classes_only; /* -C: the class form of the matrix only */
	int no_matrix;
	const char *dir;
};

struct files {
	char **path;
	size_t n;
	size_t bytes;
};

struct queries {
	char *text; /* the whole file, split in place */
	const char **src, **dst, **flow;
	unsigned int *flags;
	size_t n;
};

/* One figure: samples of CPU and wall-clock seconds. */
struct figure {
	double cpu[MAX_RUNS], wall[MAX_RUNS];
	int n;
};

struct memory {
	size_t heap_before, heap_after; /* mallinfo2 uordblks + hblkhd */
	long maxrss_kb;
	size_t counts[7];
	size_t warnings;
	int rc;
	char err[256];
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench: %s: %s\n", what, why);
	exit(1);
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct stamp {
	double cpu, wall;
};

static struct stamp stamp(void)
{
	struct stamp s = {now(CLOCK_PROCESS_CPUTIME_ID), now(CLOCK_MONOTONIC)};

	return s;
}

static void add_sample(struct figure *f, struct stamp a, struct stamp b)
{
	if (f->n < MAX_RUNS) {
		f->cpu[f->n] = b.cpu - a.cpu;
		f->wall[f->n] = b.wall - a.wall;
		f->n++;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of n samples (n > 0); sorts them. */
static void stats(double *v, int n, double *med, double *lo, double *hi)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*lo = v[0];
	*hi = v[n - 1];
}

/* ----------------------------------------------------------- input -- */

static int is_json(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return l > 5 && !strcmp(d->d_name + l - 5, ".json");
}

/* The *.json files of dir in name order: the order sgreach loads a
 * directory in, so that the floor reads exactly what the model loads. */
static void list_files(const char *dir, struct files *f)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, is_json, alphasort), i;

	if (n < 0)
		die(dir, strerror(errno));
	if (n == 0)
		die(dir, "no *.json file (run bench/gen first)");
	f->path = calloc((size_t)n, sizeof(*f->path));
	if (!f->path)
		die(dir, "out of memory");
	f->n = 0;
	f->bytes = 0;
	for (i = 0; i < n; i++) {
		struct stat st;
		char *p;

		if (asprintf(&p, "%s/%s", dir, ents[i]->d_name) < 0)
			die(dir, "out of memory");
		if (stat(p, &st))
			die(p, strerror(errno));
		f->path[f->n++] = p;
		f->bytes += (size_t)st.st_size;
		free(ents[i]);
	}
	free(ents);
}

static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0 || fstat(fd, &st))
		die(path, strerror(errno));
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die(path, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(path, r ? strerror(errno) : "short read");
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Splits queries.txt ("SRC DST FLOW [-4|-6]" per line) in place: the
 * query loop then only indexes arrays. */
static void read_queries(const char *dir, struct queries *q)
{
	char *path, *p, *line;
	size_t len, cap = 0;

	if (asprintf(&path, "%s/queries.txt", dir) < 0)
		die(dir, "out of memory");
	q->text = read_all(path, &len);
	for (p = q->text; *p; p++)
		cap += *p == '\n';
	cap++;
	q->src = calloc(cap, sizeof(*q->src));
	q->dst = calloc(cap, sizeof(*q->dst));
	q->flow = calloc(cap, sizeof(*q->flow));
	q->flags = calloc(cap, sizeof(*q->flags));
	if (!q->src || !q->dst || !q->flow || !q->flags)
		die(path, "out of memory");
	q->n = 0;
	for (line = strtok_r(q->text, "\n", &p); line;
	     line = strtok_r(NULL, "\n", &p)) {
		char *f[4] = {NULL}, *sp;
		int k = 0;

		for (char *t = strtok_r(line, " \t", &sp); t && k < 4;
		     t = strtok_r(NULL, " \t", &sp))
			f[k++] = t;
		if (k < 3)
			die(path, "a line without SRC DST FLOW");
		q->src[q->n] = f[0];
		q->dst[q->n] = f[1];
		q->flow[q->n] = f[2];
		q->flags[q->n] =
		    f[3] && !strcmp(f[3], "-6") ? SGREACH_QUERY_IPV6 : 0;
		q->n++;
	}
	if (!q->n)
		die(path, "no query");
	free(path);
}

/* ----------------------------------------------------------- model -- */

static sgreach_model *load_model(const struct files *f,
				 struct stamp *after_load)
{
	sgreach_model *m = sgreach_model_new();
	int rc;

	if (!m)
		die("sgreach_model_new", "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		rc = sgreach_model_load_file(m, f->path[i]);
		if (rc)
			die(f->path[i], *sgreach_model_error(m)
					    ? sgreach_model_error(m)
					    : sgreach_strerror(rc));
	}
	if (after_load)
		*after_load = stamp();
	rc = sgreach_model_finalize(m);
	if (rc)
		die("finalize", *sgreach_model_error(m) ? sgreach_model_error(m)
							: sgreach_strerror(rc));
	return m;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Loads the model in a child whose heap holds nothing else yet. */
static void measure_memory(const struct files *f, struct memory *mem)
{
	int fds[2];
	pid_t pid;
	ssize_t r;
	int status;

	if (pipe(fds))
		die("pipe", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		struct memory c = {0};
		struct rusage ru;
		sgreach_model *m;

		close(fds[0]);
		c.heap_before = heap_in_use();
		m = load_model(f, NULL);
		c.heap_after = heap_in_use();
		getrusage(RUSAGE_SELF, &ru);
		c.maxrss_kb = ru.ru_maxrss;
		for (int i = 0; i < 7; i++)
			c.counts[i] = sgreach_model_count(m, (sgreach_count)i);
		c.warnings = sgreach_model_warning_count(m);
		if (write(fds[1], &c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	r = read(fds[0], mem, sizeof(*mem));
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || r != (ssize_t)sizeof(*mem) ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		die("memory child", "failed (see above)");
}

/* The floor: read, parse and free every file with cJSON alone. */
static void cjson_floor(const struct files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		size_t len;
		char *buf = read_all(f->path[i], &len);
		const char *end = NULL;
		cJSON *doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

		if (!doc)
			die(f->path[i], "cJSON cannot parse it");
		cJSON_Delete(doc);
		free(buf);
	}
}

/* --------------------------------------------------------- queries -- */

struct mix {
	size_t result[5]; /* by sgreach_result value */
	size_t errors;
	const char *first_error;
	char first_buf[300];
};

/* One untimed pass: what the timed runs answer, so that a run of errors
 * cannot pass for speed. */
static void query_mix(const sgreach_model *m, const struct queries *q,
		      sgreach_verdict *v, struct mix *mix)
{
	memset(mix, 0, sizeof(*mix));
	for (size_t i = 0; i < q->n; i++) {
		int rc = sgreach_query(m, q->src[i], q->dst[i], q->flow[i],
				       q->flags[i], v);

		if (rc) {
			if (!mix->errors++) {
				snprintf(mix->first_buf, sizeof(mix->first_buf),
					 "%s %s %s: %s", q->src[i], q->dst[i],
					 q->flow[i], sgreach_verdict_error(v));
				mix->first_error = mix->first_buf;
			}
			continue;
		}
		mix->result[sgreach_verdict_result(v) % 5]++;
	}
}

/* The same queries by handle: every distinct selector resolved once with
 * sgreach_select(), every flow parsed once, as an audit tool asking many
 * questions about the same workloads would. */
struct handles {
	sgreach_selector **sel; /* per distinct selector text */
	size_t nsel;
	const sgreach_selector **src, **dst; /* per query */
	sgreach_flow *flow;
};

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const sgreach_selector *find_sel(const struct handles *h,
					const char **sorted, const char *text)
{
	const char **at =
	    bsearch(&text, sorted, h->nsel, sizeof(*sorted), strp_cmp);

	return at ? h->sel[at - sorted] : NULL;
}

static void select_all(const sgreach_model *m, const struct queries *q,
		       sgreach_verdict *v, struct handles *h)
{
	const char **all = calloc(2 * q->n, sizeof(*all));
	size_t n = 0, i;

	h->src = calloc(q->n, sizeof(*h->src));
	h->dst = calloc(q->n, sizeof(*h->dst));
	h->flow = calloc(q->n, sizeof(*h->flow));
	h->sel = calloc(2 * q->n, sizeof(*h->sel));
	if (!all || !h->src || !h->dst || !h->flow || !h->sel)
		die("handles", "out of memory");
	for (i = 0; i < q->n; i++) {
		all[n++] = q->src[i];
		all[n++] = q->dst[i];
		if (sgreach_flow_parse(q->flow[i], &h->flow[i]))
			die(q->flow[i], "invalid flow");
	}
	qsort(all, n, sizeof(*all), strp_cmp);
	h->nsel = 0;
	for (i = 0; i < n; i++) {
		if (h->nsel && !strcmp(all[h->nsel - 1], all[i]))
			continue;
		all[h->nsel] = all[i];
		/* A selector that fails stays NULL; its queries are errors
		 * in both mixes. */
		h->sel[h->nsel] = NULL;
		sgreach_select(m, all[i], v, &h->sel[h->nsel]);
		h->nsel++;
	}
	for (i = 0; i < q->n; i++) {
		h->src[i] = find_sel(h, all, q->src[i]);
		h->dst[i] = find_sel(h, all, q->dst[i]);
	}
	free(all);
}

static void handles_free(struct handles *h)
{
	for (size_t i = 0; i < h->nsel; i++)
		sgreach_selector_free(h->sel[i]);
	free(h->sel);
	free(h->src);
	free(h->dst);
	free(h->flow);
}

/* The untimed pass by handle must give the answers of query_mix(). */
static void handle_mix(const sgreach_model *m, const struct queries *q,
		       const struct handles *h, sgreach_verdict *v,
		       struct mix *mix)
{
	memset(mix, 0, sizeof(*mix));
	for (size_t i = 0; i < q->n; i++) {
		if (!h->src[i] || !h->dst[i] ||
		    sgreach_query_selected(m, h->src[i], h->dst[i], &h->flow[i],
					   q->flags[i], v)) {
			mix->errors++;
			continue;
		}
		mix->result[sgreach_verdict_result(v) % 5]++;
	}
}

/* The same questions for sgreach_query_many(), each checked against
 * sgreach_query_selected() once, untimed: the timed runs must give the
 * answers of handle_mix(). */
static sgreach_question *questions(const sgreach_model *m,
				   const struct queries *q,
				   const struct handles *h, sgreach_verdict *v)
{
	sgreach_question *qs = calloc(q->n, sizeof(*qs));
	size_t i;

	if (!qs)
		die("questions", "out of memory");
	for (i = 0; i < q->n; i++) {
		qs[i].src = h->src[i];
		qs[i].dst = h->dst[i];
		qs[i].flow = h->flow[i];
		qs[i].flags = q->flags[i];
	}
	sgreach_query_many(m, qs, q->n, v);
	for (i = 0; i < q->n; i++) {
		int rc = sgreach_query_selected(m, h->src[i], h->dst[i],
						&h->flow[i], q->flags[i], v);

		if (rc != qs[i].error ||
		    (!rc && sgreach_verdict_result(v) != qs[i].result)) {
			fprintf(stderr,
				"bench: %s %s %s: many %d/%d, one %d/%d\n",
				q->src[i], q->dst[i], q->flow[i], qs[i].error,
				qs[i].result, rc,
				rc ? -1 : (int)sgreach_verdict_result(v));
			die("sgreach_query_many",
			    "answers differ from sgreach_query_selected()");
		}
	}
	return qs;
}

/* sgreach_query_many() over the questions, MANY_CHUNK at a time, for at
 * least `seconds` of CPU time; returns how many were answered. */
enum { MANY_CHUNK = 256 };
static size_t many_run(const sgreach_model *m, sgreach_question *qs, size_t n,
		       sgreach_verdict *v, double seconds, size_t *start)
{
	double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	size_t done = 0, i = *start;

	do {
		size_t k = n - i < MANY_CHUNK ? n - i : MANY_CHUNK;

		sgreach_query_many(m, qs + i, k, v);
		done += k;
		i = i + k == n ? 0 : i + k;
	} while (now(CLOCK_PROCESS_CPUTIME_ID) - t0 < seconds);
	*start = i;
	return done;
}

/* The questions of queries.txt by selector text, for
 * sgreach_query_many_text(): their flags, and `extra`. */
static sgreach_text_question *text_questions(const struct queries *q,
					     unsigned int extra)
{
	sgreach_text_question *tq = calloc(q->n + 1, sizeof(*tq));

	if (!tq)
		die("questions", "out of memory");
	for (size_t i = 0; i < q->n; i++) {
		tq[i].src = q->src[i];
		tq[i].dst = q->dst[i];
		if (sgreach_flow_parse(q->flow[i], &tq[i].flow))
			die(q->flow[i], "invalid flow");
		tq[i].flags = q->flags[i] | extra;
	}
	return tq;
}

/* sgreach_answer_fn: renders each answer as JSON (arg: the questions). */
static int render_answer(void *arg, size_t i, sgreach_verdict *v)
{
	if (((const sgreach_text_question *)arg)[i].error == 0 &&
	    !sgreach_verdict_render(v, SGREACH_FORMAT_JSON))
		die("sgreach_verdict_render", "out of memory");
	return 0;
}

/* sgreach_query_many_text() over the questions, TEXT_CHUNK at a time (as
 * `sgreach batch` asks), each answer rendered when render is set, for at
 * least `seconds` of CPU time; returns how many were answered. */
enum { TEXT_CHUNK = 64 };
static size_t text_run(const sgreach_model *m, sgreach_text_question *tq,
		       size_t n, sgreach_verdict *v, int render,
		       double seconds, size_t *start)
{
	double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	size_t done = 0, i = *start;

	do {
		for (int k = 0; k < 4; k++) {
			size_t b = n - i < TEXT_CHUNK ? n - i : TEXT_CHUNK;

			sgreach_query_many_text(m, tq + i, b, v,
						render ? render_answer : NULL,
						tq);
			done += b;
			i = i + b == n ? 0 : i + b;
		}
	} while (now(CLOCK_PROCESS_CPUTIME_ID) - t0 < seconds);
	*start = i;
	return done;
}

/* The untimed pass by text must give the answers of query_mix(). */
static void text_mix(const sgreach_model *m, sgreach_text_question *tq,
		     size_t n, sgreach_verdict *v, struct mix *mix)
{
	memset(mix, 0, sizeof(*mix));
	sgreach_query_many_text(m, tq, n, v, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		if (tq[i].error)
			mix->errors++;
		else
			mix->result[tq[i].result % 5]++;
	}
}

/* Queries cycling through the arrays for at least `seconds` of CPU time,
 * by selector strings, or by handle when h is given; returns how many
 * ran.  The clock is read every 256 queries. */
static size_t query_run(const sgreach_model *m, const struct queries *q,
			const struct handles *h, sgreach_verdict *v,
			double seconds, size_t *start)
{
	double t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	size_t done = 0, i = *start;

	do {
		for (int k = 0; k < 256; k++) {
			if (h)
				sgreach_query_selected(m, h->src[i], h->dst[i],
						       &h->flow[i], q->flags[i],
						       v);
			else
				sgreach_query(m, q->src[i], q->dst[i],
					      q->flow[i], q->flags[i], v);
			if (++i == q->n)
				i = 0;
		}
		done += 256;
	} while (now(CLOCK_PROCESS_CPUTIME_ID) - t0 < seconds);
	*start = i;
	return done;
}

/* ---------------------------------------------------------- report -- */

/* One Markdown table row; every figure goes through here so that the
 * columns line up. */
static void row(const char *what, const char *med, const char *range,
		const char *wall, int runs)
{
	char n[16] = "";

	if (runs)
		snprintf(n, sizeof(n), "%d", runs);
	printf("| %-44s | %15s | %27s | %15s | %4s |\n", what, med, range, wall,
	       n);
}

static void row_time(const char *what, struct figure *f, double scale,
		     const char *unit)
{
	double cm, cl, ch, wm, wl, wh;
	char a[32], b[48], c[32];

	stats(f->cpu, f->n, &cm, &cl, &ch);
	stats(f->wall, f->n, &wm, &wl, &wh);
	snprintf(a, sizeof(a), "%.3f %s", cm * scale, unit);
	snprintf(b, sizeof(b), "%.3f - %.3f", cl * scale, ch * scale);
	snprintf(c, sizeof(c), "%.3f %s", wm * scale, unit);
	row(what, a, b, c, f->n);
}

/* A rate: count per second over each sample; the median of the rates. */
static void row_rate(const char *what, const double *count, struct figure *f)
{
	double rc[MAX_RUNS], rw[MAX_RUNS], cm, cl, ch, wm, wl, wh;
	char a[32], b[48], c[32];

	for (int i = 0; i < f->n; i++) {
		rc[i] = count[i] / f->cpu[i];
		rw[i] = count[i] / f->wall[i];
	}
	stats(rc, f->n, &cm, &cl, &ch);
	stats(rw, f->n, &wm, &wl, &wh);
	snprintf(a, sizeof(a), "%.0f/s", cm);
	snprintf(b, sizeof(b), "%.0f - %.0f", cl, ch);
	snprintf(c, sizeof(c), "%.0f/s", wm);
	row(what, a, b, c, f->n);
}

static double median_cpu(struct figure *f)
{
	double v[MAX_RUNS], med, lo, hi;

	memcpy(v, f->cpu, sizeof(double) * (size_t)f->n);
	stats(v, f->n, &med, &lo, &hi);
	return med;
}

static double median_wall(struct figure *f)
{
	double v[MAX_RUNS], med, lo, hi;

	memcpy(v, f->wall, sizeof(double) * (size_t)f->n);
	stats(v, f->n, &med, &lo, &hi);
	return med;
}

static const char *group_by_name(sgreach_group_by g)
{
	return g == SGREACH_GROUP_BY_SERVICE ? "service"
	       : g == SGREACH_GROUP_BY_GROUP ? "group"
					     : "none";
}

struct matrix_run {
	int rc;
	double cpu, wall;
	size_t bytes;
	long maxrss_kb; /* of the child: the model, the matrix and its text */
	char err[200];
};

/* The address space a matrix child may take: a run that needs more ends
 * with ENOMEM rather than pushing the machine into swap or the OOM killer. */
#define MATRIX_MAX_BYTES ((rlim_t)8 << 30)

/* One form of the matrix, for one flow and for all flows. */
struct matrix_form {
	const char *name; /* in the row labels */
	unsigned int flags;
	int rc[2];
	struct figure f[2];
	size_t bytes[2];
	long rss_kb[2];
};

/* The matrix's writer: counts what it is given. */
static int count_bytes(void *cookie, const char *text, size_t len)
{
	(void)text;
	*(size_t *)cookie += len;
	return 0;
}

/* One sgreach_matrix() in a child limited to `limit` CPU seconds: a run of
 * the large estate may take far longer than the benchmark should.  Returns
 * 0 with the run in *out, 1 when the child hit the limit, 1000 + the signal
 * when it died of another one. */
static int matrix_child(const struct opts *o, const sgreach_model *m,
			sgreach_verdict *ctx, const char *flow,
			unsigned int flags, struct matrix_run *out)
{
	int fds[2], status;
	ssize_t r;
	pid_t pid;

	if (pipe(fds))
		die("pipe", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		rlim_t lim = (rlim_t)o->matrix_limit;
		struct rlimit cpu = {lim, lim + 5}, core = {0, 0};
		struct rlimit as = {MATRIX_MAX_BYTES, MATRIX_MAX_BYTES};
		struct rusage ru;
		struct matrix_run c = {0};
		const char *text = NULL;
		struct stamp a, b;

		close(fds[0]);
		setrlimit(RLIMIT_CORE, &core); /* SIGXCPU dumps core */
		setrlimit(RLIMIT_CPU, &cpu);
		setrlimit(RLIMIT_AS, &as);
		sgreach_verdict_set_writer(ctx, count_bytes, &c.bytes);
		a = stamp();
		c.rc = sgreach_matrix(m, flow, o->group_by, flags,
				      SGREACH_FORMAT_JSON, ctx, &text);
		b = stamp();
		if (!getrusage(RUSAGE_SELF, &ru))
			c.maxrss_kb = ru.ru_maxrss;
		c.cpu = b.cpu - a.cpu;
		c.wall = b.wall - a.wall;
		if (c.rc)
			snprintf(c.err, sizeof(c.err), "%s",
				 sgreach_verdict_error(ctx));
		else if (*text)
			die("matrix", "the output did not go to the writer");
		if (write(fds[1], &c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	r = read(fds[0], out, sizeof(*out));
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid", strerror(errno));
	if (WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
		return 1;
	/* A crash is a finding, not the end of the benchmark. */
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	if (r != (ssize_t)sizeof(*out) || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("matrix child", "failed");
	return 0;
}

/* Times sgreach_matrix() until the runs are done or their CPU time passes
 * the budget.  Returns 0, 1 when a run passed the CPU limit (it is not
 * counted), 1000 + a signal that killed it, or the negative error of the
 * first run. */
static int time_matrix(const struct opts *o, const sgreach_model *m,
		       sgreach_verdict *ctx, const char *flow,
		       unsigned int flags, struct figure *f, size_t *out_bytes,
		       long *maxrss_kb)
{
	double spent = 0;

	f->n = 0;
	while (f->n < o->runs && (f->n == 0 || spent < o->matrix_budget)) {
		struct matrix_run run;

		int died = matrix_child(o, m, ctx, flow, flags, &run);

		if (died)
			return died;
		if (run.rc) {
			fprintf(stderr, "bench: matrix %s: %s (%s)\n",
				flow ? flow : "(all flows)",
				sgreach_strerror(run.rc), run.err);
			return run.rc;
		}
		*out_bytes = run.bytes;
		if (run.maxrss_kb > *maxrss_kb)
			*maxrss_kb = run.maxrss_kb;
		f->cpu[f->n] = run.cpu;
		f->wall[f->n] = run.wall;
		f->n++;
		spent += run.cpu;
	}
	return 0;
}

/* The matrix rows: a time, an error, or how long it ran before it was
 * stopped. */
static void row_matrix(const struct opts *o, const char *what, int rc,
		       struct figure *f)
{
	char buf[48];

	if (rc < 0) {
		row(what, "error", sgreach_strerror(rc), "", 0);
	} else if (rc > 1000) {
		snprintf(buf, sizeof(buf), "crashed: %s", strsignal(rc - 1000));
		row(what, "no figure", buf, "", 0);
	} else if (rc > 0) {
		snprintf(buf, sizeof(buf), "> %.0f s", o->matrix_limit);
		row(what, buf, "stopped at the CPU limit", "", 1);
	} else if (!f->n) {
		row(what, "not run", "tcp/443 gave no figure", "", 0);
	} else {
		row_time(what, f, 1, "s");
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [-r RUNS] [-t QUERY_SECONDS] [-m MATRIX_BUDGET]\n"
		"             [-l MATRIX_LIMIT] [-g service|group|none] [-C] "
		"[-M] DIR\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	o->runs = 5;
	o->query_seconds = 1.0;
	o->matrix_budget = 60.0;
	o->matrix_limit = 300.0;
	o->group_by = SGREACH_GROUP_BY_SERVICE;
	o->no_matrix = 0;
	o->classes_only = 0;
	while ((c = getopt(argc, argv, "r:t:m:l:g:CM")) != -1) {
		switch (c) {
		case 'r':
			o->runs = atoi(optarg);
			if (o->runs < 1 || o->runs > MAX_RUNS)
				usage();
			break;
		case 't':
			o->query_seconds = atof(optarg);
			break;
		case 'm':
			o->matrix_budget = atof(optarg);
			break;
		case 'l':
			o->matrix_limit = atof(optarg);
			if (o->matrix_limit < 1)
				usage();
			break;
		case 'g':
			if (!strcmp(optarg, "service"))
				o->group_by = SGREACH_GROUP_BY_SERVICE;
			else if (!strcmp(optarg, "group"))
				o->group_by = SGREACH_GROUP_BY_GROUP;
			else if (!strcmp(optarg, "none"))
				o->group_by = SGREACH_GROUP_BY_NONE;
			else
				usage();
			break;
		case 'C':
			o->classes_only = 1;
			break;
		case 'M':
			o->no_matrix = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->dir = argv[optind];
}

int main(int argc, char **argv)
{
	struct figure floor = {0}, load = {0}, fin = {0}, total = {0};
	struct figure qf = {0}, hf = {0}, nf = {0}, tf = {0};
	double qcount[MAX_RUNS], hcount[MAX_RUNS], mcount[MAX_RUNS],
	    tcount[MAX_RUNS];
	sgreach_text_question *tq;
	struct mix tmix;
	sgreach_question *qs;
	struct handles h;
	struct memory mem;
	struct queries q;
	struct files f;
	struct opts o;
	struct mix mix, hmix;
	sgreach_model *m = NULL;
	sgreach_verdict *v;
	size_t next = 0;
	struct matrix_form forms[2] = {
	    {.name = "", .flags = 0},
	    {.name = " classes", .flags = SGREACH_MATRIX_CLASSES},
	};
	char buf[80], buf2[32];

	parse_opts(argc, argv, &o);
	list_files(o.dir, &f);
	measure_memory(&f, &mem);

	/* Warm the page cache and the allocator: the first run would
	 * otherwise pay for the disk. */
	cjson_floor(&f);
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp();

		cjson_floor(&f);
		add_sample(&floor, a, stamp());
	}
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp(), mid, b;

		if (m)
			sgreach_model_free(m);
		m = load_model(&f, &mid);
		b = stamp();
		add_sample(&load, a, mid);
		add_sample(&fin, mid, b);
		add_sample(&total, a, b);
	}

	read_queries(o.dir, &q);
	v = sgreach_verdict_new();
	if (!v)
		die("sgreach_verdict_new", "out of memory");
	query_mix(m, &q, v, &mix);
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp();

		qcount[r] =
		    (double)query_run(m, &q, NULL, v, o.query_seconds, &next);
		add_sample(&qf, a, stamp());
	}
	select_all(m, &q, v, &h);
	handle_mix(m, &q, &h, v, &hmix);
	if (memcmp(hmix.result, mix.result, sizeof(mix.result)) ||
	    hmix.errors != mix.errors)
		die("queries by handle", "answers differ from sgreach_query()");
	next = 0;
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp();

		hcount[r] =
		    (double)query_run(m, &q, &h, v, o.query_seconds, &next);
		add_sample(&hf, a, stamp());
	}
	tq = text_questions(&q, 0);
	text_mix(m, tq, q.n, v, &tmix);
	if (memcmp(tmix.result, mix.result, sizeof(mix.result)) ||
	    tmix.errors != mix.errors)
		die("sgreach_query_many_text", "answers differ from sgreach_query()");
	next = 0;
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp();

		tcount[r] = (double)text_run(m, tq, q.n, v, 0, o.query_seconds,
					     &next);
		add_sample(&tf, a, stamp());
	}
	free(tq);
	qs = questions(m, &q, &h, v);
	next = 0;
	for (int r = 0; r < o.runs; r++) {
		struct stamp a = stamp();

		mcount[r] =
		    (double)many_run(m, qs, q.n, v, o.query_seconds, &next);
		add_sample(&nf, a, stamp());
	}
	for (int k = o.classes_only ? 1 : 0; !o.no_matrix && k < 2; k++) {
		struct matrix_form *mf = &forms[k];

		mf->rc[0] =
		    time_matrix(&o, m, v, "tcp/443", mf->flags, &mf->f[0],
				&mf->bytes[0], &mf->rss_kb[0]);
		/* All flows cost more than one: not when one flow alone was
		 * stopped or failed. */
		if (mf->rc[0])
			continue;
		mf->rc[1] = time_matrix(&o, m, v, NULL, mf->flags, &mf->f[1],
					&mf->bytes[1], &mf->rss_kb[1]);
	}

	printf("\n### %s\n\n", o.dir);
	printf("sgreach %s; %zu groups, %zu rules, %zu endpoints, %zu tasks, "
	       "%zu prefix lists, %zu subnets, %zu VPCs; %zu warnings\n\n",
	       sgreach_version(), mem.counts[SGREACH_COUNT_GROUPS],
	       mem.counts[SGREACH_COUNT_RULES],
	       mem.counts[SGREACH_COUNT_ENDPOINTS],
	       mem.counts[SGREACH_COUNT_TASKS],
	       mem.counts[SGREACH_COUNT_PREFIX_LISTS],
	       mem.counts[SGREACH_COUNT_SUBNETS],
	       mem.counts[SGREACH_COUNT_VPCS], mem.warnings);
	printf("| %-44s | %15s | %27s | %15s | %4s |\n", "figure",
	       "median (CPU)", "min - max (CPU)", "median (wall)", "runs");
	printf("|%s|%s|%s|%s|%s|\n",
	       "----------------------------------------------",
	       "----------------:", "----------------------------:",
	       "----------------:", "-----:");
	snprintf(buf, sizeof(buf), "%zu", f.bytes);
	row("input bytes (*.json)", buf, "", "", 0);
	row_time("cJSON read+parse+free (floor)", &floor, 1e3, "ms");
	row_time("load (all files)", &load, 1e3, "ms");
	row_time("finalize", &fin, 1e3, "ms");
	row_time("load + finalize", &total, 1e3, "ms");
	snprintf(buf, sizeof(buf), "%.2fx",
		 median_cpu(&total) / median_cpu(&floor));
	snprintf(buf2, sizeof(buf2), "%.2fx",
		 median_wall(&total) / median_wall(&floor));
	row("load + finalize / floor", buf, "", buf2, 0);
	snprintf(buf, sizeof(buf), "%.1f MB",
		 (double)(mem.heap_after - mem.heap_before) / 1e6);
	row("model heap after load (mallinfo2)", buf, "", "", 1);
	snprintf(buf, sizeof(buf), "%.2fx",
		 (double)(mem.heap_after - mem.heap_before) / (double)f.bytes);
	row("model heap / input bytes", buf, "", "", 0);
	snprintf(buf, sizeof(buf), "%.1f MB", (double)mem.maxrss_kb / 1e3);
	row("peak RSS of load (getrusage)", buf, "", "", 1);
	row_rate("sgreach_query (selector strings)", qcount, &qf);
	row_rate("sgreach_query_many_text (strings, 64 a call)", tcount, &tf);
	row_rate("sgreach_query_selected (handles)", hcount, &hf);
	row_rate("sgreach_query_many (handles, 256 a call)", mcount, &nf);
	if (o.no_matrix) {
		row("matrix", "not run (-M)", "", "", 0);
	}
	for (int k = o.classes_only ? 1 : 0; !o.no_matrix && k < 2; k++) {
		snprintf(buf, sizeof(buf), "matrix tcp/443 (by %s, JSON%s)",
			 group_by_name(o.group_by), forms[k].name);
		row_matrix(&o, buf, forms[k].rc[0], &forms[k].f[0]);
		snprintf(buf, sizeof(buf), "matrix all flows (by %s, JSON%s)",
			 group_by_name(o.group_by), forms[k].name);
		row_matrix(&o, buf, forms[k].rc[1], &forms[k].f[1]);
	}
	printf("\nqueries: %zu lines; answers allowed %zu, denied %zu, "
	       "unknown %zu, partial %zu, errors %zu\n",
	       q.n, mix.result[SGREACH_ALLOWED], mix.result[SGREACH_DENIED],
	       mix.result[SGREACH_UNKNOWN], mix.result[SGREACH_PARTIAL],
	       mix.errors);
	if (mix.first_error)
		printf("first error: %s\n", mix.first_error);
	for (int k = o.classes_only ? 1 : 0; !o.no_matrix && k < 2; k++)
		printf("matrix JSON%s output: tcp/443 %zu bytes, all flows %zu "
		       "bytes; peak RSS of the matrix child %.1f MB, %.1f MB\n",
		       forms[k].name, forms[k].bytes[0], forms[k].bytes[1],
		       (double)forms[k].rss_kb[0] / 1e3,
		       (double)forms[k].rss_kb[1] / 1e3);

	free(qs);
	handles_free(&h);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
	for (size_t i = 0; i < f.n; i++)
		free(f.path[i]);
	free(f.path);
	free(q.text);
	free(q.src);
	free(q.dst);
	free(q.flow);
	free(q.flags);
	return 0;
}
