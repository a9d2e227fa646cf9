#!/usr/bin/env python3
"""Regenerates the AWS CLI JSON of the bundled ECS awsvpc example from moto.

Run through make-example.sh.  Writes, next to this file, what `aws ... --output
json` prints for the seed scenario, the hand-written (moto has no Fargate)
describe-tasks.json built from the ENIs moto created, and ../expected.tsv with
the verdicts shared/spec/aws-semantics.md gives for it.  moto's ids are seeded,
so a rerun gives the same ids; only the services' timestamps change.
"""

import os
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "fixtures"))

import awsfix  # noqa: E402
from awsfix import allow, perm  # noqa: E402

CLUSTER = "prod"
SEED = 20240601


def build(aws):
    v = awsfix.vpc(aws, "10.0.0.0/16")
    awsfix.default_group_self_rule(aws, v)
    pub = awsfix.subnet(aws, v, "10.0.0.0/24", "eu-west-1a", public=True)
    priv_a = awsfix.subnet(aws, v, "10.0.1.0/24", "eu-west-1a")
    priv_b = awsfix.subnet(aws, v, "10.0.2.0/24", "eu-west-1b")

    g = {}
    g["alb"] = awsfix.group(aws, v, "alb", "prod-alb: HTTPS from anywhere")
    g["web"] = awsfix.group(aws, v, "web", "web tasks: 8080 from the ALB")
    g["worker"] = awsfix.group(aws, v, "worker", "worker tasks: no ingress")
    g["db"] = awsfix.group(aws, v, "db", "postgres: 5432 from web")
    g["api"] = awsfix.group(aws, v, "api", "api tasks: 8000 from the ALB")
    g["cache"] = awsfix.group(aws, v, "cache", "redis: 6379 from api")
    g["batch"] = awsfix.group(aws, v, "batch",
                              "batch tasks: egress HTTPS and postgres only",
                              keep_default_egress=False)
    allow(aws, g["alb"], "ingress", [perm("tcp", 443, cidrs=["0.0.0.0/0"],
                                          cidrs6=["::/0"])])
    allow(aws, g["web"], "ingress", [perm("tcp", 8080, groups=[g["alb"]])])
    allow(aws, g["db"], "ingress", [perm("tcp", 5432, groups=[g["web"]])])
    allow(aws, g["api"], "ingress", [perm("tcp", 8000, groups=[g["alb"]])])
    allow(aws, g["cache"], "ingress", [perm("tcp", 6379, groups=[g["api"]])])
    allow(aws, g["batch"], "egress", [perm("tcp", 443, cidrs=["0.0.0.0/0"]),
                                      perm("tcp", 5432, groups=[g["db"]])])

    def task_eni(service, n, subnet, ip):
        return awsfix.eni(aws, subnet, [g[service]], [ip],
                          description=awsfix.ecs_eni_description(
                              CLUSTER, service, n))

    e = {}
    e["alb"] = awsfix.eni(aws, pub, [g["alb"]], ["10.0.0.10"],
                          description="ELB app/prod-alb/"
                          + awsfix.stable_hex("prod-alb", n=16))
    awsfix.public_ip(aws, e["alb"]["NetworkInterfaceId"], "198.51.100.20")
    e["web-a"] = task_eni("web", 1, priv_a, "10.0.1.10")
    e["web-b"] = task_eni("web", 2, priv_b, "10.0.2.10")
    e["worker"] = task_eni("worker", 1, priv_a, "10.0.1.20")
    e["db"] = awsfix.eni(aws, priv_a, [g["db"]], ["10.0.1.30"],
                         description="RDSNetworkInterface")
    e["api"] = task_eni("api", 1, priv_b, "10.0.2.20")
    e["cache"] = awsfix.eni(aws, priv_b, [g["cache"]], ["10.0.2.30"],
                            description="ElastiCache prod-cache-0001-001")
    e["batch"] = task_eni("batch", 1, priv_a, "10.0.1.40")
    # A web task that was replaced: ECS deleted its ENI, describe-tasks
    # still lists the STOPPED task with a DELETED attachment.
    e["web-old"] = task_eni("web", 0, priv_b, "10.0.2.11")
    aws("ec2", "delete-network-interface", "--network-interface-id",
        e["web-old"]["NetworkInterfaceId"])

    aws("ecs", "create-cluster", "--cluster-name", CLUSTER)
    for family, port in (("web", 8080), ("worker", None), ("api", 8000),
                         ("batch", None)):
        awsfix.task_def(aws, family, port)
    awsfix.service(aws, CLUSTER, "web", "web", 2, [priv_a, priv_b],
                   [g["web"]])
    awsfix.service(aws, CLUSTER, "worker", "worker", 1, [priv_a, priv_b],
                   [g["worker"]])
    awsfix.service(aws, CLUSTER, "api", "api", 1, [priv_a, priv_b],
                   [g["api"]])
    awsfix.service(aws, CLUSTER, "batch", "batch", 1, [priv_a, priv_b],
                   [g["batch"]])
    return v, g, e


