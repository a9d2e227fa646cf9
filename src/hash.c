/* hash.c - open-addressing maps; see hash.h. */
#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Eight bytes at a time: each word is folded in with a multiply and a
 * shift, the tail likewise, then the finaliser of MurmurHash3's fmix64 so
 * that the low bits used for the slot index depend on every input byte.
 * Selector lookups hash ids of 21 bytes and task ARNs of 80 on every
 * query; a byte at a time (FNV-1a) cost four instructions a byte.
 */
uint32_t hash_bytes(const void *key, size_t len)
{
	const uint64_t k = 0xff51afd7ed558ccdull;
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, sizeof(w));
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	if (len) {
		w = 0;
		for (i = 0; i < len; i++)
			w |= (uint64_t)p[i] << (8 * i);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

void hmap_init(struct hmap *h)
{
	memset(h, 0, sizeof(*h));
}

void hmap_free(struct hmap *h)
{
	free(h->slots);
	hmap_init(h);
}

static struct hslot *find(const struct hmap *h, const void *key, size_t len,
			  uint32_t hash)
{
	size_t i = hash & h->mask;

	for (;;) {
		struct hslot *s = &h->slots[i];

		if (!s->key)
			return s;
		if (s->hash == hash && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
		i = (i + 1) & h->mask;
	}
}

int hmap_get(const struct hmap *h, const void *key, size_t len, uint32_t *val)
{
	const struct hslot *s;

	if (!h->slots)
		return 0;
	s = find(h, key, len, hash_bytes(key, len));
	if (!s->key)
		return 0;
	*val = s->val;
	return 1;
}

static int grow(struct hmap *h)
{
	size_t cap = h->slots ? (h->mask + 1) * 2 : 16, i;
	struct hslot *old = h->slots, *slots;
	size_t oldcap = h->slots ? h->mask + 1 : 0;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	h->slots = slots;
	h->mask = cap - 1;
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(h, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
	return 0;
}

int hmap_put(struct hmap *h, const void *key, size_t len, uint32_t val)
{
	uint32_t hash = hash_bytes(key, len);
	struct hslot *s;

	/* Keep the load factor under 1/2 so probes stay short. */
	if (!h->slots || (h->count + 1) * 2 > h->mask + 1)
		if (grow(h))
			return -ENOMEM;
	s = find(h, key, len, hash);
	if (!s->key) {
		s->key = key;
		s->len = (uint32_t)len;
		s->hash = hash;
		h->count++;
	}
	s->val = val;
	return 0;
}
