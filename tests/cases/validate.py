#!/usr/bin/env python3
"""Checks that every table-driven case file is well-formed (see README.md).

Usage: validate.py [FILE.json | DIR]...   (default: the directory of this script)

It checks the shape of each file (required keys, known verdict words, no
unknown or duplicate keys), the flow and selector syntax, and that every ENI,
task, service and group a query names exists in the file's documents, so that
a typo cannot turn a case into one that passes for the wrong reason.  It never
computes a verdict.  Exits 0 when every file is well-formed, 1 otherwise.
Standard library only.
"""
import ipaddress
import json
import os
import re
import sys

VERDICTS = {"allowed", "denied", "unknown", "partial"}
TOP_KEYS = {"name", "spec", "documents", "queries", "load_error"}
QUERY_KEYS = {"src", "dst", "flow", "family", "expect", "egress_groups", "ingress_groups", "why"}
# Top-level keys that identify an input document (spec 6 and 7).
DOC_KINDS = {"SecurityGroups", "SecurityGroupRules", "NetworkInterfaces", "tasks", "services",
	     "Subnets", "Vpcs", "PrefixLists", "NetworkAcls", "RouteTables", "format_version"}
PROTO_NAMES = {"esp", "ah", "gre", "sctp", "icmp", "icmpv6", "tcp", "udp", "ipip", "ipv6", "ospf", "pim",
	       "vrrp", "l2tp", "igmp", "ipencap", "egp", "rsvp", "udplite"}
GROUP_RE = re.compile(r"^(\d{12}/)?sg-([0-9a-f]{8}|[0-9a-f]{17})$")
ENI_RE = re.compile(r"^eni-([0-9a-f]{8}|[0-9a-f]{17})$")
TASK_ARN_RE = re.compile(r"^arn:aws:ecs:[a-z0-9-]+:\d{12}:task/[A-Za-z0-9_-]+/([0-9a-f]{32})$")
TASK_ID_RE = re.compile(r"^[0-9a-f]{32}$")


class Problems:
	def __init__(self):
		self.items = []

	def add(self, where, msg):
		self.items.append("%s: %s" % (where, msg))


def no_duplicate_keys(pairs):
	seen = {}
	for k, v in pairs:
		if k in seen:
			raise ValueError("duplicate key %r" % k)
		seen[k] = v
	return seen


def check_flow(flow):
	"""Returns None when flow is valid (sgreach(1) FLOW syntax), else why."""
	parts = flow.split("/")
	p = parts[0]

	def num(s, lo, hi):
		return s.isdigit() and lo <= int(s) <= hi and (s == "0" or not s.startswith("0"))
	if p in ("tcp", "udp"):
		if len(parts) != 2 or not num(parts[1], 0, 65535):
			return "%s needs one port 0-65535" % p
		return None
	if p in ("icmp", "icmpv6"):
		if len(parts) not in (2, 3) or not all(num(x, 0, 255) for x in parts[1:]):
			return "%s needs TYPE[/CODE], each 0-255" % p
		return None
	if len(parts) != 1:
		return "only tcp, udp, icmp and icmpv6 take ports"
	if p in PROTO_NAMES or num(p, 0, 255):
		return None
	return "unknown protocol %r" % p


def is_address_or_cidr(s):
	try:
		if "/" in s:
			ipaddress.ip_network(s, strict=True)
		else:
			ipaddress.ip_address(s)
		return True
	except ValueError:
		return False


def walk_strings(v, out):
	if isinstance(v, dict):
		for k, x in v.items():
			walk_strings(x, out)
	elif isinstance(v, list):
		for x in v:
			walk_strings(x, out)
	elif isinstance(v, str):
		out.add(v)


def terraform_modules(d):
	"""Every module of a `terraform show -json` state or plan document."""
	roots = [d.get("values"), d.get("planned_values"), (d.get("prior_state") or {}).get("values")]
	todo = [r.get("root_module") for r in roots if isinstance(r, dict)]
	while todo:
		mod = todo.pop()
		if isinstance(mod, dict):
			yield mod
			todo += [c for c in mod.get("child_modules", []) if isinstance(c, dict)]


def add_service(idx, cluster_arn, name):
	"""A service is selectable as service:NAME and, when its cluster is
	known, service:CLUSTER/NAME (services are per cluster)."""
	idx["service"].add(name)
	if isinstance(cluster_arn, str) and cluster_arn.rsplit("/", 1)[-1]:
		idx["service"].add(cluster_arn.rsplit("/", 1)[-1] + "/" + name)


