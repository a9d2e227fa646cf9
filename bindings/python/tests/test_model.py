"""Building and loading models: every add/load function and its errors."""

import errno
import json
import os
import tempfile
import unittest

import sgreach

import support

LIB = support.library_path()


def built_model():
    """The model of support.documents(), built with the add functions, plus
    a prefix list, a VPC, subnets, a peering and a task."""
    m = sgreach.Model(library=LIB)
    m.add_vpc(support.VPC, "10.0.0.0/16")
    m.add_vpc(support.VPC, "10.1.0.0/16")
    m.add_vpc("vpc-0200", "172.16.0.0/16")
    m.add_peering("pcx-01", support.VPC, "vpc-0200", active=True)
    m.add_subnet("subnet-0a", support.VPC, "10.0.1.0/24")
    m.add_subnet("subnet-0b", support.VPC, "10.0.2.0/24",
                 ipv6_cidrs=["2001:db8:0:2::/64"])
    m.add_subnet("subnet-v6", support.VPC, None)
    m.add_subnet_cidr("subnet-v6", "2001:db8:0:3::/64")
    m.add_group("sg-web", "web", support.VPC, complete=True)
    m.add_group("sg-db", "db", support.VPC, complete=True)
    m.add_rule("sg-web", "ingress", "tcp", 443, 443, "0.0.0.0/0",
               rule_id="sgr-01", description="https from anywhere")
    m.add_rule("sg-web", "egress", "tcp", 5432, 5432, "sg-db")
    m.add_rule("sg-web", "egress", 6, 443, 443, "pl-s3")
    m.add_rule("sg-web", "egress", "tcp", 80, 80, "pl-gone")
    m.add_rule("sg-web", "egress", "tcp", 6000, 6000, "10.0.0.0/16")
    m.add_rule("sg-db", "ingress", "tcp", 5432, 5432, "sg-web")
    m.add_rule("sg-db", "ingress", "tcp", 6000, 6000, "sg-web", stale=True)
    m.add_prefix_list("pl-s3", "com.amazonaws.us-east-1.s3")
    m.add_prefix_list_entry("pl-s3", "52.216.0.0/15")
    m.add_endpoint("eni-web", "eni", support.VPC, "subnet-0a", "web",
                   addresses=["10.0.1.10"], public_addresses=["54.0.0.10"],
                   groups=["sg-web"])
    m.add_endpoint("eni-db", vpc_id=support.VPC, subnet_id="subnet-0b")
    m.add_address("eni-db", "10.0.2.20")
    m.add_endpoint_group("eni-db", "sg-db")
    m.add_endpoint("eni-lost", "eni", support.VPC, "subnet-0a",
                   addresses=["10.0.1.30"], groups=["sg-lost"])
    m.add_endpoint("eni-trunk", "trunk", support.VPC, "subnet-0a")
    m.add_endpoint("eni-branch", "branch", support.VPC, "subnet-0a",
                   addresses=["10.0.1.40"], groups=["sg-web"])
    m.add_task(support.TASK_ARN, "eni-branch", "web")
    m.add_endpoint("svc-api", "service", support.VPC)
    m.add_endpoint_subnet("svc-api", "subnet-0b")
    return m


