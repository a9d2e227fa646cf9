/*
 * sgreach.h - AWS security group reachability analysis
 *
 * The only public header of libsgreach.  Link with -lsgreach.
 *
 * A model holds security groups, their rules, endpoints (network interfaces,
 * ECS tasks, ECS services), prefix lists, subnets and VPCs, all named by their
 * ids ("by reference"): a rule may name a group that is added later, or never.
 * sgreach_model_finalize() resolves the references and freezes the model;
 * after it the model is immutable and may be queried from many threads.
 *
 * Every function that can fail returns 0 or a negative errno value from the
 * set documented in libsgreach(3); sgreach_strerror() describes it and
 * sgreach_model_error() holds the message of the last input error.
 */
#ifndef SGREACH_H
#define SGREACH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGREACH_VERSION_MAJOR 0
#define SGREACH_VERSION_MINOR 1
#define SGREACH_VERSION_MICRO 0

/** Returns the library's version as "MAJOR.MINOR.MICRO"; static storage. */
const char *sgreach_version(void);

/**
 * Returns a static English description of an error code returned by any
 * sgreach function (accepts the negative value as returned).
 */
const char *sgreach_strerror(int err);

/* ---------------------------------------------------------------- model -- */

typedef struct sgreach_model sgreach_model;

/** Returns a new empty model, or NULL when out of memory.  Free it with
 *  sgreach_model_free(). */
sgreach_model *sgreach_model_new(void);

/** Frees a model and everything it owns.  NULL is allowed. */
void sgreach_model_free(sgreach_model *m);

/**
 * Loads one JSON document from a file (a directory loads every "*.json" file
 * in it, in name order; "-" reads standard input).  The document's kind is
 * detected from its top-level keys (see sgreach-inputs(5)).
 * Returns 0, -EINVAL for invalid input (message in sgreach_model_error(),
 * naming the file and JSON path; nesting deeper than 64 is invalid input),
 * -ENOENT/-EACCES/-EIO for file errors (-ENOENT also for a directory with no
 * "*.json" file), -E2BIG for a document over the size limit, -ENOMEM, or
 * -EBUSY if the model is already finalized.  On error nothing of the failing
 * document is kept in the model (documents of a directory that loaded
 * before the failing one stay loaded).
 */
int sgreach_model_load_file(sgreach_model *m, const char *path);

/**
 * Loads one JSON document from memory.  name is used in messages (may be
 * NULL: "<buffer>").  buf need not be NUL-terminated.  Returns as
 * sgreach_model_load_file().
 */
int sgreach_model_load_buffer(sgreach_model *m, const char *name,
			      const char *buf, size_t len);

/** Flags of sgreach_model_add_group(). */
enum {
	/** The caller adds the group's complete rule set: the group's rules are
	 *  then known even if it has none.  A group added without this flag is
	 *  known by id only until a rule is added to it. */
	SGREACH_GROUP_COMPLETE = 1u << 0,
};

/**
 * Adds (or updates) a security group.  name and vpc_id may be NULL.
 * Adding the same id again updates the name and VPC.  When a group is added
 * with SGREACH_GROUP_COMPLETE from two different sources (files), the rules
 * of the later source replace those of the earlier one, with a warning.
 * Returns 0, -EINVAL (empty id), -ENOMEM, -EBUSY (finalized).
 */
int sgreach_model_add_group(sgreach_model *m, const char *group_id,
			    const char *name, const char *vpc_id,
			    unsigned int flags);

/** Direction of a rule. */
typedef enum sgreach_direction {
	SGREACH_INGRESS = 0,
	SGREACH_EGRESS = 1,
} sgreach_direction;

/** What a rule's peer names. */
typedef enum sgreach_peer_kind {
	/** "10.0.0.0/8", "2001:db8::/32" */
	SGREACH_PEER_CIDR = 0,
	/** "pl-0123..." */
	SGREACH_PEER_PREFIX_LIST = 1,
	/** "sg-0123..." or "111122223333/sg-..." */
	SGREACH_PEER_GROUP = 2,
	/** not known until apply; peer describes it */
	SGREACH_PEER_UNKNOWN = 3,
} sgreach_peer_kind;

