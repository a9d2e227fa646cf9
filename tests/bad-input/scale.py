#!/usr/bin/env python3
"""How load, finalize and one query grow with the counts a document holds.

Not a test (timings vary): run it by hand to see which count is worth a
limit.  For each shape it writes a document of N and 4N objects and times
"sgreach query" on it; a ratio near 4 is linear, near 16 quadratic.

usage: scale.py SGREACH [N]   (default N = 5000)
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def addr(i):
    return "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)


def shapes(n):
    yield "rules in one group", {"SecurityGroups": [{
        "GroupId": "sg-1", "IpPermissionsEgress": [], "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": i % 65536, "ToPort": i % 65536,
             "IpRanges": [{"CidrIp": addr(i * 256) + "/24"}]}
            for i in range(n)]}]}
    yield "interfaces", {"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-%x" % i, "PrivateIpAddress": addr(i),
         "Groups": [{"GroupId": "sg-1"}]} for i in range(n)]}
    yield "groups on one interface", {"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.1",
         "Groups": [{"GroupId": "sg-%x" % i} for i in range(n)]}]}
    yield "addresses on one interface", {"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-1", "Groups": [{"GroupId": "sg-1"}],
         "PrivateIpAddresses": [{"PrivateIpAddress": addr(i)}
                                for i in range(n)]}]}
    yield "groups referenced, one member each", {
        "SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{
            "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
            "UserIdGroupPairs": [{"GroupId": "sg-%x" % i}
                                 for i in range(n)]}]}],
        "NetworkInterfaces": [
            {"NetworkInterfaceId": "eni-%x" % i, "PrivateIpAddress": addr(i),
             "Groups": [{"GroupId": "sg-%x" % i}, {"GroupId": "sg-1"}]}
            for i in range(n)]}
    yield "tasks", {"tasks": [
        {"taskArn": "arn:aws:ecs:r:1:task/c/%x" % i, "group": "service:web",
         "lastStatus": "RUNNING", "attachments": [{
             "type": "ElasticNetworkInterface", "status": "ATTACHED",
             "details": [{"name": "networkInterfaceId",
                          "value": "eni-%x" % i}]}]} for i in range(n)]}


def run(sgreach, path):
    t = time.monotonic()
    p = subprocess.Popen([sgreach, "query", "-f", path, "eni-1", "10.0.0.2",
                          "tcp/1"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(p.pid, 0)
    p.returncode = 0
    return time.monotonic() - t, usage.ru_maxrss


def main():
    sgreach = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    with tempfile.TemporaryDirectory() as d:
        for k in (n, 4 * n):
            for i, (name, doc) in enumerate(shapes(k)):
                p = os.path.join(d, "%d-%d.json" % (i, k))
                with open(p, "w") as f:
                    json.dump(doc, f)
        for i, (name, _) in enumerate(shapes(1)):
            t1, m1 = run(sgreach, os.path.join(d, "%d-%d.json" % (i, n)))
            t4, m4 = run(sgreach, os.path.join(d, "%d-%d.json" % (i, 4 * n)))
            print("%-36s N=%d %6.2fs  4N %6.2fs (x%4.1f)  max RSS %d MB"
                  % (name, n, t1, t4, t4 / max(t1, 1e-3), m4 // 1024))


if __name__ == "__main__":
    main()