class Building(unittest.TestCase):
    def test_build_and_count(self):
        with built_model() as m:
            self.assertFalse(m.finalized)
            m.finalize()
            self.assertTrue(m.finalized)
            counts = m.counts
            self.assertEqual(set(counts), {"groups", "rules", "endpoints",
                                           "tasks", "prefix_lists",
                                           "subnets", "vpcs"})
            self.assertEqual(counts["rules"], 7)
            # Six added, plus the service "web" that finalize creates for
            # the task naming it (service:web then selects its tasks).
            self.assertEqual(counts["endpoints"], 7)
            self.assertEqual(counts["tasks"], 1)
            self.assertEqual(counts["subnets"], 3)
            self.assertEqual(counts["vpcs"], 2)
            # pl-gone is only referenced; a reference may or may not count.
            self.assertIn(counts["prefix_lists"], (1, 2))
            # sg-web, sg-db, sg-lost (by reference), maybe a VPC default.
            self.assertGreaterEqual(counts["groups"], 3)
            self.assertIn("finalized", repr(m))

    def test_identical_rules_count_once(self):
        with sgreach.Model(library=LIB) as m:
            m.add_rule("sg-a", "ingress", "tcp", 22, 22, "10.0.0.0/8")
            m.add_rule("sg-a", "ingress", "6", 22, 22, "10.0.0.0/8")
            m.add_rule("sg-a", "ingress", "tcp", 23, 23, "10.0.0.0/8")
            m.finalize()
            self.assertEqual(m.counts["rules"], 2)

    def test_numeric_enum_values_accepted(self):
        with sgreach.Model(library=LIB) as m:
            m.add_rule("sg-a", 1, "-1", -1, -1, "0.0.0.0/0", peer_kind=0)
            m.add_endpoint("eni-a", 0, addresses=["10.0.0.1"])
            m.finalize()
            self.assertEqual(m.counts["rules"], 1)

    def test_peer_kind_inferred(self):
        from sgreach.model import _peer_kind
        self.assertEqual(_peer_kind("sg-0abc"), "group")
        self.assertEqual(_peer_kind("111122223333/sg-0abc"), "group")
        self.assertEqual(_peer_kind("pl-0abc"), "prefix-list")
        self.assertEqual(_peer_kind("10.0.0.0/8"), "cidr")
        self.assertEqual(_peer_kind("2001:db8::/32"), "cidr")

    def test_unknown_peer(self):
        with sgreach.Model(library=LIB) as m:
            m.add_rule("sg-a", "ingress", "tcp", 80, 80,
                       "aws_security_group.alb.id", peer_kind="unknown")
            m.finalize()
            self.assertEqual(m.counts["rules"], 1)

    def test_python_side_argument_errors(self):
        with sgreach.Model(library=LIB) as m:
            with self.assertRaises(ValueError):
                m.add_rule("sg-a", "sideways", "tcp", 1, 1, "10.0.0.0/8")
            with self.assertRaises(ValueError):
                m.add_rule("sg-a", "ingress", "tcp", 1, 1, "10.0.0.0/8",
                           peer_kind="host")
            with self.assertRaises(ValueError):
                m.add_endpoint("eni-a", "instance")
            with self.assertRaises(TypeError):
                m.add_group(42)
            with self.assertRaises(ValueError):
                m.add_group("sg-a\0sg-b")
            with self.assertRaises(TypeError):
                m.add_rule("sg-a", "ingress", "tcp", 1, 1, None)
            m.finalize()
            self.assertEqual(m.counts["rules"], 0)


class LibraryErrors(unittest.TestCase):
    def setUp(self):
        self.m = sgreach.Model(library=LIB)
        self.addCleanup(self.m.close)

    def assertError(self, cls, fn, *args, **kwargs):
        with self.assertRaises(cls) as cm:
            fn(*args, **kwargs)
        exc = cm.exception
        self.assertIsInstance(exc, sgreach.Error)
        self.assertLess(exc.code, 0)
        self.assertEqual(exc.errno, -exc.code)
        self.assertEqual(exc.strerror, sgreach.strerror(exc.code, LIB))
        self.assertTrue(str(exc))
        return exc

    def test_empty_group_id(self):
        exc = self.assertError(sgreach.InputError, self.m.add_group, "")
        self.assertIsInstance(exc, ValueError)

    def test_bad_protocol(self):
        exc = self.assertError(sgreach.InputError, self.m.add_rule, "sg-a",
                               "ingress", "bogus", 1, 1, "10.0.0.0/8")
        self.assertEqual(exc.message, self.m.error)
        self.assertIn("bogus", str(exc))

    def test_bad_cidr(self):
        for cidr in ("10.0.0.0/33", "010.0.0.1/32", "10.1/16",
                     "10.0.0.0/8a"):
            with self.subTest(cidr=cidr):
                exc = self.assertError(sgreach.InputError, self.m.add_rule,
                                       "sg-a", "ingress", "tcp", 1, 1, cidr)
                self.assertIn(cidr, str(exc))

    def test_duplicate_endpoint(self):
        self.m.add_endpoint("eni-a")
        self.assertError(sgreach.Exists, self.m.add_endpoint, "eni-a")

    def test_duplicate_task(self):
        self.m.add_endpoint("eni-a", addresses=["10.0.0.1"])
        self.m.add_task(support.TASK_ARN, "eni-a")
        self.assertError(sgreach.Exists, self.m.add_task, support.TASK_ARN,
                         "eni-a")

    def test_address_of_missing_endpoint(self):
        exc = self.assertError(sgreach.NotFound, self.m.add_address,
                               "eni-none", "10.0.0.1")
        self.assertIsInstance(exc, LookupError)
        self.assertError(sgreach.NotFound, self.m.add_endpoint_group,
                         "eni-none", "sg-a")

    def test_bad_address(self):
        self.m.add_endpoint("eni-a")
        self.assertError(sgreach.InputError, self.m.add_address, "eni-a",
                         "10.0.0.256")

    def test_bad_prefix_list_entry(self):
        self.assertError(sgreach.InputError, self.m.add_prefix_list_entry,
                         "pl-a", "not-a-cidr")

    def test_bad_subnet_and_vpc_cidr(self):
        self.assertError(sgreach.InputError, self.m.add_subnet, "subnet-a",
                         support.VPC, "10.0.0.0/99")
        self.assertError(sgreach.InputError, self.m.add_vpc, support.VPC,
                         "ten")

    def test_busy_after_finalize(self):
        self.m.finalize()
        calls = [
            (self.m.add_group, "sg-a"),
            (self.m.add_rule, "sg-a", "ingress", "tcp", 1, 1, "10.0.0.0/8"),
            (self.m.add_endpoint, "eni-a"),
            (self.m.add_address, "eni-a", "10.0.0.1"),
            (self.m.add_endpoint_group, "eni-a", "sg-a"),
            (self.m.add_endpoint_subnet, "eni-a", "subnet-a"),
            (self.m.add_task, support.TASK_ARN, "eni-a"),
            (self.m.add_prefix_list, "pl-a"),
            (self.m.add_prefix_list_entry, "pl-a", "10.0.0.0/8"),
            (self.m.add_subnet, "subnet-a", support.VPC, "10.0.0.0/24"),
            (self.m.add_subnet_cidr, "subnet-a", "2001:db8::/64"),
            (self.m.add_vpc, "vpc-a", "10.0.0.0/16"),
            (self.m.add_peering, "pcx-a", "vpc-a", "vpc-b"),
            (self.m.load_bytes, b'{"SecurityGroups": []}'),
            (self.m.load, os.devnull),
        ]
        for fn, *args in calls:
            with self.subTest(function=fn.__name__):
                self.assertError(sgreach.Busy, fn, *args)

    def test_closed_model(self):
        self.m.close()
        self.assertTrue(self.m.closed)
        self.m.close()
        self.assertIn("closed", repr(self.m))
        for fn, args in ((self.m.add_group, ("sg-a",)),
                         (self.m.finalize, ()),
                         (self.m.query, ("10.0.0.1", "10.0.0.2", "tcp/1"))):
            with self.assertRaises(ValueError):
                fn(*args)
        with self.assertRaises(ValueError):
            self.m.warnings


