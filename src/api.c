/*
 * api.c - the library-wide entry points: version and error strings.  The
 * model, query and render entry points live beside the code they expose.
 */
#include <errno.h>
#include <string.h>

#include "model.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

SGREACH_API const char *sgreach_version(void)
{
	return STR(SGREACH_VERSION_MAJOR) "." STR(
	    SGREACH_VERSION_MINOR) "." STR(SGREACH_VERSION_MICRO);
}

/* The documented error set; anything else is reported as such rather than
 * through strerror(), whose text varies by platform. */
SGREACH_API const char *sgreach_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid input or argument";
	case ENOENT:
		return "not found";
	case EEXIST:
		return "already exists";
	case EBUSY:
		return "the model is finalized (or not yet, for queries)";
	case ENOMEM:
		return "out of memory";
	case E2BIG:
		return "input exceeds a documented limit";
	case EACCES:
		return "permission denied";
	case EISDIR:
		return "is a directory";
	case EIO:
		return "input/output error";
	}
	return "unknown error code";
}
