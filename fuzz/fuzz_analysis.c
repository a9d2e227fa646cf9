/*
 * fuzz_analysis.c - any document through the analyses (ports, who, reach,
 * matrix, exposure, lint, diff) in every format they write.
 *
 * The input is one document, loaded and finalized as fuzz_load does; the
 * selectors are the first interface ids and addresses the document names.
 * Every output must be clean text (newlines only) and, in JSON, parse.
 * The model diffed against itself must show no change; diffed against an
 * empty model (both ways), everything it allows is gained or lost.  The
 * matrix (listing and class form) gives the same bytes through a writer.
 *
 * A form feed (never valid in JSON) ends the document and starts a second
 * one: the two models are diffed both ways, and every way diff has of
 * finding the pairs that differ (an_diff()) must give the same bytes as
 * asking every pair.
 */
#include <stdint.h>

#include "analysis/analysis.h"
#include "common.h"

/* an_diff() of a and b in every mode: the bytes and the count of every
 * mode are those of DIFF_FULL, and so is any error. */
static void diff_modes(const sgreach_model *a, const sgreach_model *b,
		       unsigned int flags, sgreach_format fmt,
		       sgreach_verdict *ctx)
{
	static const int modes[] = {DIFF_AUTO, DIFF_SCREEN_ROWS,
				    DIFF_SCREEN_PAIRS};
	const char *out = NULL;
	char *want = NULL;
	int rc0, rc, g0 = 0, g = 0;
	size_t k;

	rc0 = an_diff(a, b, flags, fmt, ctx, &out, &g0, DIFF_FULL);
	if (!rc0)
		FUZZ_CHECK((want = strdup(out)) != NULL);
	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		rc = an_diff(a, b, flags, fmt, ctx, &out, &g, modes[k]);
		FUZZ_CHECK(rc == rc0);
		if (!rc) {
			FUZZ_CHECK(!strcmp(out, want));
			FUZZ_CHECK(g == g0);
		}
	}
	free(want);
}

/* What a writer gets, gathered. */
struct gathered {
	char *s;
	size_t len;
};

static int gather(void *cookie, const char *text, size_t len)
{
	struct gathered *g = cookie;
	char *s = realloc(g->s, g->len + len + 1);

	FUZZ_CHECK(s != NULL && len > 0);
	memcpy(s + g->len, text, len);
	g->len += len;
	s[g->len] = '\0';
	g->s = s;
	return 0;
}

/* sgreach_matrix() through a writer that takes every piece as it comes
 * (an_spill_bytes 1): the same code and bytes as without one, out being
 * the empty string.  The class form checks its classes before writing,
 * the listing writes as it goes. */
static void matrix_writer(const sgreach_model *m, const char *flow,
			  sgreach_group_by gb, unsigned int flags,
			  sgreach_format fmt, sgreach_verdict *ctx, int rc0,
			  const char *want)
{
	struct gathered g = {NULL, 0};
	const size_t spill = an_spill_bytes;
	const char *out = NULL;
	int rc;

	an_spill_bytes = 1;
	sgreach_verdict_set_writer(ctx, gather, &g);
	rc = sgreach_matrix(m, flow, gb, flags, fmt, ctx, &out);
	sgreach_verdict_set_writer(ctx, NULL, NULL);
	an_spill_bytes = spill;
	FUZZ_CHECK(rc == rc0);
	if (!rc) {
		FUZZ_CHECK(out && !*out);
		FUZZ_CHECK(!strcmp(g.s ? g.s : "", want));
	}
	free(g.s);
}

#define MAX_SELECTORS 4

static void check_output(int rc, sgreach_verdict *ctx, sgreach_format fmt,
			 const char *out)
{
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM);
		fuzz_check_clean(sgreach_verdict_error(ctx), 0);
		return;
	}
	FUZZ_CHECK(out != NULL);
	if (fmt == SGREACH_FORMAT_CSV) {
		/* CSV ends its records with CRLF (RFC 4180): a CR is fine
		 * there and nowhere else. */
		char *copy = strdup(out), *p, *q;

		FUZZ_CHECK(copy != NULL);
		for (p = q = copy; *p; p++)
			if (!(p[0] == '\r' && p[1] == '\n'))
				*q++ = *p;
		*q = '\0';
		fuzz_check_clean(copy, 1);
		free(copy);
		return;
	}
	fuzz_check_clean(out, 1);
	if (fmt == SGREACH_FORMAT_JSON) {
		cJSON *doc = cJSON_Parse(out);

		FUZZ_CHECK(doc != NULL);
		cJSON_Delete(doc);
	}
}