class ErrorClasses(unittest.TestCase):
    def test_every_documented_code_has_its_class(self):
        from sgreach.errors import error_for
        table = {errno.EINVAL: (sgreach.InputError, ValueError),
                 errno.ENOENT: (sgreach.NotFound, LookupError),
                 errno.EBUSY: (sgreach.Busy,),
                 errno.EEXIST: (sgreach.Exists,),
                 errno.E2BIG: (sgreach.TooBig,),
                 errno.ENOMEM: (sgreach.OutOfMemory, MemoryError),
                 errno.EACCES: (sgreach.FileError,),
                 errno.EISDIR: (sgreach.FileError,),
                 errno.EIO: (sgreach.FileError,),
                 errno.EPERM: (sgreach.Error,)}
        for code, classes in table.items():
            with self.subTest(code=code):
                text = sgreach.strerror(-code, LIB)
                exc = error_for(-code, text)
                self.assertIs(type(exc), classes[0])
                for cls in classes + (sgreach.Error,):
                    self.assertIsInstance(exc, cls)
                self.assertEqual((exc.code, exc.errno), (-code, code))
                self.assertEqual(str(exc), text)
                self.assertIsNone(exc.detail)
                exc = error_for(-code, text, "f.json: $.x: expected a string")
                self.assertEqual(str(exc), "f.json: $.x: expected a string")
                self.assertEqual(exc.strerror, text)


