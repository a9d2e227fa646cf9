/*
 * json_keys.h - the keys of JSON objects as the scan sees them: raw text
 * between the quotes, already checked, with escapes still in it.
 * json_scan.c collects them per object; this decodes them, compares them
 * by their decoded bytes and finds duplicates.
 */
#ifndef SGREACH_IMPORT_JSON_KEYS_H
#define SGREACH_IMPORT_JSON_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* A key of an object. */
struct json_key {
	uint64_t fp;		/* its first 8 bytes, decoded, zero padded */
	const unsigned char *p; /* raw text, after the opening quote */
	uint32_t len;		/* raw length */
	uint32_t idx : 31;	/* member index in its object */
	uint32_t escaped : 1;	/* has escapes: raw text != decoded key */
};

/* Reads 4 hex digits of the avail bytes at p into *out; 0 if they are not
 * there. */
int json_hex4(const unsigned char *p, size_t avail, unsigned *out);

/* The fingerprint (struct json_key's fp) of a key with escapes.  For a key
 * without, it is its first 8 raw bytes, which the scan loads itself. */
uint64_t json_key_fp_escaped(const unsigned char *p, size_t len);

/* Decodes the raw text of a key into out, keeping at most size - 1 bytes:
 * enough for messages, which cut keys at SHOW_MAX anyway. */
void json_key_decode(const unsigned char *p, size_t n, char *out, size_t size);

/*
 * Finds, among the n keys of one object, the duplicate whose second
 * occurrence comes first.  Returns 1 and the two member indexes, or 0 when
 * the keys are distinct.  May reorder keys.
 */
int json_first_duplicate(struct json_key *keys, size_t n, size_t *first,
			 size_t *second);

#endif /* SGREACH_IMPORT_JSON_KEYS_H */