def save(aws, out, v, e):
    vf = "Name=vpc-id,Values=" + v
    aws.save(os.path.join(out, "describe-vpcs.json"),
             "ec2", "describe-vpcs", "--vpc-ids", v)
    aws.save(os.path.join(out, "describe-subnets.json"),
             "ec2", "describe-subnets", "--filters", vf,
             "--query", "{Subnets: sort_by(Subnets, &CidrBlock)}")
    aws.save(os.path.join(out, "describe-security-groups.json"),
             "ec2", "describe-security-groups", "--filters", vf,
             "--query", "{SecurityGroups: sort_by(SecurityGroups, &GroupName)}")
    enis = aws("ec2", "describe-network-interfaces", "--filters", vf,
               "--query", "{NetworkInterfaces: sort_by(NetworkInterfaces, "
               "&PrivateIpAddress)}")
    awsfix.write_json(os.path.join(out, "describe-network-interfaces.json"),
                      awsfix.patch_enis(enis))
    aws.save(os.path.join(out, "describe-services.json"),
             "ecs", "describe-services", "--cluster", CLUSTER,
             "--services", "web", "worker", "api", "batch")

    # Fixed timestamps: the tasks are written here, not by moto.
    t0 = 1767261600.123
    tasks = [
        awsfix.task_doc(CLUSTER, "web", "web", e["web-a"], "eu-west-1a", t0),
        awsfix.task_doc(CLUSTER, "web", "web", e["web-b"], "eu-west-1b", t0),
        awsfix.task_doc(CLUSTER, "worker", "worker", e["worker"],
                        "eu-west-1a", t0 + 60),
        awsfix.task_doc(CLUSTER, "api", "api", e["api"], "eu-west-1b",
                        t0 + 120),
        awsfix.task_doc(CLUSTER, "batch", "batch", e["batch"], "eu-west-1a",
                        t0 + 180),
        awsfix.task_doc(CLUSTER, "web", "web", e["web-old"], "eu-west-1b",
                        t0 - 86400, running=False),
    ]
    awsfix.write_json(os.path.join(out, "describe-tasks.json"),
                      {"tasks": tasks, "failures": []})
    return {k: t for k, t in zip(("web-a", "web-b", "worker", "api", "batch",
                                  "web-old"), tasks)}