class Loading(unittest.TestCase):
    def test_model_from_paths_finalizes(self):
        with support.TempDocuments(support.documents()) as paths:
            with sgreach.Model(*paths, library=LIB) as m:
                self.assertTrue(m.finalized)
                # Three ENIs and the service "mixed" of the two tasks.
                self.assertEqual(m.counts["endpoints"], 4)
                self.assertEqual(m.counts["rules"], 3)
                self.assertEqual(m.counts["tasks"], 2)
                self.assertTrue(m.query("eni-web", "eni-db", "tcp/5432"))
            with sgreach.Model(*paths, finalize=False, library=LIB) as m:
                self.assertFalse(m.finalized)
                m.add_endpoint("eni-more", addresses=["10.0.1.99"])
                m.finalize()
                self.assertEqual(m.counts["endpoints"], 5)

    def test_empty_model_not_finalized_unless_asked(self):
        with sgreach.Model(library=LIB) as m:
            self.assertFalse(m.finalized)
        with sgreach.Model(finalize=True, library=LIB) as m:
            self.assertTrue(m.finalized)
            self.assertEqual(sum(m.counts.values()), 0)

    def test_load_directory_and_pathlike(self):
        import pathlib
        with support.TempDocuments(support.documents()) as paths:
            directory = os.path.dirname(paths[0])
            with sgreach.Model(directory, library=LIB) as m:
                self.assertEqual(m.counts["endpoints"], 4)
                self.assertEqual(m.counts["tasks"], 2)
            with sgreach.Model(pathlib.Path(paths[1]), pathlib.Path(paths[0]),
                               library=LIB) as m:
                self.assertEqual(m.counts["endpoints"], 3)
                self.assertEqual(m.counts["tasks"], 0)

    def test_load_bytes_kinds(self):
        docs = support.documents()
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.load_bytes(json.dumps(docs[0]), name="str")
            m.load_bytes(bytearray(json.dumps(docs[1]).encode()))
            m.finalize()
            self.assertEqual(m.counts["endpoints"], 3)

    def test_missing_file(self):
        with self.assertRaises(sgreach.NotFound) as cm:
            sgreach.Model("/nonexistent/sg.json", library=LIB)
        self.assertIn("/nonexistent/sg.json", str(cm.exception))

    def test_empty_directory(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(sgreach.NotFound) as cm:
                sgreach.Model(d, library=LIB)
            self.assertIn(d, str(cm.exception))

    def test_file_over_the_limit(self):
        # A sparse file just over the documented 1 GiB limit: refused from
        # its size, before anything is read.
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            f.truncate((1 << 30) + 1)
            with self.assertRaises(sgreach.TooBig) as cm:
                sgreach.Model(f.name, library=LIB)
            self.assertIn(f.name, str(cm.exception))

    @unittest.skipUnless(os.path.exists("/proc/self/mem"), "Linux only")
    def test_unreadable_file(self):
        # Reading /proc/self/mem at offset 0 fails with EIO.
        with self.assertRaises(sgreach.FileError) as cm:
            sgreach.Model("/proc/self/mem", library=LIB)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertIn("/proc/self/mem", str(cm.exception))

    def test_invalid_json_names_buffer(self):
        with sgreach.Model(library=LIB) as m:
            with self.assertRaises(sgreach.InputError) as cm:
                m.load_bytes(b'{"SecurityGroups": [', name="broken.json")
            self.assertIn("broken.json", str(cm.exception))
            self.assertEqual(cm.exception.detail, m.error)

    def test_wrong_type_names_json_path(self):
        doc = {"SecurityGroups": [{"GroupId": 5, "IpPermissions": []}]}
        with sgreach.Model(library=LIB) as m:
            with self.assertRaises(sgreach.InputError) as cm:
                m.load_bytes(json.dumps(doc), name="groups.json")
            self.assertIn("groups.json", str(cm.exception))
            self.assertIn("GroupId", str(cm.exception))

    def test_invalid_file_names_file(self):
        with support.TempDocuments(['{"NetworkInterfaces": [1]}']) as paths:
            with self.assertRaises(sgreach.InputError) as cm:
                sgreach.Model(*paths, library=LIB)
            self.assertIn(os.path.basename(paths[0]), str(cm.exception))

    def test_failed_document_leaves_nothing(self):
        docs = support.documents()
        bad = {"NetworkInterfaces": [support.eni("eni-new", "10.0.9.9",
                                                 ["sg-web"]),
                                     {"NetworkInterfaceId": 7}]}
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.load_bytes(json.dumps(docs[0]))
            m.load_bytes(json.dumps(docs[1]))
            with self.assertRaises(sgreach.InputError):
                m.load_bytes(json.dumps(bad), name="bad")
            m.finalize()
            self.assertEqual(m.counts["endpoints"], 3)
            with self.assertRaises(sgreach.NotFound):
                m.query("eni-new", "eni-db", "tcp/5432")

    def test_warnings(self):
        docs = support.documents()
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.load_bytes(json.dumps(docs[0]), name="first")
            self.assertEqual(m.warnings, [])
            # The same group from a second source: later wins, with a
            # warning (aws-semantics.md 9.18).
            m.load_bytes(json.dumps(docs[0]), name="second")
            m.finalize()
            warnings = m.warnings
            self.assertTrue(warnings)
            self.assertTrue(all(isinstance(w, str) for w in warnings))
            self.assertTrue(any("sg-web" in w for w in warnings), warnings)

    def test_load_standard_input(self):
        docs = support.documents()
        with tempfile.TemporaryFile() as f:
            f.write(json.dumps(docs[1]).encode())
            f.seek(0)
            saved = os.dup(0)
            try:
                os.dup2(f.fileno(), 0)
                with sgreach.Model("-", finalize=False, library=LIB) as m:
                    m.finalize()
                    self.assertEqual(m.counts["endpoints"], 3)
            finally:
                os.dup2(saved, 0)
                os.close(saved)


if __name__ == "__main__":
    unittest.main()
