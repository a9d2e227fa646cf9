/*
 * proto.h - IP protocol numbers and the names sgreach prints and reads.
 *
 * One table serves the connection-set text form ("esp", "proto-253") and
 * the flow parser ("esp", "gre", "50"), so a name means the same number
 * everywhere.  Names are lower case and matched exactly: "ESP" is not a
 * name, so that text written by sgreach has one spelling only.
 */
#ifndef SGREACH_PROTO_H
#define SGREACH_PROTO_H

#include <stddef.h>

/* The protocols whose flows carry ports or ICMP type/code. */
#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58

/* Highest IP protocol number (IANA: 8 bits). */
#define PROTO_MAX 255

/* Returns the name of protocol number (0-255) or NULL when it has none
 * (then it is written "proto-N").  Static storage. */
const char *proto_name(int number);

/* Returns the number named by the len bytes at name (need not be
 * NUL-terminated), or -1 when no protocol has that name.  Numbers are not
 * names: "50" returns -1; the caller decides whether numbers are allowed. */
int proto_number_n(const char *name, size_t len);

/* As proto_number_n() for a NUL-terminated name. */
int proto_number(const char *name);

#endif /* SGREACH_PROTO_H */
