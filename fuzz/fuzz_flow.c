/*
 * fuzz_flow.c - the flow parser (sgreach_flow_parse) and its inverse.
 *
 * Whatever parses must format to text that parses back to the same flow,
 * and sgreach_flow_format() must behave as snprintf for every buffer size.
 */
#include <stdint.h>

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, full[64], small[64];
	sgreach_flow f, back;
	int rc, n;
	size_t cut;

	if (size > 256)
		return 0; /* the grammar is short; longer adds nothing */
	text = malloc(size + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	rc = sgreach_flow_parse(text, &f);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		FUZZ_CHECK(f.protocol >= 0 && f.protocol <= 255);
		FUZZ_CHECK(f.port >= -1 && f.port <= 65535);
		FUZZ_CHECK(f.code >= -1 && f.code <= 255);
		n = sgreach_flow_format(&f, full, sizeof(full));
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof(full));
		FUZZ_CHECK(strlen(full) == (size_t)n);
		fuzz_check_clean(full, 0);
		FUZZ_CHECK(sgreach_flow_parse(full, &back) == 0);
		FUZZ_CHECK(back.protocol == f.protocol &&
			   back.port == f.port && back.code == f.code);
		/* Truncation as snprintf: same length, a NUL-terminated
		 * prefix, nothing written past size. */
		for (cut = 0; cut <= (size_t)n; cut++) {
			memset(small, 'X', sizeof(small));
			FUZZ_CHECK(sgreach_flow_format(&f, small, cut) == n);
			if (cut)
				FUZZ_CHECK(strlen(small) == cut - 1 &&
					   !memcmp(small, full, cut - 1));
			FUZZ_CHECK(small[cut] == 'X');
		}
	}
	free(text);
	return 0;
}
