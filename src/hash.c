/* hash.c - open-addressing maps; see hash.h. */
#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, then a final mix so that the low bits used for the slot index
 * depend on every input byte. */
uint32_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
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
