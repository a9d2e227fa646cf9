/*
 * json.h - strict JSON reading on top of cJSON, for the importers.
 *
 * cJSON alone accepts trailing garbage, keeps duplicate keys, truncates
 * strings at \u0000, looks keys up ignoring case and saturates numbers.
 * This layer rejects all of those and names the file and the JSON path
 * ("$.SecurityGroups[3].IpPermissions[0].FromPort") of every error.
 *
 * A path is a chain of frames on the caller's stack: building it costs
 * nothing; it is only formatted when an error is reported.
 */
#ifndef SGREACH_IMPORT_JSON_H
#define SGREACH_IMPORT_JSON_H

#include <stdarg.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* Limits, documented in sgreach-inputs(5). */
#define JSON_MAX_BYTES ((size_t)1 << 30) /* one document */
#define JSON_MAX_DEPTH 64		 /* nesting of arrays and objects */

/* One step of a JSON path: a key (key != NULL) or an array index. */
struct jpath {
	const struct jpath *up;
	const char *key;
	size_t index;
};

/* Frames for the common steps; the root frame is { NULL, NULL, 0 } and
 * prints as "$". */
#define JPATH_ROOT	       ((struct jpath){NULL, NULL, 0})
#define JPATH_KEY(parent, k)   ((struct jpath){(parent), (k), 0})
#define JPATH_INDEX(parent, i) ((struct jpath){(parent), NULL, (i)})

/* Where errors go: the file name and the caller's message buffer. */
struct jreader {
	const char *file; /* name used in messages */
	char *err;	  /* message buffer */
	size_t errsize;
};

/*
 * Parses len bytes (not necessarily NUL-terminated).  Rejects: len over
 * JSON_MAX_BYTES (-E2BIG), NUL bytes, invalid UTF-8, invalid JSON (message
 * with line and column), anything but whitespace after the value, nesting
 * deeper than JSON_MAX_DEPTH, duplicate keys in an object (compared
 * exactly), strings containing \u0000.  On success *out is the tree (free it
 * with cJSON_Delete) and 0 is returned; otherwise -EINVAL / -E2BIG /
 * -ENOMEM with the message "FILE: ..." (for a JSON error "FILE:LINE:COL:
 * ..." or "FILE: $.path: ...") written to r->err.
 */
int json_parse(struct jreader *r, const char *buf, size_t len, cJSON **out);

/* Formats the path into buf ("$", "$.a[3].b", "$[\"odd key\"]").  Returns
 * buf. */
char *json_path_format(const struct jpath *p, char *buf, size_t size);

/* Writes "FILE: PATH: MESSAGE" (message from fmt) to r->err and returns
 * -EINVAL.  at may be NULL (then no path).  key, if not NULL, is appended
 * to the path as one more step. */
int json_fail(struct jreader *r, const struct jpath *at, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Describes a value's type for messages: "a string", "a number", "null"... */
const char *json_type_name(const cJSON *v);

/* Looks up key in an object, case-sensitively; NULL when absent or when obj
 * is not an object. */
const cJSON *json_get(const cJSON *obj, const char *key);

/*
 * Typed getters.  Each reads obj[key] where obj is the object at path `at`.
 * "opt" getters: an absent key or a JSON null leaves the default and
 * returns 0 (returns 1 when the value was present).  "req" getters: an
 * absent key is an error.  A value of the wrong type is always an error
 * naming FILE, the path of the value and what was expected.  Every error
 * returns -EINVAL with the message in r->err.
 */
int json_opt_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out);
int json_req_string(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const char **out);

/* Integral numbers only (3.0 is accepted, 3.5 and 1e300 are not), within
 * [lo, hi]; the message says "expected an integer from LO to HI". */
int json_opt_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out);
int json_req_int(struct jreader *r, const struct jpath *at, const cJSON *obj,
		 const char *key, long lo, long hi, long *out);

/* An integer, or a string holding one in decimal ("443", "-1"): Terraform
 * and some AWS outputs write ports as strings. */
int json_opt_int_or_string(struct jreader *r, const struct jpath *at,
			   const cJSON *obj, const char *key, long lo, long hi,
			   long *out);

int json_opt_bool(struct jreader *r, const struct jpath *at, const cJSON *obj,
		  const char *key, int *out);

/* Arrays and objects: *out is set to the value or left NULL when absent. */
int json_opt_array(struct jreader *r, const struct jpath *at, const cJSON *obj,
		   const char *key, const cJSON **out);
int json_opt_object(struct jreader *r, const struct jpath *at, const cJSON *obj,
		    const char *key, const cJSON **out);

/* Checks that the element at path `at` is an object / a string. */
int json_expect_object(struct jreader *r, const struct jpath *at,
		       const cJSON *v);
int json_expect_string(struct jreader *r, const struct jpath *at,
		       const cJSON *v, const char **out);

#endif /* SGREACH_IMPORT_JSON_H */