/* Interface ids and addresses named in the raw bytes. */
static size_t find_selectors(const uint8_t *d, size_t n, char sel[][64],
			     size_t max)
{
	size_t count = 0, i, len, k;

	for (i = 0; i + 1 < n && count < max; i++) {
		const uint8_t *s = d + i + 1;

		if (d[i] != '"')
			continue;
		for (len = 0; i + 1 + len < n && len < 63 && s[len] != '"' &&
			      s[len] >= 0x20 && s[len] != 0x7f;
		     len++)
			;
		if (i + 1 + len >= n || s[len] != '"' || len < 5)
			continue;
		if (memcmp(s, "eni-", 4) && !(s[0] >= '1' && s[0] <= '9'))
			continue;
		for (k = 0; k < count; k++)
			if (strlen(sel[k]) == len && !memcmp(sel[k], s, len))
				break;
		if (k < count)
			continue;
		memcpy(sel[count], s, len);
		sel[count++][len] = '\0';
		i += len + 1;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sgreach_format fmts[] = {
	    SGREACH_FORMAT_TEXT, SGREACH_FORMAT_JSON, SGREACH_FORMAT_CSV,
	    SGREACH_FORMAT_DOT};
	char sel[MAX_SELECTORS][64];
	sgreach_model *m = sgreach_model_new();
	sgreach_model *empty = sgreach_model_new();
	sgreach_model *m2 = NULL;
	sgreach_verdict *ctx = sgreach_verdict_new();
	const uint8_t *ff = memchr(data, '\f', size);
	size_t nsel, f, k;
	const char *out;
	int rc, gained;

	FUZZ_CHECK(m && empty && ctx);
	FUZZ_CHECK(sgreach_model_finalize(empty) == 0);
	if (ff) {
		/* Two documents: the first is analysed, then diffed with
		 * the second. */
		FUZZ_CHECK((m2 = sgreach_model_new()) != NULL);
		if (sgreach_model_load_buffer(m2, "doc2", (const char *)ff + 1,
					      size - (size_t)(ff - data) - 1) ||
		    sgreach_model_finalize(m2)) {
			sgreach_model_free(m2);
			m2 = NULL;
		}
		size = (size_t)(ff - data);
	}
	if (sgreach_model_load_buffer(m, "doc", (const char *)data, size) ||
	    sgreach_model_finalize(m))
		goto done;
	if (m2)
		for (f = 0; f < 4; f++) {
			sgreach_format fmt =
			    f & 1 ? SGREACH_FORMAT_JSON : SGREACH_FORMAT_TEXT;
			unsigned int flags = f & 2 ? SGREACH_QUERY_IPV6 : 0;

			diff_modes(m, m2, flags, fmt, ctx);
			diff_modes(m2, m, flags, fmt, ctx);
		}
	nsel = find_selectors(data, size, sel, MAX_SELECTORS);
	strcpy(sel[nsel < MAX_SELECTORS ? nsel++ : MAX_SELECTORS - 1],
	       "0.0.0.0/0");

	/* An analysis that does not write a format answers -EINVAL, which
	 * check_output accepts. */
	for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		sgreach_format fmt = fmts[f];
		unsigned int flags =
		    (unsigned int)(size & 1) * SGREACH_QUERY_IPV6;

		rc = sgreach_exposure(m, flags, fmt, ctx, &out);
		check_output(rc, ctx, fmt, out);
		for (k = 0; k < 2; k++) {
			/* The listing, then the class form (text and JSON)
			 * with the other flow choice; each again through a
			 * writer. */
			const char *flow = (f & 1) ^ k ? "tcp/443" : NULL;
			unsigned int fl =
			    flags | (k ? SGREACH_MATRIX_CLASSES : 0u);
			char *want = NULL;

			rc = sgreach_matrix(m, flow, (sgreach_group_by)(f % 3),
					    fl, fmt, ctx, &out);
			check_output(rc, ctx, fmt, out);
			if (!rc)
				FUZZ_CHECK((want = strdup(out)) != NULL);
			matrix_writer(m, flow, (sgreach_group_by)(f % 3), fl,
				      fmt, ctx, rc, want);
			free(want);
		}
		rc = sgreach_who(m, sel[0], f & 1 ? NULL : "tcp/443", flags,
				 fmt, ctx, &out);
		check_output(rc, ctx, fmt, out);
		rc = sgreach_reach(m, sel[0], f & 1 ? "udp/53" : NULL, flags,
				   fmt, ctx, &out);
		check_output(rc, ctx, fmt, out);
		if (nsel > 1) {
			rc = sgreach_ports(m, sel[0], sel[1], flags, fmt, ctx,
					   &out);
			check_output(rc, ctx, fmt, out);
		}
		rc = sgreach_lint(m, 0, fmt, ctx, &out, NULL);
		check_output(rc, ctx, fmt, out);
		rc = sgreach_diff(m, m, flags, fmt, ctx, &out, &gained);
		check_output(rc, ctx, fmt, out);
		if (!rc) {
			FUZZ_CHECK(gained == 0);
			if (fmt == SGREACH_FORMAT_JSON)
				FUZZ_CHECK(
				    strstr(out, "\"gained\":[],\"lost\":[]}"));
		}
		rc = sgreach_diff(empty, m, flags, fmt, ctx, &out, &gained);
		check_output(rc, ctx, fmt, out);
		rc = sgreach_diff(m, empty, flags, fmt, ctx, &out, &gained);
		check_output(rc, ctx, fmt, out);
		FUZZ_CHECK(rc || gained == 0);
	}
done:
	sgreach_verdict_free(ctx);
	sgreach_model_free(m);
	sgreach_model_free(m2);
	sgreach_model_free(empty);
	return 0;
}
