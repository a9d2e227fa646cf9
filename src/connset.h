/*
 * connset.h - sets of flows (connection sets), one type for every flow space.
 *
 * A set holds, per protocol, which flows it contains:
 *
 *   tcp, udp      ports as a sorted list of disjoint, non-adjacent closed
 *                 intervals within [0, 65535]
 *   icmp, icmpv6  type << 8 | code in the same kind of list; a type with any
 *                 code is the one interval [t << 8, t << 8 | 255]
 *   the others    one bit per protocol number, meaning "all of it" (the bits
 *                 of 1, 6, 17 and 58 are never set: those live in the lists)
 *
 * Because every list is kept canonical (merged on every change), two sets
 * hold the same flows iff their representations are equal: equality, hash
 * and text form need no normalisation.
 *
 * Value semantics: a struct connset lives wherever the caller puts it
 * (stack, array, another struct), is set up with connset_init() and
 * released with connset_free().  Lists of up to CONNSET_INLINE intervals
 * live inside the struct, so small sets - almost every set a security group
 * produces - never touch the heap; longer lists move to the heap and keep
 * their capacity across clear/copy, for reuse in analysis loops.
 *
 * Operations change their first argument in place ("s op= t"); t may be s.
 * Functions that may allocate return 0 or -ENOMEM and leave s unchanged on
 * failure.
 *
 * Text form (canonical: one spelling per set), items in a fixed order and
 * joined by ", ":
 *
 *   all                       everything
 *   tcp  tcp/80,443,8000-8100 all TCP ports, or some (udp likewise)
 *   icmp  icmp/8  icmp/8-11   all ICMPv4, one whole type, whole types 8..11
 *   icmp/3/4  icmp/3/0-4      one code or a code range of one type
 *   icmpv6 ...                ICMPv6 likewise
 *   esp  gre  proto-253       another protocol, by name (proto.h) or number
 *
 * Order: tcp, udp, icmp items by value, icmpv6 items, then the other
 * protocols by number.  The empty set is the empty string.
 */
#ifndef SGREACH_CONNSET_H
#define SGREACH_CONNSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Intervals of a list kept inside the struct before going to the heap. */
#define CONNSET_INLINE 4

/* A closed interval [lo, hi] of ports or of type << 8 | code. */
struct cs_range {
	uint16_t lo;
	uint16_t hi;
};

/* Which list a protocol's flows live in. */
enum cs_list_index {
	CS_TCP = 0,
	CS_UDP,
	CS_ICMP,
	CS_ICMPV6,
	CS_NLISTS,
};

/* One protocol's intervals.  cap == CONNSET_INLINE: the intervals are in
 * in[]; cap > CONNSET_INLINE: they are in heap[] (malloc'd). */
struct cs_list {
	uint32_t n;
	uint32_t cap;
	union {
		struct cs_range in[CONNSET_INLINE];
		struct cs_range *heap;
	};
};

/* Treat as opaque outside connset.c; use the functions below. */
struct connset {
	struct cs_list list[CS_NLISTS];
	uint64_t other[4]; /* bit p: all of protocol p (not 1, 6, 17, 58) */
};

/* Prepares s as the empty set.  Never fails (no allocation). */
void connset_init(struct connset *s);

/* Releases what s holds; s must be initialized again before reuse. */
void connset_free(struct connset *s);

/* Makes s empty, keeping its storage. */
void connset_clear(struct connset *s);

/* dst = src (dst initialized).  Returns 0 or -ENOMEM (dst unchanged). */
int connset_copy(struct connset *dst, const struct connset *src);

/*
 * Adds [lo, hi] of protocol proto (0-255): ports for tcp/udp, type << 8 |
 * code for icmp/icmpv6; for every other protocol lo and hi are ignored and
 * the whole protocol is added.  Returns 0, -EINVAL (proto out of 0-255, or
 * for a listed protocol lo > hi or hi > 65535), or -ENOMEM.
 */
int connset_add(struct connset *s, int proto, unsigned int lo, unsigned int hi);

/* Makes s every flow of every protocol. */
void connset_add_all(struct connset *s);

/* s = s ∪ t, s = s ∩ t, s = s − t.  Return 0 or -ENOMEM (s unchanged). */
int connset_union(struct connset *s, const struct connset *t);
int connset_intersect(struct connset *s, const struct connset *t);
int connset_subtract(struct connset *s, const struct connset *t);

/* Predicates; none allocates. */
bool connset_equal(const struct connset *a, const struct connset *b);
bool connset_is_subset(const struct connset *a, const struct connset *b);
/* Do a and b share a flow?  (a ∩ b non-empty, without building it.) */
bool connset_overlaps(const struct connset *a, const struct connset *b);
bool connset_is_empty(const struct connset *s);
bool connset_is_all(const struct connset *s);

/* Does s hold protocol proto at value (a port, or type << 8 | code; ignored
 * for the other protocols)?  false for proto out of 0-255 or value out of
 * 0-65535. */
bool connset_contains(const struct connset *s, int proto, unsigned int value);

/* A hash of the flows s holds: equal sets hash equal, whatever their
 * history or capacity.  For grouping identical sets. */
uint64_t connset_hash(const struct connset *s);

/* The intervals of a listed protocol (6, 17, 1, 58), sorted; *n receives
 * their number.  NULL with *n = 0 for any other protocol.  Valid until s
 * next changes. */
const struct cs_range *connset_ranges(const struct connset *s, int proto,
				      size_t *n);

/*
 * Calls fn for each item of the text form in order: proto is the item's
 * protocol number (-1 for "all"), text its NUL-terminated text, len its
 * length.  A nonzero return from fn stops the walk and is returned.
 * Returns 0 when every item was visited, or -ENOMEM (an item longer than
 * the stack buffer needed the heap and did not get it).
 */
typedef int (*connset_item_fn)(void *ctx, int proto, const char *text,
			       size_t len);
int connset_foreach_item(const struct connset *s, connset_item_fn fn,
			 void *ctx);

/*
 * Writes the text form (items joined by ", ") to buf as snprintf does: at
 * most size bytes including the NUL, always terminated when size > 0.
 * Returns the length of the full text (excluding the NUL).  Never
 * allocates.  An int return is large enough: the longest text (every other
 * port, code...) is under 2 MB.
 */
int connset_format(const struct connset *s, char *buf, size_t size);

/*
 * Parses the text form back into s (initialized; replaced on success).
 * Accepts items of exactly the forms connset_format() writes, separated by
 * exactly ", " and in any order; overlapping or out-of-order items merge
 * ("tcp/443, tcp/80" = "tcp/80,443").  Numbers are decimal without sign or
 * leading zeros; ranges need lo <= hi.  Returns 0, -EINVAL (s unchanged),
 * or -ENOMEM.
 */
int connset_parse(const char *text, struct connset *s);

#endif /* SGREACH_CONNSET_H */