/** Flags of sgreach_model_add_rule(). */
enum {
	/** A group peer whose reference is stale (peering deleted, group
	 *  deleted): it never matches. */
	SGREACH_RULE_STALE = 1u << 0,
};

/**
 * Adds a rule to a group (the group is created by reference if absent).
 * protocol is as AWS writes it: "-1"/"all", "tcp"/"6", "udp"/"17",
 * "icmp"/"1", "icmpv6"/"58", a name such as "esp" or a number 0-255.
 * from_port/to_port: port range for tcp/udp, type/code for ICMP, -1 for any;
 * ignored for other protocols.  peer is read according to peer_kind.
 * rule_id (SecurityGroupRuleId) and description may be NULL.
 * Identical rules of one group (same direction, protocol, ports and peer)
 * count once.  Returns 0, -EINVAL (message in sgreach_model_error()),
 * -ENOMEM, -EBUSY.
 */
int sgreach_model_add_rule(sgreach_model *m, const char *group_id,
			   sgreach_direction dir, const char *protocol,
			   int from_port, int to_port,
			   sgreach_peer_kind peer_kind, const char *peer,
			   const char *rule_id, const char *description,
			   unsigned int flags);

/** Kind of an endpoint. */
typedef enum sgreach_endpoint_kind {
	SGREACH_ENDPOINT_ENI = 0,     /**< a network interface */
	SGREACH_ENDPOINT_TRUNK = 1,   /**< a trunk ENI: its groups do not govern
					   its branch ENIs */
	SGREACH_ENDPOINT_BRANCH = 2,  /**< a branch ENI (awsvpc trunking) */
	SGREACH_ENDPOINT_SERVICE = 3, /**< an ECS service: any address of its
					   subnets, until tasks are loaded */
} sgreach_endpoint_kind;

/**
 * Adds an endpoint.  vpc_id and subnet_id may be NULL (a subnet's VPC is
 * then taken from the subnet when it is known).  description may be NULL.
 * A service's id is "CLUSTER/NAME" (the cluster's name, not its ARN), or
 * NAME when its cluster is not known: services are per cluster, and
 * "service:NAME" selects the one service of that name if only one cluster
 * has it.
 * Returns 0, -EEXIST (id already added), -EINVAL, -ENOMEM, -EBUSY.
 */
int sgreach_model_add_endpoint(sgreach_model *m, const char *endpoint_id,
			       sgreach_endpoint_kind kind, const char *vpc_id,
			       const char *subnet_id, const char *description);

/** Flags of sgreach_model_add_address(). */
enum {
	/** A public address (Association.PublicIp, an Elastic IP): it never
	 *  satisfies a group reference. */
	SGREACH_ADDR_PUBLIC = 1u << 0,
};

/**
 * Adds an address or a delegated prefix ("10.0.1.16/28") to an endpoint.
 * Returns 0, -ENOENT (no such endpoint), -EINVAL, -ENOMEM, -EBUSY.
 */
int sgreach_model_add_address(sgreach_model *m, const char *endpoint_id,
			      const char *address, unsigned int flags);

/**
 * Attaches a group (by reference) to an endpoint.  An ECS service endpoint
 * with no group gets its VPC's default group at finalize.
 * Returns 0, -ENOENT, -EINVAL, -ENOMEM, -EBUSY.
 */
int sgreach_model_add_endpoint_group(sgreach_model *m, const char *endpoint_id,
				     const char *group_id);

/** Adds a subnet of a service endpoint (by reference).  Returns as above. */
int sgreach_model_add_endpoint_subnet(sgreach_model *m, const char *endpoint_id,
				      const char *subnet_id);

/**
 * Says whether an endpoint gets a public address of its own: an ECS
 * service with assignPublicIp ENABLED (its tasks' interfaces inherit it).
 * Interfaces with a public address are addressable anyway.  Used by
 * sgreach_exposure().  Returns 0, -ENOENT, -EINVAL, -EBUSY.
 */
