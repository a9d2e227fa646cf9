"""lint, diff and check: plain Python data, the same as the command line's.

Expected answers come from support.documents() and the AWS semantics spec,
never from running sgreach."""

import json
import unittest

import sgreach

import support

LIB = support.library_path()


def codes(result):
    return [f["code"] for f in result["findings"]]


class Review(support.SharedModel):
    def test_lint(self):
        # eni-lost carries sg-lost, whose rules were never loaded (SG004);
        # sg-web admits 443 from anywhere: not a sensitive port (no SG005).
        out = self.m.lint()
        self.assertIn("SG004", codes(out))
        self.assertNotIn("SG005", codes(out))
        f = out["findings"][codes(out).index("SG004")]
        self.assertEqual(f["severity"], "medium")
        self.assertIn({"kind": "endpoint", "id": "eni-lost"}, f["objects"])
        self.assertTrue(f["hint"])
        self.assertEqual(self.m.lint_worst(), "medium")
        self.assertIn("SG004 medium: sg-lost", self.m.lint(format="text"))

    def test_lint_sensitive_port(self):
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.add_group("sg-db", vpc_id="vpc-1", complete=True)
            m.add_rule("sg-db", "ingress", "tcp", 5432, 5432, "0.0.0.0/0")
            m.add_endpoint("eni-db", vpc_id="vpc-1")
            m.add_address("eni-db", "10.0.0.5")
            m.add_endpoint_group("eni-db", "sg-db")
            m.finalize()
            out = m.lint()
        self.assertEqual(codes(out), ["SG005"])
        # No public address: medium, not high.
        self.assertEqual(out["findings"][0]["severity"], "medium")

    def test_check(self):
        out = self.m.check("eni-web eni-db tcp/5432 allowed\n"
                           "eni-web eni-db tcp/5433 allowed # wrong\n")
        self.assertEqual((out["passed"], out["failed"]), (1, 1))
        bad = [r for r in out["results"] if not r["ok"]][0]
        self.assertEqual((bad["line"], bad["actual"]), (2, "denied"))
        self.assertEqual(bad["verdict"]["verdict"], "denied")
        out = self.m.check([{"src": "203.0.113.5", "dst": "service:mixed",
                             "flow": "tcp/443", "expect": "partial"}])
        self.assertEqual((out["passed"], out["failed"]), (1, 0))
        with self.assertRaises(sgreach.InputError):
            self.m.check("eni-web eni-db tcp/5432\n")

    def test_diff(self):
        docs = support.documents()
        # sg-db also admits 5433 from sg-web: sg-web may send only 5432, so
        # nothing is gained; sg-web's egress widened to 5433 gains it.
        docs[0]["SecurityGroups"][1]["IpPermissions"][0]["ToPort"] = 5433
        with sgreach.Model(finalize=False, library=LIB) as new:
            for i, doc in enumerate(docs):
                new.load_bytes(json.dumps(doc).encode(), name="new#%d" % i)
            new.finalize()
            out = self.m.diff(new)
            self.assertEqual((out["gained"], out["lost"]), ([], []))
        docs[0]["SecurityGroups"][0]["IpPermissionsEgress"][0]["ToPort"] = \
            5433
        with sgreach.Model(finalize=False, library=LIB) as new:
            for i, doc in enumerate(docs):
                new.load_bytes(json.dumps(doc).encode(), name="new#%d" % i)
            new.finalize()
            out = self.m.diff(new)
            back = new.diff(self.m, format="text")
        pairs = {(g["src"], g["dst"], tuple(g["flows"]))
                 for g in out["gained"]}
        # Both interfaces are tasks of service:mixed, which names them.
        self.assertEqual(pairs,
                         {("service:mixed", "service:mixed", ("tcp/5433",))})
        self.assertEqual(out["lost"], [])
        self.assertIn("lost service:mixed -> service:mixed: tcp/5433", back)


if __name__ == "__main__":
    unittest.main()
