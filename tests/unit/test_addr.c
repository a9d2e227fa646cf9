/* test_addr.c - the strict address grammar in front of libcidr. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
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
