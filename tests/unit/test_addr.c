/* test_addr.c - the strict address grammar in front of libcidr. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

struct addr_row {
	char text[48];
	int want_prefix;
	int rc;
	char canonical[48]; /* addr_format(bare = 0); "" for errors */
	int host_bits;
};

/* The rows hold arrays, not pointers: Criterion runs each parameter in a
 * fresh process, where pointers into this one would be invalid. */
ParameterizedTestParameters(addr, parse)
{
	static struct addr_row rows[] = {
		{"10.0.0.0/8", 1, 0, "10.0.0.0/8", 0},
		{"10.0.0.5/8", 1, 0, "10.0.0.0/8", 1},
		{"0.0.0.0/0", 1, 0, "0.0.0.0/0", 0},
		{"255.255.255.255/32", 1, 0, "255.255.255.255/32", 0},
		{"192.168.1.1", 0, 0, "192.168.1.1/32", 0},
		{"192.168.1.1", 2, 0, "192.168.1.1/32", 0},
		{"::/0", 1, 0, "::/0", 0},
		{"2001:db8::/32", 1, 0, "2001:db8::/32", 0},
		{"2001:db8::1/32", 1, 0, "2001:db8::/32", 1},
		{"2001:DB8::1", 0, 0, "2001:db8::1/128", 0},
		{"::ffff:10.0.0.1", 0, 0, "::ffff:10.0.0.1/128", 0},
		{"fe80::1/128", 1, 0, "fe80::1/128", 0},
		/* the spelling traps libcidr alone accepts */
		{"010.0.0.1/32", 1, -EINVAL, "", 0},
		{"10.1/16", 1, -EINVAL, "", 0},
		{"10.0.0.0/8a", 1, -EINVAL, "", 0},
		{"10.0.0.0/33", 1, -EINVAL, "", 0},
		{"10.0.0.0/08", 1, -EINVAL, "", 0},
		{"10.0.0.256/32", 1, -EINVAL, "", 0},
		{"10.0.0.0.0/8", 1, -EINVAL, "", 0},
		{"10.0.0/24", 1, -EINVAL, "", 0},
		{" 10.0.0.0/8", 1, -EINVAL, "", 0},
		{"10.0.0.0/8 ", 1, -EINVAL, "", 0},
		{"10.0.0.0/", 1, -EINVAL, "", 0},
		{"10.0.0.0/-1", 1, -EINVAL, "", 0},
		{"0x0a.0.0.0/8", 1, -EINVAL, "", 0},
		{"2001:db8::/129", 1, -EINVAL, "", 0},
		{"2001:db8::1::2/64", 1, -EINVAL, "", 0},
		{"2001:db8:::/64", 1, -EINVAL, "", 0},
		{"2001:dg8::/32", 1, -EINVAL, "", 0},
		{"", 2, -EINVAL, "", 0},
		{"10.0.0.0/8", 0, -EINVAL, "", 0}, /* address required */
		{"10.0.0.1", 1, -EINVAL, "", 0},   /* prefix required */
	};
	return cr_make_param_array(struct addr_row, rows,
				   sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct addr_row *row, addr, parse)
{
	struct sg_prefix p;
	char buf[ADDR_TEXT_MAX];
	int hb = -1, rc = addr_parse(row->text, row->want_prefix, &p, &hb);

	cr_assert_eq(rc, row->rc, "'%s': rc %d, want %d", row->text, rc,
		     row->rc);
	if (rc)
		return;
	cr_expect_str_eq(addr_format(&p, 0, buf, sizeof(buf)), row->canonical);
	cr_expect_eq(hb, row->host_bits, "'%s' host bits", row->text);
}

static struct sg_prefix P(const char *s)
{
	struct sg_prefix p;

	cr_assert_eq(addr_parse(s, 2, &p, NULL), 0, "%s", s);
	return p;
}

Test(addr, containment)
{
	struct sg_prefix a = P("10.0.0.0/8"), b = P("10.1.2.3"),
			 c = P("11.0.0.1"), z = P("0.0.0.0/0"), v6 = P("::/0"),
			 h = P("2001:db8::5");

	cr_expect(prefix_contains(&a, &b));
	cr_expect(!prefix_contains(&b, &a));
	cr_expect(!prefix_contains(&a, &c));
	cr_expect(prefix_contains(&z, &c));
	cr_expect(!prefix_contains(&z, &h), "families never mix");
	cr_expect(!prefix_contains(&v6, &b), "families never mix");
	cr_expect(prefix_contains(&v6, &h));
	cr_expect(prefix_overlaps(&b, &a));
}

Test(addr, range_to_prefixes_covers_exactly)
{
	struct sg_range r;
	struct sg_prefix out[300];
	char buf[ADDR_TEXT_MAX];
	size_t n;

	r.fam = 4;
	r.first = P("10.0.0.1").a;
	r.last = P("10.0.0.6").a;
	n = range_to_prefixes(&r, out, 300);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(addr_format(&out[0], 0, buf, sizeof(buf)),
			 "10.0.0.1/32");
	cr_expect_str_eq(addr_format(&out[1], 0, buf, sizeof(buf)),
			 "10.0.0.2/31");
	cr_expect_str_eq(addr_format(&out[2], 0, buf, sizeof(buf)),
			 "10.0.0.4/31");
	cr_expect_str_eq(addr_format(&out[3], 0, buf, sizeof(buf)),
			 "10.0.0.6/32");

	prefix_range(&(struct sg_prefix){P("0.0.0.0/0").a, 0, 4}, &r);
	n = range_to_prefixes(&r, out, 300);
	cr_assert_eq(n, 1);
	cr_expect_str_eq(addr_format(&out[0], 0, buf, sizeof(buf)),
			 "0.0.0.0/0");

	r.fam = 6;
	r.first = P("::").a;
	r.last = P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe").a;
	n = range_to_prefixes(&r, out, 300);
	cr_expect_eq(n, 128, "all but the last address: %zu prefixes", n);
}

/* addr_format() writes IPv6 by hand: it must agree with the inet_ntop() +
 * snprintf() it replaced for every pattern of zero words (the "::" run, its
 * ties, the IPv4-mapped and -compatible forms), with and without a prefix
 * length, and truncate as snprintf does. */
Test(addr, ipv6_format_matches_inet_ntop)
{
	static const unsigned int fills[] = {0x1, 0xffff, 0xabc, 0x10, 0xf00};
	unsigned int mask, f, k, len;
	unsigned long seed = 1;

	for (mask = 0; mask < 256; mask++)
		for (f = 0; f < 5 + 20; f++)
			for (k = 0; k < 4; k++) {
				struct sg_prefix p = {.fam = 6};
				unsigned char b[16];
				char ntop[INET6_ADDRSTRLEN], want[64], got[64];
				unsigned int w[8], i;
				size_t size;

				for (i = 0; i < 8; i++) {
					seed = seed * 6364136223846793005ul +
					       1442695040888963407ul;
					w[i] =
					    mask & (1u << i)
						? (f < 5
						       ? fills[f]
						       : (unsigned int)(seed >>
									48))
						: 0;
					if (w[i] == 0 && (mask & (1u << i)))
						w[i] = 7;
				}
				if (k == 1)
					w[5] = 0xffff; /* ::ffff:a.b.c.d */
				for (i = 0; i < 8; i++) {
					b[2 * i] = (unsigned char)(w[i] >> 8);
					b[2 * i + 1] = (unsigned char)w[i];
				}
				for (i = 0; i < 8; i++) {
					p.a.hi = p.a.hi << 8 | b[i];
					p.a.lo = p.a.lo << 8 | b[8 + i];
				}
				cr_assert_not_null(
				    inet_ntop(AF_INET6, b, ntop, sizeof(ntop)));
				len = k == 2 ? 128 : k == 3 ? 64 : k ? 9 : 128;
				p.len = (uint8_t)len;
				if (k == 0 || k == 2)
					snprintf(want, sizeof(want), "%s",
						 ntop);
				else
					snprintf(want, sizeof(want), "%s/%u",
						 ntop, len);
				addr_format(&p, k != 2, got, sizeof(got));
				if (k == 2)
					snprintf(want, sizeof(want), "%s/128",
						 ntop);
				cr_assert_str_eq(got, want,
						 "words %04x:%04x:"
						 "%04x:%04x:%04x:"
						 "%04x:%04x:%04x",
						 w[0], w[1], w[2], w[3], w[4],
						 w[5], w[6], w[7]);
				for (size = 1; size < strlen(want) + 2;
				     size++) {
					memset(got, 'x', sizeof(got));
					addr_format(&p, k != 2, got, size);
					cr_assert_eq(
					    strncmp(got, want, size - 1), 0);
					cr_assert_eq(got[size - 1 < strlen(want)
							     ? size - 1
							     : strlen(want)],
						     '\0');
					cr_assert_eq(got[size], 'x');
				}
			}
}