def index_documents(docs):
	"""What the documents define, for checking the queries' selectors."""
	idx = {"eni": set(), "task": set(), "service": set(), "strings": set(), "v4": set(), "v6": set()}
	for d in docs:
		walk_strings(d, idx["strings"])
		for n in d.get("NetworkInterfaces", []) if isinstance(d.get("NetworkInterfaces"), list) else []:
			if isinstance(n, dict) and isinstance(n.get("NetworkInterfaceId"), str):
				eid = n["NetworkInterfaceId"]
				idx["eni"].add(eid)
				if n.get("PrivateIpAddress") or n.get("PrivateIpAddresses") or n.get("Ipv4Prefixes"):
					idx["v4"].add(eid)
				if n.get("Ipv6Addresses"):
					idx["v6"].add(eid)
		for mod in terraform_modules(d):
			for res in mod.get("resources", []):
				v = res.get("values") if isinstance(res, dict) else None
				if res.get("type") != "aws_network_interface" or not isinstance(v, dict):
					continue
				if isinstance(v.get("id"), str):
					idx["eni"].add(v["id"])
					if v.get("private_ips") or v.get("private_ip"):
						idx["v4"].add(v["id"])
					if v.get("ipv6_addresses"):
						idx["v6"].add(v["id"])
		for t in d.get("tasks", []) if isinstance(d.get("tasks"), list) else []:
			if isinstance(t, dict) and isinstance(t.get("taskArn"), str):
				idx["task"].add(t["taskArn"])
				idx["task"].add(t["taskArn"].rsplit("/", 1)[-1])
				g = t.get("group")
				if isinstance(g, str) and g.startswith("service:"):
					add_service(idx, t.get("clusterArn"), g[len("service:"):])
		for s in d.get("services", []) if isinstance(d.get("services"), list) else []:
			if isinstance(s, dict) and isinstance(s.get("serviceName"), str):
				add_service(idx, s.get("clusterArn"), s["serviceName"])
	return idx


def check_selector(sel, idx):
	"""Returns (problem or None, is_outside_model)."""
	if ENI_RE.match(sel):
		return (None if sel in idx["eni"] else "ENI %s is in no document" % sel), False
	if sel.startswith("eni-"):
		return "%r is not an ENI id (eni- and 8 or 17 hex digits)" % sel, False
	if sel.startswith("arn:"):
		if not TASK_ARN_RE.match(sel):
			return "%r is not an ECS task ARN" % sel, False
		return (None if sel in idx["task"] else "task %s is in no document" % sel), False
	if TASK_ID_RE.match(sel):
		return (None if sel in idx["task"] else "task id %s is in no document" % sel), False
	if sel.startswith("service:"):
		name = sel[len("service:"):]
		return (None if name in idx["service"] else "service %r is in no document" % name), False
	if is_address_or_cidr(sel):
		# A loaded address selects its endpoint; any other is outside the model.
		return None, "/" in sel or sel not in idx["strings"]
	return "%r is no ENI, task, service, address or CIDR" % sel, False


def check_groups(where, key, val, idx, probs):
	if not isinstance(val, list) or not all(isinstance(g, str) for g in val):
		probs.add(where, "%s must be an array of group ids" % key)
		return
	if len(set(val)) != len(val):
		probs.add(where, "%s repeats a group" % key)
	for g in val:
		if not GROUP_RE.match(g):
			probs.add(where, "%s: %r is not a group id" % (key, g))
		elif g not in idx["strings"]:
			probs.add(where, "%s: group %s is in no document" % (key, g))


