/*
 * test_json.c - the strict JSON layer: every rejection with its exact
 * message, every getter, path formatting, and a random differential check
 * against cJSON's own acceptance.
 *
 * Documents are parsed from exact-size heap copies (no NUL after them), so
 * that ASan reports any read past len; one test also puts a document right
 * before an unmapped page.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "import/json.h"

static char err[4096];

static struct jreader reader(void)
{
	struct jreader r = {"f.json", err, sizeof(err)};

	err[0] = '\0';
	return r;
}

/* Parses n bytes of p from a heap buffer of exactly n bytes. */
static int parse_n(const char *p, size_t n, cJSON **out)
{
	struct jreader r = reader();
	char *copy = malloc(n ? n : 1);
	int rc;

	cr_assert_not_null(copy);
	memcpy(copy, p, n);
	rc = json_parse(&r, copy, n, out);
	free(copy);
	return rc;
}

static int parse(const char *text, cJSON **out)
{
	return parse_n(text, strlen(text), out);
}

/* The document must be rejected with exactly this message. */
static void reject_n(const char *p, size_t n, const char *msg)
{
	cJSON *t = (cJSON *)1;
	int rc = parse_n(p, n, &t);

	cr_assert_eq(rc, -EINVAL, "rc %d for %.*s", rc, (int)n, p);
	cr_assert_null(t, "tree left set on error");
	cr_assert_str_eq(err, msg);
}

static void reject(const char *text, const char *msg)
{
	reject_n(text, strlen(text), msg);
}

static cJSON *accept(const char *text)
{
	cJSON *t = NULL;
	int rc = parse(text, &t);

	cr_assert_eq(rc, 0, "rejected %s: %s", text, err);
	cr_assert_not_null(t);
	return t;
}

static void accept_free(const char *text)
{
	cJSON_Delete(accept(text));
}

/* A document of depth nested arrays: "[[...]]", inner filled with inner. */
static char *nested(size_t depth, const char *open, const char *close,
		    const char *inner)
{
	size_t lo = strlen(open), lc = strlen(close), li = strlen(inner);
	char *s = malloc(depth * (lo + lc) + li + 1), *p = s;
	size_t i;

	cr_assert_not_null(s);
	for (i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static char *repeat(const char *unit, size_t n)
{
	size_t l = strlen(unit), i;
	char *s = malloc(l * n + 1);

	cr_assert_not_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * l, unit, l);
	s[l * n] = '\0';
	return s;
}

/* ----------------------------------------------------------- accepted -- */

Test(json, accepts_every_kind_of_value)
{
	cJSON *t = accept(" {\"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"
			  "\\u00e9\\uD83D\\uDE00\", \"n\": -12.5e+2, "
			  "\"z\": 0, \"e\": 1E-3, \"t\": true, \"f\": false, "
			  "\"null\": null, \"a\": [], \"o\": {}} \n\t\r ");

	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "s")->valuestring,
			 "x\"\\/\b\f\n\r\tA\xC3\xA9\xF0\x9F\x98\x80");
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(t, "n")->valuedouble,
		     -1250.0);
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(t, "e")->valuedouble,
		     0.001);
	cJSON_Delete(t);
	/* RFC 8259 allows any value at the top. */
	accept_free("5");
	accept_free("\"x\"");
	accept_free("null");
	accept_free("[1,[2,[3]],{\"a\":[{}]}]");
}

Test(json, accepts_valid_utf8_at_the_edges)
{
	/* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000,
	 * U+10FFFF */
	accept_free("[\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
		    "\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"]");
}

Test(json, escaped_backslash_before_u0000_is_not_an_escape)
{
	cJSON *t = accept("[\"\\\\u0000\"]");

	cr_assert_str_eq(t->child->valuestring, "\\u0000");
	cJSON_Delete(t);
}

Test(json, skips_a_bom)
{
	cJSON *t = accept("\xEF\xBB\xBF{\"a\":1}");

	cr_assert_eq(json_get(t, "a")->valuedouble, 1.0);
	cJSON_Delete(t);
	/* The BOM is invisible in editors: columns start after it. */
	reject("\xEF\xBB\xBF x", "f.json:1:2: invalid JSON: expected a value, "
				 "got 'x'");
	reject("\xEF\xBB\xBF", "f.json:1:1: invalid JSON: expected a value, "
			       "got end of input");
	/* Only one. */
	reject("\xEF\xBB\xBF\xEF\xBB\xBF{}",
	       "f.json:1:1: invalid JSON: expected a value, got U+FEFF");
	/* A BOM anywhere else is not skipped. */
	reject(" \xEF\xBB\xBF{}",
	       "f.json:1:2: invalid JSON: expected a value, got U+FEFF");
}

Test(json, numbers_of_63_characters_but_not_64)
{
	/* cJSON reads at most 63 characters of a number. */
	char buf[80];
	char *z61 = repeat("0", 61), *z62 = repeat("0", 62);
	cJSON *t;

	snprintf(buf, sizeof(buf), "[1.%s]", z61);
	t = accept(buf);
	cr_assert_eq(t->child->valuedouble, 1.0);
	cJSON_Delete(t);
	snprintf(buf, sizeof(buf), "[-1%s]", z61);
	t = accept(buf);
	cr_assert_eq(t->child->valuedouble, -1e61);
	cJSON_Delete(t);
	snprintf(buf, sizeof(buf), "[1.%s]", z62);
	reject(buf, "f.json:1:2: invalid JSON: number longer than 63 "
		    "characters");
	free(z61);
	free(z62);
}

/* -------------------------------------------------------- text errors -- */

Test(json, rejects_len_over_the_limit_before_reading)
{
	/* A two-byte buffer with a lie for a length: reading it would be
	 * caught by ASan, or crash. */
	struct jreader r = reader();
	char *buf = malloc(2);
	cJSON *t = (cJSON *)1;

	memcpy(buf, "{}", 2);
	cr_assert_eq(json_parse(&r, buf, JSON_MAX_BYTES + 1, &t), -E2BIG);
	cr_assert_null(t);
	cr_assert_str_eq(err, "f.json: document of 1073741825 bytes is over "
			      "the limit of 1073741824 bytes");
	cr_assert_eq(json_parse(&r, buf, (size_t)-1, &t), -E2BIG);
	free(buf);
}

Test(json, rejects_nul_bytes)
{
	reject_n("{\"a\":\"x\0y\"}", 11,
		 "f.json:1:8: invalid JSON: NUL byte (offset 7)");
	reject_n("[1,\n 2\0]", 8,
		 "f.json:2:3: invalid JSON: NUL byte (offset 6)");
	reject_n("{}\0", 3, "f.json:1:3: invalid JSON: NUL byte (offset 2)");
	reject_n("\0", 1, "f.json:1:1: invalid JSON: NUL byte (offset 0)");
}

