/*
 * analysis/lint.h - what the parts of `sgreach lint` share: the codes, a
 * finding and the lint context.  lint.c runs the checks and renders;
 * lint_redundant.c proves rules redundant.
 */
#ifndef SGREACH_LINT_H
#define SGREACH_LINT_H

#include "analysis/analysis.h"

/* The codes, in the order findings are listed. */
enum lint_code {
	L_GROUP_NOT_LOADED = 0, /* SG001 */
	L_STALE_REF,		/* SG002 */
	L_CROSS_VPC_REF,	/* SG003 */
	L_RULES_MISSING,	/* SG004 */
	L_SENSITIVE_OPEN,	/* SG005 */
	L_REDUNDANT_IN_GROUP,	/* SG006 */
	L_REDUNDANT_ON_ENIS,	/* SG007 */
	L_UNATTACHED,		/* SG008 */
	L_PLIST_NOT_LOADED,	/* SG009 */
	L_QUOTA_RULES,		/* SG010 */
	L_QUOTA_GROUPS,		/* SG011 */
	L_QUOTA_PRODUCT,	/* SG012 */
	L_HOST_BITS,		/* SG013 */
	L_NCODES,
};

struct lobj {
	const char *kind; /* "group", "rule", "endpoint", "prefix-list" */
	const char *id;
	uint32_t rule; /* a rule's index, else SG_NONE */
};

struct finding {
	int code, severity;
	char *message;
	VEC(struct lobj) objs;
};

struct lint {
	const sgreach_model *m;
	sgreach_verdict *v;
	struct an_ctx c[2]; /* [0] IPv4, [1] IPv6 */
	VEC(struct finding) f;
	int err;
};

/* Adds a finding (NULL and l->err set when out of memory). */
struct finding *lint_add_finding(struct lint *l, int code, int severity,
				 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds an object to f (once); a rule when rule != SG_NONE. */
void lint_add_obj(struct lint *l, struct finding *f, const char *kind,
		  const char *id, uint32_t rule);
/* Adds a rule and its group. */
void lint_add_rule_obj(struct lint *l, struct finding *f, uint32_t ri);
const char *lint_dir_name(int dir);
/* A rule as one line of text, for messages. */
void lint_rule_desc(struct lint *l, uint32_t ri, char *buf, size_t size);

/* SG006 and SG007 (lint_redundant.c). */
void lint_check_redundancy(struct lint *l);

#endif
