/*
 * fuzz_addr.c - the strict address grammar (addr_parse) against an
 * independent oracle built on inet_pton(3).
 *
 * The grammar: "ADDR" or "ADDR/LEN", at most 64 characters; ADDR is what
 * inet_pton reads (glibc's refuses leading zeros in IPv4 octets and
 * anything but four octets, and "1::2::3"); LEN is decimal without a sign
 * or leading zeros, at most 32 or 128.  libcidr alone accepts more
 * (010.0.0.1, 10.1, 10.0.0.0/8a), which is why addr.c checks the shape
 * first: this target proves the two agree on every input.
 *
 * Every accepted input must also give the oracle's bytes with the host bits
 * cleared, say whether host bits were set, and format back to text that
 * parses to the same prefix.
 */
#include <arpa/inet.h>
#include <stdint.h>

#include "addr.h"
#include "common.h"

/* Returns 1 when the oracle accepts text for want_prefix, with the address
 * bytes, family and length (-1 when none was written). */
static int oracle(const char *text, int want_prefix, unsigned char bytes[16],
		  int *fam, int *len)
{
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	char a[128];
	int max;

	if (!*text || strlen(text) > 64 || n >= sizeof(a))
		return 0;
	memcpy(a, text, n);
	a[n] = '\0';
	memset(bytes, 0, 16);
	if (strchr(a, ':')) {
		if (inet_pton(AF_INET6, a, bytes) != 1)
			return 0;
		*fam = 6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, a, bytes) != 1)
			return 0;
		*fam = 4;
		max = 32;
	}
	*len = -1;
	if (slash) {
		const char *p = slash + 1;
		size_t digits = strspn(p, "0123456789");

		if (digits == 0 || p[digits] != '\0' || digits > 3 ||
		    (digits > 1 && p[0] == '0'))
			return 0;
		*len = atoi(p);
		if (*len > max)
			return 0;
	}
	if ((want_prefix == 0 && *len >= 0) || (want_prefix == 1 && *len < 0))
		return 0;
	return 1;
}

static void to_bytes(const struct sg_prefix *p, unsigned char b[16])
{
	int i;

	memset(b, 0, 16);
	if (p->fam == 4) {
		for (i = 0; i < 4; i++)
			b[i] = (unsigned char)(p->a.hi >> (56 - 8 * i));
		return;
	}
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(p->a.hi >> (56 - 8 * i));
	for (i = 0; i < 8; i++)
		b[8 + i] = (unsigned char)(p->a.lo >> (56 - 8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[96], formatted[ADDR_TEXT_MAX];
	unsigned char want[16], got[16];
	struct sg_prefix p, back;
	int want_prefix, fam, len, host_bits, rc, expect, i, bits, width;

	if (size < 1 || size > 80)
		return 0;
	/* The first byte picks the mode; the rest is the text. */
	want_prefix = data[0] % 3;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (strlen(text) != size - 1)
		return 0; /* an embedded NUL: C callers never see past it */

	expect = oracle(text, want_prefix, want, &fam, &len);
	host_bits = -1;
	rc = addr_parse(text, want_prefix, &p, &host_bits);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if ((rc == 0) != expect) {
		fprintf(stderr, "addr_parse(\"%s\", %d) = %d, oracle says %s\n",
			text, want_prefix, rc, expect ? "valid" : "invalid");
		abort();
	}
	if (rc)
		return 0;

	width = fam == 4 ? 32 : 128;
	FUZZ_CHECK(p.fam == fam);
	FUZZ_CHECK(p.len == (len < 0 ? width : len));
	to_bytes(&p, got);
	/* The network address: the oracle's bytes with host bits cleared. */
	bits = 0;
	for (i = 0; i < width; i++) {
		int bit = (want[i / 8] >> (7 - i % 8)) & 1;

		if (i >= p.len && bit) {
			bits = 1;
			want[i / 8] &= (unsigned char)~(1u << (7 - i % 8));
		}
	}
	FUZZ_CHECK(!memcmp(got, want, (size_t)width / 8));
	FUZZ_CHECK(host_bits == bits);

	addr_format(&p, 1, formatted, sizeof(formatted));
	fuzz_check_clean(formatted, 0);
	FUZZ_CHECK(addr_parse(formatted, 2, &back, &host_bits) == 0);
	FUZZ_CHECK(host_bits == 0);
	FUZZ_CHECK(back.fam == p.fam && back.len == p.len &&
		   back.a.hi == p.a.hi && back.a.lo == p.a.lo);
	return 0;
}
