"""Queries, verdicts, flows; the JSON compared with the command line's."""

import json
import os
import random
import subprocess
import threading
import unittest

import sgreach

import support
from test_model import built_model

LIB = support.library_path()


class Flows(unittest.TestCase):
    def test_parse(self):
        cases = {
            "tcp/443": (6, 443, -1),
            "udp/53": (17, 53, -1),
            "icmp/8/0": (1, 8, 0),
            "icmp/8": (1, 8, 0),
            "icmpv6/128/0": (58, 128, 0),
            "esp": (50, -1, -1),
            "gre": (47, -1, -1),
            "50": (50, -1, -1),
        }
        for text, expected in cases.items():
            with self.subTest(flow=text):
                flow = sgreach.parse_flow(text, library=LIB)
                self.assertIsInstance(flow, sgreach.Flow)
                self.assertEqual(tuple(flow), expected)

    def test_format_round_trip(self):
        for text in ("tcp/443", "udp/53", "icmp/8/0", "icmpv6/128/0",
                     "esp"):
            with self.subTest(flow=text):
                flow = sgreach.parse_flow(text, library=LIB)
                self.assertEqual(flow.format(library=LIB), text)
                self.assertEqual(sgreach.parse_flow(flow.format(LIB), LIB),
                                 flow)

    def test_str_uses_default_library(self):
        os.environ.setdefault("SGREACH_LIBRARY", LIB)
        self.assertEqual(str(sgreach.Flow(6, 8080)), "tcp/8080")

    def test_invalid(self):
        for text in ("", "tcp", "tcp/", "tcp/65536", "tcp/-1", "udp/x",
                     "icmp/256/0", "256", "bogus", "tcp/443/1/2"):
            with self.subTest(flow=text):
                with self.assertRaises(sgreach.InputError) as cm:
                    sgreach.parse_flow(text, library=LIB)
                self.assertIn(repr(text), str(cm.exception))
        with self.assertRaises(ValueError):
            sgreach.parse_flow("tcp/4\x0043", library=LIB)
        with self.assertRaises(TypeError):
            sgreach.parse_flow(443, library=LIB)

    def test_format_invalid(self):
        for protocol in (-1, 256, 300):
            with self.subTest(protocol=protocol):
                with self.assertRaises(sgreach.InputError):
                    sgreach.Flow(protocol).format(library=LIB)