Test(json, rejects_invalid_utf8)
{
	reject("[\"\xC0\xAF\"]", "f.json:1:3: invalid UTF-8: overlong "
				 "encoding at byte 0xC0 (offset 2)");
	reject("[\"\xC1\xBF\"]", "f.json:1:3: invalid UTF-8: overlong "
				 "encoding at byte 0xC1 (offset 2)");
	reject("[\"\xE0\x80\xAF\"]", "f.json:1:3: invalid UTF-8: overlong "
				     "encoding at byte 0xE0 (offset 2)");
	reject("[\"\xF0\x80\x80\xAF\"]", "f.json:1:3: invalid UTF-8: "
					 "overlong encoding at byte 0xF0 "
					 "(offset 2)");
	reject("[\"\xED\xA0\x80\"]", "f.json:1:3: invalid UTF-8: UTF-16 "
				     "surrogate encoded at byte 0xED "
				     "(offset 2)");
	reject("[\"\xED\xBF\xBF\"]", "f.json:1:3: invalid UTF-8: UTF-16 "
				     "surrogate encoded at byte 0xED "
				     "(offset 2)");
	reject("[\"\xF4\x90\x80\x80\"]", "f.json:1:3: invalid UTF-8: code "
					 "point above U+10FFFF at byte 0xF4 "
					 "(offset 2)");
	reject("[\"\xF5\x80\x80\x80\"]", "f.json:1:3: invalid UTF-8: code "
					 "point above U+10FFFF at byte 0xF5 "
					 "(offset 2)");
	reject("[\"\xFF\"]", "f.json:1:3: invalid UTF-8: invalid byte 0xFF "
			     "(offset 2)");
	reject("[\"a\x80\"]", "f.json:1:4: invalid UTF-8: unexpected "
			      "continuation byte 0x80 (offset 3)");
	reject("[\"\xE2\x82\"]", "f.json:1:3: invalid UTF-8: truncated "
				 "sequence at byte 0xE2 (offset 2)");
	/* At the very end of the buffer. */
	reject("[\"\xE2\x82", "f.json:1:3: invalid UTF-8: truncated sequence "
			      "at byte 0xE2 (offset 2)");
	/* Outside strings too, and columns count characters. */
	reject("{\"\xC3\xA9\": 1,\n \xC3\xA9\xC3}",
	       "f.json:2:3: invalid UTF-8: truncated sequence at byte 0xC3 "
	       "(offset 13)");
}

Test(json, rejects_u0000_and_unpaired_surrogates)
{
	reject("[\"a\\u0000b\"]", "f.json:1:4: invalid JSON: \\u0000 is not "
				  "allowed in a string");
	reject("{\n \"k\\u0000\": 1}", "f.json:2:4: invalid JSON: \\u0000 is "
				       "not allowed in a string");
	reject("[\"\\uD800\"]", "f.json:1:3: invalid JSON: unpaired UTF-16 "
				"surrogate \\uD800");
	reject("[\"\\uD800\\u0041\"]", "f.json:1:3: invalid JSON: unpaired "
				       "UTF-16 surrogate \\uD800");
	reject("[\"\\udbff\\n\"]", "f.json:1:3: invalid JSON: unpaired UTF-16 "
				   "surrogate \\uDBFF");
	reject("[\"\\uDC00\"]", "f.json:1:3: invalid JSON: unpaired UTF-16 "
				"surrogate \\uDC00");
	/* A high surrogate at the very end of the buffer. */
	reject("[\"\\uD800", "f.json:1:3: invalid JSON: unpaired UTF-16 "
			     "surrogate \\uD800");
}

Test(json, rejects_bad_escapes_and_control_characters)
{
	reject("[\"\\x41\"]", "f.json:1:3: invalid JSON: invalid escape: "
			      "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
			      "\\t \\u after '\\', got 'x'");
	reject("[\"\\u12\"]", "f.json:1:3: invalid JSON: invalid \\u escape: "
			      "expected four hex digits");
	reject("[\"\\u12G4\"]", "f.json:1:3: invalid JSON: invalid \\u "
				"escape: expected four hex digits");
	reject("[\"\\u12", "f.json:1:3: invalid JSON: invalid \\u escape: "
			   "expected four hex digits");
	reject("[\"a\tb\"]", "f.json:1:4: invalid JSON: unescaped control "
			     "character U+0009 in a string");
	reject("[\"a\x1b[31m\"]", "f.json:1:4: invalid JSON: unescaped "
				  "control character U+001B in a string");
	reject("{\"a\": \"b,\n \"c\": 1}",
	       "f.json:1:10: invalid JSON: unescaped control character U+000A "
	       "in a string (missing closing quote?)");
}

Test(json, rejects_unterminated_strings)
{
	reject("[\"abc", "f.json:1:2: invalid JSON: unterminated string");
	reject("[\"abc\\", "f.json:1:2: invalid JSON: unterminated string");
	reject("{\"a\":1,\n  \"b", "f.json:2:3: invalid JSON: unterminated "
				   "string");
}

/* ----------------------------------------------------- grammar errors -- */

Test(json, rejects_grammar_errors_with_line_and_column)
{
	reject("", "f.json:1:1: invalid JSON: expected a value, got end of "
		   "input");
	reject(" \n\t", "f.json:2:2: invalid JSON: expected a value, got end "
			"of input");
	reject("{\"a\" 1}", "f.json:1:6: invalid JSON: expected ':' after the "
			    "key, got '1'");
	reject("{\"a\":1,}", "f.json:1:8: invalid JSON: expected a string "
			     "key, got '}'");
	reject("{,}", "f.json:1:2: invalid JSON: expected a string key, got "
		      "','");
	reject("{1:2}", "f.json:1:2: invalid JSON: expected a string key, "
			"got '1'");
	reject("{'a':2}", "f.json:1:2: invalid JSON: expected a string key, "
			  "got U+0027");
	reject("[1,]", "f.json:1:4: invalid JSON: expected a value, got ']'");
	reject("[,1]", "f.json:1:2: invalid JSON: expected a value, got ','");
	reject("[1 2]", "f.json:1:4: invalid JSON: expected ',' or ']' after "
			"an array element, got '2'");
	reject("{\"a\":1 \"b\":2}", "f.json:1:8: invalid JSON: expected ',' "
				    "or '}' after an object member, got "
				    "'\"'");
	reject("[1}", "f.json:1:3: invalid JSON: expected ',' or ']' after an "
		      "array element, got '}'");
	reject("[\n  [1,\n", "f.json:3:1: invalid JSON: unexpected end of "
			     "input: the array opened at 2:3 is not closed");
	reject("{\"a\":", "f.json:1:6: invalid JSON: unexpected end of input: "
			  "the object opened at 1:1 is not closed");
	reject("{\"a\":{}", "f.json:1:8: invalid JSON: unexpected end of "
			    "input: the object opened at 1:1 is not closed");
	reject("{\"a\"", "f.json:1:5: invalid JSON: expected ':' after the "
			 "key, got end of input");
	reject("[\xC3\xA9]", "f.json:1:2: invalid JSON: expected a value, got "
			     "U+00E9");
	reject("[\v1]", "f.json:1:2: invalid JSON: expected a value, got "
			"U+000B");
}

