/*
 * aws.c - documents printed by `aws ec2 describe-*` (spec section 6).
 *
 * Fields are read as the CLI prints them; any list may be absent (empty).
 * Unknown fields inside objects are ignored: AWS adds fields over time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "flow.h"
#include "import/importers.h"
#include "model.h"
#include "proto.h"

#define FOR_EACH_ITEM(list, i, it)                                             \
	for ((i) = 0, (it) = (list) ? (list)->child : NULL; (it);              \
	     (it) = (it)->next, (i)++)

/* The permission fields shared by both rule shapes. */
struct perm {
	const char *protocol;
	long from, to;
	int proto;
};

static int read_perm(struct jreader *r, const struct jpath *at,
		     const cJSON *obj, struct perm *p)
{
	int rc;

	p->from = p->to = -1;
	if ((rc = json_req_string(r, at, obj, "IpProtocol", &p->protocol)))
		return rc;
	if (protocol_parse(p->protocol, &p->proto))
		return json_fail(r, at, "IpProtocol",
				 "expected -1, tcp, udp, icmp, icmpv6 or a "
				 "protocol number from 0 to 255, got \"%s\"",
				 p->protocol);
	if ((rc = json_opt_int(r, at, obj, "FromPort", -1, 65535, &p->from)) <
		0 ||
	    (rc = json_opt_int(r, at, obj, "ToPort", -1, 65535, &p->to)) < 0)
		return rc;
	if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) {
		if (p->from > 255)
			return json_fail(r, at, "FromPort",
					 "expected an ICMP type from -1 to "
					 "255, got %ld",
					 p->from);
		if (p->to > 255)
			return json_fail(r, at, "ToPort",
					 "expected an ICMP code from -1 to "
					 "255, got %ld",
					 p->to);
	} else if ((p->proto == PROTO_TCP || p->proto == PROTO_UDP) &&
		   p->from >= 0 && p->to >= 0 && p->from > p->to) {
		return json_fail(r, at, "ToPort",
				 "expected a port not below FromPort %ld, "
				 "got %ld",
				 p->from, p->to);
	}
	return 0;
}

static int add_rule(sgreach_model *m, struct jreader *r, const struct jpath *at,
		    const char *key, const char *gid, sgreach_direction dir,
		    const struct perm *p, sgreach_peer_kind kind,
		    const char *peer, const char *rule_id, const char *desc,
		    unsigned int flags)
{
	int rc = sgreach_model_add_rule(m, gid, dir, p->protocol, (int)p->from,
					(int)p->to, kind, peer, rule_id, desc,
					flags);

	return rc ? import_add_failed(m, r, at, key, rc) : 0;
}

/*
 * IpRanges hold IPv4 and Ipv6Ranges IPv6 only; an address of the other
 * family is malformed input, not a rule that silently never matches.  The
 * add that follows reads the text with libcidr anyway: the strict grammar
 * alone tells the family, and libcidr is asked here only when the family
 * is wrong (addr_parse agrees with addr_parse_fast whenever it succeeds).
 */
static int check_family(struct jreader *r, const struct jpath *at,
			const char *key, const char *text, int fam)
{
	struct sg_prefix p;

	if (addr_parse_fast(text, 2, &p, NULL) == 0 && p.fam != fam &&
	    addr_parse(text, 2, &p, NULL) == 0 && p.fam != fam)
		return json_fail(r, at, key, "expected an IPv%d %s, got \"%s\"",
				 fam,
				 !strncmp(key, "Cidr", 4) ? "CIDR"
				 : strstr(key, "Prefix")  ? "prefix"
							  : "address",
				 text);
	return 0;
}

/*
 * A group pair through a VPC peering: a status other than "active" makes
 * the reference stale (it never matches); an active one also tells that the
 * two VPCs are peered, which AWS requires for the reference to exist.
 */
static int read_pair_peering(sgreach_model *m, struct jreader *r,
			     const struct jpath *at, const cJSON *pair,
			     const char *gvpc, unsigned int *flags)
{
	const char *status = NULL, *pcx = NULL, *vpc = NULL;
	int rc;

	if ((rc = json_opt_string(r, at, pair, "PeeringStatus", &status)) < 0 ||
	    (rc = json_opt_string(r, at, pair, "VpcPeeringConnectionId",
				  &pcx)) < 0 ||
	    (rc = json_opt_string(r, at, pair, "VpcId", &vpc)) < 0)
		return rc;
	if (status && strcmp(status, "active") != 0)
		*flags |= SGREACH_RULE_STALE;
	if (status && !strcmp(status, "active") && pcx && vpc && gvpc &&
	    strcmp(vpc, gvpc) != 0 &&
	    (rc = sgreach_model_add_peering(m, pcx, gvpc, vpc, 1)))
		return import_add_failed(m, r, at, "VpcPeeringConnectionId",
					 rc);
	return 0;
}