class Queries(unittest.TestCase):
    """Expected answers come from support.documents()'s docstring."""

    @classmethod
    def setUpClass(cls):
        cls.m = support.loaded_model()

    @classmethod
    def tearDownClass(cls):
        cls.m.close()

    def test_allowed_by_group_references(self):
        v = self.m.query("eni-web", "eni-db", "tcp/5432")
        self.assertIsInstance(v, sgreach.Verdict)
        self.assertEqual(v.verdict, "allowed")
        self.assertEqual(v.result, 0)
        self.assertTrue(v)
        self.assertEqual(v.egress["verdict"], "allowed")
        self.assertEqual(v.ingress["verdict"], "allowed")
        self.assertEqual(support.rule_groups(v.egress), ["sg-web"])
        self.assertEqual(support.rule_groups(v.ingress), ["sg-db"])
        rule = v.egress["rules"][0]
        self.assertEqual(rule["direction"], "egress")
        self.assertEqual(rule["peer_kind"], "group")
        self.assertEqual(rule["peer"], "sg-db")
        self.assertEqual((rule["from_port"], rule["to_port"]), (5432, 5432))
        self.assertEqual([r["group_id"] for r in v.rules],
                         ["sg-web", "sg-db"])
        self.assertEqual(v.reasons, {"egress": None, "ingress": None})
        self.assertEqual(v.missing, [])
        self.assertEqual(v.members, [])
        self.assertEqual(v.flow, "tcp/5432")
        self.assertEqual(v.family, 4)
        self.assertEqual(v.src["selector"], "eni-web")
        self.assertEqual(v.dst["id"], "eni-db")
        self.assertIn("allowed", repr(v))
        self.assertIn("eni-web", repr(v))
        self.assertTrue(v.text)
        self.assertEqual(str(v), v.text)

    def test_denied_no_matching_rule(self):
        v = self.m.query("eni-web", "eni-db", "tcp/5433")
        self.assertEqual(v.verdict, "denied")
        self.assertEqual(v.result, 1)
        self.assertFalse(v)
        self.assertEqual(v.egress["verdict"], "denied")
        self.assertEqual(v.egress["reason"], "no-matching-rule")
        self.assertEqual(v.reasons["egress"], "no-matching-rule")
        self.assertEqual(v.egress["rules"], [])

    def test_denied_no_egress_rules(self):
        v = self.m.query("eni-db", "eni-web", "tcp/443")
        self.assertEqual(v.verdict, "denied")
        self.assertEqual(v.egress["verdict"], "denied")
        self.assertIn(v.egress["reason"], ("no-rules", "no-matching-rule"))

    def test_source_outside_model(self):
        v = self.m.query("203.0.113.5", "eni-web", "tcp/443")
        self.assertEqual(v.verdict, "allowed")
        self.assertEqual(v.egress["verdict"], "not-applicable")
        self.assertEqual(v.egress["reason"], "outside-model")
        self.assertEqual(support.rule_groups(v.ingress), ["sg-web"])

    def test_destination_outside_model(self):
        v = self.m.query("eni-web", "8.8.8.8", "tcp/443")
        self.assertEqual(v.verdict, "denied")
        self.assertEqual(v.ingress["verdict"], "not-applicable")

    def test_unknown_names_missing_group(self):
        v = self.m.query("eni-lost", "8.8.8.8", "tcp/443")
        self.assertEqual(v.verdict, "unknown")
        self.assertEqual(v.result, 3)
        self.assertFalse(v)
        self.assertEqual(v.egress["reason"], "group-rules-missing")
        self.assertEqual(v.missing, ["sg-lost"])

    def test_partial_names_members(self):
        v = self.m.query("203.0.113.5", "service:mixed", "tcp/443")
        self.assertEqual(v.verdict, "partial")
        self.assertEqual(v.result, 4)
        self.assertFalse(v)
        self.assertEqual({m["verdict"] for m in v.members},
                         {"allowed", "denied"})
        self.assertIsInstance(v.warnings, list)

    def test_family_and_flow_object(self):
        by_text = self.m.query("eni-web", "eni-db", "tcp/5432", family=4)
        flow = sgreach.parse_flow("tcp/5432", library=LIB)
        by_flow = self.m.query("eni-web", "eni-db", flow)
        self.assertEqual(by_text.to_dict(), by_flow.to_dict())
        with self.assertRaises(ValueError):
            self.m.query("eni-web", "eni-db", "tcp/5432", family=5)

    def test_to_dict_is_a_copy(self):
        v = self.m.query("eni-web", "eni-db", "tcp/5432")
        d = v.to_dict()
        self.assertEqual(d, json.loads(v.json))
        d["verdict"] = "denied"
        self.assertEqual(v.to_dict()["verdict"], "allowed")
        for key in ("src", "dst", "flow", "family", "verdict", "egress",
                    "ingress"):
            self.assertIn(key, d)
        for side in ("egress", "ingress"):
            self.assertEqual(set(d[side]) >= {"verdict", "reason", "rules",
                                              "missing"}, True)

    def test_query_errors(self):
        with self.assertRaises(sgreach.NotFound) as cm:
            self.m.query("eni-nothere", "eni-db", "tcp/5432")
        self.assertIn("eni-nothere", str(cm.exception))
        self.assertEqual(cm.exception.errno, 2)
        with self.assertRaises(sgreach.InputError) as cm:
            self.m.query("eni-web", "eni-db", "tcp/99999")
        self.assertIn("99999", str(cm.exception))
        with self.assertRaises(sgreach.InputError):
            self.m.query("eni-web", "10.0.0.0/33", "tcp/5432")
        with self.assertRaises(ValueError):
            self.m.query("eni-web", "eni-db", "tcp/54\x0032")

    def test_allocation_failures(self):
        # The C allocators' NULL returns, simulated: each must raise
        # OutOfMemory, and a failed query must still free its verdict.
        from unittest import mock
        lib = self.m.library
        with mock.patch.object(lib, "model_new", return_value=None):
            with self.assertRaises(sgreach.OutOfMemory):
                sgreach.Model(library=lib)
        with mock.patch.object(lib, "verdict_new", return_value=None):
            with self.assertRaises(sgreach.OutOfMemory):
                self.m.query("eni-web", "eni-db", "tcp/5432")
        real_free = lib.verdict_free
        with mock.patch.object(lib, "verdict_render", return_value=None), \
                mock.patch.object(lib, "verdict_free",
                                  side_effect=real_free) as free:
            with self.assertRaises(sgreach.OutOfMemory) as cm:
                self.m.query("eni-web", "eni-db", "tcp/5432")
            self.assertEqual(free.call_count, 1)
        self.assertIn("sgreach_verdict_render", str(cm.exception))
        self.assertTrue(self.m.query("eni-web", "eni-db", "tcp/5432"))

    def test_selectors(self):
        web = self.m.select("eni-web")
        self.assertEqual(web.text, "eni-web")
        self.assertIs(web.model, self.m)
        self.assertIn("eni-web", repr(web))
        with self.m.select("eni-db") as db:
            v = self.m.query(web, db, "tcp/5432")
            self.assertEqual(v.json, self.m.query("eni-web", "eni-db",
                                                  "tcp/5432").json)
            # One side a str, the flow a Flow object.
            w = self.m.query(web, "eni-db", sgreach.parse_flow("tcp/5432"))
            self.assertEqual(w.json, v.json)
        self.assertIn("closed", repr(db))
        with self.assertRaises(ValueError):
            self.m.query(web, db, "tcp/5432")
        with self.assertRaises(sgreach.NotFound) as cm:
            self.m.select("eni-nothere")
        self.assertIn("eni-nothere", str(cm.exception))
        with self.assertRaises(sgreach.InputError):
            self.m.select("10.0.0.0/33")
        with self.assertRaises(sgreach.InputError):
            self.m.query(web, "eni-db", "tcp/99999")
        with support.loaded_model() as other:
            with self.assertRaises(ValueError):
                other.query(web, "eni-db", "tcp/5432")
        web.close()
        web.close()

    def test_query_before_finalize(self):
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.load_bytes(json.dumps(support.documents()[1]))
            with self.assertRaises(sgreach.Busy):
                m.query("eni-web", "eni-db", "tcp/5432")
            with self.assertRaises(sgreach.Busy):
                m.select("eni-web")


