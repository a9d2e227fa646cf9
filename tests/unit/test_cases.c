/*
 * test_cases.c - runs the table-driven semantic cases, tests/cases/NAME.json
 * (format in tests/cases/README.md): one Criterion test per file, one
 * expectation per query row, so a failure names the file, row and reason.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgreach.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

struct case_file {
	char path[512];
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct case_file *)a)->path,
		      ((const struct case_file *)b)->path);
}

ParameterizedTestParameters(cases, file)
{
	struct case_file *files;
	struct dirent *d;
	size_t n = 0, cap = 256;
	DIR *dir = opendir(SRCDIR "/tests/cases");

	files = cr_malloc(cap * sizeof(*files));
	if (!dir || !files)
		return cr_make_param_array(struct case_file, files, 0);
	while ((d = readdir(dir)) && n < cap) {
		size_t len = strlen(d->d_name);

		if (len < 6 || strcmp(d->d_name + len - 5, ".json"))
			continue;
		snprintf(files[n++].path, sizeof(files->path),
			 SRCDIR "/tests/cases/%s", d->d_name);
	}
	closedir(dir);
	qsort(files, n, sizeof(*files), cmp_names);
	return cr_make_param_array(struct case_file, files, n);
}

/* The group ids of the rules that decided a side, as "a,b" sorted. */
static void side_groups(const cJSON *side, char *out, size_t size)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(side, "rules");
	const cJSON *r;
	const char *ids[64];
	size_t n = 0, i, j;

	out[0] = '\0';
	cJSON_ArrayForEach(r, rules)
	{
		const char *id = cJSON_GetObjectItemCaseSensitive(r, "group_id")
					 ->valuestring;
		int dup = 0;

		for (j = 0; j < n; j++)
			dup |= !strcmp(ids[j], id);
		if (!dup && n < 64)
			ids[n++] = id;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(ids[j], ids[i]) < 0) {
				const char *t = ids[i];

				ids[i] = ids[j];
				ids[j] = t;
			}
	for (i = 0; i < n; i++) {
		strncat(out, ids[i], size - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, ",", size - strlen(out) - 1);
	}
}

static void expected_groups(const cJSON *list, char *out, size_t size)
{
	cJSON *copy = cJSON_CreateObject(), *rules = cJSON_CreateArray();
	const cJSON *g;

	cJSON_ArrayForEach(g, list)
	{
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "group_id", g->valuestring);
		cJSON_AddItemToArray(rules, r);
	}
	cJSON_AddItemToObject(copy, "rules", rules);
	side_groups(copy, out, size);
	cJSON_Delete(copy);
}

/* Both renderings of v2 must be the first answer's, json and text. */
static void same_renderings(sgreach_verdict *v2, const char *json,
			    const char *text, const char *name, int i,
			    const char *how)
{
	const char *got = sgreach_verdict_render(v2, SGREACH_FORMAT_JSON);

	cr_expect_str_eq(got, json, "%s[%d]: %s %s, by text %s", name, i, how,
			 got, json);
	got = sgreach_verdict_render(v2, SGREACH_FORMAT_TEXT);
	cr_expect_str_eq(got, text, "%s[%d]: text %s differs", name, i, how);
}

/*
 * The same question asked through selectors resolved once
 * (sgreach_select + sgreach_query_selected) must give the same answer,
 * byte for byte in both renderings, as sgreach_query() gave into v; and so
 * must it with SGREACH_QUERY_DETAILS, which works everything out at once
 * where a query of one pair otherwise works out its result alone and the
 * rest on the first rendering.
 */
static void same_by_handles(sgreach_model *m, sgreach_verdict *v,
			    sgreach_verdict *v2, const char *src,
			    const char *dst, const char *flow,
			    unsigned int flags, const char *name, int i)
{
	sgreach_selector *s = NULL, *d = NULL;
	sgreach_flow f;
	char *want_json, *want_text;

	want_json = strdup(sgreach_verdict_render(v, SGREACH_FORMAT_JSON));
	want_text = strdup(sgreach_verdict_render(v, SGREACH_FORMAT_TEXT));
	cr_assert(want_json && want_text);
	cr_assert_eq(sgreach_flow_parse(flow, &f), 0);
	cr_assert_eq(sgreach_select(m, src, v2, &s), 0, "%s[%d]: select %s: %s",
		     name, i, src, sgreach_verdict_error(v2));
	cr_assert_eq(sgreach_select(m, dst, NULL, &d), 0, "%s[%d]: select %s",
		     name, i, dst);
	cr_assert_eq(sgreach_query_selected(m, s, d, &f, flags, v2), 0,
		     "%s[%d]: query_selected: %s", name, i,
		     sgreach_verdict_error(v2));
	same_renderings(v2, want_json, want_text, name, i, "by handles");
	cr_assert_eq(sgreach_query_selected(m, s, d, &f,
					    flags | SGREACH_QUERY_DETAILS, v2),
		     0, "%s[%d]: query_selected with details: %s", name, i,
		     sgreach_verdict_error(v2));
	cr_expect_eq(sgreach_verdict_result(v2), sgreach_verdict_result(v),
		     "%s[%d]: with details %s, without %s", name, i,
		     sgreach_result_name(sgreach_verdict_result(v2)),
		     sgreach_result_name(sgreach_verdict_result(v)));
	same_renderings(v2, want_json, want_text, name, i, "with details");
	sgreach_selector_free(s);
	sgreach_selector_free(d);
	free(want_json);
	free(want_text);
}