/* One IpPermission: every source in it is a rule of its own (ORed). */
static int import_permission(sgreach_model *m, struct jreader *r,
			     const struct jpath *at, const cJSON *perm,
			     const char *gid, const char *gvpc,
			     sgreach_direction dir)
{
	static const struct {
		const char *list, *field;
		sgreach_peer_kind kind;
	} peers[] = {
	    {"IpRanges", "CidrIp", SGREACH_PEER_CIDR},
	    {"Ipv6Ranges", "CidrIpv6", SGREACH_PEER_CIDR},
	    {"PrefixListIds", "PrefixListId", SGREACH_PEER_PREFIX_LIST},
	    {"UserIdGroupPairs", "GroupId", SGREACH_PEER_GROUP},
	};
	struct perm p;
	size_t k, i;
	int rc;

	if ((rc = json_expect_object(r, at, perm)) ||
	    (rc = read_perm(r, at, perm, &p)))
		return rc;
	for (k = 0; k < sizeof(peers) / sizeof(peers[0]); k++) {
		struct jpath lp = JPATH_KEY(at, peers[k].list);
		const cJSON *list, *it;

		if ((rc = json_opt_array(r, at, perm, peers[k].list, &list)) <
		    0)
			return rc;
		FOR_EACH_ITEM(list, i, it)
		{
			struct jpath ip = JPATH_INDEX(&lp, i);
			const char *peer, *desc = NULL;
			unsigned int flags = 0;

			if ((rc = json_expect_object(r, &ip, it)) ||
			    (rc = json_req_string(r, &ip, it, peers[k].field,
						  &peer)) ||
			    (rc = json_opt_string(r, &ip, it, "Description",
						  &desc)) < 0)
				return rc;
			if (peers[k].kind == SGREACH_PEER_GROUP &&
			    (rc = read_pair_peering(m, r, &ip, it, gvpc,
						    &flags)))
				return rc;
			if (peers[k].kind == SGREACH_PEER_CIDR &&
			    (rc = check_family(r, &ip, peers[k].field, peer,
					       k == 0 ? 4 : 6)))
				return rc;
			if ((rc = add_rule(m, r, &ip, peers[k].field, gid, dir,
					   &p, peers[k].kind, peer, NULL, desc,
					   flags)))
				return rc;
		}
	}
	return 0;
}

int import_aws_security_groups(sgreach_model *m, struct jreader *r,
			       const struct jpath *at, const cJSON *list)
{
	const cJSON *sg;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, sg)
	{
		struct jpath gp = JPATH_INDEX(at, i);
		const char *gid, *name = NULL, *vpc = NULL;
		int d;

		if ((rc = json_expect_object(r, &gp, sg)) ||
		    (rc = json_req_string(r, &gp, sg, "GroupId", &gid)) ||
		    (rc = json_opt_string(r, &gp, sg, "GroupName", &name)) <
			0 ||
		    (rc = json_opt_string(r, &gp, sg, "VpcId", &vpc)) < 0)
			return rc;
		rc = sgreach_model_add_group(m, gid, name, vpc,
					     SGREACH_GROUP_COMPLETE);
		if (rc)
			return import_add_failed(m, r, &gp, "GroupId", rc);
		for (d = 0; d < 2; d++) {
			const char *key =
			    d ? "IpPermissionsEgress" : "IpPermissions";
			struct jpath pp = JPATH_KEY(&gp, key);
			const cJSON *perms, *perm;
			size_t k;

			if ((rc = json_opt_array(r, &gp, sg, key, &perms)) < 0)
				return rc;
			FOR_EACH_ITEM(perms, k, perm)
			{
				struct jpath ip = JPATH_INDEX(&pp, k);

				if ((rc = import_permission(
					 m, r, &ip, perm, gid, vpc,
					 d ? SGREACH_EGRESS : SGREACH_INGRESS)))
					return rc;
			}
		}
	}
	return 0;
}

