/*
 * json.c - the typed getters of the strict JSON layer (see json.h): values
 * of the wrong type, non-integral or out-of-range numbers are errors that
 * name the file, the JSON path and what was expected.  The raw text is
 * checked and parsed by json_scan.c; messages are built by json_msg.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/json.h"
#include "import/json_msg.h"

/* cJSON_IsObject() and the like, inline: they are library calls. */
static inline int is_a(const cJSON *v, int type)
{
	return v && (v->type & 0xFF) == type;
}

/* ------------------------------------------------------------ messages -- */

const char *json_type_name(const cJSON *v)
{
	if (!v)
		return "nothing";
	switch (v->type & 0xFF) {
	case cJSON_False:
	case cJSON_True:
		return "a boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "a number";
	case cJSON_String:
		return "a string";
	case cJSON_Array:
		return "an array";
	case cJSON_Object:
		return "an object";
	case cJSON_Raw:
		return "raw JSON";
	default:
		return "an invalid value";
	}
}

/* Writes the shortest "%g" form that reads back as the same double. */
static void put_number(struct sink *s, double d)
{
	char tmp[40];
	int prec;

	if (!isfinite(d)) {
		sink_puts(s, isnan(d) ? "not a number (NaN)"
				      : "a number too large for a double");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	sink_puts(s, tmp);
}

/* Describes a value for "got ...": its type, and the value itself for
 * scalars. */
static void put_value(struct sink *s, const cJSON *v)
{
	if (!v) {
		sink_puts(s, "nothing");
		return;
	}
	switch (v->type & 0xFF) {
	case cJSON_False:
		sink_puts(s, "false");
		break;
	case cJSON_True:
		sink_puts(s, "true");
		break;
	case cJSON_Number:
		put_number(s, v->valuedouble);
		break;
	case cJSON_String:
		sink_puts(s, "a string ");
		if (v->valuestring)
			sink_quoted(s, v->valuestring, strlen(v->valuestring));
		else
			sink_puts(s, "(none)");
		break;
	default:
		sink_puts(s, json_type_name(v));
	}
}

/* "FILE: PATH: expected WHAT, got VALUE". */
static int fail_expected(struct jreader *r, const struct jpath *at,
			 const char *key, const char *what, const cJSON *got)
{
	struct sink s;

	if (!sink_begin(r, &s, at, key))
		return -EINVAL;
	sink_puts(&s, "expected ");
	sink_puts(&s, what);
	sink_puts(&s, ", got ");
	put_value(&s, got);
	sink_scrub(&s);
	return -EINVAL;
}

static int fail_int(struct jreader *r, const struct jpath *at, const char *key,
		    long lo, long hi, const char *also, const cJSON *got)
{
	struct sink s;

	if (!sink_begin(r, &s, at, key))
		return -EINVAL;
	sink_printf(&s, "expected an integer from %ld to %ld%s, got ", lo, hi,
		    also);
	put_value(&s, got);
	sink_scrub(&s);
	return -EINVAL;
}

static int fail_missing(struct jreader *r, const struct jpath *at,
			const char *key, const char *what)
{
	return json_fail(r, at, key, "required but missing (expected %s)",
			 what);
}

/* ------------------------------------------------------------- getters -- */

const cJSON *json_get(const cJSON *obj, const char *key)
{
	const cJSON *c;

	if (!is_a(obj, cJSON_Object) || !key)
		return NULL;
	/* cJSON_GetObjectItemCaseSensitive, with the first byte compared
	 * inline: importers look up every field of every object. */
	for (c = obj->child; c && c->string; c = c->next)
		if (c->string[0] == key[0] && !strcmp(c->string, key))
			return c;
	return NULL;
}

/*
 * obj[key], or NULL when absent.  A NULL obj counts as an absent object (so
 * an optional sub-object can be read without a test); anything else that is
 * not an object is an error at its own path.
 */
static int lookup(struct jreader *r, const struct jpath *at, const cJSON *obj,
		  const char *key, const cJSON **v)
{
	*v = NULL;
	if (!obj)
		return 0;
	if (!is_a(obj, cJSON_Object))
		return fail_expected(r, at, NULL, "an object", obj);
	*v = json_get(obj, key);
	return 0;
}

int json_opt_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || is_a(v, cJSON_NULL))
		return rc;
	if (!is_a(v, cJSON_String) || !v->valuestring)
		return fail_expected(r, at, key, "a string", v);
	*out = v->valuestring;
	return 1;
}