class BuiltModelQueries(unittest.TestCase):
    """The model built with add functions (test_model.built_model)."""

    @classmethod
    def setUpClass(cls):
        cls.m = built_model()
        cls.m.finalize()

    @classmethod
    def tearDownClass(cls):
        cls.m.close()

    def test_rule_id_and_description(self):
        v = self.m.query("198.51.100.1", "eni-web", "tcp/443")
        self.assertEqual(v.verdict, "allowed")
        rule = v.ingress["rules"][0]
        self.assertEqual(rule["rule_id"], "sgr-01")
        self.assertEqual(rule["description"], "https from anywhere")
        self.assertEqual(rule["group_name"], "web")

    def test_public_address_selects_endpoint(self):
        v = self.m.query("198.51.100.1", "54.0.0.10", "tcp/443")
        self.assertEqual(v.verdict, "allowed")
        self.assertEqual(v.dst["id"], "eni-web")

    def test_prefix_list(self):
        v = self.m.query("eni-web", "52.217.1.1", "tcp/443")
        self.assertEqual(v.verdict, "allowed")
        self.assertEqual(v.egress["rules"][0]["peer_kind"], "prefix-list")
        v = self.m.query("eni-web", "52.218.1.1", "tcp/443")
        self.assertEqual(v.verdict, "denied")

    def test_missing_prefix_list(self):
        v = self.m.query("eni-web", "192.0.2.1", "tcp/80")
        self.assertEqual(v.verdict, "unknown")
        self.assertEqual(v.egress["reason"], "prefix-list-missing")
        self.assertEqual(v.missing, ["pl-gone"])

    def test_stale_reference_never_matches(self):
        # sg-web may send 6000 to the VPC's CIDR, so only sg-db's stale
        # ingress reference to sg-web could allow it: it must not.
        v = self.m.query("eni-web", "eni-db", "tcp/6000")
        self.assertEqual(v.verdict, "denied")
        self.assertEqual(v.egress["verdict"], "allowed")
        self.assertEqual(v.ingress["verdict"], "denied")

    def test_task_selectors(self):
        by_arn = self.m.query(support.TASK_ARN, "eni-db", "tcp/5432")
        by_id = self.m.query(support.TASK_ID, "eni-db", "tcp/5432")
        self.assertEqual(by_arn.verdict, "allowed")
        self.assertEqual(by_id.verdict, "allowed")
        self.assertEqual(by_arn.src["task"], support.TASK_ARN)
        self.assertEqual(by_id.src["task"], support.TASK_ARN)
        service = self.m.query("service:web", "eni-db", "tcp/5432")
        self.assertEqual(service.verdict, "allowed")


