#!/usr/bin/env python3
"""Writes the malformed documents of tests/bad-input (run from anywhere).

The files are checked in; this script says exactly how each was made
(several hold bytes an editor would not keep: NUL, 0xFF, a BOM).  What each
must produce is written by hand in MANIFEST, from the input rules of
sgreach-inputs(5), not from running sgreach.  Inputs too big to check in
(1 GiB, a million elements, 100000 levels) are made by run.sh at test time.
"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))


def sg(perm=None, **group):
    g = {"GroupId": "sg-0bad", "GroupName": "bad", "VpcId": "vpc-0bad"}
    g.update(group)
    if perm is not None:
        g["IpPermissions"] = [perm]
    return {"SecurityGroups": [g]}


def perm(**kw):
    p = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    p.update(kw)
    return p


def eni(**kw):
    e = {"NetworkInterfaceId": "eni-0bad", "VpcId": "vpc-0bad",
         "SubnetId": "subnet-0bad", "PrivateIpAddress": "10.0.0.5",
         "PrivateIpAddresses": [{"Primary": True,
                                 "PrivateIpAddress": "10.0.0.5"}],
         "Groups": [{"GroupId": "sg-0bad"}]}
    e.update(kw)
    return {"NetworkInterfaces": [e]}


def tf(rtype, name, values):
    return {"format_version": "1.0", "values": {"root_module": {
        "resources": [{"address": "%s.%s" % (rtype, name), "mode": "managed",
                       "type": rtype, "name": name, "values": values}]}}}


def task():
    return {"taskArn": "arn:aws:ecs:eu-west-1:111122223333:task/c/0bad",
            "group": "service:web", "lastStatus": "RUNNING",
            "attachments": [{"type": "ElasticNetworkInterface",
                             "status": "ATTACHED", "details": [
                                 {"name": "networkInterfaceId",
                                  "value": "eni-0bad"}]}]}


def service(**kw):
    s = {"serviceName": "web",
         "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/c",
         "networkConfiguration": {"awsvpcConfiguration": {
             "subnets": ["subnet-0bad"], "securityGroups": ["sg-0bad"]}}}
    s.update(kw)
    return s


def cidr(text):
    return sg(perm(IpRanges=[{"CidrIp": text}]))


def cidr6(text):
    return sg(perm(IpRanges=[], Ipv6Ranges=[{"CidrIpv6": text}]))


docs = {
    # wrong types
    "type-groupid-number.json": sg(GroupId=5),
    "type-permissions-object.json": sg(None, IpPermissions={"IpProtocol": "tcp"}),
    "type-ipranges-string.json": sg(perm(IpRanges="10.0.0.0/8")),
    "type-toplevel-list.json": [{"SecurityGroups": []}],
    "type-group-null.json": {"SecurityGroups": [None]},
    "type-isegress-string.json": {"SecurityGroupRules": [{
        "SecurityGroupRuleId": "sgr-0bad", "GroupId": "sg-0bad",
        "IsEgress": "yes", "IpProtocol": "tcp", "FromPort": 443,
        "ToPort": 443, "CidrIpv4": "10.0.0.0/8"}]},
    "type-eni-groups-object.json": eni(Groups={"GroupId": "sg-0bad"}),
    "type-task-attachments.json": {"tasks": [{
        "taskArn": "arn:aws:ecs:eu-west-1:111122223333:task/c/0bad",
        "group": "service:web", "lastStatus": "RUNNING",
        "attachments": "eni-0bad"}]},
    # numbers out of range or not integers
    "port-over-65535.json": sg(perm(FromPort=70000, ToPort=70000)),
    "port-negative.json": sg(perm(FromPort=-2)),
    "icmp-type-256.json": sg(perm(IpProtocol="icmp", FromPort=256, ToPort=0)),
    "protocol-256.json": sg(perm(IpProtocol="256")),
    "protocol-name.json": sg(perm(IpProtocol="tcpp")),
    # addresses: every spelling libcidr alone would take
    "cidr-leading-zero.json": cidr("010.0.0.1/32"),
    "cidr-short.json": cidr("10.1/16"),
    "cidr-suffix.json": cidr("10.0.0.0/8a"),
    "cidr-prefix-33.json": cidr("10.0.0.0/33"),
    "cidr-prefix-leading-zero.json": cidr("10.0.0.0/08"),
    "cidr-no-length.json": cidr("10.0.0.1"),
    "cidr-space.json": cidr(" 10.0.0.0/8"),
    "cidr-ipv6-in-ipv4.json": cidr("::/0"),
    "cidr6-double-gap.json": cidr6("1::2::3/128"),
    "cidr6-prefix-129.json": cidr6("2001:db8::/129"),
    "cidr6-zone.json": cidr6("fe80::1%eth0/128"),
    "eni-address-leading-zero.json": eni(PrivateIpAddress="010.0.0.5",
                                         PrivateIpAddresses=[{
                                             "Primary": True,
                                             "PrivateIpAddress": "010.0.0.5"}]),
    "eni-ipv6-double-gap.json": eni(Ipv6Addresses=[{"Ipv6Address": "1::2::3"}]),
    "prefix-list-cidr.json": {"PrefixLists": [{"PrefixListId": "pl-0bad",
                                               "Cidrs": ["10.1/16"]}]},
    "unknown-document.json": {"Instances": []},
    # found by fuzz_load: the same task twice in one document
    "task-twice.json": {"tasks": [task(), task()]},
    # services are per cluster: the same one twice, a name over ECS's limit
    "service-twice.json": {"services": [service(), service()]},
    "service-name-long.json": {"services": [service(serviceName="w" * 300)]},
    "type-task-cluster.json": {"tasks": [dict(task(), clusterArn=5)]},
    # Terraform (terraform show -json)
    "tf-port-string.json": tf("aws_security_group", "a", {
        "id": "sg-0bad", "ingress": [{
            "from_port": "x", "to_port": 443, "protocol": "tcp",
            "cidr_blocks": ["10.0.0.0/8"]}]}),
    "tf-cidr-short.json": tf("aws_security_group", "a", {
        "id": "sg-0bad", "ingress": [{
            "from_port": 443, "to_port": 443, "protocol": "tcp",
            "cidr_blocks": ["10.1/16"]}]}),
    "tf-eni-address.json": tf("aws_network_interface", "n", {
        "id": "eni-0bad", "private_ips": ["010.0.0.1"],
        "security_groups": ["sg-0bad"], "subnet_id": "subnet-0bad"}),
    "tf-resources-string.json": {"format_version": "1.0", "values": {
        "root_module": {"resources": "x"}}},
}

raw = {
    "truncated.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad"',
    "truncated-string.json": b'{"SecurityGroups": [{"GroupId": "sg-0b',
    "truncated-number.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                             b'"IpPermissions": [{"FromPort": 4',
    "port-fraction.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                          b'"IpPermissions": [{"IpProtocol": "tcp", '
                          b'"FromPort": 443.5, "ToPort": 443}]}]}',
    "port-exponent.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                          b'"IpPermissions": [{"IpProtocol": "tcp", '
                          b'"FromPort": 1e300, "ToPort": 443}]}]}',
    "number-too-long.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                            b'"IpPermissions": [{"IpProtocol": "tcp", '
                            b'"FromPort": ' + b'1' * 400 + b'}]}]}',
    "duplicate-key-top.json": b'{"SecurityGroups": [], "SecurityGroups": []}',
    "duplicate-key-rule.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                               b'"IpPermissions": [{"IpProtocol": "tcp", '
                               b'"FromPort": 22, "FromPort": 443, '
                               b'"ToPort": 443}]}]}',
    "trailing-garbage.json": b'{"SecurityGroups": []} x',
    "trailing-document.json": b'{"SecurityGroups": []}{"SecurityGroups": []}',
    "nul-byte.json": b'{"SecurityGroups": [\0]}',
    "nul-in-string.json": b'{"SecurityGroups": [{"GroupId": "sg-\0bad"}]}',
    "escaped-nul.json": b'{"SecurityGroups": [{"GroupId": "sg-\\u0000bad"}]}',
    "non-utf8.json": b'{"SecurityGroups": [{"GroupId": "sg-\xff"}]}',
    "overlong-utf8.json": b'{"SecurityGroups": [{"GroupId": "sg-\xc0\xaf"}]}',
    "surrogate-utf8.json": b'{"SecurityGroups": [{"GroupId": "sg-\xed\xa0\x80"}]}',
    "lone-surrogate-escape.json": b'{"SecurityGroups": [{"GroupId": "sg-\\ud800"}]}',
    "bom.json": b'\xef\xbb\xbf{"SecurityGroups": []}',
    "empty.json": b'',
    "whitespace.json": b' \n\t \n',
    "null.json": b'null',
    "deep-nesting.json": b'{"SecurityGroups": ' + b'[' * 64 + b']' * 64 + b'}',
    "dir-one-bad/a-good.json": b'{"SecurityGroups": [{"GroupId": "sg-0good", '
                               b'"IpPermissions": [], '
                               b'"IpPermissionsEgress": []}]}\n',
    "dir-one-bad/b-bad.json": b'{"SecurityGroups": [{"GroupId": "sg-0bad", '
                              b'"IpPermissions": [{"IpProtocol": "tcp", '
                              b'"FromPort": 443, "ToPort": 443, '
                              b'"IpRanges": [{"CidrIp": "10.0.0.0/8a"}]}]}]}\n',
}


def main():
    for name, doc in docs.items():
        with open(os.path.join(here, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    for name, data in raw.items():
        path = os.path.join(here, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
