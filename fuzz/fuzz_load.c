/*
 * fuzz_load.c - any bytes through every importer, then finalize and query.
 *
 * The input is up to MAX_DOCS documents separated by a form feed (a byte
 * JSON never allows outside strings, where it must be escaped anyway), each
 * loaded with sgreach_model_load_buffer() into one model, so that merging,
 * references across documents and rollback of a failed document are
 * covered.  The document kind (AWS, ECS, Terraform) is detected from the
 * keys, so one target reaches every importer.
 *
 * Rollback is checked differentially: when some documents failed, a second
 * model loads only the documents that succeeded; both must then answer every
 * query with the same rendered JSON, and hold the same counts and warnings.
 * That second model is finalized the other way (finalize_other_way()): its
 * interfaces read their rules group by group, and its query arrays are in
 * one block, as a large model's are; it is also made for half of the inputs
 * where every document loaded, to compare those two ways alone.
 */
#include <stdint.h>

#include "common.h"
#include "model.h"

#define MAX_DOCS 4
#define MAX_SELECTORS 8
#define MAX_QUERIES 24

struct doc {
	const char *p;
	size_t n;
};

static const char *const flows[] = {
	"tcp/443", "udp/53", "icmp/8/0", "icmpv6/128/0", "esp", "tcp/0",
};

/* Selectors the document itself names: ENI ids, task ARNs, "service:..."
 * groups and anything that starts like an address.  Copied out of the raw
 * bytes, escapes and all: a selector that names nothing is a fine query
 * too. */
static size_t find_selectors(const uint8_t *d, size_t n,
			     char sel[][96], size_t max)
{
	static const char *const fixed[] = {"0.0.0.0/0", "203.0.113.9",
					    "::/0"};
	size_t count = 0, i, k;

	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]) && count < max; k++)
		snprintf(sel[count++], sizeof(sel[0]), "%s", fixed[k]);
	for (i = 0; i < n && count < max; i++) {
		const uint8_t *s;
		size_t len = 0;

		if (d[i] != '"')
			continue;
		s = d + i + 1;
		while (i + 1 + len < n && s[len] != '"' && len < 95)
			len++;
		if (i + 1 + len >= n || s[len] != '"')
			break;
		i += len + 1; /* past the closing quote */
		if (len == 0)
			continue;
		for (k = 0; k < len && s[k] >= 0x20 && s[k] != 0x7f; k++)
			;
		if (k < len)
			continue; /* raw control bytes: invalid JSON anyway */
		if ((len > 4 && !memcmp(s, "eni-", 4)) ||
		    (len > 12 && !memcmp(s, "arn:aws:ecs:", 12)) ||
		    (len > 8 && !memcmp(s, "service:", 8)) ||
		    (s[0] >= '0' && s[0] <= '9' && memchr(s, '.', len)) ||
		    (len > 2 && memchr(s, ':', len) && s[0] != 'a' &&
		     s[0] != 's')) {
			for (k = 0; k < count; k++)
				if (strlen(sel[k]) == len &&
				    !memcmp(sel[k], s, len))
					break;
			if (k < count)
				continue;
			memcpy(sel[count], s, len);
			sel[count][len] = '\0';
			count++;
		}
	}
	return count;
}