int sgreach_model_set_endpoint_public(sgreach_model *m, const char *endpoint_id,
				      int is_public);

/**
 * Adds an ECS task running on a network interface (by reference).  task_arn
 * is the full ARN; the task is also selectable by its id (the ARN's last
 * path component).  service may be NULL or the service's id, as
 * sgreach_model_add_endpoint() takes it (the "service:" prefix of a task's
 * group is stripped by the caller, the cluster's name put in front).  A
 * task whose cluster is known joins a service of its name loaded without
 * one; a task without its cluster joins the one service of its name, and
 * none (with a warning) when several clusters have one.
 * Returns 0, -EEXIST, -EINVAL, -ENOMEM, -EBUSY.
 */
int sgreach_model_add_task(sgreach_model *m, const char *task_arn,
			   const char *endpoint_id, const char *service);

/** Adds a managed prefix list (entries added with the function below).  The
 *  list's entries are known from then on, even if it has none. */
int sgreach_model_add_prefix_list(sgreach_model *m, const char *prefix_list_id,
				  const char *name);

/** Adds one CIDR entry to a prefix list (created if absent). */
int sgreach_model_add_prefix_list_entry(sgreach_model *m,
					const char *prefix_list_id,
					const char *cidr);

/** Adds a subnet with its IPv4 CIDR (cidr may be NULL for IPv6-only). */
int sgreach_model_add_subnet(sgreach_model *m, const char *subnet_id,
			     const char *vpc_id, const char *cidr);

/** Adds an IPv6 CIDR block to a subnet. */
int sgreach_model_add_subnet_cidr(sgreach_model *m, const char *subnet_id,
				  const char *cidr);

/** Adds a VPC and one of its CIDR blocks (cidr may be NULL; call again to
 *  add more blocks). */
int sgreach_model_add_vpc(sgreach_model *m, const char *vpc_id,
			  const char *cidr);

/**
 * Adds a VPC peering connection between two VPCs.  Only an active one
 * (active != 0) lets private addresses of the two VPCs reach each other
 * and group references cross it.
 */
int sgreach_model_add_peering(sgreach_model *m, const char *peering_id,
			      const char *vpc_a, const char *vpc_b, int active);

/**
 * Resolves every reference, builds the indexes and records diagnostics
 * (warnings: a group defined again by a later source, a prefix list named
 * but not loaded, a task whose interface is not loaded, a service subnet
 * that is not loaded).  A group that is referenced but never loaded gets
 * no warning: membership decides such references (sgreach lint reports
 * them).  Afterwards the model is immutable: add and load functions
 * return -EBUSY, and queries may run from many threads at once.
 * Returns 0, -ENOMEM, or -EINVAL when the model is inconsistent in a way
 * that cannot be answered (message in sgreach_model_error()).
 */
int sgreach_model_finalize(sgreach_model *m);

/** Returns the message of the last error reported by a load or add function
 *  ("" if none); owned by the model, valid until the next call on it. */
const char *sgreach_model_error(const sgreach_model *m);

/** Returns the number of warnings recorded (unknown keys, replaced groups,
 *  dangling references...). */
size_t sgreach_model_warning_count(const sgreach_model *m);

/** Returns warning i (0-based), or NULL if out of range; owned by the model. */
const char *sgreach_model_warning(const sgreach_model *m, size_t i);

/** Counts of what a model holds (after finalize, resolved references). */
typedef enum sgreach_count {
	SGREACH_COUNT_GROUPS = 0,
	SGREACH_COUNT_RULES,
	SGREACH_COUNT_ENDPOINTS,
	SGREACH_COUNT_TASKS,
	SGREACH_COUNT_PREFIX_LISTS,
	SGREACH_COUNT_SUBNETS,
	SGREACH_COUNT_VPCS,
} sgreach_count;

/** Returns how many objects of a kind the model holds. */
size_t sgreach_model_count(const sgreach_model *m, sgreach_count what);

/* ---------------------------------------------------------------- flows -- */

