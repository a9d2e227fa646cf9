/* flow.h - protocols as AWS writes them, and flows as users write them. */
#ifndef SGREACH_FLOW_H
#define SGREACH_FLOW_H

#include "sgreach.h"

#define PROTO_ALL (-1)

/*
 * Reads an IpProtocol as AWS and Terraform write it: "-1" or "all" (every
 * protocol: *proto = PROTO_ALL), "tcp"/"udp"/"icmp"/"icmpv6" in any case,
 * another protocol name, or a number 0-255 ("6" is tcp).  Returns 0 or
 * -EINVAL.
 */
int protocol_parse(const char *text, int *proto);

/* A rule's protocol as the renderings write it: "all" for PROTO_ALL, the
 * name, or else the number written into buf (size bytes). */
const char *proto_text(int proto, char *buf, size_t size);

/* Parses a flow as sgreach_flow_parse(); on error writes a reason to msg. */
int flow_parse(const char *text, sgreach_flow *out, char *msg, size_t size);

#endif