Test(json, rejects_what_is_not_a_json_number_or_literal)
{
	reject("[NaN]", "f.json:1:2: invalid JSON: expected a value, got 'N'");
	reject("[Infinity]", "f.json:1:2: invalid JSON: expected a value, got "
			     "'I'");
	reject("[-Infinity]", "f.json:1:3: invalid JSON: invalid number: "
			      "expected a digit after '-', got 'I'");
	reject("[+1]", "f.json:1:2: invalid JSON: expected a value, got '+'");
	reject("[.5]", "f.json:1:2: invalid JSON: expected a value, got '.'");
	reject("[1.]", "f.json:1:4: invalid JSON: invalid number: expected a "
		       "digit after '.', got ']'");
	reject("[01]", "f.json:1:2: invalid JSON: invalid number: leading "
		       "zeros are not allowed");
	reject("[-01]", "f.json:1:2: invalid JSON: invalid number: leading "
			"zeros are not allowed");
	reject("[-]", "f.json:1:3: invalid JSON: invalid number: expected a "
		      "digit after '-', got ']'");
	reject("[1e]", "f.json:1:4: invalid JSON: invalid number: expected a "
		       "digit in the exponent, got ']'");
	reject("[1e+", "f.json:1:5: invalid JSON: invalid number: expected a "
		       "digit in the exponent, got end of input");
	reject("[0x1F]", "f.json:1:3: invalid JSON: expected ',' or ']' after "
			 "an array element, got 'x'");
	reject("[tru]", "f.json:1:2: invalid JSON: invalid literal: expected "
			"true, false or null");
	reject("[nul", "f.json:1:2: invalid JSON: invalid literal: expected "
		       "true, false or null");
	reject("[True]", "f.json:1:2: invalid JSON: expected a value, got "
			 "'T'");
	reject("[truex]", "f.json:1:6: invalid JSON: expected ',' or ']' after "
			  "an array element, got 'x'");
}

Test(json, rejects_trailing_garbage)
{
	reject("{} x", "f.json:1:4: invalid JSON: expected end of input after "
		       "the value, got 'x'");
	reject("{}\n\n  ]", "f.json:3:3: invalid JSON: expected end of input "
			    "after the value, got ']'");
	reject("{}{}", "f.json:1:3: invalid JSON: expected end of input after "
		       "the value, got '{'");
	reject("1 2", "f.json:1:3: invalid JSON: expected end of input after "
		      "the value, got '2'");
	reject("\"a\"\"b\"", "f.json:1:4: invalid JSON: expected end of input "
			     "after the value, got '\"'");
	reject("{}\f", "f.json:1:3: invalid JSON: expected end of input after "
		       "the value, got U+000C");
	accept_free("{} \n\t\r ");
}

/* --------------------------------------------------------------- depth -- */

static void check_depth_ok(size_t depth)
{
	char *s = nested(depth, "[", "]", "1");
	cJSON *t = accept(s), *v = t;
	size_t n = 0;

	while (cJSON_IsArray(v)) {
		v = v->child;
		n++;
	}
	cr_assert_eq(n, depth);
	cr_assert_eq(v->valuedouble, 1.0);
	cJSON_Delete(t);
	free(s);
}

Test(json, nesting_63_and_64_is_accepted)
{
	check_depth_ok(63);
	check_depth_ok(JSON_MAX_DEPTH);
	cr_assert_eq(JSON_MAX_DEPTH, 64);
}

Test(json, nesting_65_names_the_too_deep_value)
{
	char *s = nested(65, "[", "]", "");
	char want[512];
	char *path = repeat("[0]", 64);

	snprintf(want, sizeof(want),
		 "f.json:1:65: invalid JSON: nesting deeper than 64 arrays "
		 "and objects at $%s",
		 path);
	reject(s, want);
	free(s);
	free(path);
}

Test(json, nesting_100000_is_refused_by_us_not_by_cjson)
{
	size_t n = 100000;
	char *s = nested(n, "[", "]", "");
	char want[512];
	char *path = repeat("[0]", 64);

	snprintf(want, sizeof(want),
		 "f.json:1:65: invalid JSON: nesting deeper than 64 arrays "
		 "and objects at $%s",
		 path);
	reject(s, want);
	/* Unclosed, too. */
	reject_n(s, n, want);
	free(s);
	free(path);
}

Test(json, depth_path_names_keys_and_indexes)
{
	/* 2 levels here, then 63 more. */
	char *inner = nested(62, "{\"odd key\\n\\u00e9\":", "}", "[[]]");
	char *doc = malloc(strlen(inner) + 64);
	char *tail = repeat("[\"odd key\\n\\u00E9\"]", 62);
	char want[4096];

	sprintf(doc, "{\"a\":[1,2,%s]}", inner);
	snprintf(want, sizeof(want),
		 "f.json:1:%zu: invalid JSON: nesting deeper than 64 arrays "
		 "and objects at $.a[2]%s",
		 strlen("{\"a\":[1,2,") +
		     62 * strlen("{\"odd key\\n\\u00e9\":") + 1,
		 tail);
	reject(doc, want);
	free(inner);
	free(doc);
	free(tail);
}

Test(json, depth_path_cuts_long_keys)
{
	char *key = repeat("k", 100);
	char *shown = repeat("k", 80);
	char *deep = nested(64, "[", "]", "");
	char *doc = malloc(strlen(deep) + 200);
	char *tail = repeat("[0]", 63);
	char want[1024];

	sprintf(doc, "{\"%s\":%s}", key, deep);
	snprintf(want, sizeof(want),
		 "f.json:1:168: invalid JSON: nesting deeper than 64 arrays "
		 "and objects at $[\"%s\"...]%s",
		 shown, tail);
	reject(doc, want);
	free(key);
	free(shown);
	free(deep);
	free(doc);
	free(tail);
}

/* ------------------------------------------------------ duplicate keys -- */

Test(json, rejects_duplicate_keys_naming_the_second)
{
	reject("{\"a\":1,\"a\":2}", "f.json: $.a: duplicate key \"a\" "
				    "(members 0 and 1 of the object)");
	reject("{\"x\":[{\"b\":1},{\"c\":1,\"d\":2,\"c\":3}]}",
	       "f.json: $.x[1].c: duplicate key \"c\" (members 0 and 2 of "
	       "the object)");
	/* Compared after unescaping, byte for byte. */
	reject("{\"a\":1,\"\\u0061\":2}", "f.json: $.a: duplicate key \"a\" "
					  "(members 0 and 1 of the object)");
	reject("{\"odd key\":1,\"odd key\":2}",
	       "f.json: $[\"odd key\"]: duplicate key \"odd key\" (members 0 "
	       "and 1 of the object)");
	/* Case and Unicode normalization make different keys. */
	accept_free("{\"a\":1,\"A\":2}");
	accept_free("{\"\xC3\xA9\":1,\"e\xCC\x81\":2}");
	accept_free("{\"a\":{\"a\":{\"a\":1}}}");
	accept_free("[{\"a\":1},{\"a\":1}]");
}

