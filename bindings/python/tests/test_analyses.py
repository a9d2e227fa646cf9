"""ports, who, reach, matrix, exposure: plain Python data, the same as the
command line's, and what the spec says about support.documents()."""

import json
import os
import subprocess
import unittest

import sgreach

import support

LIB = support.library_path()


def ids(items):
    return {item["id"] for item in items}


class Analyses(support.SharedModel):
    def test_ports(self):
        # sg-web sends only tcp/5432, to sg-db, which admits it from sg-web.
        p = self.m.ports("eni-web", "eni-db")
        self.assertEqual(p["allowed"], ["tcp/5432"])
        self.assertEqual(p["partial"], [])
        self.assertEqual(p["unknown"], [])
        self.assertEqual({r["group_id"] for r in p["rules"]},
                         {"sg-web", "sg-db"})
        # sg-db has no egress rules: nothing at all.
        p = self.m.ports("eni-db", "eni-web")
        self.assertEqual((p["allowed"], p["partial"], p["unknown"]),
                         ([], [], []))

    def test_ports_unknown(self):
        # sg-lost's rules were never loaded: every flow depends on them.
        p = self.m.ports("eni-lost", "8.8.8.8")
        self.assertEqual(p["allowed"], [])
        self.assertTrue(p["unknown"])

    def test_ports_agree_with_query(self):
        for flow in ("tcp/5432", "tcp/5431", "udp/5432", "icmp/8/0"):
            with self.subTest(flow=flow):
                allowed = self.m.query("eni-web", "eni-db", flow).verdict
                self.assertEqual(allowed == "allowed", flow == "tcp/5432")

    def test_who(self):
        w = self.m.who("eni-db", "tcp/5432")
        self.assertIn("eni-web", ids(w["sources"]))
        self.assertNotIn("eni-lost", ids(w["sources"]))
        self.assertEqual(w["external"], [])
        # sg-web admits 443 from 0.0.0.0/0: the internet is a source.
        w = self.m.who("eni-web", "tcp/443")
        self.assertTrue(w["external"])
        w = self.m.who("eni-db")
        self.assertIsNone(w["flow"])
        source = [s for s in w["sources"] if s["id"] == "eni-web"][0]
        self.assertEqual(source["allowed"], ["tcp/5432"])

    def test_reach(self):
        r = self.m.reach("eni-web", "tcp/5432")
        self.assertIn("eni-db", json.dumps(r))
        r = self.m.reach("eni-db")
        self.assertNotIn("eni-web", json.dumps(r))

    def test_matrix(self):
        mx = self.m.matrix(group_by="none")
        self.assertEqual(mx["group_by"], "none")
        pairs = {(p["src"], p["dst"]): p for p in mx["pairs"]}
        self.assertEqual(pairs[("eni-web", "eni-db")]["allowed"],
                         ["tcp/5432"])
        self.assertFalse([k for k in pairs if k[0] == "eni-db"])
        self.assertEqual(self.m.matrix(group_by="group")["group_by"],
                         "group")
        self.assertEqual(self.m.matrix("tcp/5432")["flow"], "tcp/5432")
        self.assertIn("digraph", self.m.matrix(format="dot"))
        self.assertIn("eni-web", self.m.matrix(group_by="none",
                                                format="csv"))

    def test_matrix_classes(self):
        # Every pair the class form covers has the per-node answer, and
        # it covers every pair of the per-node matrix.
        for flow in (None, "tcp/5432", "tcp/443"):
            mx = self.m.matrix(flow, group_by="none")
            want = {(p["src"], p["dst"]):
                    (p["allowed"], p["partial"], p["unknown"])
                    for p in mx["pairs"]}
            cl = self.m.matrix(flow, group_by="none", classes=True)
            self.assertEqual(cl["form"], "classes")
            got = {}
            for p in cl["pairs"]:
                a = cl["answers"][p["answer"]]
                for src in cl["sources"][p["src"]]:
                    for d in p["dst"]:
                        for dst in cl["destinations"][d]:
                            if src != dst:
                                got[(src, dst)] = (a["allowed"],
                                                   a["partial"],
                                                   a["unknown"])
            self.assertEqual(got, want)
        text = self.m.matrix("tcp/5432", group_by="none", format="text",
                             classes=True)
        self.assertIn("classes", text.splitlines()[0])
        with self.assertRaises(ValueError):
            self.m.matrix(format="csv", classes=True)

    def test_exposure(self):
        e = self.m.exposure()
        by_id = {x["id"]: x for x in e["endpoints"]}
        self.assertIn("eni-web", by_id)
        self.assertNotIn("eni-db", by_id)
        self.assertEqual(by_id["eni-web"]["allowed"], ["tcp/443"])
        # eni-web has a public address of its own.
        self.assertTrue(by_id["eni-web"]["addressable"])
        self.assertIn("54.0.0.10", by_id["eni-web"]["public_addresses"])

    def test_text_formats(self):
        for text in (self.m.ports("eni-web", "eni-db", format="text"),
                     self.m.who("eni-db", format="text"),
                     self.m.who("eni-db", format="csv"),
                     self.m.reach("eni-web", format="csv"),
                     self.m.exposure(format="text")):
            self.assertIsInstance(text, str)
            self.assertTrue(text)

    def test_errors(self):
        with self.assertRaises(sgreach.NotFound):
            self.m.who("eni-nothere")
        with self.assertRaises(sgreach.InputError):
            self.m.reach("eni-web", "tcp/99999")
        # ports writes no CSV, exposure no DOT: the library refuses.
        with self.assertRaises(sgreach.InputError):
            self.m.ports("eni-web", "eni-db", format="csv")
        with self.assertRaises(sgreach.InputError):
            self.m.exposure(format="dot")
        with self.assertRaises(ValueError):
            self.m.matrix(format="yaml")
        with self.assertRaises(ValueError):
            self.m.matrix(group_by="subnet")
        with self.assertRaises(ValueError):
            self.m.exposure(family=5)
        with sgreach.Model(finalize=False, library=LIB) as m:
            with self.assertRaises(sgreach.Busy):
                m.exposure()

    def test_threads(self):
        expected = self.m.matrix(group_by="none")
        self.assertEqual(support.differences_in_threads(
            lambda: self.m.matrix(group_by="none"), expected), [])


