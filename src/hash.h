/*
 * hash.h - open-addressing maps from byte strings to 32-bit values.
 *
 * Keys are not copied: they must outlive the map (the model interns every
 * id it stores).  Lookups allocate nothing and may run from many threads
 * once no one inserts.
 */
#ifndef SGREACH_HASH_H
#define SGREACH_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hslot {
	const void *key;
	uint32_t len;
	uint32_t hash;
	uint32_t val;
};

struct hmap {
	struct hslot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t count;
};

uint32_t hash_bytes(const void *key, size_t len);
void hmap_init(struct hmap *h);
void hmap_free(struct hmap *h);
/* Returns 1 and sets *val when found, 0 otherwise. */
int hmap_get(const struct hmap *h, const void *key, size_t len, uint32_t *val);
/* Inserts or replaces.  Returns 0 or -ENOMEM. */
int hmap_put(struct hmap *h, const void *key, size_t len, uint32_t val);

#endif