/** One flow's initiation: a protocol and, for tcp/udp, a port, for ICMP a
 *  type and code.  A value type, filled by sgreach_flow_parse(). */
typedef struct sgreach_flow {
	/** IANA protocol number 0-255 */
	int protocol;
	/** tcp/udp port, ICMP type; -1 when the protocol has none */
	int port;
	/** ICMP code; -1 when none */
	int code;
} sgreach_flow;

/**
 * Parses "tcp/443", "udp/53", "icmp/8/0" (type/code; "icmp/8" means code 0),
 * "icmpv6/128/0", a protocol name ("esp", "ah", "gre", "sctp", ...) or a
 * number 0-255 for the others.  Returns 0 or -EINVAL.
 */
int sgreach_flow_parse(const char *text, sgreach_flow *out);

/** Writes a flow in the canonical form parsed above.  Returns the length
 *  that the full text needs (as snprintf), or -EINVAL. */
int sgreach_flow_format(const sgreach_flow *flow, char *buf, size_t size);

/* -------------------------------------------------------------- queries -- */

/** The verdict of a query. */
typedef enum sgreach_result {
	SGREACH_ALLOWED = 0,
	SGREACH_DENIED = 1,
	SGREACH_UNKNOWN = 3,
	SGREACH_PARTIAL = 4,
} sgreach_result;

/** Flags of sgreach_query(). */
enum {
	SGREACH_QUERY_IPV4 = 1u << 0, /**< use IPv4 addresses (the default) */
	SGREACH_QUERY_IPV6 = 1u << 1, /**< use IPv6 addresses (-6) */
	/** Work out the deciding rules now, for a verdict that will be
	 *  rendered.  Without it a query of one pair stops once its result is
	 *  known, and sgreach_verdict_render() works out the rest (the
	 *  answer is the same either way). */
	SGREACH_QUERY_DETAILS = 1u << 2,
};

typedef struct sgreach_verdict sgreach_verdict;

/** Returns a new verdict object to receive query results, or NULL.  One
 *  object may be reused for any number of queries (no allocation per query
 *  once its buffers have grown); one per thread.  Free with
 *  sgreach_verdict_free(). */
sgreach_verdict *sgreach_verdict_new(void);

/** Frees a verdict.  NULL is allowed. */
void sgreach_verdict_free(sgreach_verdict *v);

/**
 * Can src reach dst on flow?  Selectors: an ENI id, an ECS task ARN or id,
 * "service:NAME" or "service:CLUSTER/NAME" (-EINVAL when several clusters
 * have a service NAME), an IP address (a loaded endpoint's private or public
 * address, or an address outside the model), a CIDR ("0.0.0.0/0" is the
 * whole IPv4 internet).  flow as sgreach_flow_parse().  The model must be
 * finalized.  Returns 0 with the result in v, -EINVAL for a bad selector or
 * flow (message via sgreach_verdict_error()), -ENOENT when a selector names
 * nothing loaded, -EBUSY if the model is not finalized, -ENOMEM.
 */
int sgreach_query(const sgreach_model *m, const char *src, const char *dst,
		  const char *flow, unsigned int flags, sgreach_verdict *v);

/** As sgreach_query() with a parsed flow. */
int sgreach_query_flow(const sgreach_model *m, const char *src, const char *dst,
		       const sgreach_flow *flow, unsigned int flags,
		       sgreach_verdict *v);

/** A selector resolved once against a model, for repeated queries. */
typedef struct sgreach_selector sgreach_selector;

/**
 * Resolves the selector text (as sgreach_query()) against the finalized
 * model m once: queries between the same workloads then skip parsing and
 * lookups.  Returns 0 with a new object in *out, to be freed with
 * sgreach_selector_free() (before or after m; it is usable only while m
 * lives); or the errors of sgreach_query(), *out NULL and the message in
 * ctx (ctx may be NULL).  A selector is read-only: any number of threads
 * may query with it at once.
 */
int sgreach_select(const sgreach_model *m, const char *text,
		   sgreach_verdict *ctx, sgreach_selector **out);

/** Frees a selector.  NULL is allowed. */
void sgreach_selector_free(sgreach_selector *s);