Test(json, reports_the_duplicate_that_comes_first_in_the_document)
{
	/* Inside the first "a", before the second "a". */
	reject("{\"a\":{\"z\":1,\"z\":2},\"a\":3}",
	       "f.json: $.a.z: duplicate key \"z\" (members 0 and 1 of the "
	       "object)");
	reject("{\"a\":1,\"b\":{\"z\":1,\"z\":2},\"a\":3}",
	       "f.json: $.b.z: duplicate key \"z\" (members 0 and 1 of the "
	       "object)");
	reject("{\"a\":1,\"a\":2,\"b\":{\"z\":1,\"z\":2}}",
	       "f.json: $.a: duplicate key \"a\" (members 0 and 1 of the "
	       "object)");
	/* Of two pairs, the one whose second occurrence is first. */
	reject("{\"p\":1,\"q\":1,\"q\":2,\"p\":2}",
	       "f.json: $.q: duplicate key \"q\" (members 1 and 2 of the "
	       "object)");
}

Test(json, duplicate_keys_in_large_objects_and_deep)
{
	/* Over the pairwise threshold: the sorted path. */
	char doc[8192], *p = doc;
	int i;

	p += sprintf(p, "{");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "\"k%d\":%d,", i, i);
	p += sprintf(p, "\"k150\":0,\"k7\":0,\"k150\":1}");
	reject(doc, "f.json: $.k150: duplicate key \"k150\" (members 150 and "
		    "200 of the object)");
	/* Sorted, "k150" comes before "k7"; in the document it is after. */
	p = doc;
	p += sprintf(p, "{");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "\"k%d\":%d,", i, i);
	p += sprintf(p, "\"k7\":0,\"k150\":1}");
	reject(doc, "f.json: $.k7: duplicate key \"k7\" (members 7 and 200 "
		    "of the object)");
	p = doc;
	p += sprintf(p, "{");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	p += sprintf(p, "}");
	accept_free(doc);

	/* At depth 64. */
	{
		char *deep = nested(63, "{\"x\":", "}", "{\"d\":1,\"d\":2}");
		char *tail = repeat(".x", 63);
		char want[1024];

		snprintf(want, sizeof(want),
			 "f.json: $%s.d: duplicate key \"d\" (members 0 and "
			 "1 of the object)",
			 tail);
		reject(deep, want);
		free(deep);
		free(tail);
	}
}

Test(json, duplicate_keys_spelled_differently_and_alike)
{
	char doc[8192], *p = doc;
	int i;

	/* The same first eight bytes, different keys. */
	accept_free("{\"abcdefgh1\":1,\"abcdefgh2\":2,\"abcdefgh\":3}");
	reject("{\"abcdefgh1\":1,\"abcdefgh\":2,\"abcdefgh1\":3}",
	       "f.json: $.abcdefgh1: duplicate key \"abcdefgh1\" (members 0 "
	       "and 2 of the object)");
	/* Escaped in the second occurrence, past the first eight bytes. */
	reject("{\"abcdefghij\":1,\"abcdefgh\\u0069j\":2}",
	       "f.json: $.abcdefghij: duplicate key \"abcdefghij\" (members 0 "
	       "and 1 of the object)");
	reject("{\"\\/\":1,\"/\":2}", "f.json: $[\"/\"]: duplicate key \"/\" "
				      "(members 0 and 1 of the object)");
	reject("{\"\xF0\x9F\x98\x80\":1,\"\\uD83D\\uDE00\":2}",
	       "f.json: $[\"\\uD83D\\uDE00\"]: duplicate key "
	       "\"\\uD83D\\uDE00\" (members 0 and 1 of the object)");
	/* The sorted path, with escapes. */
	p += sprintf(p, "{");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "\"k%d\":%d,", i, i);
	p += sprintf(p, "\"\\u006b17\":0}");
	reject(doc, "f.json: $.k17: duplicate key \"k17\" (members 17 and 40 "
		    "of the object)");
	/* A duplicate in the object that encloses one found before it, whose
	 * second occurrence comes first in the document. */
	reject("{\"a\":1,\"a\":{\"z\":1,\"z\":2}}",
	       "f.json: $.a: duplicate key \"a\" (members 0 and 1 of the "
	       "object)");
}

/* The order of the checks: text (UTF-8, NUL), then grammar, then
 * duplicate keys, each whole document before the next. */
Test(json, a_text_error_comes_before_a_grammar_error_before_a_duplicate)
{
	reject("[1,]\xFF", "f.json:1:5: invalid UTF-8: invalid byte 0xFF "
			   "(offset 4)");
	reject_n("[1,]\"\0\"", 7,
		 "f.json:1:6: invalid JSON: NUL byte "
		 "(offset 5)");
	reject("{\"a\":1,\"a\":2,}",
	       "f.json:1:14: invalid JSON: expected a string key, got '}'");
	reject("{\"a\":1,\"a\":2}\n\xC0\x80",
	       "f.json:2:1: invalid UTF-8: overlong encoding at byte 0xC0 "
	       "(offset 14)");
	reject("{\"a\":1,\"a\":2} x", "f.json:1:15: invalid JSON: expected "
				      "end of input after the value, got "
				      "'x'");
}

/* --------------------------------------------------- buffer boundaries -- */

/* Parses doc placed so that it ends right before an unmapped page: a read
 * past its length crashes the test.  Returns json_parse()'s code, and
 * whether it built a tree in *tree. */
static int parse_before_guard_page(const char *doc, int *tree)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t n = strlen(doc);
	struct jreader r = reader();
	cJSON *t = NULL;
	int rc;

	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	cr_assert_leq(n, (size_t)page);
	memcpy(map + page - n, doc, n);
	rc = json_parse(&r, map + page - n, n, &t);
	*tree = t != NULL;
	cJSON_Delete(t);
	munmap(map, 2 * (size_t)page);
	return rc;
}

Test(json, reads_nothing_past_len)
{
	/* Valid documents, then documents cut in the middle of a token. */
	static const char *const docs[] = {
	    "{\"a\":[1,2,{\"b\":\"c\"}]}",
	    "123",
	    "true",
	    "\"abc",
	    "[\"\\u00",
	    "[\"\\uD800\\",
	    "[1.5e",
	    "[tr",
	    "{\"a\"",
	    "[\"\xE2\x82",
	    "-",
	};
	size_t i;
	int tree;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		int rc = parse_before_guard_page(docs[i], &tree);

		cr_assert_eq(rc, i < 3 ? 0 : -EINVAL, "%s: %d %s", docs[i], rc,
			     err);
	}
}

/* cJSON parses the caller's buffer itself (no NUL-terminated copy): valid
 * documents of every kind end right before an unmapped page. */
Test(json, cjson_reads_nothing_past_len)
{
	static const struct {
		const char *doc;
		int rc;
	} docs[] = {
	    {"-0.5e+7", 0},
	    {"[1,2.5e-3]", 0},
	    {"{\"abcdefgh\":null}", 0},
	    {"{\"a\":\"\\u00e9\\uD83D\\uDE00\"}", 0},
	    {"\"x\"", 0},
	    {"false", 0},
	    {"null", 0},
	    {"{}", 0},
	    {"  7 \n", 0},
	    {"\xEF\xBB\xBF[]", 0},
	    {"{\"ab\":1,\"ab\":2}", -EINVAL},
	};
	size_t i;
	int tree;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		int rc = parse_before_guard_page(docs[i].doc, &tree);

		cr_assert_eq(rc, docs[i].rc, "%s: %d %s", docs[i].doc, rc, err);
		cr_assert_eq(!tree, !!rc);
	}
}