static void check_load_rc(sgreach_model *m, int rc)
{
	if (rc == 0)
		return;
	/* sgreach.h: -EINVAL for invalid input (a task listed twice gave
	 * -EEXIST until aa2f89f: tests/bad-input/task-twice.json). */
	FUZZ_CHECK(rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
	/* An input error names the file: "doc: ..." */
	if (rc == -EINVAL)
		FUZZ_CHECK(strncmp(sgreach_model_error(m), "doc", 3) == 0);
	fuzz_check_clean(sgreach_model_error(m), 0);
}

static sgreach_model *load(const struct doc *docs, size_t ndocs,
			   const int *only_ok, int *ok)
{
	sgreach_model *m = sgreach_model_new();
	size_t i;

	FUZZ_CHECK(m != NULL);
	for (i = 0; i < ndocs; i++) {
		int rc;

		if (only_ok && !only_ok[i])
			continue;
		rc = sgreach_model_load_buffer(m, "doc", docs[i].p, docs[i].n);
		check_load_rc(m, rc);
		if (ok)
			ok[i] = rc == 0;
		/* Replaying only what succeeded must succeed again. */
		if (only_ok)
			FUZZ_CHECK(rc == 0);
	}
	return m;
}

/* sgreach_model_finalize() with no run copied (struct sg_qep: the general
 * path) and the query arrays packed whatever their size. */
static int finalize_other_way(sgreach_model *m)
{
	int rc;

	sg_run_copies = 0;
	sg_run_copy_floor = 0;
	sg_pack_min = 0;
	rc = sgreach_model_finalize(m);
	sg_run_copies = SG_RUN_COPIES;
	sg_run_copy_floor = SG_RUN_COPY_FLOOR;
	sg_pack_min = SG_PACK_MIN;
	return rc;
}

static void check_same_model(const sgreach_model *a, const sgreach_model *b)
{
	size_t i, n = sgreach_model_warning_count(a);

	for (i = SGREACH_COUNT_GROUPS; i <= SGREACH_COUNT_VPCS; i++)
		FUZZ_CHECK(sgreach_model_count(a, (sgreach_count)i) ==
			   sgreach_model_count(b, (sgreach_count)i));
	FUZZ_CHECK(n == sgreach_model_warning_count(b));
	for (i = 0; i < n; i++) {
		/* Warnings quote input: escaped since aa2f89f
		 * (regressions/load-warning-raw-del.bin). */
		fuzz_check_clean(sgreach_model_warning(a, i), 0);
		FUZZ_CHECK(!strcmp(sgreach_model_warning(a, i),
				   sgreach_model_warning(b, i)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc docs[MAX_DOCS];
	char sel[MAX_SELECTORS][96];
	int ok[MAX_DOCS] = {0}, any_failed = 0, fin;
	size_t ndocs = 0, nsel, i, j, q = 0, start = 0;
	sgreach_model *m, *replay = NULL;
	sgreach_verdict *v, *v2;

	for (i = 0; i < size && ndocs < MAX_DOCS - 1; i++) {
		if (data[i] != '\f')
			continue;
		docs[ndocs].p = (const char *)data + start;
		docs[ndocs++].n = i - start;
		start = i + 1;
	}
	docs[ndocs].p = (const char *)data + start;
	docs[ndocs++].n = size - start;

	m = load(docs, ndocs, NULL, ok);
	for (i = 0; i < ndocs; i++)
		any_failed |= !ok[i];
	/* The second model: for every input where a document failed, and
	 * for half of the others, which then compare the two ways of
	 * finalizing alone. */
	if (any_failed || size % 2) {
		replay = load(docs, ndocs, ok, NULL);
		check_same_model(m, replay);
	}

	fin = sgreach_model_finalize(m);
	FUZZ_CHECK(fin == 0 || fin == -EINVAL || fin == -ENOMEM);
	if (fin) {
		fuzz_check_clean(sgreach_model_error(m), 0);
		if (replay)
			FUZZ_CHECK(finalize_other_way(replay) == fin);
		goto out;
	}
	/* Finalized: loading more is refused, and changes nothing. */
	FUZZ_CHECK(sgreach_model_load_buffer(m, "doc", "{}", 2) == -EBUSY);
	if (replay) {
		FUZZ_CHECK(finalize_other_way(replay) == 0);
		check_same_model(m, replay);
	}

	nsel = find_selectors(data, size, sel, MAX_SELECTORS);
	v = sgreach_verdict_new();
	v2 = sgreach_verdict_new();
	FUZZ_CHECK(v && v2);
	for (i = 0; i < nsel && q < MAX_QUERIES; i++) {
		for (j = 0; j < nsel && q < MAX_QUERIES; j++, q++) {
			const char *flow = flows[q % (sizeof(flows) /
						      sizeof(flows[0]))];
			unsigned int flags =
				q & 1 ? SGREACH_QUERY_IPV6 : 0;
			int rc = sgreach_query(m, sel[i], sel[j], flow, flags,
					       v);

			fuzz_check_query_rc(rc, v);
			if (!replay)
				continue;
			FUZZ_CHECK(sgreach_query(replay, sel[i], sel[j], flow,
						 flags, v2) == rc);
			if (rc == 0)
				FUZZ_CHECK(!strcmp(
					sgreach_verdict_render(
						v, SGREACH_FORMAT_JSON),
					sgreach_verdict_render(
						v2, SGREACH_FORMAT_JSON)));
		}
	}
	sgreach_verdict_free(v);
	sgreach_verdict_free(v2);
out:
	sgreach_model_free(replay);
	sgreach_model_free(m);
	return 0;
}