class EndpointPublic(unittest.TestCase):
    def model(self, public):
        """eni-a admits tcp/443 from anywhere but has no public address;
        its task belongs to service svc."""
        m = sgreach.Model(library=LIB)
        m.add_rule("sg-open", "ingress", "tcp", 443, 443, "0.0.0.0/0")
        m.add_endpoint("eni-a", addresses=["10.0.1.5"], groups=["sg-open"])
        m.add_endpoint("svc", "service")
        m.add_task(support.TASK_ARN, "eni-a", "svc")
        if public is not None:
            m.set_endpoint_public("svc", public)
        m.finalize()
        return m

    def addressable(self, m):
        return {x["id"]: x["addressable"]
                for x in m.exposure()["endpoints"]}

    def test_service_assigning_public_ips(self):
        with self.model(None) as m:
            self.assertFalse(any(self.addressable(m).values()))
        with self.model(False) as m:
            self.assertFalse(any(self.addressable(m).values()))
        with self.model(True) as m:
            self.assertTrue(any(self.addressable(m).values()))

    def test_errors(self):
        with sgreach.Model(library=LIB) as m:
            with self.assertRaises(sgreach.NotFound):
                m.set_endpoint_public("eni-none", True)
            m.add_endpoint("eni-a")
            m.finalize()
            with self.assertRaises(sgreach.Busy):
                m.set_endpoint_public("eni-a", True)


@unittest.skipUnless(os.access(os.environ.get("SGREACH", ""), os.X_OK),
                     "SGREACH does not name the built sgreach(1)")
class SameAsCommandLine(unittest.TestCase):
    def test_outputs_equal(self):
        calls = [
            (["ports", "eni-web", "eni-db"], "ports", ("eni-web", "eni-db"),
             {}),
            (["who", "eni-db", "tcp/5432"], "who", ("eni-db", "tcp/5432"),
             {}),
            (["who", "eni-web"], "who", ("eni-web",), {}),
            (["reach", "eni-web"], "reach", ("eni-web",), {}),
            (["matrix", "--group-by=none"], "matrix", (),
             {"group_by": "none"}),
            (["matrix", "tcp/5432"], "matrix", ("tcp/5432",), {}),
            (["exposure"], "exposure", (), {}),
        ]
        with support.TempDocuments(support.documents()) as paths, \
                sgreach.Model(*paths, library=LIB) as m:
            files = []
            for path in paths:
                files += ["-f", path]
            for argv, method, args, kwargs in calls:
                for fmt in ("json", "text"):
                    with self.subTest(command=" ".join(argv), format=fmt):
                        out = subprocess.run(
                            [os.environ["SGREACH"]] + argv + files +
                            ["-q", "-o", fmt], capture_output=True,
                            text=True, timeout=60, check=False)
                        self.assertEqual(out.returncode, 0, out.stderr)
                        got = getattr(m, method)(*args, format=fmt, **kwargs)
                        if fmt == "json":
                            self.assertEqual(got, json.loads(out.stdout))
                        else:
                            self.assertEqual(got.rstrip("\n"),
                                             out.stdout.rstrip("\n"))


if __name__ == "__main__":
    unittest.main()