int import_aws_security_group_rules(sgreach_model *m, struct jreader *r,
				    const struct jpath *at, const cJSON *list)
{
	static const struct {
		const char *key;
		sgreach_peer_kind kind;
	} peers[] = {
	    {"CidrIpv4", SGREACH_PEER_CIDR},
	    {"CidrIpv6", SGREACH_PEER_CIDR},
	    {"PrefixListId", SGREACH_PEER_PREFIX_LIST},
	};
	const cJSON *it;
	size_t i, k;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath rp = JPATH_INDEX(at, i);
		const char *gid, *rid = NULL, *desc = NULL, *peer = NULL;
		const char *peer_key = NULL, *status = NULL;
		const cJSON *ref = NULL;
		sgreach_peer_kind kind = SGREACH_PEER_CIDR;
		unsigned int flags = 0;
		struct perm p;
		int egress = 0, npeers = 0;

		if ((rc = json_expect_object(r, &rp, it)) ||
		    (rc = json_req_string(r, &rp, it, "GroupId", &gid)) ||
		    (rc = json_opt_string(r, &rp, it, "SecurityGroupRuleId",
					  &rid)) < 0 ||
		    (rc = json_opt_string(r, &rp, it, "Description", &desc)) <
			0 ||
		    (rc = json_opt_bool(r, &rp, it, "IsEgress", &egress)) < 0 ||
		    (rc = read_perm(r, &rp, it, &p)))
			return rc;
		if (!json_get(it, "IsEgress"))
			return json_fail(r, &rp, "IsEgress",
					 "expected true or false, the key is "
					 "missing");
		for (k = 0; k < sizeof(peers) / sizeof(peers[0]); k++) {
			const char *s = NULL;

			if ((rc = json_opt_string(r, &rp, it, peers[k].key,
						  &s)) < 0)
				return rc;
			if (s && k < 2 &&
			    (rc = check_family(r, &rp, peers[k].key, s,
					       k == 0 ? 4 : 6)))
				return rc;
			if (s) {
				npeers++;
				peer = s;
				peer_key = peers[k].key;
				kind = peers[k].kind;
			}
		}
		if ((rc = json_opt_object(r, &rp, it, "ReferencedGroupInfo",
					  &ref)) < 0)
			return rc;
		if (ref) {
			struct jpath gp = JPATH_KEY(&rp, "ReferencedGroupInfo");

			if ((rc = json_req_string(r, &gp, ref, "GroupId",
						  &peer)) ||
			    (rc = json_opt_string(r, &gp, ref, "PeeringStatus",
						  &status)) < 0)
				return rc;
			if (status && strcmp(status, "active") != 0)
				flags |= SGREACH_RULE_STALE;
			npeers++;
			peer_key = "ReferencedGroupInfo";
			kind = SGREACH_PEER_GROUP;
		}
		if (npeers != 1)
			return json_fail(r, &rp, NULL,
					 "expected exactly one of CidrIpv4, "
					 "CidrIpv6, PrefixListId and "
					 "ReferencedGroupInfo, found %d",
					 npeers);
		if ((rc = add_rule(m, r, &rp, peer_key, gid,
				   egress ? SGREACH_EGRESS : SGREACH_INGRESS,
				   &p, kind, peer, rid, desc, flags)))
			return rc;
	}
	return 0;
}

static int add_addr(sgreach_model *m, struct jreader *r, const struct jpath *at,
		    const char *key, const char *eni, const char *addr,
		    unsigned int flags)
{
	int rc = check_family(r, at, key, addr, strstr(key, "v6") ? 6 : 4);

	if (rc)
		return rc;
	rc = sgreach_model_add_address(m, eni, addr, flags);

	return rc ? import_add_failed(m, r, at, key, rc) : 0;
}

/* Reads list[].field as addresses of eni. */
static int import_addr_list(sgreach_model *m, struct jreader *r,
			    const struct jpath *at, const cJSON *obj,
			    const char *list_key, const char *field,
			    const char *eni)
{
	struct jpath lp = JPATH_KEY(at, list_key);
	const cJSON *list, *it;
	size_t i;
	int rc;

	if ((rc = json_opt_array(r, at, obj, list_key, &list)) < 0)
		return rc;
	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath ip = JPATH_INDEX(&lp, i);
		const char *a;

		if ((rc = json_expect_object(r, &ip, it)) ||
		    (rc = json_req_string(r, &ip, it, field, &a)) ||
		    (rc = add_addr(m, r, &ip, field, eni, a, 0)))
			return rc;
	}
	return 0;
}

