/*
 * fuzz_query.c - fuzzed selectors and flows against one fixed model (the
 * bundled ECS awsvpc example, loaded once).
 *
 * Input: "SRC\nDST\nFLOW\nF" where F's low bits pick -4/-6.  The text path
 * (sgreach_query), the parsed-flow path (sgreach_query_flow) and the
 * handle path (sgreach_select + sgreach_query_selected) must agree, and
 * the parsed-flow path asks with SGREACH_QUERY_DETAILS, so the full
 * evaluation is checked against the result-first one.  The two selectors
 * are also asked both ways in one sgreach_query_many() call, whose answers
 * must be those of sgreach_query_selected(), and by text both ways in one
 * sgreach_query_many_text() call with details, whose codes, results and
 * renderings (seen by its callback) must be those of sgreach_query_flow().
 */
#include <stdint.h>

#include "common.h"

#ifndef FUZZ_EXAMPLE_DIR
#error "FUZZ_EXAMPLE_DIR: the directory of the example's AWS documents"
#endif

static sgreach_model *model;
static sgreach_verdict *v1, *v2;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	model = sgreach_model_new();
	v1 = sgreach_verdict_new();
	v2 = sgreach_verdict_new();
	FUZZ_CHECK(model && v1 && v2);
	if (sgreach_model_load_file(model, FUZZ_EXAMPLE_DIR) ||
	    sgreach_model_finalize(model)) {
		fprintf(stderr, "fuzz_query: %s\n", sgreach_model_error(model));
		abort();
	}
	return 0;
}

/* What sgreach_query_many_text()'s callback saw: each question's code and
 * JSON rendering (or message). */
struct seen {
	const sgreach_text_question *q;
	int rc[2];
	char *text[2];
};

static int see(void *arg, size_t i, sgreach_verdict *v)
{
	struct seen *s = arg;
	const char *t = s->q[i].error
			    ? sgreach_verdict_error(v)
			    : sgreach_verdict_render(v, SGREACH_FORMAT_JSON);

	FUZZ_CHECK(i < 2 && t != NULL);
	s->rc[i] = s->q[i].error;
	s->text[i] = strdup(t);
	FUZZ_CHECK(s->text[i] != NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *field[4] = {NULL, NULL, NULL, NULL};
	unsigned int flags = 0;
	sgreach_flow f;
	size_t i, nf = 0;
	int rc, rc2;

	if (size > 1024)
		return 0;
	buf = malloc(size + 1);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	field[nf++] = buf;
	for (i = 0; i < size && nf < 4; i++) {
		if (buf[i] == '\n') {
			buf[i] = '\0';
			field[nf++] = buf + i + 1;
		}
	}
	if (nf < 3) {
		free(buf);
		return 0;
	}
	if (nf == 4 && field[3][0])
		flags = (unsigned char)field[3][0] & 3u;

	rc = sgreach_query(model, field[0], field[1], field[2], flags, v1);
	fuzz_check_query_rc(rc, v1);
	if (sgreach_flow_parse(field[2], &f) == 0) {
		sgreach_selector *hs = NULL, *hd = NULL;

		/* With SGREACH_QUERY_DETAILS: the full evaluation at once
		 * must agree with v1's result alone, and with the details
		 * its rendering worked out. */
		rc2 = sgreach_query_flow(model, field[0], field[1], &f,
					 flags | SGREACH_QUERY_DETAILS, v2);
		FUZZ_CHECK(rc2 == rc);
		if (rc == 0) {
			FUZZ_CHECK(sgreach_verdict_result(v1) ==
				   sgreach_verdict_result(v2));
			FUZZ_CHECK(!strcmp(
				sgreach_verdict_render(v1, SGREACH_FORMAT_JSON),
				sgreach_verdict_render(v2,
						       SGREACH_FORMAT_JSON)));
		}
		/* By handle: a selector that resolves gives the same
		 * answer; one that does not fails as the query did. */
		rc2 = sgreach_select(model, field[0], v2, &hs);
		if (rc2 == 0)
			rc2 = sgreach_select(model, field[1], v2, &hd);
		if (rc2 == 0)
			rc2 = sgreach_query_selected(model, hs, hd, &f, flags,
						     v2);
		FUZZ_CHECK(rc2 == rc);
		if (rc == 0)
			FUZZ_CHECK(!strcmp(
				sgreach_verdict_render(v1, SGREACH_FORMAT_JSON),
				sgreach_verdict_render(v2,
						       SGREACH_FORMAT_JSON)));
		if (hs && hd) {
			sgreach_question q[2] = {
			    {hs, hd, f, flags, SGREACH_DENIED, 1},
			    {hd, hs, f, flags, SGREACH_DENIED, 1}};

			sgreach_query_many(model, q, 2, v2);
			FUZZ_CHECK(q[0].error == rc);
			if (rc == 0)
				FUZZ_CHECK(q[0].result ==
					   sgreach_verdict_result(v1));
			rc2 = sgreach_query_selected(model, hd, hs, &f, flags,
						     v1);
			FUZZ_CHECK(q[1].error == rc2);
			if (rc2 == 0)
				FUZZ_CHECK(q[1].result ==
					   sgreach_verdict_result(v1));
		}
		sgreach_selector_free(hs);
		sgreach_selector_free(hd);
		/* By text, both ways in one call, with details. */
		{
			const unsigned int d = flags | SGREACH_QUERY_DETAILS;
			sgreach_text_question t[2] = {
			    {field[0], field[1], f, d, SGREACH_DENIED, 1},
			    {field[1], field[0], f, d, SGREACH_DENIED, 1}};
			struct seen s = {t, {1, 1}, {NULL, NULL}};

			sgreach_query_many_text(model, t, 2, v2, see, &s);
			for (i = 0; i < 2; i++) {
				rc2 = sgreach_query_flow(model, t[i].src,
							 t[i].dst, &f, d, v1);
				FUZZ_CHECK(t[i].error == rc2 &&
					   s.rc[i] == rc2);
				if (rc2 == 0)
					FUZZ_CHECK(
					    t[i].result ==
						sgreach_verdict_result(v1) &&
					    !strcmp(s.text[i],
						    sgreach_verdict_render(
							v1,
							SGREACH_FORMAT_JSON)));
				else
					FUZZ_CHECK(!strcmp(
					    s.text[i],
					    sgreach_verdict_error(v1)));
				free(s.text[i]);
			}
		}
	} else {
		/* A flow that does not parse is a query error. */
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOENT);
	}
	free(buf);
	return 0;
}