def run_cli(args):
    return subprocess.run([os.environ["SGREACH"]] + args, check=False,
                          capture_output=True, text=True, timeout=60)


@unittest.skipUnless(os.access(os.environ.get("SGREACH", ""), os.X_OK),
                     "SGREACH does not name the built sgreach(1)")
class SameAsCommandLine(unittest.TestCase):
    QUERIES = [
        ("eni-web", "eni-db", "tcp/5432", 0),
        ("eni-web", "eni-db", "tcp/5433", 1),
        ("203.0.113.5", "eni-web", "tcp/443", 0),
        ("eni-lost", "8.8.8.8", "tcp/443", 3),
        ("203.0.113.5", "service:mixed", "tcp/443", 4),
        ("mixed-1", "eni-db", "tcp/5432", 0),
    ]

    def test_to_dict_equals_cli_json(self):
        with support.TempDocuments(support.documents()) as paths:
            files = []
            for path in paths:
                files += ["-f", path]
            with sgreach.Model(*paths, library=LIB) as m:
                for src, dst, flow, status in self.QUERIES:
                    with self.subTest(src=src, dst=dst, flow=flow):
                        out = run_cli(["query"] + files +
                                      ["-o", "json", src, dst, flow])
                        self.assertEqual(out.returncode, status, out.stderr)
                        v = m.query(src, dst, flow)
                        self.assertEqual(v.to_dict(), json.loads(out.stdout))
                        text = run_cli(["query"] + files + [src, dst, flow])
                        self.assertEqual(text.stdout.strip(), v.text.strip())


class Threads(unittest.TestCase):
    def test_one_model_many_threads(self):
        queries = [(s, d, f) for s in ("eni-web", "eni-db", "eni-lost",
                                       "203.0.113.5")
                   for d in ("eni-web", "eni-db", "8.8.8.8")
                   for f in ("tcp/443", "tcp/5432", "udp/53", "icmp/8/0")
                   if s != d and not (s[0].isdigit() and d[0].isdigit())]
        with support.loaded_model() as m:
            expected = {q: m.query(*q).json for q in queries}
            self.assertIn("allowed", {json.loads(j)["verdict"]
                                      for j in expected.values()})
            self.assertIn("denied", {json.loads(j)["verdict"]
                                     for j in expected.values()})
            failures = []
            start = threading.Barrier(8)

            def worker(seed):
                rng = random.Random(seed)
                order = queries * 20
                rng.shuffle(order)
                start.wait()
                for q in order:
                    try:
                        got = m.query(*q).json
                    except Exception as exc:  # reported, not swallowed
                        failures.append((q, repr(exc)))
                        return
                    if got != expected[q]:
                        failures.append((q, got))
                        return

            threads = [threading.Thread(target=worker, args=(i,))
                       for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(failures, [])

    def test_close_waits_for_running_queries(self):
        m = support.loaded_model()
        done = []
        started = threading.Event()

        def worker():
            started.set()
            for _ in range(300):
                try:
                    m.query("eni-web", "eni-db", "tcp/5432")
                except ValueError:
                    break  # closed between two queries: the expected end
                done.append(1)

        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        m.close()
        t.join()
        self.assertTrue(m.closed)


if __name__ == "__main__":
    unittest.main()