/** As sgreach_query_flow() with selectors resolved by sgreach_select()
 *  against the same model m (-EINVAL otherwise).  The answer, its
 *  rendering and its errors are those of sgreach_query_flow(). */
int sgreach_query_selected(const sgreach_model *m, const sgreach_selector *src,
			   const sgreach_selector *dst,
			   const sgreach_flow *flow, unsigned int flags,
			   sgreach_verdict *v);

/** One question of sgreach_query_many(). */
typedef struct sgreach_question {
	/** in: selectors from sgreach_select() on the same model */
	const sgreach_selector *src;
	const sgreach_selector *dst;
	/** in: the flow, as sgreach_flow_parse() fills it */
	sgreach_flow flow;
	/** in: SGREACH_QUERY_IPV4, SGREACH_QUERY_IPV6 or 0 */
	unsigned int flags;
	/** out: the answer, when error is 0 */
	sgreach_result result;
	/** out: 0, or the error sgreach_query_selected() would return */
	int error;
} sgreach_question;

/**
 * Answers n questions in one call: q[i].result and q[i].error are what
 * sgreach_query_selected(m, q[i].src, q[i].dst, &q[i].flow, q[i].flags, v)
 * would give.  Faster than n calls on a large model: the call reads ahead,
 * so the memory a question needs is on its way while the ones before it
 * are answered.  The answers are results only, never rendered, so
 * SGREACH_QUERY_DETAILS is an unknown flag here (-EINVAL).  Returns 0 when
 * every question is answered; otherwise the error of the first question
 * that failed, with its message in v (each question has its own error),
 * or -EINVAL / -EBUSY for the call itself (no model or no questions, a
 * model not finalized), when every question's error is set to it.  v holds
 * no verdict afterwards.
 */
int sgreach_query_many(const sgreach_model *m, sgreach_question *q, size_t n,
		       sgreach_verdict *v);

/** One question of sgreach_query_many_text(). */
typedef struct sgreach_text_question {
	/** in: selector texts, as sgreach_query_flow() takes them */
	const char *src;
	const char *dst;
	/** in: the flow, as sgreach_flow_parse() fills it */
	sgreach_flow flow;
	/** in: as sgreach_query_flow() takes them, SGREACH_QUERY_DETAILS
	 *  included */
	unsigned int flags;
	/** out: the answer, when error is 0 */
	sgreach_result result;
	/** out: 0, or the error sgreach_query_flow() would return;
	 *  -ECANCELED for a question left unanswered because `each` stopped
	 *  the call */
	int error;
} sgreach_text_question;

/** Called by sgreach_query_many_text() after each question i, in order,
 *  with v holding its verdict (to render) or its error message.  Returns
 *  0 to go on, anything else to stop the call. */
typedef int (*sgreach_answer_fn)(void *arg, size_t i, sgreach_verdict *v);

/**
 * Answers n questions by selector text in one call: q[i].result and
 * q[i].error are what sgreach_query_flow(m, q[i].src, q[i].dst,
 * &q[i].flow, q[i].flags, v) would give, and when each is not NULL it is
 * called after every question with v holding that answer, as the
 * sgreach_query_flow() call would have left it (sgreach_verdict_render()
 * works on it there).  Faster than n calls on a large model: the call
 * reads the selectors of the questions ahead while it answers the ones
 * before them.  The texts of a question are read before it is answered:
 * they must stay as they are until it has been answered: `each` may
 * change those of the question it is called for and of the ones before,
 * never those after.  Returns 0 when
 * every question is answered; -ECANCELED when each stopped the call; else
 * the error of the first question that failed, with its message in v, or
 * -EINVAL / -EBUSY for the call itself (as sgreach_query_many()).  v holds
 * no verdict afterwards.
 */
int sgreach_query_many_text(const sgreach_model *m, sgreach_text_question *q,
			    size_t n, sgreach_verdict *v, sgreach_answer_fn each,
			    void *arg);

/** Returns the result of the last successful query into v. */
sgreach_result sgreach_verdict_result(const sgreach_verdict *v);