static int import_public_ip(sgreach_model *m, struct jreader *r,
			    const struct jpath *at, const cJSON *obj,
			    const char *eni)
{
	struct jpath ap = JPATH_KEY(at, "Association");
	const cJSON *assoc;
	const char *ip = NULL;
	int rc;

	if ((rc = json_opt_object(r, at, obj, "Association", &assoc)) < 0)
		return rc;
	if (!assoc)
		return 0;
	if ((rc = json_opt_string(r, &ap, assoc, "PublicIp", &ip)) < 0)
		return rc;
	return ip ? add_addr(m, r, &ap, "PublicIp", eni, ip,
			     SGREACH_ADDR_PUBLIC)
		  : 0;
}

int import_aws_network_interfaces(sgreach_model *m, struct jreader *r,
				  const struct jpath *at, const cJSON *list)
{
	const cJSON *it;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath ep = JPATH_INDEX(at, i);
		struct jpath gl = JPATH_KEY(&ep, "Groups");
		struct jpath pl = JPATH_KEY(&ep, "PrivateIpAddresses");
		const char *id, *type = NULL, *vpc = NULL, *subnet = NULL;
		const char *desc = NULL, *primary = NULL;
		const cJSON *groups, *g, *privs, *pa;
		sgreach_endpoint_kind kind = SGREACH_ENDPOINT_ENI;
		size_t k;

		if ((rc = json_expect_object(r, &ep, it)) ||
		    (rc = json_req_string(r, &ep, it, "NetworkInterfaceId",
					  &id)) ||
		    (rc = json_opt_string(r, &ep, it, "InterfaceType", &type)) <
			0 ||
		    (rc = json_opt_string(r, &ep, it, "VpcId", &vpc)) < 0 ||
		    (rc = json_opt_string(r, &ep, it, "SubnetId", &subnet)) <
			0 ||
		    (rc = json_opt_string(r, &ep, it, "Description", &desc)) <
			0 ||
		    (rc = json_opt_string(r, &ep, it, "PrivateIpAddress",
					  &primary)) < 0)
			return rc;
		if (type && !strcmp(type, "trunk"))
			kind = SGREACH_ENDPOINT_TRUNK;
		else if (type && !strcmp(type, "branch"))
			kind = SGREACH_ENDPOINT_BRANCH;
		rc = sgreach_model_add_endpoint(m, id, kind, vpc, subnet, desc);
		if (rc == -EEXIST) {
			if (model_warn(m,
				       "network interface %s is listed again; "
				       "the first listing is kept",
				       id))
				return -ENOMEM;
			continue;
		}
		if (rc)
			return import_add_failed(m, r, &ep,
						 "NetworkInterfaceId", rc);
		if (primary && (rc = add_addr(m, r, &ep, "PrivateIpAddress", id,
					      primary, 0)))
			return rc;
		if ((rc = import_public_ip(m, r, &ep, it, id)))
			return rc;

		if ((rc = json_opt_array(r, &ep, it, "PrivateIpAddresses",
					 &privs)) < 0)
			return rc;
		FOR_EACH_ITEM(privs, k, pa)
		{
			struct jpath ap = JPATH_INDEX(&pl, k);
			const char *a;

			if ((rc = json_expect_object(r, &ap, pa)) ||
			    (rc = json_req_string(r, &ap, pa,
						  "PrivateIpAddress", &a)) ||
			    (rc = add_addr(m, r, &ap, "PrivateIpAddress", id, a,
					   0)) ||
			    (rc = import_public_ip(m, r, &ap, pa, id)))
				return rc;
		}
		if ((rc = import_addr_list(m, r, &ep, it, "Ipv6Addresses",
					   "Ipv6Address", id)) ||
		    (rc = import_addr_list(m, r, &ep, it, "Ipv4Prefixes",
					   "Ipv4Prefix", id)) ||
		    (rc = import_addr_list(m, r, &ep, it, "Ipv6Prefixes",
					   "Ipv6Prefix", id)))
			return rc;

		if ((rc = json_opt_array(r, &ep, it, "Groups", &groups)) < 0)
			return rc;
		FOR_EACH_ITEM(groups, k, g)
		{
			struct jpath gp = JPATH_INDEX(&gl, k);
			const char *gid, *gname = NULL;

			if ((rc = json_expect_object(r, &gp, g)) ||
			    (rc =
				 json_req_string(r, &gp, g, "GroupId", &gid)) ||
			    (rc = json_opt_string(r, &gp, g, "GroupName",
						  &gname)) < 0)
				return rc;
			/* Records the name; the rules stay unknown until
			 * the group itself is loaded. */
			if ((rc = sgreach_model_add_group(m, gid, gname, NULL,
							  0)) ||
			    (rc = sgreach_model_add_endpoint_group(m, id, gid)))
				return import_add_failed(m, r, &gp, "GroupId",
							 rc);
		}
	}
	return 0;
}