int json_req_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v)
		return fail_missing(r, at, key, "a string");
	if (!is_a(v, cJSON_String) || !v->valuestring)
		return fail_expected(r, at, key, "a string", v);
	*out = v->valuestring;
	return 0;
}

/*
 * cJSON keeps numbers as doubles and saturates valueint: decide from the
 * double.  The bounds test comes before the cast, which is undefined for
 * values a long cannot hold; -(double)LONG_MIN is exactly 2^(bits-1).
 */
static int to_long(double d, long lo, long hi, long *out)
{
	const double lim = -(double)LONG_MIN;
	long v;

	if (!isfinite(d) || !(d >= -lim && d < lim))
		return 0;
	v = (long)d;
	if ((double)v != d || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

static int read_int(struct jreader *r, const struct jpath *at, const char *key,
		    const cJSON *v, long lo, long hi, long *out)
{
	if (!is_a(v, cJSON_Number) || !to_long(v->valuedouble, lo, hi, out))
		return fail_int(r, at, key, lo, hi, "", v);
	return 0;
}

int json_opt_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || is_a(v, cJSON_NULL))
		return rc;
	rc = read_int(r, at, key, v, lo, hi, out);
	return rc ? rc : 1;
}

int json_req_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v)
		return fail_missing(r, at, key, "an integer");
	return read_int(r, at, key, v, lo, hi, out);
}

/* Decimal digits with an optional '-': no sign '+', no spaces, no leading
 * zeros, no hex, nothing a long cannot hold. */
static int parse_decimal(const char *p, long *out)
{
	int neg = *p == '-';
	unsigned long v = 0, lim;

	if (neg)
		p++;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
		return 0;
	lim = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9' || v > (lim - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg)
		*out = v ? -(long)(v - 1) - 1 : 0;
	else
		*out = (long)v;
	return 1;
}

int json_opt_int_or_string(struct jreader *r, const struct jpath *at,
			   const cJSON *obj, const char *key, long lo, long hi,
			   long *out)
{
	const cJSON *v;
	long x;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || is_a(v, cJSON_NULL))
		return rc;
	if (is_a(v, cJSON_Number) && to_long(v->valuedouble, lo, hi, out))
		return 1;
	if (is_a(v, cJSON_String) && v->valuestring &&
	    parse_decimal(v->valuestring, &x) && x >= lo && x <= hi) {
		*out = x;
		return 1;
	}
	return fail_int(r, at, key, lo, hi, " (or a string of one)", v);
}

int json_opt_bool(struct jreader *r, const struct jpath *at, const cJSON *obj,
		  const char *key, int *out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc || !v || is_a(v, cJSON_NULL))
		return rc;
	if (!v || !(v->type & (cJSON_True | cJSON_False)))
		return fail_expected(r, at, key, "true or false", v);
	*out = is_a(v, cJSON_True) ? 1 : 0;
	return 1;
}

int json_opt_array(struct jreader *r, const struct jpath *at, const cJSON *obj,
		   const char *key, const cJSON **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v || is_a(v, cJSON_NULL)) {
		*out = NULL;
		return 0;
	}
	if (!is_a(v, cJSON_Array))
		return fail_expected(r, at, key, "an array", v);
	*out = v;
	return 1;
}

int json_opt_object(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const cJSON **out)
{
	const cJSON *v;
	int rc = lookup(r, at, obj, key, &v);

	if (rc)
		return rc;
	if (!v || is_a(v, cJSON_NULL)) {
		*out = NULL;
		return 0;
	}
	if (!is_a(v, cJSON_Object))
		return fail_expected(r, at, key, "an object", v);
	*out = v;
	return 1;
}

int json_expect_object(struct jreader *r, const struct jpath *at,
		       const cJSON *v)
{
	if (!is_a(v, cJSON_Object))
		return fail_expected(r, at, NULL, "an object", v);
	return 0;
}

int json_expect_string(struct jreader *r, const struct jpath *at,
		       const cJSON *v, const char **out)
{
	if (!is_a(v, cJSON_String) || !v->valuestring)
		return fail_expected(r, at, NULL, "a string", v);
	*out = v->valuestring;
	return 0;
}