/** Returns "allowed", "denied", "unknown" or "partial". */
const char *sgreach_result_name(sgreach_result r);

/** Returns the message of the last failed query into v ("" if none). */
const char *sgreach_verdict_error(const sgreach_verdict *v);

/** Output formats. */
typedef enum sgreach_format {
	SGREACH_FORMAT_TEXT = 0,
	SGREACH_FORMAT_JSON = 1,
	SGREACH_FORMAT_CSV = 2, /**< analyses: who, reach, matrix */
	SGREACH_FORMAT_DOT = 3, /**< analyses: matrix only (Graphviz) */
} sgreach_format;

/**
 * Renders the last result held by v: a reviewer's sentence with the deciding
 * rules (text), or one JSON object on one line (see sgreach(1)).  Returns a
 * NUL-terminated string owned by v, valid until the next query or render
 * into v; NULL when the last query into v failed, for a format other than
 * text and JSON, or when out of memory.
 */
const char *sgreach_verdict_render(sgreach_verdict *v, sgreach_format fmt);

/* ------------------------------------------------------------- analyses -- */

/*
 * The analyses answer the wide questions over every flow at once, in one
 * address family (IPv4 unless flags hold SGREACH_QUERY_IPV6, a selector is
 * an IPv6 address or FLOW is ICMPv6).  For every flow of that family each
 * answer agrees with sgreach_query() on that flow: flows are reported as
 * "allowed", "partial" or "unknown", never one for the other.
 *
 * ctx is a verdict object used as the analysis context: *out receives a
 * NUL-terminated text owned by ctx, valid until ctx is next used.  Each
 * returns 0, -EINVAL (bad selector, flow, flags or a format the analysis
 * does not write; message in sgreach_verdict_error(ctx)), -ENOENT (a
 * selector names nothing loaded), -EBUSY (model not finalized) or -ENOMEM.
 * Output shapes are documented in sgreach(1).
 */

/**
 * Where an analysis writes.  By default its output is gathered into one
 * text that *out points at.  With a writer set on ctx, the analyses that
 * take ctx write it through write(cookie, text, len) instead, in pieces
 * and in order, and *out points at an empty string: sgreach_check() and
 * sgreach_matrix() as they go (their memory then does not grow with the
 * number of pairs; the class form first checks its classes in a pass of
 * its own), the others once, at the end.  write
 * returns 0, or non-zero to stop the analysis, which then returns -EIO.
 * An analysis that fails may have written part of its output.  write NULL
 * restores the default.  Queries and sgreach_verdict_render() are not
 * affected.
 */
typedef int (*sgreach_write_fn)(void *cookie, const char *text, size_t len);
void sgreach_verdict_set_writer(sgreach_verdict *ctx, sgreach_write_fn write,
				void *cookie);

/** How sgreach_matrix() groups endpoints into nodes. */
typedef enum sgreach_group_by {
	SGREACH_GROUP_BY_SERVICE = 0, /**< a service's tasks are one node */
	SGREACH_GROUP_BY_GROUP = 1,   /**< a security group's members */
	SGREACH_GROUP_BY_NONE = 2,    /**< every interface on its own */
} sgreach_group_by;

/**
 * Every flow allowed from src to dst (selectors as sgreach_query()), as
 * merged ranges, with the rules that allow them on each side; partial and
 * unknown flows listed apart.  Formats: text, JSON.
 */
int sgreach_ports(const sgreach_model *m, const char *src, const char *dst,
		  unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
		  const char **out);

/**
 * Every source that can reach dst, on flow (NULL: with the flows each may
 * use): loaded interfaces, tasks and services, and the address ranges
 * outside the model (merged, public address space marked "internet").
 * Formats: text, JSON, CSV.
 */
int sgreach_who(const sgreach_model *m, const char *dst, const char *flow,
		unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
		const char **out);

/** The mirror of sgreach_who(): every destination src can reach.
 *  Formats: text, JSON, CSV. */
int sgreach_reach(const sgreach_model *m, const char *src, const char *flow,
		  unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
		  const char **out);