int import_aws_subnets(sgreach_model *m, struct jreader *r,
		       const struct jpath *at, const cJSON *list)
{
	const cJSON *it;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath sp = JPATH_INDEX(at, i);
		struct jpath lp = JPATH_KEY(&sp, "Ipv6CidrBlockAssociationSet");
		const char *id, *vpc = NULL, *cidr = NULL;
		const cJSON *v6, *b;
		size_t k;

		if ((rc = json_expect_object(r, &sp, it)) ||
		    (rc = json_req_string(r, &sp, it, "SubnetId", &id)) ||
		    (rc = json_opt_string(r, &sp, it, "VpcId", &vpc)) < 0 ||
		    (rc = json_opt_string(r, &sp, it, "CidrBlock", &cidr)) < 0)
			return rc;
		if ((rc = sgreach_model_add_subnet(m, id, vpc, cidr)))
			return import_add_failed(m, r, &sp, "CidrBlock", rc);
		if ((rc = json_opt_array(
			 r, &sp, it, "Ipv6CidrBlockAssociationSet", &v6)) < 0)
			return rc;
		FOR_EACH_ITEM(v6, k, b)
		{
			struct jpath bp = JPATH_INDEX(&lp, k);
			const char *c;

			if ((rc = json_expect_object(r, &bp, b)) ||
			    (rc = json_req_string(r, &bp, b, "Ipv6CidrBlock",
						  &c)))
				return rc;
			if ((rc = sgreach_model_add_subnet_cidr(m, id, c)))
				return import_add_failed(m, r, &bp,
							 "Ipv6CidrBlock", rc);
		}
	}
	return 0;
}

int import_aws_vpcs(sgreach_model *m, struct jreader *r, const struct jpath *at,
		    const cJSON *list)
{
	static const struct {
		const char *list, *field;
	} sets[] = {
	    {"CidrBlockAssociationSet", "CidrBlock"},
	    {"Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"},
	};
	const cJSON *it;
	size_t i, s;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath vp = JPATH_INDEX(at, i);
		const char *id, *cidr = NULL;

		if ((rc = json_expect_object(r, &vp, it)) ||
		    (rc = json_req_string(r, &vp, it, "VpcId", &id)) ||
		    (rc = json_opt_string(r, &vp, it, "CidrBlock", &cidr)) < 0)
			return rc;
		if ((rc = sgreach_model_add_vpc(m, id, cidr)))
			return import_add_failed(m, r, &vp, "CidrBlock", rc);
		for (s = 0; s < 2; s++) {
			struct jpath lp = JPATH_KEY(&vp, sets[s].list);
			const cJSON *blocks, *b;
			size_t k;

			if ((rc = json_opt_array(r, &vp, it, sets[s].list,
						 &blocks)) < 0)
				return rc;
			FOR_EACH_ITEM(blocks, k, b)
			{
				struct jpath bp = JPATH_INDEX(&lp, k);
				const char *c;

				if ((rc = json_expect_object(r, &bp, b)) ||
				    (rc = json_req_string(r, &bp, b,
							  sets[s].field, &c)))
					return rc;
				if ((rc = sgreach_model_add_vpc(m, id, c)))
					return import_add_failed(
					    m, r, &bp, sets[s].field, rc);
			}
		}
	}
	return 0;
}

