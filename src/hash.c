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

/* Both fixed-key maps double when half full, as hmap does. */
int kmap_put(struct kmap *h, const struct kkey *k, uint32_t val)
{
	struct kslot *s;
	size_t i;

	if (!k->tag)
		return -EINVAL;
	if (!h->slots || (h->count + 1) * 2 > h->mask + 1) {
		size_t cap = h->slots ? (h->mask + 1) * 2 : 16;
		struct kmap n = {calloc(cap, sizeof(struct kslot)), cap - 1, 0};

		if (!n.slots)
			return -ENOMEM;
		for (i = 0; h->slots && i <= h->mask; i++) {
			const struct kslot *o = &h->slots[i];
			struct kkey ok = {o->hi, o->lo, o->tag};
			size_t j;

			if (!o->tag)
				continue;
			for (j = kmap_slot(&n, &ok); n.slots[j].tag;
			     j = (j + 1) & n.mask)
				;
			n.slots[j] = *o;
		}
		n.count = h->count;
		free(h->slots);
		*h = n;
	}
	for (i = kmap_slot(h, k);; i = (i + 1) & h->mask) {
		s = &h->slots[i];
		if (!s->tag ||
		    (s->hi == k->hi && s->lo == k->lo && s->tag == k->tag))
			break;
	}
	if (!s->tag) {
		s->hi = k->hi;
		s->lo = k->lo;
		s->tag = k->tag;
		h->count++;
	}
	s->val = val;
	return 0;
}

void kmap_free(struct kmap *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

int u32map_put(struct u32map *h, uint32_t key, uint32_t val)
{
	size_t i;

	if (val == UINT32_MAX)
		return -EINVAL;
	if (!h->slots || (h->count + 1) * 2 > h->mask + 1) {
		size_t cap = h->slots ? (h->mask + 1) * 2 : 16;
		struct u32map n = {malloc(cap * sizeof(uint64_t)), cap - 1, 0};

		if (!n.slots)
			return -ENOMEM;
		memset(n.slots, 0xff, cap * sizeof(uint64_t));
		for (i = 0; h->slots && i <= h->mask; i++) {
			uint64_t o = h->slots[i];
			size_t j;

			if (o == U32MAP_EMPTY)
				continue;
			for (j = u32map_slot(&n, (uint32_t)o);
			     n.slots[j] != U32MAP_EMPTY; j = (j + 1) & n.mask)
				;
			n.slots[j] = o;
		}
		n.count = h->count;
		free(h->slots);
		*h = n;
	}
	for (i = u32map_slot(h, key);; i = (i + 1) & h->mask)
		if (h->slots[i] == U32MAP_EMPTY || (uint32_t)h->slots[i] == key)
			break;
	if (h->slots[i] == U32MAP_EMPTY)
		h->count++;
	h->slots[i] = (uint64_t)val << 32 | key;
	return 0;
}

void u32map_free(struct u32map *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}
