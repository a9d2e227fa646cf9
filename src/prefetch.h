/*
 * prefetch.h - reading memory ahead of its use.
 *
 * A function whose only effect is to prefetch must be declared
 * SG_PREFETCH_FN (inlined always): GCC 12 at -O2 finds such a function free
 * of side effects (a prefetch has none in its model) and drops its calls
 * without a word, unless it was inlined first.  It did so to most of the
 * query paths' prefetches until tests/prefetch.sh checked the library.
 */
#ifndef SGREACH_PREFETCH_H
#define SGREACH_PREFETCH_H

#if defined(__GNUC__) || defined(__clang__)
#define SG_PREFETCH(p) __builtin_prefetch(p)
#define SG_PREFETCH_FN static inline __attribute__((always_inline))
#else
#define SG_PREFETCH(p) ((void)(p))
#define SG_PREFETCH_FN static inline
#endif

#endif
