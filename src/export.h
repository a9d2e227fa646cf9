/* export.h - marks the definitions of the public API (style.md, ABI):
 * everything else is hidden by -fvisibility=hidden. */
#ifndef SGREACH_EXPORT_H
#define SGREACH_EXPORT_H
#define SGREACH_API __attribute__((visibility("default")))
#endif