def check_query(where, q, idx, probs):
	if not isinstance(q, dict):
		probs.add(where, "a query must be an object")
		return
	for k in q:
		if k not in QUERY_KEYS:
			probs.add(where, "unknown key %r" % k)
	missing = False
	for k in ("src", "dst", "flow", "expect"):
		if not isinstance(q.get(k), str) or not q.get(k):
			probs.add(where, "%r must be a non-empty string" % k)
			missing = True
	if missing:
		return
	if q["expect"] not in VERDICTS:
		probs.add(where, "expect %r is not one of %s" % (q["expect"], ", ".join(sorted(VERDICTS))))
	bad = check_flow(q["flow"])
	if bad:
		probs.add(where, "flow %r: %s" % (q["flow"], bad))
	outside = {}
	for side in ("src", "dst"):
		bad, outside[side] = check_selector(q[side], idx)
		if bad:
			probs.add(where, "%s: %s" % (side, bad))
	if "family" in q:
		if q["family"] not in (4, 6) or isinstance(q["family"], bool):
			probs.add(where, "family must be 4 or 6")
		elif q["family"] == 6 and q["flow"].startswith("icmp/"):
			probs.add(where, "family 6 with an ICMPv4 flow")
		elif q["family"] == 4 and q["flow"].startswith("icmpv6/"):
			probs.add(where, "family 4 with an ICMPv6 flow")
	fam = q.get("family")
	if fam not in (4, 6):
		fam = 6 if q["flow"].startswith("icmpv6/") or any(
			":" in q[k] and is_address_or_cidr(q[k]) for k in ("src", "dst")) else 4
	for side in ("src", "dst"):
		if is_address_or_cidr(q[side]) and (6 if ":" in q[side] else 4) != fam:
			probs.add(where, "%s %s is not an IPv%d address" % (side, q[side], fam))
		if q[side] in idx["eni"] and q[side] not in idx["v%d" % fam]:
			probs.add(where, "%s %s has no IPv%d address for this query" % (side, q[side], fam))
	if "why" in q and (not isinstance(q["why"], str) or not q["why"].strip()):
		probs.add(where, "why must be a non-empty string")
	for key in ("egress_groups", "ingress_groups"):
		if key in q:
			check_groups(where, key, q[key], idx, probs)
	eg, ig = q.get("egress_groups"), q.get("ingress_groups")
	# An allowed side inside the model was decided by some rule; a denied
	# verdict needs a side that found no match.
	if q["expect"] == "allowed":
		if eg == [] and not outside["src"]:
			probs.add(where, "allowed, yet no egress group for a source inside the model")
		if ig == [] and not outside["dst"]:
			probs.add(where, "allowed, yet no ingress group for a destination inside the model")
	if q["expect"] == "denied" and eg and ig:
		probs.add(where, "denied, yet both sides list allowing groups")
	if q["expect"] in ("unknown", "partial") and (eg == [] and ig == []):
		probs.add(where, "%s with both sides decided by no rule" % q["expect"])


def check_file(path, probs, names):
	where = os.path.basename(path)
	try:
		with open(path, encoding="utf-8") as fh:
			case = json.load(fh, object_pairs_hook=no_duplicate_keys)
	except (OSError, ValueError) as e:
		probs.add(where, "not valid JSON: %s" % e)
		return 0
	if not isinstance(case, dict):
		probs.add(where, "the file must hold one object")
		return 0
	for k in case:
		if k not in TOP_KEYS:
			probs.add(where, "unknown key %r" % k)
	name = case.get("name")
	if not isinstance(name, str) or not name:
		probs.add(where, "name must be a non-empty string")
	else:
		if name + ".json" != where:
			probs.add(where, "name %r does not match the file name" % name)
		if name in names:
			probs.add(where, "name %r is used by %s too" % (name, names[name]))
		names[name] = where
	if not isinstance(case.get("spec"), str) or not case["spec"].strip():
		probs.add(where, "spec must cite the section(s) of aws-semantics.md")
	elif not re.match(r"^\d", case["spec"]):
		probs.add(where, "spec must start with a section number")
	docs = case.get("documents")
	if not isinstance(docs, list) or not docs:
		probs.add(where, "documents must be a non-empty array")
		docs = []
	for i, d in enumerate(docs):
		if not isinstance(d, dict):
			probs.add("%s: documents[%d]" % (where, i), "a document must be an object")
		elif not DOC_KINDS & set(d):
			probs.add("%s: documents[%d]" % (where, i),
				  "no known top-level key (%s)" % ", ".join(sorted(d)[:5]))
	has_q, has_e = "queries" in case, "load_error" in case
	if has_q == has_e:
		probs.add(where, "exactly one of queries and load_error is required")
		return 0
	if has_e:
		if not isinstance(case["load_error"], str) or not case["load_error"].strip():
			probs.add(where, "load_error must be a non-empty substring of the message")
		return 0
	queries = case["queries"]
	if not isinstance(queries, list) or not queries:
		probs.add(where, "queries must be a non-empty array")
		return 0
	idx = index_documents([d for d in docs if isinstance(d, dict)])
	seen = {}
	for i, q in enumerate(queries):
		qw = "%s: queries[%d]" % (where, i)
		check_query(qw, q, idx, probs)
		if isinstance(q, dict):
			key = (q.get("src"), q.get("dst"), q.get("flow"), q.get("family"))
			if key in seen:
				probs.add(qw, "the same query as queries[%d]" % seen[key])
			seen.setdefault(key, i)
	return len(queries)


def main(argv):
	here = os.path.dirname(os.path.abspath(__file__))
	paths = []
	for a in argv[1:] or [here]:
		if os.path.isdir(a):
			paths += sorted(os.path.join(a, n) for n in os.listdir(a) if n.endswith(".json"))
		else:
			paths.append(a)
	if not paths:
		print("validate.py: no case files found", file=sys.stderr)
		return 1
	probs, names, total = Problems(), {}, 0
	for p in paths:
		total += check_file(p, probs, names)
	for msg in probs.items:
		print(msg, file=sys.stderr)
	print("%d files, %d queries, %d problems" % (len(paths), total, len(probs.items)))
	return 1 if probs.items else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
