"""The table-driven semantic cases of tests/cases (format in its README),
the same rows the C runner reads, and the bundled ECS example."""

import json
import unittest

import sgreach

import support

LIB = support.library_path()


def case_files():
    return sorted(support.CASES_DIR.glob("*.json"))


class TableDrivenCases(unittest.TestCase):
    def test_cases(self):
        files = case_files()
        if not files:
            self.skipTest("no case files in %s yet" % support.CASES_DIR)
        for path in files:
            with self.subTest(case=path.name):
                self.run_case(path)

    def run_case(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        name = spec["name"]
        model = sgreach.Model(finalize=False, library=LIB)
        self.addCleanup(model.close)

        def load_all():
            for i, doc in enumerate(spec["documents"]):
                model.load_bytes(json.dumps(doc).encode(),
                                 name="%s#%d" % (name, i))
            model.finalize()

        if "load_error" in spec:
            with self.assertRaises(sgreach.InputError,
                                   msg="%s: loading must fail" % name) as cm:
                load_all()
            self.assertIn(spec["load_error"], str(cm.exception))
            return
        load_all()
        for i, q in enumerate(spec["queries"]):
            label = "%s[%d] %s -> %s %s" % (name, i, q["src"], q["dst"],
                                            q["flow"])
            with self.subTest(query=label):
                why = "%s: %s" % (label, q.get("why", ""))
                v = model.query(q["src"], q["dst"], q["flow"],
                                family=q.get("family"))
                self.assertEqual(v.verdict, q["expect"], why)
                self.assertEqual(bool(v), q["expect"] == "allowed", why)
                # Selectors resolved once give the same answer, to the byte.
                with model.select(q["src"]) as s, model.select(q["dst"]) as d:
                    h = model.query(s, d, q["flow"], family=q.get("family"))
                self.assertEqual(h.json, v.json, why)
                self.assertEqual(h.text, v.text, why)
                for side in ("egress", "ingress"):
                    key = side + "_groups"
                    if key in q:
                        self.assertEqual(
                            support.rule_groups(getattr(v, side)),
                            sorted(set(q[key])), "%s (%s)" % (why, side))


def expected_rows(path):
    """SRC, DST, FLOW, EXPECTED, WHY rows of an expected.tsv (a header,
    then a row per line; the verdicts come from the spec)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    if rows and rows[0][:4] == ["SRC", "DST", "FLOW", "EXPECTED"]:
        rows.pop(0)  # the header line
    return rows


class BundledExample(unittest.TestCase):
    """examples/ecs-awsvpc: its AWS CLI export and expected.tsv."""

    def test_expected_verdicts(self):
        expected = support.EXAMPLE_DIR.parent / "expected.tsv"
        if not support.EXAMPLE_DIR.is_dir() or not expected.is_file():
            self.skipTest("the example's export or expected.tsv is missing")
        rows = expected_rows(expected)
        self.assertTrue(rows)
        with sgreach.Model(support.EXAMPLE_DIR, library=LIB) as m:
            self.assertGreater(m.counts["groups"], 0)
            self.assertGreater(m.counts["tasks"], 0)
            for src, dst, flow, verdict, why in rows:
                with self.subTest(query="%s -> %s %s" % (src, dst, flow)):
                    v = m.query(src, dst, flow)
                    self.assertEqual(v.verdict, verdict, why)


class AwsFixtures(unittest.TestCase):
    """tests/fixtures/aws/*/: what the AWS CLI printed against moto, and
    each folder's expected.tsv."""

    DIR = support.TOP_SRCDIR / "tests" / "fixtures" / "aws"

    def test_expected_verdicts(self):
        folders = sorted(d for d in self.DIR.iterdir()
                         if (d / "expected.tsv").is_file())
        self.assertIn(self.DIR / "two-clusters", folders)
        for d in folders:
            rows = expected_rows(d / "expected.tsv")
            self.assertTrue(rows, d)
            with sgreach.Model(d, library=LIB) as m:
                for src, dst, flow, verdict, why in rows:
                    with self.subTest(folder=d.name,
                                      query="%s -> %s %s" % (src, dst, flow)):
                        self.assertEqual(m.query(src, dst, flow).verdict,
                                         verdict, why)

    def test_service_name_in_two_clusters(self):
        with sgreach.Model(self.DIR / "two-clusters", library=LIB) as m:
            with self.assertRaises(sgreach.InputError) as cm:
                m.query("service:web", "10.80.1.30", "tcp/5432")
            self.assertIn("service:CLUSTER/web", str(cm.exception))
            v = m.query("service:prod/web", "10.80.1.30", "tcp/5432")
            self.assertEqual(v.verdict, "allowed")
            self.assertEqual(v.to_dict()["src"]["service"], "prod/web")
