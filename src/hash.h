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

#include "prefetch.h"

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

/*
 * Maps whose key is a value held in the slot itself (128 bits and a
 * nonzero tag saying what they encode): a lookup reads one 24-byte slot
 * and compares integers, where an hmap also follows the slot's pointer to
 * a key string elsewhere in memory, a second cache miss on a large model.
 * Selectors that are interface or task ids and IPv6 addresses use them.
 */
struct kkey {
	uint64_t hi, lo;
	uint32_t tag; /* nonzero; 0 marks an empty slot */
};

struct kslot {
	uint64_t hi, lo;
	uint32_t tag, val;
};

struct kmap {
	struct kslot *slots;
	size_t mask;
	size_t count;
};

static inline size_t kmap_slot(const struct kmap *h, const struct kkey *k)
{
	uint64_t x = (k->hi ^ (uint64_t)k->tag << 40) * 0x9e3779b97f4a7c15ull;

	x = (x ^ k->lo) * 0xff51afd7ed558ccdull;
	return (size_t)(x ^ x >> 32) & h->mask;
}

/* Returns 1 and sets *val when found, 0 otherwise.  Inline: two run on
 * every query by selector string. */
static inline int kmap_get(const struct kmap *h, const struct kkey *k,
			   uint32_t *val)
{
	size_t i;

	if (!h->slots)
		return 0;
	for (i = kmap_slot(h, k);; i = (i + 1) & h->mask) {
		const struct kslot *s = &h->slots[i];

		if (!s->tag)
			return 0;
		if (s->hi == k->hi && s->lo == k->lo && s->tag == k->tag) {
			*val = s->val;
			return 1;
		}
	}
}

/* Starts fetching the slot a lookup of k reads first, so that lookups
 * of several keys wait for memory once, not once each. */
SG_PREFETCH_FN void kmap_prefetch(const struct kmap *h, const struct kkey *k)
{
	if (h->slots) {
		const struct kslot *s = &h->slots[kmap_slot(h, k)];

		SG_PREFETCH(s);
		SG_PREFETCH((const char *)(s + 1) - 1);
	}
}

/* Inserts or replaces.  Returns 0 or -ENOMEM. */
int kmap_put(struct kmap *h, const struct kkey *k, uint32_t val);
void kmap_free(struct kmap *h);

/*
 * 32-bit keys (IPv4 addresses) to 32-bit values, eight slots a cache line:
 * the value in the high half, the key in the low half, all ones empty (so
 * the value UINT32_MAX cannot be stored).
 */
struct u32map {
	uint64_t *slots;
	size_t mask;
	size_t count;
};

#define U32MAP_EMPTY UINT64_MAX

static inline size_t u32map_slot(const struct u32map *h, uint32_t key)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ull;

	return (size_t)(x ^ x >> 32) & h->mask;
}

static inline int u32map_get(const struct u32map *h, uint32_t key,
			     uint32_t *val)
{
	size_t i;

	if (!h->slots)
		return 0;
	for (i = u32map_slot(h, key);; i = (i + 1) & h->mask) {
		uint64_t s = h->slots[i];

		if (s == U32MAP_EMPTY)
			return 0;
		if ((uint32_t)s == key) {
			*val = (uint32_t)(s >> 32);
			return 1;
		}
	}
}

SG_PREFETCH_FN void u32map_prefetch(const struct u32map *h, uint32_t key)
{
	if (h->slots)
		SG_PREFETCH(&h->slots[u32map_slot(h, key)]);
}

/* Inserts or replaces.  Returns 0, -ENOMEM, or -EINVAL for UINT32_MAX. */
int u32map_put(struct u32map *h, uint32_t key, uint32_t val);
void u32map_free(struct u32map *h);

#endif