def expectations(e, t):
    """The verdicts of spec/aws-semantics.md for the seed scenario."""
    x = awsfix.Expect()
    eid = {k: n["NetworkInterfaceId"] for k, n in e.items()}
    tid = {k: d["taskArn"].rsplit("/", 1)[1] for k, d in t.items()}
    arn = {k: d["taskArn"] for k, d in t.items()}
    inet = "203.0.113.9"

    # The internet and the ALB (spec 1: one side outside the model).
    x(inet, eid["alb"], "tcp/443", "allowed",
      "alb ingress tcp 443 from 0.0.0.0/0; the source is outside the model (spec 1)")
    x(inet, "198.51.100.20", "tcp/443", "allowed",
      "the ALB selected by its public address; alb admits 443 from 0.0.0.0/0")
    x(inet, eid["alb"], "tcp/80", "denied",
      "alb admits only tcp 443")
    x(inet, eid["alb"], "udp/443", "denied",
      "alb admits tcp 443, not udp")
    x(inet, eid["web-a"], "tcp/8080", "denied",
      "web admits 8080 only from members of group alb")
    x(inet, tid["api"], "tcp/8000", "denied",
      "api admits 8000 only from members of group alb")
    x(inet, eid["db"], "tcp/5432", "denied",
      "db admits 5432 only from members of group web")
    x(inet, eid["worker"], "tcp/22", "denied",
      "worker has no ingress rules")
    # ALB -> targets.
    x(eid["alb"], eid["web-a"], "tcp/8080", "allowed",
      "alb egress all; web ingress 8080 from group alb (ENI ids)")
    x(eid["alb"], tid["web-b"], "tcp/8080", "allowed",
      "web task B selected by task id; web ingress 8080 from group alb")
    x("10.0.0.10", "10.0.2.10", "tcp/8080", "allowed",
      "by private addresses: 10.0.0.10 carries alb, 10.0.2.10 carries web")
    x(eid["alb"], "service:web", "tcp/8080", "allowed",
      "every running web task carries web, which admits 8080 from alb")
    x(eid["alb"], eid["web-a"], "tcp/8081", "denied",
      "web admits only port 8080")
    x(eid["alb"], eid["web-a"], "icmp/8/0", "denied",
      "web admits no ICMP")
    x(eid["alb"], arn["api"], "tcp/8000", "allowed",
      "api task by ARN; api ingress 8000 from group alb")
    x(eid["alb"], eid["worker"], "tcp/8080", "denied",
      "worker has no ingress rules")
    x(eid["alb"], eid["db"], "tcp/5432", "denied",
      "db admits 5432 only from group web; alb is not a member")
    # Web and the database.
    x(eid["web-a"], eid["db"], "tcp/5432", "allowed",
      "web egress all; db ingress 5432 from group web")
    x(arn["web-b"], "10.0.1.30", "tcp/5432", "allowed",
      "web task B by ARN to the db's private address")
    x("service:web", eid["db"], "tcp/5432", "allowed",
      "both running web tasks carry web")
    x(eid["web-a"], eid["db"], "tcp/5433", "denied",
      "db admits only 5432")
    x(eid["worker"], eid["db"], "tcp/5432", "denied",
      "worker is not a member of web, the only group db admits")
    x(tid["worker"], "10.0.1.30", "tcp/5432", "denied",
      "worker by task id; db admits only group web")
    x(eid["api"], eid["db"], "tcp/5432", "denied",
      "api is not a member of web")
    x(eid["cache"], eid["db"], "tcp/5432", "denied",
      "cache is not a member of web")
    x("10.0.2.11", eid["db"], "tcp/5432", "denied",
      "the STOPPED web task's old address: no loaded ENI holds it (outside "
      "the model), and db admits only group web")
    # Web tasks among themselves (spec 2: membership, not self-reference).
    x(eid["web-a"], eid["web-b"], "tcp/8080", "denied",
      "web admits 8080 from group alb only; web is not self-referencing")
    x(tid["web-a"], tid["web-b"], "tcp/8080", "denied",
      "same, by task ids")
    x("10.0.1.10", "10.0.2.10", "tcp/8080", "denied",
      "same, by private addresses")
    # Api and cache.
    x(eid["api"], eid["cache"], "tcp/6379", "allowed",
      "api egress all; cache ingress 6379 from group api")
    x(tid["api"], "10.0.2.30", "tcp/6379", "allowed",
      "api by task id to the cache's private address")
    x(eid["web-a"], eid["cache"], "tcp/6379", "denied",
      "cache admits only group api")
    x(eid["api"], eid["cache"], "udp/6379", "denied",
      "cache admits tcp only")
    x(eid["web-a"], eid["api"], "tcp/8000", "denied",
      "api admits only group alb")
    x(eid["api"], eid["web-b"], "tcp/8080", "denied",
      "web admits only group alb")
    # Batch: restricted egress (spec 1: both sides must allow).
    x(eid["batch"], eid["db"], "tcp/5432", "denied",
      "batch egress allows 5432 to group db, but db admits only group web")
    x(tid["batch"], eid["api"], "tcp/8000", "denied",
      "batch egress allows only tcp 443 to 0.0.0.0/0 and 5432 to db")
    x(eid["batch"], "8.8.8.8", "tcp/443", "allowed",
      "batch egress tcp 443 to 0.0.0.0/0; the destination is outside the model")
    x(arn["batch"], "8.8.8.8", "udp/53", "denied",
      "batch has no udp egress")
    x(eid["batch"], "8.8.8.8", "tcp/80", "denied",
      "batch egress allows only 443 to the internet")
    x(eid["batch"], eid["alb"], "tcp/443", "allowed",
      "batch egress 443 to 0.0.0.0/0 covers 10.0.0.10; alb admits 443 from 0.0.0.0/0")
    x(eid["worker"], eid["batch"], "tcp/443", "denied",
      "batch has no ingress rules")
    # Egress-all tasks to the internet.
    x(eid["worker"], "8.8.8.8", "udp/53", "allowed",
      "worker keeps the default egress rule: all traffic to 0.0.0.0/0")
    x(tid["web-a"], "8.8.8.8", "tcp/443", "allowed",
      "web keeps the default egress rule")
    return x


def main():
    out = HERE
    with awsfix.Moto() as aws:
        aws.reset(SEED)
        v, g, e = build(aws)
        t = save(aws, out, v, e)
    expectations(e, t).write(os.path.join(HERE, "..", "expected.tsv"))


if __name__ == "__main__":
    main()
