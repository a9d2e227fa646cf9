/*
 * json_keys.c - keys of JSON objects as raw text (see json_keys.h):
 * decoding escapes, ordering keys by their decoded bytes, and finding the
 * first duplicate of an object.
 */
#include <stdlib.h>
#include <string.h>

#include "import/json_keys.h"

/* Objects with up to this many keys are searched for duplicates pair by
 * pair; larger ones are sorted. */
#define PAIRWISE_MAX 32

int json_hex4(const unsigned char *p, size_t avail, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (avail < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* The code point of the escape at p ("\n", "\u00e9", a surrogate pair),
 * already checked by the scan; *p is advanced past it. */
static unsigned long unescape(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	unsigned u = 0, u2 = 0;
	unsigned long cp;

	switch (p[1]) {
	case 'b':
		cp = '\b';
		break;
	case 'f':
		cp = '\f';
		break;
	case 'n':
		cp = '\n';
		break;
	case 'r':
		cp = '\r';
		break;
	case 't':
		cp = '\t';
		break;
	case 'u':
		json_hex4(p + 2, 4, &u);
		cp = u;
		if (u >= 0xD800 && u <= 0xDBFF) {
			json_hex4(p + 8, 4, &u2);
			cp = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
			p += 6;
		}
		p += 4;
		break;
	default:
		cp = p[1];
	}
	*pp = p + 2;
	return cp;
}

static size_t utf8_encode(unsigned long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

void json_key_decode(const unsigned char *p, size_t n, char *out, size_t size)
{
	const unsigned char *end = p + n;
	size_t o = 0;

	while (p < end && o + 4 < size) {
		if (*p != '\\')
			out[o++] = (char)*p++;
		else
			o +=
			    utf8_encode(unescape(&p), (unsigned char *)out + o);
	}
	out[o] = '\0';
}

/* Reads the decoded bytes of a key one at a time. */
struct keyreader {
	const unsigned char *p, *end;
	unsigned char pending[4];
	size_t npending, next;
};

static void keyreader_init(struct keyreader *k, const struct json_key *key)
{
	k->p = key->p;
	k->end = key->p + key->len;
	k->npending = k->next = 0;
}

/* The next byte, or -1 at the end. */
static int keyreader_next(struct keyreader *k)
{
	if (k->next < k->npending)
		return k->pending[k->next++];
	if (k->p >= k->end)
		return -1;
	if (*k->p != '\\')
		return *k->p++;
	k->npending = utf8_encode(unescape(&k->p), k->pending);
	k->next = 1;
	return k->pending[0];
}

/* Orders keys by fingerprint, then by their decoded bytes. */
static int key_cmp(const struct json_key *a, const struct json_key *b)
{
	struct keyreader x, y;

	if (a->fp != b->fp)
		return a->fp < b->fp ? -1 : 1;
	if (!a->escaped && !b->escaped) {
		size_t n = a->len < b->len ? a->len : b->len;
		int c = memcmp(a->p, b->p, n);

		if (c)
			return c;
		return (a->len > b->len) - (a->len < b->len);
	}
	keyreader_init(&x, a);
	keyreader_init(&y, b);
	for (;;) {
		int cx = keyreader_next(&x), cy = keyreader_next(&y);

		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx < 0)
			return 0;
	}
}

static int keyrec_cmp(const void *a, const void *b)
{
	const struct json_key *x = a, *y = b;
	int c = key_cmp(x, y);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

uint64_t json_key_fp_escaped(const unsigned char *p, size_t len)
{
	struct json_key k = {0, p, (uint32_t)len, 0, 1};
	struct keyreader kr;
	unsigned char b[8] = {0};
	uint64_t fp;
	size_t i;
	int c;

	keyreader_init(&kr, &k);
	for (i = 0; i < 8 && (c = keyreader_next(&kr)) >= 0; i++)
		b[i] = (unsigned char)c;
	memcpy(&fp, b, 8);
	return fp;
}

int json_first_duplicate(struct json_key *keys, size_t n, size_t *first,
			 size_t *second)
{
	size_t i, j;
	int found = 0;

	if (n <= PAIRWISE_MAX) {
		for (j = 1; j < n; j++)
			for (i = 0; i < j; i++)
				if (keys[i].fp == keys[j].fp &&
				    !key_cmp(&keys[i], &keys[j])) {
					*first = i;
					*second = j;
					return 1;
				}
		return 0;
	}
	qsort(keys, n, sizeof(*keys), keyrec_cmp);
	for (i = 0; i + 1 < n; i++) {
		if (key_cmp(&keys[i], &keys[i + 1]))
			continue;
		/* keys[i] is the first occurrence of its run (sorted by
		 * index within equal keys) only if it starts the run. */
		if (i > 0 && !key_cmp(&keys[i - 1], &keys[i]))
			continue;
		if (!found || keys[i + 1].idx < *second) {
			*first = keys[i].idx;
			*second = keys[i + 1].idx;
			found = 1;
		}
	}
	return found;
}
