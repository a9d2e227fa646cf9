/* test_flow.c - flows as users write them, protocols as AWS writes them. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "proto.h"
#include "sgreach.h"

struct flow_row {
	char text[32];
	int rc, protocol, port, code;
	char canonical[32];
};

/* The rows hold arrays, not pointers: Criterion runs each parameter in a
 * fresh process, where pointers into this one would be invalid. */
ParameterizedTestParameters(flow, parse)
{
	static struct flow_row rows[] = {
		{"tcp/443", 0, 6, 443, -1, "tcp/443"},
		{"tcp/0", 0, 6, 0, -1, "tcp/0"},
		{"tcp/65535", 0, 6, 65535, -1, "tcp/65535"},
		{"udp/53", 0, 17, 53, -1, "udp/53"},
		{"TCP/22", 0, 6, 22, -1, "tcp/22"},
		{"tCp/22", 0, 6, 22, -1, "tcp/22"}, /* the fast path's case */
		{"UdP/53", 0, 17, 53, -1, "udp/53"},
		{"6/443", 0, 6, 443, -1, "tcp/443"},
		{"icmp/8/0", 0, 1, 8, 0, "icmp/8/0"},
		{"icmp/8", 0, 1, 8, 0, "icmp/8/0"},
		{"icmp/3/4", 0, 1, 3, 4, "icmp/3/4"},
		{"icmpv6/128/0", 0, 58, 128, 0, "icmpv6/128/0"},
		{"58/135/0", 0, 58, 135, 0, "icmpv6/135/0"},
		{"esp", 0, 50, -1, -1, "esp"},
		{"50", 0, 50, -1, -1, "esp"},
		{"gre", 0, 47, -1, -1, "gre"},
		{"ah", 0, 51, -1, -1, "ah"},
		{"sctp", 0, 132, -1, -1, "sctp"},
		{"253", 0, 253, -1, -1, "proto-253"},
		{"proto-253", 0, 253, -1, -1, "proto-253"},
		{"proto-6/80", 0, 6, 80, -1, "tcp/80"},
		{"proto-", -EINVAL, 0, 0, 0, ""},
		{"proto-x", -EINVAL, 0, 0, 0, ""},
		{"0", 0, 0, -1, -1, ""},
		{"tcp", -EINVAL, 0, 0, 0, ""},
		{"tcp/", -EINVAL, 0, 0, 0, ""},
		{"tdp/1", -EINVAL, 0, 0, 0, ""}, /* near tcp and udp */
		{"ucp/1", -EINVAL, 0, 0, 0, ""},
		{"tc\x10/1", -EINVAL, 0, 0, 0, ""},
		{"tcp/65536", -EINVAL, 0, 0, 0, ""},
		{"tcp/-1", -EINVAL, 0, 0, 0, ""},
		{"tcp/0443", -EINVAL, 0, 0, 0, ""},
		{"tcp/44 3", -EINVAL, 0, 0, 0, ""},
		{"tcp/443/1", -EINVAL, 0, 0, 0, ""},
		{"icmp", -EINVAL, 0, 0, 0, ""},
		{"icmp/256/0", -EINVAL, 0, 0, 0, ""},
		{"icmp/8/256", -EINVAL, 0, 0, 0, ""},
		{"esp/50", -EINVAL, 0, 0, 0, ""},
		{"256", -EINVAL, 0, 0, 0, ""},
		{"-1", -EINVAL, 0, 0, 0, ""},
		{"all", -EINVAL, 0, 0, 0, ""},
		{"", -EINVAL, 0, 0, 0, ""},
		{"http/80", -EINVAL, 0, 0, 0, ""},
	};
	return cr_make_param_array(struct flow_row, rows,
				   sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct flow_row *row, flow, parse)
{
	sgreach_flow f;
	char buf[64];
	int rc = sgreach_flow_parse(row->text, &f);

	cr_assert_eq(rc, row->rc, "'%s': rc %d, want %d", row->text, rc,
		     row->rc);
	if (rc)
		return;
	cr_expect_eq(f.protocol, row->protocol, "'%s'", row->text);
	cr_expect_eq(f.port, row->port, "'%s'", row->text);
	cr_expect_eq(f.code, row->code, "'%s'", row->text);
	if (row->canonical[0]) {
		cr_assert_gt(sgreach_flow_format(&f, buf, sizeof(buf)), 0);
		cr_expect_str_eq(buf, row->canonical);
	}
}

Test(flow, parse_message_names_the_problem)
{
	char msg[256];
	sgreach_flow f;

	cr_assert_eq(flow_parse("tcp", &f, msg, sizeof(msg)), -EINVAL);
	cr_expect(strstr(msg, "need") != NULL, "%s", msg);
	cr_assert_eq(flow_parse("esp/5", &f, msg, sizeof(msg)), -EINVAL);
	cr_expect(strstr(msg, "all ports") != NULL, "%s", msg);
}

Test(flow, format_rejects_bad_protocol)
{
	sgreach_flow f = {300, -1, -1};
	char buf[16];

	cr_expect_eq(sgreach_flow_format(&f, buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(sgreach_flow_parse("tcp/1", NULL), -EINVAL);
	/* nothing is written that the parser would refuse */
	f = (sgreach_flow){6, 70000, -1};
	cr_expect_eq(sgreach_flow_format(&f, buf, sizeof(buf)), -EINVAL);
	f = (sgreach_flow){1, 8, 256};
	cr_expect_eq(sgreach_flow_format(&f, buf, sizeof(buf)), -EINVAL);
}

/* sgreach_flow_format() is written by hand: it must agree with the
 * snprintf() it replaced, in text, truncation and return value, for every
 * protocol and buffer size. */
Test(flow, format_matches_snprintf)
{
	static const int ports[] = {0, 7, 10, 99, 100, 443, 9999, 10000, 65535};
	char want[64], got[64], name[16];
	size_t p, size;
	int proto, n;

	for (proto = 0; proto <= 255; proto++)
		for (p = 0; p < sizeof(ports) / sizeof(ports[0]); p++) {
			int icmp = proto == 1 || proto == 58;
			sgreach_flow f = {proto, ports[p],
					  icmp ? ports[p] % 256 : -1};

			if (icmp && ports[p] > 255)
				continue;
			if (proto_name(proto))
				snprintf(name, sizeof(name), "%s",
					 proto_name(proto));
			else
				snprintf(name, sizeof(name), "proto-%d", proto);
			if (proto == 6 || proto == 17)
				n = snprintf(want, sizeof(want), "%s/%d", name,
					     f.port);
			else if (icmp)
				n = snprintf(want, sizeof(want), "%s/%d/%d",
					     name, f.port, f.code);
			else
				n = snprintf(want, sizeof(want), "%s", name);
			for (size = 0; size <= (size_t)n + 1; size++) {
				size_t end =
				    size - 1 < (size_t)n ? size - 1 : (size_t)n;

				memset(got, 'x', sizeof(got));
				cr_assert_eq(sgreach_flow_format(&f, got, size),
					     n, "proto %d port %d size %zu",
					     proto, f.port, size);
				cr_assert_eq(got[size], 'x',
					     "wrote past size %zu", size);
				if (!size)
					continue;
				cr_assert_eq(strncmp(got, want, end), 0);
				cr_assert_eq(got[end], '\0');
			}
		}
	/* ICMP without a code is written with code 0 */
	{
		sgreach_flow f = {1, 8, -1};

		cr_assert_eq(sgreach_flow_format(&f, got, sizeof(got)), 8);
		cr_expect_str_eq(got, "icmp/8/0");
	}
}

struct proto_row {
	char text[16];
	int rc, proto;
};

ParameterizedTestParameters(flow, protocol)
{
	static struct proto_row rows[] = {
		{"-1", 0, PROTO_ALL},	{"all", 0, PROTO_ALL},
		{"ALL", 0, PROTO_ALL},	{"tcp", 0, 6},
		{"6", 0, 6},		{"udp", 0, 17},
		{"17", 0, 17},		{"icmp", 0, 1},
		{"1", 0, 1},		{"icmpv6", 0, 58},
		{"58", 0, 58},		{"50", 0, 50},
		{"esp", 0, 50},		{"0", 0, 0},
		{"255", 0, 255},	{"256", -EINVAL, 0},
		{"-2", -EINVAL, 0},	{"tcpx", -EINVAL, 0},
		{"06", -EINVAL, 0},	{"", -EINVAL, 0},
		{" 6", -EINVAL, 0},
	};
	return cr_make_param_array(struct proto_row, rows,
				   sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct proto_row *row, flow, protocol)
{
	int p = -99, rc = protocol_parse(row->text, &p);

	cr_assert_eq(rc, row->rc, "'%s': rc %d", row->text, rc);
	if (!rc)
		cr_expect_eq(p, row->proto, "'%s': %d", row->text, p);
}

/* tcp, udp and icmp flows are read by a one-pass reader in front of the
 * general one; "proto-NAME" always takes the general reader, so the two
 * spellings of every text below must read alike. */
Test(flow, one_pass_reader_agrees_with_the_general_one)
{
	static const char *const words[] = {
	    "tcp",  "TCP", "tCp",    "udp", "UDP", "icmp", "ICMP", "iCmP", "tc",
	    "tcpp", "icm", "icmpv6", "esp", "6",   "17",   "1",	   "",
	    "ESP", "gre", "sctp", "0", "00", "50", "050", "255", "256", "58",
	    "-1", "all", "ALL", "icmpV6", "ipv6-icmp", "proto", "esp ",
	    "abcdefghijklmnop", "0x32",
	};
	static const char *const args[] = {
	    "",	       "/",	  "/0",	      "/00",	 "/01",	     "/1",
	    "/80",     "/443",	  "/080",     "/65535",	 "/65536",   "/99999",
	    "/100000", "/123456", "/1234567", "/8/0",	 "/8/",	     "/8//",
	    "/8/00",   "/8/01",	  "/8/255",   "/8/256",	 "/255/255", "/256/0",
	    "/0/0",    "//0",	  "/8/0/1",   "/+1",	 "/-1",	     "/1x",
	    "/1 ",     "/ 1",	  "/8/0x",    "/1234/0", "/3/1000",  "/a",
	};
	char a[64], b[80];
	size_t i, j;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (j = 0; j < sizeof(args) / sizeof(args[0]); j++) {
			sgreach_flow fa = {-7, -7, -7}, fb = {-7, -7, -7};
			int ra, rb;

			snprintf(a, sizeof(a), "%s%s", words[i], args[j]);
			snprintf(b, sizeof(b), "proto-%s", a);
			ra = sgreach_flow_parse(a, &fa);
			rb = sgreach_flow_parse(b, &fb);
			cr_expect_eq(ra, rb, "'%s': %d, '%s': %d", a, ra, b,
				     rb);
			if (ra || rb)
				continue;
			cr_expect(fa.protocol == fb.protocol &&
				      fa.port == fb.port && fa.code == fb.code,
				  "'%s': %d %d %d, '%s': %d %d %d", a,
				  fa.protocol, fa.port, fa.code, b, fb.protocol,
				  fb.port, fb.code);
		}
}
