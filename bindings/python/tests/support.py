"""Shared helpers of the sgreach Python tests (not a test module).

The tests run against the library SGREACH_LIBRARY names (make check points
it into the build tree); they fail, rather than skip, when it is missing, so
a broken build cannot pass as "no tests run".
"""

import json
import os
import pathlib
import tempfile
import threading
import unittest

import sgreach

HERE = pathlib.Path(__file__).resolve().parent
TOP_SRCDIR = pathlib.Path(os.environ.get("top_srcdir") or HERE.parents[2])
CASES_DIR = TOP_SRCDIR / "tests" / "cases"
EXAMPLE_DIR = TOP_SRCDIR / "examples" / "ecs-awsvpc" / "aws"
MAP_FILE = TOP_SRCDIR / "src" / "libsgreach.map"

VPC = "vpc-0100"
TASK_ARN = "arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef"
TASK_ID = "0123456789abcdef"


def library_path():
    """The library under test: SGREACH_LIBRARY, as make check sets it."""
    return os.environ.get("SGREACH_LIBRARY")


def perm(protocol, from_port=None, to_port=None, cidrs=(), groups=(),
         prefix_lists=(), ipv6=()):
    """One IpPermission as `aws ec2 describe-security-groups` prints it."""
    p = {"IpProtocol": protocol}
    if from_port is not None:
        p["FromPort"] = from_port
        p["ToPort"] = to_port
    p["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in ipv6]
    p["PrefixListIds"] = [{"PrefixListId": pl} for pl in prefix_lists]
    p["UserIdGroupPairs"] = [{"GroupId": g, "UserId": "111122223333"}
                             for g in groups]
    return p


def group(group_id, name, ingress=(), egress=()):
    return {"GroupId": group_id, "GroupName": name, "VpcId": VPC,
            "OwnerId": "111122223333", "Description": name,
            "IpPermissions": list(ingress),
            "IpPermissionsEgress": list(egress)}


def eni(eni_id, address, groups, subnet="subnet-0a", public=None):
    e = {"NetworkInterfaceId": eni_id, "InterfaceType": "interface",
         "Status": "in-use", "SubnetId": subnet, "VpcId": VPC,
         "Description": "", "Groups": [{"GroupId": g, "GroupName": g}
                                       for g in groups],
         "PrivateIpAddress": address,
         "PrivateIpAddresses": [{"Primary": True,
                                 "PrivateIpAddress": address}],
         "Ipv6Addresses": [], "TagSet": []}
    if public:
        e["Association"] = {"PublicIp": public}
        e["PrivateIpAddresses"][0]["Association"] = {"PublicIp": public}
    return e


def documents():
    """A small three-tier model as AWS CLI documents.

    Expected answers (from the AWS semantics spec, sections 1-2, never
    from running sgreach):
      eni-web -> eni-db  tcp/5432  allowed  (sg-web egress by group, sg-db
                                             ingress by group)
      eni-web -> eni-db  tcp/5433  denied   (no egress rule for the port)
      eni-db  -> eni-web tcp/443   denied   (sg-db has no egress rules)
      203.0.113.5 -> eni-web tcp/443 allowed (only ingress applies)
      eni-web -> 8.8.8.8 tcp/443  denied    (egress to sg-db only)
      eni-lost -> 8.8.8.8 tcp/443 unknown  (sg-lost's rules not loaded)
      203.0.113.5 -> service:mixed tcp/443 partial (its task on eni-web
                                             admits 443, its task on eni-db
                                             does not: spec 4)
    """
    groups = {"SecurityGroups": [
        group("sg-web", "web",
              ingress=[perm("tcp", 443, 443, cidrs=["0.0.0.0/0"])],
              egress=[perm("tcp", 5432, 5432, groups=["sg-db"])]),
        group("sg-db", "db",
              ingress=[perm("tcp", 5432, 5432, groups=["sg-web"])]),
    ]}
    enis = {"NetworkInterfaces": [
        eni("eni-web", "10.0.1.10", ["sg-web"], public="54.0.0.10"),
        eni("eni-db", "10.0.2.20", ["sg-db"], subnet="subnet-0b"),
        eni("eni-lost", "10.0.1.30", ["sg-lost"]),
    ]}
    tasks = {"tasks": [task("mixed-1", "eni-web", "10.0.1.10"),
                       task("mixed-2", "eni-db", "10.0.2.20")],
             "failures": []}
    return [groups, enis, tasks]


def task(task_id, eni_id, address, service="mixed"):
    """One RUNNING awsvpc task as `aws ecs describe-tasks` prints it."""
    arn = "arn:aws:ecs:us-east-1:111122223333:task/prod/" + task_id
    return {"taskArn": arn, "group": "service:" + service,
            "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
            "launchType": "FARGATE",
            "clusterArn": "arn:aws:ecs:us-east-1:111122223333:cluster/prod",
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:"
                                 "task-definition/" + service + ":1",
            "attachments": [{
                "id": task_id + "-att", "type": "ElasticNetworkInterface",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": "subnet-0a"},
                    {"name": "networkInterfaceId", "value": eni_id},
                    {"name": "macAddress", "value": "0a:00:00:00:00:01"},
                    {"name": "privateIPv4Address", "value": address},
                ]}]}


class TempDocuments:
    """Writes documents to files in a temporary directory (for load() and
    the command-line tool); use as a context manager yielding the paths."""

    def __init__(self, docs):
        self._docs = docs
        self._dir = None

    def __enter__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="sgreach-py-")
        paths = []
        for i, doc in enumerate(self._docs):
            path = os.path.join(self._dir.name, "doc%02d.json" % i)
            with open(path, "w", encoding="utf-8") as f:
                if isinstance(doc, str):
                    f.write(doc)
                else:
                    json.dump(doc, f)
            paths.append(path)
        return paths

    def __exit__(self, *exc):
        self._dir.cleanup()
        return False


def loaded_model(**kwargs):
    """A finalized model of documents(), loaded from memory."""
    m = sgreach.Model(finalize=False, library=library_path(), **kwargs)
    for i, doc in enumerate(documents()):
        m.load_bytes(json.dumps(doc).encode(), name="support#%d" % i)
    m.finalize()
    return m


class SharedModel(unittest.TestCase):
    """Test cases that share one loaded_model(), as self.m."""

    @classmethod
    def setUpClass(cls):
        cls.m = loaded_model()

    @classmethod
    def tearDownClass(cls):
        cls.m.close()


def differences_in_threads(call, expected, threads=4, rounds=20):
    """Calls call() rounds times in each of several threads at once; returns
    the results that differ from expected (the first of each thread)."""
    failures = []

    def worker():
        for _ in range(rounds):
            got = call()
            if got != expected:
                failures.append(got)
                return

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return failures


def rule_groups(side):
    """The sorted ids of the groups whose rules decided one side."""
    return sorted({rule["group_id"] for rule in side.get("rules") or ()})