Test(json, parses_a_prefix_of_a_larger_buffer)
{
	struct jreader r = reader();
	const char *buf = "{\"a\":1}garbage";
	cJSON *t = NULL;

	cr_assert_eq(json_parse(&r, buf, 7, &t), 0, "%s", err);
	cJSON_Delete(t);
	cr_assert_eq(json_parse(&r, buf, 8, &t), -EINVAL);
	cr_assert_str_eq(err, "f.json:1:8: invalid JSON: expected end of "
			      "input after the value, got 'g'");
}

Test(json, bad_arguments)
{
	struct jreader r = reader();
	struct jreader quiet = {NULL, NULL, 0};
	cJSON *t = NULL;

	cr_assert_eq(json_parse(&r, NULL, 3, &t), -EINVAL);
	cr_assert_str_eq(err, "f.json: no document to parse");
	cr_assert_eq(json_parse(&r, "{}", 2, NULL), -EINVAL);
	/* NULL with length 0 is an empty document. */
	cr_assert_eq(json_parse(&r, NULL, 0, &t), -EINVAL);
	cr_assert_str_eq(err, "f.json:1:1: invalid JSON: expected a value, "
			      "got end of input");
	/* No message buffer, no file name. */
	cr_assert_eq(json_parse(&quiet, "[1,]", 4, &t), -EINVAL);
	cr_assert_eq(json_parse(&quiet, "{}", 2, &t), 0);
	cJSON_Delete(t);
	r.file = NULL;
	cr_assert_eq(json_parse(&r, "x", 1, &t), -EINVAL);
	cr_assert_str_eq(err, "<buffer>:1:1: invalid JSON: expected a value, "
			      "got 'x'");
}

Test(json, message_is_truncated_to_the_buffer)
{
	char small[16];
	struct jreader r = {"file.json", small, sizeof(small)};
	cJSON *t = NULL;

	memset(small, 'X', sizeof(small));
	cr_assert_eq(json_parse(&r, "[1,]", 4, &t), -EINVAL);
	cr_assert_str_eq(small, "file.json:1:4: ");
}

/* ------------------------------------------------------------- getters -- */

/* Parses an object for getter tests. */
static cJSON *obj(const char *text)
{
	return accept(text);
}

static const struct jpath root = {NULL, NULL, 0};

