/*
 * proto.c - IP protocol names.
 *
 * The names are AWS's for the four protocols with ports or types ("icmpv6",
 * not IANA's "ipv6-icmp", because that is what IpProtocol holds) and IANA's
 * keywords for the others that security groups commonly carry.
 */
#include <string.h>

#include "proto.h"

struct proto_entry {
	unsigned char number;
	const char *name;
};

/* Sorted by number; proto_name() relies on it to stop early. */
static const struct proto_entry proto_table[] = {
    {PROTO_ICMP, "icmp"}, {2, "igmp"},	      {4, "ipip"},
    {PROTO_TCP, "tcp"},	  {PROTO_UDP, "udp"}, {47, "gre"},
    {50, "esp"},	  {51, "ah"},	      {PROTO_ICMPV6, "icmpv6"},
    {89, "ospf"},	  {103, "pim"},	      {112, "vrrp"},
    {115, "l2tp"},	  {132, "sctp"},
};

#define PROTO_TABLE_LEN (sizeof(proto_table) / sizeof(proto_table[0]))

const char *proto_name(int number)
{
	size_t i;

	for (i = 0; i < PROTO_TABLE_LEN; i++) {
		if (proto_table[i].number == number)
			return proto_table[i].name;
		if (proto_table[i].number > number)
			break;
	}
	return NULL;
}

int proto_number_n(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < PROTO_TABLE_LEN; i++) {
		const char *n = proto_table[i].name;

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return proto_table[i].number;
	}
	return -1;
}

int proto_number(const char *name)
{
	return proto_number_n(name, strlen(name));
}