static int import_entries(sgreach_model *m, struct jreader *r,
			  const struct jpath *at, const cJSON *list,
			  const char *id, int strings)
{
	const cJSON *it;
	size_t i;
	int rc;

	if ((rc = sgreach_model_add_prefix_list(m, id, NULL)))
		return import_add_failed(m, r, at, NULL, rc);
	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath ep = JPATH_INDEX(at, i);
		const char *cidr;

		if (strings) {
			if ((rc = json_expect_string(r, &ep, it, &cidr)))
				return rc;
		} else if ((rc = json_expect_object(r, &ep, it)) ||
			   (rc = json_req_string(r, &ep, it, "Cidr", &cidr))) {
			return rc;
		}
		if ((rc = sgreach_model_add_prefix_list_entry(m, id, cidr)))
			return import_add_failed(m, r, &ep,
						 strings ? NULL : "Cidr", rc);
	}
	return 0;
}

int import_aws_prefix_list_entries(sgreach_model *m, struct jreader *r,
				   const struct jpath *at, const cJSON *list,
				   const char *prefix_list_id)
{
	return import_entries(m, r, at, list, prefix_list_id, 0);
}

int import_aws_prefix_lists(sgreach_model *m, struct jreader *r,
			    const struct jpath *at, const cJSON *list)
{
	const cJSON *it;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath pp = JPATH_INDEX(at, i);
		const char *id, *name = NULL;
		const cJSON *cidrs, *entries;

		if ((rc = json_expect_object(r, &pp, it)) ||
		    (rc = json_req_string(r, &pp, it, "PrefixListId", &id)) ||
		    (rc = json_opt_string(r, &pp, it, "PrefixListName",
					  &name)) < 0 ||
		    (rc = json_opt_array(r, &pp, it, "Cidrs", &cidrs)) < 0 ||
		    (rc = json_opt_array(r, &pp, it, "Entries", &entries)) < 0)
			return rc;
		if (!cidrs && !entries) {
			/* describe-managed-prefix-lists prints no entries:
			 * the list stays unknown rather than empty. */
			if (model_warn(m,
				       "prefix list %s is listed without its "
				       "entries; add the output of aws ec2 "
				       "get-managed-prefix-list-entries",
				       id))
				return -ENOMEM;
			continue;
		}
		if ((rc = sgreach_model_add_prefix_list(m, id, name)))
			return import_add_failed(m, r, &pp, "PrefixListId", rc);
		if (cidrs) {
			struct jpath cp = JPATH_KEY(&pp, "Cidrs");

			if ((rc = import_entries(m, r, &cp, cidrs, id, 1)))
				return rc;
		}
		if (entries) {
			struct jpath ep = JPATH_KEY(&pp, "Entries");

			if ((rc = import_entries(m, r, &ep, entries, id, 0)))
				return rc;
		}
	}
	return 0;
}

int import_aws_peerings(sgreach_model *m, struct jreader *r,
			const struct jpath *at, const cJSON *list)
{
	const cJSON *it;
	size_t i;
	int rc;

	FOR_EACH_ITEM(list, i, it)
	{
		struct jpath pp = JPATH_INDEX(at, i);
		struct jpath ap = JPATH_KEY(&pp, "AccepterVpcInfo");
		struct jpath rp = JPATH_KEY(&pp, "RequesterVpcInfo");
		struct jpath sp = JPATH_KEY(&pp, "Status");
		const cJSON *acc, *req, *st;
		const char *id, *a, *b, *code = NULL;

		if ((rc = json_expect_object(r, &pp, it)) ||
		    (rc = json_req_string(r, &pp, it, "VpcPeeringConnectionId",
					  &id)) ||
		    (rc = json_opt_object(r, &pp, it, "AccepterVpcInfo",
					  &acc)) < 0 ||
		    (rc = json_opt_object(r, &pp, it, "RequesterVpcInfo",
					  &req)) < 0 ||
		    (rc = json_opt_object(r, &pp, it, "Status", &st)) < 0)
			return rc;
		if (!acc)
			return json_fail(r, &pp, "AccepterVpcInfo",
					 "expected an object, the key is "
					 "missing");
		if (!req)
			return json_fail(r, &pp, "RequesterVpcInfo",
					 "expected an object, the key is "
					 "missing");
		if ((rc = json_req_string(r, &ap, acc, "VpcId", &a)) ||
		    (rc = json_req_string(r, &rp, req, "VpcId", &b)) ||
		    (st &&
		     (rc = json_opt_string(r, &sp, st, "Code", &code)) < 0))
			return rc;
		if ((rc = sgreach_model_add_peering(
			 m, id, a, b, code && !strcmp(code, "active"))))
			return import_add_failed(m, r, &pp, NULL, rc);
	}
	return 0;
}