ParameterizedTest(struct case_file *cf, cases, file)
{
	size_t len = 0;
	char *text = slurp(cf->path, &len);
	cJSON *root, *docs, *doc, *queries, *q, *load_error;
	sgreach_model *m;
	sgreach_verdict *v, *v2;
	const char *name = strrchr(cf->path, '/') + 1;
	int i = 0, rc = 0;

	cr_assert_not_null(text, "%s: cannot read", cf->path);
	root = cJSON_Parse(text);
	cr_assert_not_null(root, "%s: not JSON", name);
	docs = cJSON_GetObjectItemCaseSensitive(root, "documents");
	load_error = cJSON_GetObjectItemCaseSensitive(root, "load_error");
	m = sgreach_model_new();
	cr_assert_not_null(m);
	cJSON_ArrayForEach(doc, docs)
	{
		char *json = cJSON_PrintUnformatted(doc);
		char docname[300];

		snprintf(docname, sizeof(docname), "%s#%d", name, i++);
		rc = sgreach_model_load_buffer(m, docname, json, strlen(json));
		free(json);
		if (rc)
			break;
	}
	if (load_error) {
		cr_expect_eq(rc, -EINVAL, "%s: loading should fail with -EINVAL, got %d",
			     name, rc);
		cr_expect(strstr(sgreach_model_error(m), load_error->valuestring) !=
				  NULL,
			  "%s: error '%s' should contain '%s'", name,
			  sgreach_model_error(m), load_error->valuestring);
		sgreach_model_free(m);
		cJSON_Delete(root);
		free(text);
		return;
	}
	cr_assert_eq(rc, 0, "%s: load failed: %s", name, sgreach_model_error(m));
	cr_assert_eq(sgreach_model_finalize(m), 0, "%s: finalize: %s", name,
		     sgreach_model_error(m));
	v = sgreach_verdict_new();
	v2 = sgreach_verdict_new();
	cr_assert(v && v2);
	queries = cJSON_GetObjectItemCaseSensitive(root, "queries");
	i = 0;
	cJSON_ArrayForEach(q, queries)
	{
		const char *src = cJSON_GetObjectItemCaseSensitive(q, "src")->valuestring;
		const char *dst = cJSON_GetObjectItemCaseSensitive(q, "dst")->valuestring;
		const char *flow = cJSON_GetObjectItemCaseSensitive(q, "flow")->valuestring;
		const char *expect =
			cJSON_GetObjectItemCaseSensitive(q, "expect")->valuestring;
		const cJSON *fam = cJSON_GetObjectItemCaseSensitive(q, "family");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(q, "why");
		const char *w = why ? why->valuestring : "";
		unsigned int flags = 0;
		const char *json;
		cJSON *out;
		int d;

		if (fam)
			flags = fam->valueint == 6 ? SGREACH_QUERY_IPV6
						   : SGREACH_QUERY_IPV4;
		rc = sgreach_query(m, src, dst, flow, flags, v);
		cr_expect_eq(rc, 0, "%s[%d] %s -> %s %s: query failed: %s (%s)",
			     name, i, src, dst, flow, sgreach_verdict_error(v), w);
		if (rc) {
			i++;
			continue;
		}
		cr_expect_str_eq(sgreach_result_name(sgreach_verdict_result(v)),
				 expect, "%s[%d] %s -> %s %s: got %s, want %s (%s)",
				 name, i, src, dst, flow,
				 sgreach_result_name(sgreach_verdict_result(v)),
				 expect, w);
		json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
		cr_assert_not_null(json);
		out = cJSON_Parse(json);
		cr_assert_not_null(out, "%s[%d]: render is not JSON: %s", name, i,
				   json);
		for (d = 0; d < 2; d++) {
			const char *key = d ? "egress_groups" : "ingress_groups";
			const cJSON *want = cJSON_GetObjectItemCaseSensitive(q, key);
			char got_s[512], want_s[512];

			if (!want)
				continue;
			side_groups(cJSON_GetObjectItemCaseSensitive(
					    out, d ? "egress" : "ingress"),
				    got_s, sizeof(got_s));
			expected_groups(want, want_s, sizeof(want_s));
			cr_expect_str_eq(got_s, want_s,
					 "%s[%d] %s -> %s %s: %s are [%s], want "
					 "[%s] (%s)",
					 name, i, src, dst, flow, key, got_s,
					 want_s, w);
		}
		cJSON_Delete(out);
		same_by_handles(m, v, v2, src, dst, flow, flags, name, i);
		i++;
	}
	sgreach_verdict_free(v2);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
	cJSON_Delete(root);
	free(text);
}
