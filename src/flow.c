/* flow.c - protocol and flow parsing; see flow.h. */
#include "flow.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "proto.h"

/* A decimal number without sign, leading zeros or anything after it.
 * Returns the value or -1. */
static long strict_uint(const char *s, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 6 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

int protocol_parse(const char *text, int *proto)
{
	long n;
	int p;

	if (!text || !*text)
		return -EINVAL;
	if (strcmp(text, "-1") == 0 || strcasecmp(text, "all") == 0) {
		*proto = PROTO_ALL;
		return 0;
	}
	n = strict_uint(text, strlen(text), PROTO_MAX);
	if (n >= 0) {
		*proto = (int)n;
		return 0;
	}
	if (strcasecmp(text, "tcp") == 0)
		p = PROTO_TCP;
	else if (strcasecmp(text, "udp") == 0)
		p = PROTO_UDP;
	else if (strcasecmp(text, "icmp") == 0)
		p = PROTO_ICMP;
	else if (strcasecmp(text, "icmpv6") == 0)
		p = PROTO_ICMPV6;
	else
		p = proto_number(text);
	if (p < 0)
		return -EINVAL;
	*proto = p;
	return 0;
}

const char *proto_text(int proto, char *buf, size_t size)
{
	const char *n;

	if (proto == PROTO_ALL)
		return "all";
	n = proto_name(proto);
	if (n)
		return n;
	snprintf(buf, size, "%d", proto);
	return buf;
}

static int fail(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (msg && size) {
		va_start(ap, fmt);
		vsnprintf(msg, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Up to max digits of a number without leading zeros at *p, up to the
 * byte end; returns it, or -1 (then the general reader decides). */
static long fast_uint(const char **p, char end, int max_digits, long max)
{
	const char *s = *p;
	long v = 0;
	int n;

	if (s[0] == '0' && s[1] != end)
		return -1;
	for (n = 0; n < max_digits; n++) {
		unsigned int d = (unsigned int)(unsigned char)s[n] - '0';

		if (d > 9)
			break;
		v = v * 10 + d;
	}
	if (n == 0 || s[n] != end || v > max)
		return -1;
	*p = s + n + 1;
	return v;
}

/* A protocol without ports by number or name (esp, gre, 50), as the
 * general reader reads it; 0 for anything else. */
static int flow_fast_portless(const char *t, sgreach_flow *out)
{
	const char *p = t;
	size_t n = 0;
	long proto;

	while (n < 16 && t[n] && t[n] != '/')
		n++;
	if (n == 0 || n >= 16 || t[n] || !strncmp(t, "proto-", 6))
		return 0;
	if (t[0] >= '0' && t[0] <= '9')
		proto = fast_uint(&p, '\0', 3, PROTO_MAX);
	else
		proto = proto_number_n(t, n);
	if (proto < 0 || proto == PROTO_TCP || proto == PROTO_UDP ||
	    proto == PROTO_ICMP || proto == PROTO_ICMPV6)
		return 0;
	out->protocol = (int)proto;
	out->port = -1;
	out->code = -1;
	return 1;
}

/*
 * The flows of most queries, tcp/PORT, udp/PORT and icmp/TYPE[/CODE] in
 * any case and protocols without ports, in one pass without strlen,
 * strchr or strcasecmp: a batch parses a flow a line.  Returns 1 when the
 * text is one of them, read; 0 leaves it to the general reader, which
 * also writes every error.  (x | 0x20) is a letter's lower case, and no
 * other byte maps onto the letters compared.
 */
static int flow_fast(const char *t, sgreach_flow *out)
{
	const char *p;
	long a, b = 0;
	int proto;

	if ((t[0] | 0x20) == 't' && (t[1] | 0x20) == 'c' &&
	    (t[2] | 0x20) == 'p' && t[3] == '/')
		proto = PROTO_TCP;
	else if ((t[0] | 0x20) == 'u' && (t[1] | 0x20) == 'd' &&
		 (t[2] | 0x20) == 'p' && t[3] == '/')
		proto = PROTO_UDP;
	else if ((t[0] | 0x20) == 'i' && (t[1] | 0x20) == 'c' &&
		 (t[2] | 0x20) == 'm' && (t[3] | 0x20) == 'p' && t[4] == '/')
		proto = PROTO_ICMP;
	else
		return flow_fast_portless(t, out);
	if (proto != PROTO_ICMP) {
		p = t + 4;
		if ((a = fast_uint(&p, '\0', 5, 65535)) < 0)
			return 0;
	} else {
		const char *q = t + 5;

		p = q;
		if ((a = fast_uint(&p, '\0', 3, 255)) < 0) {
			p = q;
			if ((a = fast_uint(&p, '/', 3, 255)) < 0 ||
			    (b = fast_uint(&p, '\0', 3, 255)) < 0)
				return 0;
		}
	}
	out->protocol = proto;
	out->port = (int)a;
	out->code = proto == PROTO_ICMP ? (int)b : -1;
	return 1;
}

int flow_parse(const char *text, sgreach_flow *out, char *msg, size_t size)
{
	const char *slash, *rest;
	char word[16];
	size_t wlen;
	int proto;

	if (!text || !*text)
		return fail(msg, size, "empty flow%s", "");
	if (flow_fast(text, out))
		return 0;
	slash = strchr(text, '/');
	wlen = slash ? (size_t)(slash - text) : strlen(text);
	if (wlen == 0 || wlen >= sizeof(word))
		return fail(msg, size,
			    "invalid flow '%s': expected PROTOCOL[/PORT] such "
			    "as tcp/443, udp/53, icmp/8/0 or esp",
			    text);
	/* tcp and udp, whatever their case, without the string compares of
	 * the general path: a batch parses one flow per line.  (x | 0x20)
	 * is a letter's lower case, and no other byte maps onto t, c, p, u
	 * or d. */
	proto = -1;
	if (wlen == 3 && (text[2] | 0x20) == 'p') {
		char a = (char)(text[0] | 0x20), b = (char)(text[1] | 0x20);

		if (a == 't' && b == 'c')
			proto = PROTO_TCP;
		else if (a == 'u' && b == 'd')
			proto = PROTO_UDP;
	}
	if (proto < 0) {
		memcpy(word, text, wlen);
		word[wlen] = '\0';
		/* "proto-253" is how sgreach writes a protocol without a
		 * name. */
		if (!strncmp(word, "proto-", 6) && word[6])
			memmove(word, word + 6, strlen(word + 6) + 1);
		if (strcmp(word, "-1") == 0 || strcasecmp(word, "all") == 0 ||
		    protocol_parse(word, &proto))
			return fail(msg, size,
				    "invalid flow '%s': unknown protocol (a "
				    "name such as tcp, udp, icmp, icmpv6, esp, "
				    "gre, or 0-255)",
				    text);
	}
	rest = slash ? slash + 1 : NULL;
	out->protocol = proto;
	out->port = -1;
	out->code = -1;

	if (proto == PROTO_TCP || proto == PROTO_UDP) {
		long port;

		if (!rest)
			return fail(msg, size,
				    "invalid flow '%s': tcp and udp flows need "
				    "a port, as tcp/443",
				    text);
		port = strict_uint(rest, strlen(rest), 65535);
		if (port < 0)
			return fail(msg, size,
				    "invalid flow '%s': the port must be a "
				    "number from 0 to 65535",
				    text);
		out->port = (int)port;
		return 0;
	}
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
		const char *slash2;
		long type, code = 0;

		if (!rest)
			return fail(
			    msg, size,
			    "invalid flow '%s': ICMP flows need a type, "
			    "as icmp/8/0 (TYPE/CODE)",
			    text);
		slash2 = strchr(rest, '/');
		type = strict_uint(
		    rest, slash2 ? (size_t)(slash2 - rest) : strlen(rest), 255);
		if (slash2)
			code = strict_uint(slash2 + 1, strlen(slash2 + 1), 255);
		if (type < 0 || code < 0)
			return fail(msg, size,
				    "invalid flow '%s': ICMP type and code are "
				    "numbers from 0 to 255, as icmp/8/0",
				    text);
		out->port = (int)type;
		out->code = (int)code;
		return 0;
	}
	if (rest)
		return fail(msg, size,
			    "invalid flow '%s': security groups match this "
			    "protocol on all ports; write it without a port",
			    text);
	return 0;
}

SGREACH_API int sgreach_flow_parse(const char *text, sgreach_flow *out)
{
	if (!out)
		return -EINVAL;
	return flow_parse(text, out, NULL, 0);
}

/* Writes the decimal digits of x at o; returns the end. */
static char *put_uint(char *o, unsigned int x)
{
	char d[10];
	int n = 0;

	do {
		d[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n)
		*o++ = d[--n];
	return o;
}

/* By hand, not snprintf: every line of `sgreach batch` formats its flow,
 * and snprintf was a tenth of the rendering. */
SGREACH_API int sgreach_flow_format(const sgreach_flow *f, char *buf,
				    size_t size)
{
	char text[32], *o = text; /* "proto-255" or "icmpv6/255/255" */
	const char *name;
	size_t n;

	if (!f || f->protocol < 0 || f->protocol > PROTO_MAX)
		return -EINVAL;
	/* Only what sgreach_flow_parse() reads back is written. */
	if ((f->protocol == PROTO_TCP || f->protocol == PROTO_UDP) &&
	    (f->port < 0 || f->port > 65535))
		return -EINVAL;
	if ((f->protocol == PROTO_ICMP || f->protocol == PROTO_ICMPV6) &&
	    (f->port < 0 || f->port > 255 || f->code > 255))
		return -EINVAL;
	name = proto_name(f->protocol);
	if (name) {
		n = strlen(name);
		memcpy(o, name, n);
		o += n;
	} else {
		memcpy(o, "proto-", 6);
		o = put_uint(o + 6, (unsigned int)f->protocol);
	}
	if (f->protocol == PROTO_TCP || f->protocol == PROTO_UDP) {
		*o++ = '/';
		o = put_uint(o, (unsigned int)f->port);
	} else if (f->protocol == PROTO_ICMP || f->protocol == PROTO_ICMPV6) {
		*o++ = '/';
		o = put_uint(o, (unsigned int)f->port);
		*o++ = '/';
		o = put_uint(o, f->code < 0 ? 0u : (unsigned int)f->code);
	}
	/* As snprintf: truncated to size, terminated, the full length
	 * returned. */
	n = (size_t)(o - text);
	if (size) {
		size_t k = n < size ? n : size - 1;

		memcpy(buf, text, k);
		buf[k] = '\0';
	}
	return (int)n;
}
