/*
 * bench/latency.c - what this machine's memory costs, for bench/RESULTS.md.
 *
 * A query on a large estate reads a few cache lines at random from tables
 * bigger than the CPU's caches, each line's address known only once the
 * line before it has arrived.  This program measures those two figures
 * the query figures depend on, on the machine at hand:
 *
 *   - one chain: the time of one load whose address depends on the load
 *     before it (a pointer chase over a random cycle of 64-byte lines),
 *     for working sets from 32 KiB to 256 MiB: the latency of L1, L2, L3
 *     and memory;
 *   - four chains at once: the time per load when four independent chases
 *     are interleaved, as when sgreach_query_many() reads ahead: how much
 *     of the latency the CPU overlaps.
 *
 * CPU time, median of three runs; every chase runs at least 0.2 s.
 *
 * usage: latency [MAX_MIB]   (default 256)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE 64
#define RUNS 3

struct line {
	struct line *next;
	char pad[LINE - sizeof(struct line *)];
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* The n lines linked into one random cycle (Sattolo's shuffle). */
static void link_cycle(struct line *v, size_t n)
{
	size_t *order = malloc(n * sizeof(*order));
	size_t i;

	if (!order) {
		fprintf(stderr, "latency: out of memory\n");
		exit(2);
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rnd() % i), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		v[order[i]].next = &v[order[(i + 1) % n]];
	free(order);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nanoseconds per load, chasing `chains` cycles at once from starts
 * spread over the cycle. */
static double chase(struct line *v, size_t n, int chains)
{
	double t[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct line *p[4];
		size_t steps = 0;
		double t0;

		for (int c = 0; c < chains; c++) {
			p[c] = &v[0];
			for (size_t k = 0; k < (size_t)c * (n / 4 + 1); k++)
				p[c] = p[c]->next;
		}
		t0 = cpu_now();
		do {
			for (int k = 0; k < 4096; k++) {
				p[0] = p[0]->next;
				if (chains > 1) {
					p[1] = p[1]->next;
					p[2] = p[2]->next;
					p[3] = p[3]->next;
				}
			}
			steps += 4096;
		} while (cpu_now() - t0 < 0.2);
		t[r] =
		    (cpu_now() - t0) * 1e9 / (double)(steps * (size_t)chains);
		/* Keep the chase from being optimised away. */
		if (!p[0] || (chains > 1 && !p[3]))
			abort();
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

int main(int argc, char **argv)
{
	size_t max_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	size_t kib;

	printf("| working set | one chain (ns a load) | four chains "
	       "(ns a load) | overlap |\n");
	printf("|---:|---:|---:|---:|\n");
	for (kib = 32; kib <= max_mib * 1024; kib *= 2) {
		size_t n = kib * 1024 / LINE;
		struct line *v = aligned_alloc(LINE, n * LINE);
		double one, four;

		if (!v) {
			fprintf(stderr, "latency: out of memory\n");
			return 2;
		}
		memset(v, 0, n * LINE);
		link_cycle(v, n);
		one = chase(v, n, 1);
		four = chase(v, n, 4);
		if (kib < 1024)
			printf("| %zu KiB ", kib);
		else
			printf("| %zu MiB ", kib / 1024);
		printf("| %.1f | %.1f | %.1fx |\n", one, four, one / four);
		fflush(stdout);
		free(v);
	}
	return 0;
}