Test(json, strings_absent_null_present_and_wrong)
{
	cJSON *o = obj("{\"s\":\"v\",\"n\":null,\"i\":5,\"b\":true,"
		       "\"a\":[1],\"o\":{},\"e\":\"\"}");
	struct jreader r = reader();
	struct jpath at = JPATH_KEY(&root, "Top");
	const char *s = "default";

	cr_assert_eq(json_opt_string(&r, &at, o, "x", &s), 0);
	cr_assert_str_eq(s, "default");
	cr_assert_eq(json_opt_string(&r, &at, o, "n", &s), 0);
	cr_assert_str_eq(s, "default");
	cr_assert_eq(json_opt_string(&r, &at, o, "s", &s), 1);
	cr_assert_str_eq(s, "v");
	cr_assert_eq(json_opt_string(&r, &at, o, "e", &s), 1);
	cr_assert_str_eq(s, "");
	/* Keys are case-sensitive. */
	s = "default";
	cr_assert_eq(json_opt_string(&r, &at, o, "S", &s), 0);
	cr_assert_str_eq(s, "default");

	cr_assert_eq(json_opt_string(&r, &at, o, "i", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.i: expected a string, got 5");
	cr_assert_eq(json_opt_string(&r, &at, o, "b", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.b: expected a string, got true");
	cr_assert_eq(json_opt_string(&r, &at, o, "a", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.a: expected a string, got an "
			      "array");
	cr_assert_eq(json_opt_string(&r, &at, o, "o", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.o: expected a string, got an "
			      "object");
	cr_assert_str_eq(s, "default", "output changed on error");

	cr_assert_eq(json_req_string(&r, &at, o, "s", &s), 0);
	cr_assert_str_eq(s, "v");
	cr_assert_eq(json_req_string(&r, &at, o, "x", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.x: required but missing "
			      "(expected a string)");
	cr_assert_eq(json_req_string(&r, &at, o, "n", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.n: expected a string, got null");
	cr_assert_eq(json_req_string(&r, &at, o, "i", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.Top.i: expected a string, got 5");
	cJSON_Delete(o);
}

Test(json, getters_on_what_is_not_an_object)
{
	cJSON *o = obj("[1]");
	struct jreader r = reader();
	struct jpath at = JPATH_INDEX(&root, 4);
	const char *s = "d";
	long l = 7;
	int b = 9;
	const cJSON *v = (const cJSON *)1;

	cr_assert_eq(json_opt_string(&r, &at, o, "k", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[4]: expected an object, got an "
			      "array");
	cr_assert_eq(json_req_int(&r, &at, o->child, "k", 0, 1, &l), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[4]: expected an object, got 1");
	/* A NULL object is an absent one. */
	cr_assert_eq(json_opt_string(&r, &at, NULL, "k", &s), 0);
	cr_assert_eq(json_opt_int(&r, &at, NULL, "k", 0, 1, &l), 0);
	cr_assert_eq(json_opt_bool(&r, &at, NULL, "k", &b), 0);
	cr_assert_eq(json_opt_array(&r, &at, NULL, "k", &v), 0);
	cr_assert_null(v);
	cr_assert_eq(json_req_string(&r, &at, NULL, "k", &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[4].k: required but missing "
			      "(expected a string)");
	cr_assert_str_eq(s, "d");
	cr_assert_eq(l, 7);
	cr_assert_eq(b, 9);
	cJSON_Delete(o);
}

static long int_ok(const char *text, long lo, long hi)
{
	char doc[256];
	cJSON *o;
	struct jreader r = reader();
	long l = 12345;
	int rc;

	snprintf(doc, sizeof(doc), "{\"v\":%s}", text);
	o = obj(doc);
	rc = json_req_int(&r, &root, o, "v", lo, hi, &l);
	cr_assert_eq(rc, 0, "%s: %s", text, err);
	cr_assert_eq(json_opt_int(&r, &root, o, "v", lo, hi, &l), 1);
	cJSON_Delete(o);
	return l;
}

static void int_bad(const char *text, long lo, long hi, const char *msg)
{
	char doc[256];
	cJSON *o;
	struct jreader r = reader();
	long l = 12345;

	snprintf(doc, sizeof(doc), "{\"v\":%s}", text);
	o = obj(doc);
	cr_assert_eq(json_req_int(&r, &root, o, "v", lo, hi, &l), -EINVAL,
		     "%s accepted", text);
	cr_assert_str_eq(err, msg);
	err[0] = '\0';
	cr_assert_eq(json_opt_int(&r, &root, o, "v", lo, hi, &l), -EINVAL);
	cr_assert_str_eq(err, msg);
	cr_assert_eq(l, 12345);
	cJSON_Delete(o);
}

Test(json, integers_must_be_integral)
{
	cr_assert_eq(int_ok("3", -1, 65535), 3);
	cr_assert_eq(int_ok("3.0", -1, 65535), 3);
	cr_assert_eq(int_ok("30e-1", -1, 65535), 3);
	cr_assert_eq(int_ok("0.3e1", -1, 65535), 3);
	cr_assert_eq(int_ok("-0", -1, 65535), 0);
	cr_assert_eq(int_ok("-0.0", 0, 0), 0);
	int_bad("3.5", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got 3.5");
	int_bad("1e300", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got "
		"1e+300");
	int_bad("1e999", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got a "
		"number too large for a double");
	int_bad("-1e999", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got a "
		"number too large for a double");
	int_bad("0.1", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got 0.1");
	int_bad("1.0000000000000002", 0, 5,
		"f.json: $.v: expected an integer from 0 to 5, got "
		"1.0000000000000002");
	int_bad("\"3\"", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got a "
		"string \"3\"");
	int_bad("true", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got "
		"true");
	int_bad("[3]", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got an "
		"array");
	int_bad("{}", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got an "
		"object");
}

Test(json, integer_ranges_at_the_edges)
{
	cr_assert_eq(int_ok("-1", -1, 65535), -1);
	cr_assert_eq(int_ok("65535", -1, 65535), 65535);
	int_bad("-2", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got -2");
	int_bad("65536", -1, 65535,
		"f.json: $.v: expected an integer from -1 to 65535, got "
		"65536");
	/* The whole range of a long: 2^63 is the first double outside. */
	cr_assert_eq(int_ok("-9223372036854775808", LONG_MIN, LONG_MAX),
		     LONG_MIN);
	cr_assert_eq(int_ok("9223372036854774784", LONG_MIN, LONG_MAX),
		     9223372036854774784L);
	int_bad("9223372036854775808", LONG_MIN, LONG_MAX,
		"f.json: $.v: expected an integer from -9223372036854775808 "
		"to 9223372036854775807, got 9.223372036854776e+18");
	int_bad("-9223372036854777856", LONG_MIN, LONG_MAX,
		"f.json: $.v: expected an integer from -9223372036854775808 "
		"to 9223372036854775807, got -9.223372036854778e+18");
}

Test(json, null_and_absent_integers)
{
	cJSON *o = obj("{\"n\":null}");
	struct jreader r = reader();
	long l = 42;

	cr_assert_eq(json_opt_int(&r, &root, o, "n", 0, 1, &l), 0);
	cr_assert_eq(json_opt_int(&r, &root, o, "x", 0, 1, &l), 0);
	cr_assert_eq(l, 42);
	cr_assert_eq(json_req_int(&r, &root, o, "x", 0, 1, &l), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.x: required but missing (expected "
			      "an integer)");
	cr_assert_eq(json_req_int(&r, &root, o, "n", 0, 1, &l), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.n: expected an integer from 0 to 1, "
			      "got null");
	cJSON_Delete(o);
}

Test(json, a_nan_built_in_code_is_not_an_integer)
{
	cJSON *o = cJSON_CreateObject();
	struct jreader r = reader();
	long l = 1;

	cJSON_AddItemToObject(o, "v", cJSON_CreateNumber(NAN));
	cr_assert_eq(json_opt_int(&r, &root, o, "v", LONG_MIN, LONG_MAX, &l),
		     -EINVAL);
	cr_assert_str_eq(err, "f.json: $.v: expected an integer from "
			      "-9223372036854775808 to 9223372036854775807, "
			      "got not a number (NaN)");
	cJSON_Delete(o);
}

static void ios_ok(const char *text, long lo, long hi, long want)
{
	char doc[256];
	cJSON *o;
	struct jreader r = reader();
	long l = 12345;

	snprintf(doc, sizeof(doc), "{\"v\":%s}", text);
	o = obj(doc);
	cr_assert_eq(json_opt_int_or_string(&r, &root, o, "v", lo, hi, &l), 1,
		     "%s: %s", text, err);
	cr_assert_eq(l, want, "%s: %ld", text, l);
	cJSON_Delete(o);
}

static void ios_bad(const char *text, long lo, long hi, const char *got)
{
	char doc[256], want[512];
	cJSON *o;
	struct jreader r = reader();
	long l = 12345;

	snprintf(doc, sizeof(doc), "{\"v\":%s}", text);
	snprintf(want, sizeof(want),
		 "f.json: $.v: expected an integer from %ld to %ld (or a "
		 "string of one), got %s",
		 lo, hi, got);
	o = obj(doc);
	cr_assert_eq(json_opt_int_or_string(&r, &root, o, "v", lo, hi, &l),
		     -EINVAL, "%s accepted", text);
	cr_assert_str_eq(err, want);
	cr_assert_eq(l, 12345);
	cJSON_Delete(o);
}

Test(json, int_or_string)
{
	ios_ok("443", -1, 65535, 443);
	ios_ok("443.0", -1, 65535, 443);
	ios_ok("\"443\"", -1, 65535, 443);
	ios_ok("\"-1\"", -1, 65535, -1);
	ios_ok("\"0\"", -1, 65535, 0);
	ios_ok("\"-0\"", -1, 65535, 0);
	ios_ok("\"65535\"", -1, 65535, 65535);
	ios_ok("\"9223372036854775807\"", LONG_MIN, LONG_MAX, LONG_MAX);
	ios_ok("\"-9223372036854775808\"", LONG_MIN, LONG_MAX, LONG_MIN);
	ios_bad("\"65536\"", -1, 65535, "a string \"65536\"");
	ios_bad("\"-2\"", -1, 65535, "a string \"-2\"");
	ios_bad("\"+1\"", -1, 65535, "a string \"+1\"");
	ios_bad("\" 1\"", -1, 65535, "a string \" 1\"");
	ios_bad("\"1 \"", -1, 65535, "a string \"1 \"");
	ios_bad("\"01\"", -1, 65535, "a string \"01\"");
	ios_bad("\"-01\"", -1, 65535, "a string \"-01\"");
	ios_bad("\"00\"", -1, 65535, "a string \"00\"");
	ios_bad("\"0x1F\"", -1, 65535, "a string \"0x1F\"");
	ios_bad("\"\"", -1, 65535, "a string \"\"");
	ios_bad("\"-\"", -1, 65535, "a string \"-\"");
	ios_bad("\"1.0\"", -1, 65535, "a string \"1.0\"");
	ios_bad("\"1e3\"", -1, 65535, "a string \"1e3\"");
	ios_bad("\"443\\n\"", -1, 65535, "a string \"443\\n\"");
	ios_bad("\"9223372036854775808\"", LONG_MIN, LONG_MAX,
		"a string \"9223372036854775808\"");
	ios_bad("\"-9223372036854775809\"", LONG_MIN, LONG_MAX,
		"a string \"-9223372036854775809\"");
	ios_bad("\"99999999999999999999999\"", LONG_MIN, LONG_MAX,
		"a string \"99999999999999999999999\"");
	ios_bad("3.5", -1, 65535, "3.5");
	ios_bad("65536", -1, 65535, "65536");
	ios_bad("true", -1, 65535, "true");
	ios_bad("[]", -1, 65535, "an array");
}

Test(json, int_or_string_absent_and_null)
{
	cJSON *o = obj("{\"n\":null}");
	struct jreader r = reader();
	long l = 42;

	cr_assert_eq(json_opt_int_or_string(&r, &root, o, "n", 0, 1, &l), 0);
	cr_assert_eq(json_opt_int_or_string(&r, &root, o, "x", 0, 1, &l), 0);
	cr_assert_eq(l, 42);
	cJSON_Delete(o);
}

Test(json, booleans)
{
	cJSON *o = obj("{\"t\":true,\"f\":false,\"n\":null,\"s\":\"true\","
		       "\"i\":1}");
	struct jreader r = reader();
	int b = 7;

	cr_assert_eq(json_opt_bool(&r, &root, o, "x", &b), 0);
	cr_assert_eq(json_opt_bool(&r, &root, o, "n", &b), 0);
	cr_assert_eq(b, 7);
	cr_assert_eq(json_opt_bool(&r, &root, o, "t", &b), 1);
	cr_assert_eq(b, 1);
	cr_assert_eq(json_opt_bool(&r, &root, o, "f", &b), 1);
	cr_assert_eq(b, 0);
	cr_assert_eq(json_opt_bool(&r, &root, o, "s", &b), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.s: expected true or false, got a "
			      "string \"true\"");
	cr_assert_eq(json_opt_bool(&r, &root, o, "i", &b), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.i: expected true or false, got 1");
	cr_assert_eq(b, 0);
	cJSON_Delete(o);
}

Test(json, arrays_and_objects)
{
	cJSON *o = obj("{\"a\":[1],\"o\":{\"k\":1},\"n\":null,\"s\":\"x\"}");
	struct jreader r = reader();
	const cJSON *v = (const cJSON *)1;

	cr_assert_eq(json_opt_array(&r, &root, o, "x", &v), 0);
	cr_assert_null(v);
	v = (const cJSON *)1;
	cr_assert_eq(json_opt_array(&r, &root, o, "n", &v), 0);
	cr_assert_null(v);
	cr_assert_eq(json_opt_array(&r, &root, o, "a", &v), 1);
	cr_assert_eq(v, json_get(o, "a"));
	cr_assert_eq(json_opt_array(&r, &root, o, "o", &v), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.o: expected an array, got an object");
	cr_assert_eq(json_opt_array(&r, &root, o, "s", &v), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.s: expected an array, got a string "
			      "\"x\"");

	v = (const cJSON *)1;
	cr_assert_eq(json_opt_object(&r, &root, o, "x", &v), 0);
	cr_assert_null(v);
	v = (const cJSON *)1;
	cr_assert_eq(json_opt_object(&r, &root, o, "n", &v), 0);
	cr_assert_null(v);
	cr_assert_eq(json_opt_object(&r, &root, o, "o", &v), 1);
	cr_assert_eq(v, json_get(o, "o"));
	cr_assert_eq(json_opt_object(&r, &root, o, "a", &v), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.a: expected an object, got an array");
	cJSON_Delete(o);
}

Test(json, expect_object_and_string)
{
	cJSON *o = obj("[{},\"s\",1,null]");
	struct jreader r = reader();
	struct jpath at = JPATH_INDEX(&root, 1);
	const char *s = "d";
	const cJSON *e = o->child;

	cr_assert_eq(json_expect_object(&r, &at, e), 0);
	cr_assert_eq(json_expect_object(&r, &at, e->next), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[1]: expected an object, got a string "
			      "\"s\"");
	cr_assert_eq(json_expect_object(&r, &at, NULL), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[1]: expected an object, got nothing");
	cr_assert_eq(json_expect_string(&r, &at, e->next, &s), 0);
	cr_assert_str_eq(s, "s");
	cr_assert_eq(json_expect_string(&r, &at, e->next->next, &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[1]: expected a string, got 1");
	cr_assert_eq(json_expect_string(&r, &at, e->next->next->next, &s),
		     -EINVAL);
	cr_assert_str_eq(err, "f.json: $[1]: expected a string, got null");
	cr_assert_eq(json_expect_string(&r, &at, e, &s), -EINVAL);
	cr_assert_str_eq(err, "f.json: $[1]: expected a string, got an "
			      "object");
	cr_assert_str_eq(s, "s");
	cJSON_Delete(o);
}

Test(json, get_and_type_names)
{
	cJSON *o = obj("{\"Key\":1,\"s\":\"\",\"b\":false,\"t\":true,"
		       "\"n\":null,\"a\":[],\"o\":{}}");

	cr_assert_not_null(json_get(o, "Key"));
	cr_assert_null(json_get(o, "key"));
	cr_assert_null(json_get(o, "KEY"));
	cr_assert_null(json_get(o, NULL));
	cr_assert_null(json_get(NULL, "Key"));
	cr_assert_null(json_get(json_get(o, "a"), "Key"));
	cr_assert_str_eq(json_type_name(json_get(o, "Key")), "a number");
	cr_assert_str_eq(json_type_name(json_get(o, "s")), "a string");
	cr_assert_str_eq(json_type_name(json_get(o, "b")), "a boolean");
	cr_assert_str_eq(json_type_name(json_get(o, "t")), "a boolean");
	cr_assert_str_eq(json_type_name(json_get(o, "n")), "null");
	cr_assert_str_eq(json_type_name(json_get(o, "a")), "an array");
	cr_assert_str_eq(json_type_name(json_get(o, "o")), "an object");
	cr_assert_str_eq(json_type_name(NULL), "nothing");
	cJSON_Delete(o);
}

/* ----------------------------------------------------------- messages -- */

Test(json, hostile_values_are_escaped_and_cut)
{
	cJSON *o = obj("{\"v\":\"\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m"
		       "\\u202e\\uD83D\\uDE00\\\"\\\\\"}");
	struct jreader r = reader();
	long l;
	char *lng = repeat("x", 200), *doc = malloc(300), *shown;
	size_t i;

	cr_assert_eq(json_opt_int(&r, &root, o, "v", 0, 1, &l), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.v: expected an integer from 0 to 1, "
			      "got a string \"\\u001B]0;pwned\\u0007\\u001B"
			      "[2J\\u009B31m\\u202E\\uD83D\\uDE00\\\"\\\\\"");
	cJSON_Delete(o);

	sprintf(doc, "{\"v\":\"%s\"}", lng);
	o = obj(doc);
	cr_assert_eq(json_opt_int(&r, &root, o, "v", 0, 1, &l), -EINVAL);
	shown = repeat("x", 80);
	cr_assert(strstr(err, shown) != NULL);
	cr_assert(strstr(err, "xxxxx\"...") != NULL, "%s", err);
	cr_assert_eq(strlen(err),
		     strlen("f.json: $.v: expected an integer from 0 to 1, got "
			    "a string \"\"...") +
			 80);
	for (i = 0; err[i]; i++)
		cr_assert(err[i] >= 0x20 && err[i] < 0x7f);
	cJSON_Delete(o);
	free(lng);
	free(doc);
	free(shown);
}

Test(json, fail_formats_file_path_and_message)
{
	struct jreader r = reader();
	struct jpath a = JPATH_KEY(&root, "a");
	struct jpath i3 = JPATH_INDEX(&a, 3);

	cr_assert_eq(json_fail(&r, &i3, "b", "bad %s %d", "thing", 7), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.a[3].b: bad thing 7");
	cr_assert_eq(json_fail(&r, &i3, NULL, "x"), -EINVAL);
	cr_assert_str_eq(err, "f.json: $.a[3]: x");
	cr_assert_eq(json_fail(&r, NULL, NULL, "no path"), -EINVAL);
	cr_assert_str_eq(err, "f.json: no path");
	cr_assert_eq(json_fail(&r, &root, NULL, "top"), -EINVAL);
	cr_assert_str_eq(err, "f.json: $: top");
	/* Whatever a caller formats, no control character gets out. */
	cr_assert_eq(json_fail(&r, &root, "k", "%s",
			       "\x1b[31mred\n\x7f"
			       "\xC2\x9B"
			       "1m\xC3\xA9"),
		     -EINVAL);
	cr_assert_str_eq(err, "f.json: $.k: ?[31mred????1m\xC3\xA9");
	r.file = "evil\x1b]0;x\a.json";
	json_fail(&r, NULL, NULL, "m");
	cr_assert_str_eq(err, "evil?]0;x?.json: m");
	r.err = NULL;
	cr_assert_eq(json_fail(&r, &root, NULL, "m"), -EINVAL);
	cr_assert_eq(json_fail(NULL, &root, NULL, "m"), -EINVAL);
}

/* --------------------------------------------------------------- paths -- */

static void path_is(const struct jpath *p, const char *want)
{
	char buf[512];

	memset(buf, 'X', sizeof(buf));
	cr_assert_eq(json_path_format(p, buf, sizeof(buf)), buf);
	cr_assert_str_eq(buf, want);
}

Test(json, path_formatting)
{
	struct jpath a = JPATH_KEY(&root, "a");
	struct jpath a3 = JPATH_INDEX(&a, 3);
	struct jpath a3b = JPATH_KEY(&a3, "b");
	struct jpath i0 = JPATH_INDEX(&root, 0);
	struct jpath i0i12 = JPATH_INDEX(&i0, 12);
	struct jpath odd = JPATH_KEY(&root, "odd key");
	struct jpath esc = JPATH_KEY(&odd, "a\"b\\c\n\t\x01");
	struct jpath utf = JPATH_KEY(&root, "caf\xC3\xA9 \xF0\x9F\x98\x80");
	struct jpath digit = JPATH_KEY(&root, "1abc");
	struct jpath empty = JPATH_KEY(&root, "");
	struct jpath ident = JPATH_KEY(&root, "_Aa_09");
	struct jpath dash = JPATH_KEY(&root, "a-b");
	struct jpath dot = JPATH_KEY(&root, "a.b");
	struct jpath ctl = JPATH_KEY(&root, "\x1b[31m");
	struct jpath implicit = {NULL, "top", 0};
	struct jpath under = JPATH_KEY(&implicit, "x");

	path_is(NULL, "$");
	path_is(&root, "$");
	path_is(&a, "$.a");
	path_is(&a3, "$.a[3]");
	path_is(&a3b, "$.a[3].b");
	path_is(&i0i12, "$[0][12]");
	path_is(&odd, "$[\"odd key\"]");
	path_is(&esc, "$[\"odd key\"][\"a\\\"b\\\\c\\n\\t\\u0001\"]");
	path_is(&utf, "$[\"caf\\u00E9 \\uD83D\\uDE00\"]");
	path_is(&digit, "$[\"1abc\"]");
	path_is(&empty, "$[\"\"]");
	path_is(&ident, "$._Aa_09");
	path_is(&dash, "$[\"a-b\"]");
	path_is(&dot, "$[\"a.b\"]");
	path_is(&ctl, "$[\"\\u001B[31m\"]");
	path_is(&implicit, "$.top");
	path_is(&under, "$.top.x");
}

Test(json, path_long_keys_are_cut)
{
	char *k80 = repeat("k", 80), *k81 = repeat("k", 81);
	struct jpath p80 = JPATH_KEY(&root, k80);
	struct jpath p81 = JPATH_KEY(&root, k81);
	char want[256];

	snprintf(want, sizeof(want), "$.%s", k80);
	path_is(&p80, want);
	snprintf(want, sizeof(want), "$[\"%s\"...]", k80);
	path_is(&p81, want);
	free(k80);
	free(k81);
}

Test(json, path_truncated_to_the_buffer)
{
	struct jpath a = JPATH_KEY(&root, "abcdef");
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	json_path_format(&a, buf, 5);
	cr_assert_str_eq(buf, "$.ab");
	cr_assert_eq(buf[5], 'X');
	json_path_format(&a, buf, 1);
	cr_assert_str_eq(buf, "");
	memset(buf, 'X', sizeof(buf));
	json_path_format(&a, buf, 0);
	cr_assert_eq(buf[0], 'X');
}

/* ------------------------------------------------- random differential -- */

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/*
 * Mutates valid documents at random.  Whatever json_parse accepts, cJSON
 * must accept the same way (json_parse would say -ENOMEM otherwise), and
 * whatever cJSON refuses even in its strict mode, json_parse must refuse.
 */
Test(json, random_mutations_agree_with_cjson)
{
	static const char *const seeds[] = {
	    ("{\"a\":[1,-2.5e3,true,false,null,\"s\\u00e9\\n\"],"
	     "\"b\":{\"c\":{}}}"),
	    "[[],[{}],\"\\uD83D\\uDE00\",0,-0.0,1E+2]",
	    "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\",\"FromPort\":443}]}",
	};
	static const char alphabet[] = "{}[],:\"\\ \n0123456789-+.eEtrufalsn"
				       "xu\x01\x7f\xC3\xA9\xED\xA0\x80";
	char buf[256], strict[258];
	unsigned i, accepted = 0;

	for (i = 0; i < 30000; i++) {
		const char *seed = seeds[rnd(3)];
		size_t n = strlen(seed), k, muts = 1 + rnd(3);
		cJSON *t = NULL, *c;
		int rc;

		memcpy(buf, seed, n);
		for (k = 0; k < muts; k++) {
			size_t at = rnd((unsigned)n + 1);
			char ch = alphabet[rnd(sizeof(alphabet) - 1)];

			switch (rnd(3)) {
			case 0: /* replace */
				if (at < n)
					buf[at] = ch;
				break;
			case 1: /* insert */
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = ch;
					n++;
				}
				break;
			default: /* delete */
				if (at < n) {
					memmove(buf + at, buf + at + 1,
						n - at - 1);
					n--;
				}
			}
		}
		rc = parse_n(buf, n, &t);
		cr_assert(rc == 0 || rc == -EINVAL, "rc %d (%s) on %.*s", rc,
			  err, (int)n, buf);
		memcpy(strict, buf, n);
		strict[n] = '\0';
		c = cJSON_ParseWithLengthOpts(strict, n + 1, NULL, 1);
		if (!c)
			cr_assert_neq(rc, 0,
				      "accepted what cJSON refuses: "
				      "%.*s",
				      (int)n, buf);
		if (rc == 0)
			accepted++;
		cJSON_Delete(c);
		cJSON_Delete(t);
	}
	/* The mutations must exercise both outcomes. */
	cr_assert_gt(accepted, 100);
	cr_assert_lt(accepted, 29000);
}