/** Flags of sgreach_matrix(), besides SGREACH_QUERY_IPV4 and _IPV6. */
enum {
	/** The class form: nodes with the same answers grouped into source
	 *  and destination classes, listed once, then one entry per source
	 *  class and answer with its destination classes.  Its size grows
	 *  with the classes, not with the nodes squared.  Text and JSON. */
	SGREACH_MATRIX_CLASSES = 1u << 8,
};

/**
 * All pairs of nodes (services, groups or interfaces) with the flows
 * allowed between them (on flow only when not NULL); pairs with nothing
 * allowed, partial or unknown, and a node with itself, are left out.
 * Computed over endpoint equivalence classes.  Formats: text, JSON, CSV,
 * DOT; with SGREACH_MATRIX_CLASSES in flags, text and JSON.
 */
int sgreach_matrix(const sgreach_model *m, const char *flow,
		   sgreach_group_by group_by, unsigned int flags,
		   sgreach_format fmt, sgreach_verdict *ctx, const char **out);

/**
 * Every endpoint that accepts flows from internet addresses: the flows,
 * the address ranges, the ingress rules responsible and whether the
 * endpoint is addressable from the internet (a public address, or a
 * service that assigns public IPs).  Formats: text, JSON.
 */
int sgreach_exposure(const sgreach_model *m, unsigned int flags,
		     sgreach_format fmt, sgreach_verdict *ctx,
		     const char **out);

/* -------------------------------------------------------------- review -- */

/*
 * Lint, diff and assertions (sgreach_lint(3)): the same context and output
 * conventions as the analyses above; output shapes are in sgreach(1).
 */

/** Severity of a lint finding, lowest first. */
typedef enum sgreach_severity {
	SGREACH_SEVERITY_INFO = 0,
	SGREACH_SEVERITY_LOW = 1,
	SGREACH_SEVERITY_MEDIUM = 2,
	SGREACH_SEVERITY_HIGH = 3,
} sgreach_severity;

/**
 * Findings about the model, each with a stable code ("SG001"...), a
 * severity, a message, the objects involved and a fix hint (the codes are
 * listed in sgreach(1)).  flags must be 0.  *worst_severity (may be NULL)
 * receives the highest sgreach_severity found, or -1 when there is no
 * finding.  Formats: text, JSON.
 */
int sgreach_lint(const sgreach_model *m, unsigned int flags, sgreach_format fmt,
		 sgreach_verdict *ctx, const char **out, int *worst_severity);

/**
 * Connectivity that changed from old to new (two finalized models): every
 * pair of nodes (services, interfaces outside a service, and "internet":
 * any public address) whose allowed flows differ, with the flows gained
 * and lost and the rule and attachment changes behind each.  flags as the
 * analyses (-4/-6).  *gained (may be NULL) receives the number of pairs
 * that gained flows.  Formats: text, JSON.
 */
int sgreach_diff(const sgreach_model *old_model, const sgreach_model *new_model,
		 unsigned int flags, sgreach_format fmt, sgreach_verdict *ctx,
		 const char **out, int *gained);

/**
 * Checks intended reachability: assertions (len bytes, not necessarily
 * NUL-terminated) are lines "SRC DST FLOW allowed|denied|unknown|partial"
 * ('#' starts a comment) or a JSON array of {"src","dst","flow","expect"}.
 * A selector ending in '*' stands for every loaded object whose selector
 * starts with the rest ("service:*", "eni-*").  name is used in messages
 * (may be NULL).  flags as sgreach_query().  *failed (may be NULL)
 * receives the number of failed assertions; each failure is reported with
 * the actual verdict and its deciding rules.  Returns as the analyses;
 * -EINVAL also for a malformed assertion (message names the line).
 * Formats: text, JSON.
 */
int sgreach_check(const sgreach_model *m, const char *assertions, size_t len,
		  const char *name, unsigned int flags, sgreach_format fmt,
		  sgreach_verdict *ctx, const char **out, int *failed);

#ifdef __cplusplus
}
#endif

#endif /* SGREACH_H */
