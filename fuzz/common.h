/*
 * common.h - helpers shared by the libFuzzer targets.
 *
 * A harness aborts (so libFuzzer keeps a reproducer) on anything a caller
 * could not handle: a return code outside the documented set, a message that
 * carries raw control characters (terminal injection through an error
 * message), JSON output that does not parse.
 */
#ifndef SGREACH_FUZZ_COMMON_H
#define SGREACH_FUZZ_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sgreach.h"

#define FUZZ_CHECK(cond)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n",      \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

/* No byte below 0x20 (newline allowed where multi_line) and no DEL. */
static inline void fuzz_check_clean(const char *s, int multi_line)
{
	const unsigned char *p = (const unsigned char *)s;

	FUZZ_CHECK(s != NULL);
	for (; *p; p++) {
		if (multi_line && *p == '\n')
			continue;
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(stderr, "raw control byte 0x%02x in: %s\n", *p,
				s);
			abort();
		}
	}
}

/* Renders the verdict both ways: text clean, JSON one line that parses
 * back as an object with the same verdict name. */
static inline void fuzz_check_verdict(sgreach_verdict *v)
{
	sgreach_result r = sgreach_verdict_result(v);
	const char *name = sgreach_result_name(r);
	const char *text, *json;
	cJSON *doc;
	const cJSON *item;

	FUZZ_CHECK(r == SGREACH_ALLOWED || r == SGREACH_DENIED ||
		   r == SGREACH_UNKNOWN || r == SGREACH_PARTIAL);
	text = sgreach_verdict_render(v, SGREACH_FORMAT_TEXT);
	FUZZ_CHECK(text != NULL);
	fuzz_check_clean(text, 1);
	json = sgreach_verdict_render(v, SGREACH_FORMAT_JSON);
	FUZZ_CHECK(json != NULL);
	fuzz_check_clean(json, 0);
	doc = cJSON_Parse(json);
	FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc));
	item = cJSON_GetObjectItemCaseSensitive(doc, "verdict");
	FUZZ_CHECK(cJSON_IsString(item) && !strcmp(item->valuestring, name));
	cJSON_Delete(doc);
}

/* A query either succeeds or fails with a documented code and a message
 * without raw control bytes, whatever the selectors held (the library
 * escapes what it quotes since aa2f89f). */
static inline void fuzz_check_query_rc(int rc, sgreach_verdict *v)
{
	if (rc == 0) {
		fuzz_check_verdict(v);
		return;
	}
	FUZZ_CHECK(rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM);
	fuzz_check_clean(sgreach_verdict_error(v), 0);
}

#endif
