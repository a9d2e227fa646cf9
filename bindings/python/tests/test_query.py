"""Queries, verdicts, flows; the JSON compared with the command line's."""

import ctypes
import errno
import json
import os
import random
import subprocess
import threading
import unittest
from unittest import mock

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


class Queries(support.SharedModel):
    """Expected answers come from support.documents()'s docstring."""

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


def ipv6_model():
    """support.documents() plus eni-v6, an interface of sg-web with an IPv6
    address, and an ingress rule of sg-web for tcp/8443 from 2001:db8::/32:
    from 2001:db8::1, tcp/8443 is allowed and tcp/443 (IPv4 ranges only)
    denied; eni-web and eni-db have no IPv6 address."""
    docs = support.documents()
    v6 = support.eni("eni-v6", "10.0.1.60", ["sg-web"])
    v6["Ipv6Addresses"] = [{"Ipv6Address": "2001:db8:0:1::60"}]
    docs[1]["NetworkInterfaces"].append(v6)
    docs[0]["SecurityGroups"][0]["IpPermissions"].append(
        support.perm("tcp", 8443, 8443, ipv6=["2001:db8::/32"]))
    m = sgreach.Model(finalize=False, library=LIB)
    for i, doc in enumerate(docs):
        m.load_bytes(json.dumps(doc), name="ipv6#%d" % i)
    m.finalize()
    return m


class ManyQuestions(support.SharedModel):
    """Model.results(): every entry is what query() gives or raises."""

    # (src, dst, flow) and the answer, from support.documents().
    ANSWERS = [
        ("eni-web", "eni-db", "tcp/5432", "allowed"),
        ("eni-web", "eni-db", "tcp/5433", "denied"),
        ("eni-db", "eni-web", "tcp/443", "denied"),
        ("203.0.113.5", "eni-web", "tcp/443", "allowed"),
        ("eni-web", "8.8.8.8", "tcp/443", "denied"),
        ("eni-lost", "8.8.8.8", "tcp/443", "unknown"),
        ("203.0.113.5", "service:mixed", "tcp/443", "partial"),
        ("mixed-1", "eni-db", "tcp/5432", "allowed"),
    ]

    def expected(self, m, questions, family=None):
        """What query() gives for each question: its verdict's name, or
        the exception it raises."""
        out = []
        for q in questions:
            try:
                out.append(m.query(*q, family=family).verdict)
            except (sgreach.Error, TypeError, ValueError) as exc:
                out.append(exc)
        return out

    def assertSameEntries(self, got, expected):
        self.assertEqual(len(got), len(expected))
        for i, (g, e) in enumerate(zip(got, expected)):
            with self.subTest(question=i):
                if isinstance(e, Exception):
                    self.assertIsInstance(g, Exception)
                    self.assertIs(type(g), type(e))
                    self.assertEqual(str(g), str(e))
                    self.assertEqual(getattr(g, "code", None),
                                     getattr(e, "code", None))
                    self.assertEqual(getattr(g, "detail", None),
                                     getattr(e, "detail", None))
                else:
                    self.assertEqual(g, e)

    def test_answers_equal_query(self):
        questions = [q[:3] for q in self.ANSWERS]
        got = self.m.results(questions)
        self.assertEqual(got, [q[3] for q in self.ANSWERS])
        self.assertEqual(got, self.expected(self.m, questions))
        self.assertEqual(set(got), {"allowed", "denied", "unknown",
                                    "partial"})
        # The names are those of the C enum, as Verdict.result gives it.
        for q in questions:
            v = self.m.query(*q)
            self.assertEqual(self.m.library.result_name(v.result).decode(),
                             v.verdict)

    def test_strings_selectors_and_flows_mixed(self):
        with self.m.select("eni-web") as web, \
                self.m.select("service:mixed") as mixed:
            flow = sgreach.parse_flow("tcp/5432", library=LIB)
            questions = [
                (web, "eni-db", "tcp/5432"),
                ("eni-web", "eni-db", flow),
                (web, "eni-db", sgreach.Flow(6, 5433)),
                ("203.0.113.5", mixed, "tcp/443"),
                ("eni-db", web, "tcp/443"),
                (b"eni-lost", "8.8.8.8", b"tcp/443"),
                (web, web, "tcp/443"),
            ]
            got = self.m.results(iter(questions))
            self.assertSameEntries(got, self.expected(self.m, questions))
            self.assertEqual(got[:3], ["allowed", "allowed", "denied"])
            # The Selectors passed in are the caller's: still open.
            self.assertTrue(self.m.query(web, "eni-db", "tcp/5432"))

    def test_ipv6_family(self):
        with ipv6_model() as m, m.select("eni-v6") as v6:
            questions = [
                ("2001:db8::1", "eni-v6", "tcp/8443"),
                ("2001:db8::1", v6, "tcp/443"),
                (v6, "2001:db8::1", "tcp/5432"),
                ("2001:db8::1", "eni-v6", "icmpv6/128/0"),
                ("eni-v6", "eni-web", "tcp/443"),  # no IPv6 on eni-web
                ("eni-v6", "eni-db", "tcp/5432"),
            ]
            for family in (None, 4, 6):
                with self.subTest(family=family):
                    got = m.results(questions, family=family)
                    self.assertSameEntries(
                        got, self.expected(m, questions, family))
            got = m.results(questions, family=6)
            self.assertEqual(got[:4], ["allowed", "denied", "denied",
                                       "denied"])
            self.assertIsInstance(got[4], sgreach.InputError)
            self.assertIn("eni-web", str(got[4]))
            self.assertEqual(m.results(questions)[5], "allowed")

    def test_errors_returned_not_raised(self):
        with support.loaded_model() as other:
            foreign = other.select("eni-web")
        closed = self.m.select("eni-db")
        closed.close()
        questions = [
            ("eni-nothere", "eni-db", "tcp/5432"),   # NotFound
            ("eni-web", "eni-db", "tcp/5432"),
            ("eni-web", "eni-db", "tcp/99999"),      # invalid flow
            ("eni-web", "10.0.0.0/33", "tcp/5432"),  # invalid selector
            ("eni-web", "eni-db", "icmpv6/128/0"),   # family conflict
            ("eni-lost", "8.8.8.8", "tcp/443"),
            ("eni-web", "eni-db", "icmp/8/0"),       # -6: family conflict
            ("eni-db", "2001:db8::1", "tcp/443"),    # family conflict
            ("eni-web", "eni-db", sgreach.Flow(300)),  # bad protocol
            ("eni-web", "eni-db", 5432),             # TypeError
            ("eni-web", "eni-db", "tcp/54\x0032"),   # NUL: ValueError
            (None, "eni-db", "tcp/5432"),            # empty selector
            (foreign, "eni-db", "tcp/5432"),         # ValueError
            ("eni-web", closed, "tcp/5432"),         # ValueError
            ("eni-nothere", "eni-db", "tcp/99999"),  # the flow first
            ("eni-nothere", "eni-db", "tcp/5432"),   # the same, again
            ("203.0.113.5", "service:mixed", "tcp/443"),
        ]
        for family in (None, 4, 6):
            with self.subTest(family=family):
                got = self.m.results(questions, family=family)
                self.assertSameEntries(
                    got, self.expected(self.m, questions, family))
        got = self.m.results(questions)
        self.assertIsInstance(got[0], sgreach.NotFound)
        with self.assertRaises(sgreach.NotFound) as cm:
            self.m.select("eni-nothere")
        self.assertEqual(str(got[0]), str(cm.exception))
        self.assertEqual(got[1], "allowed")
        self.assertIsInstance(got[2], sgreach.InputError)
        self.assertIn("65535", str(got[2]))
        self.assertIsInstance(got[3], sgreach.InputError)
        # Two family conflicts with messages of their own, though only the
        # first one's comes back from sgreach_query_many().
        self.assertIsInstance(got[4], sgreach.InputError)
        self.assertIn("eni-web has no private IPv6", str(got[4]))
        self.assertEqual(got[6], "denied")
        self.assertIsInstance(got[7], sgreach.InputError)
        self.assertIn("eni-db has no private IPv6", str(got[7]))
        self.assertIn("invalid flow protocol", str(got[8]))
        self.assertEqual(got[8].code, -errno.EINVAL)
        self.assertIs(type(got[9]), TypeError)
        self.assertIs(type(got[10]), ValueError)
        self.assertIsInstance(got[11], sgreach.InputError)
        self.assertIn("another model", str(got[12]))
        self.assertIn("closed", str(got[13]))
        self.assertIsInstance(got[14], sgreach.InputError)
        # Each question gets an exception of its own.
        self.assertIsNot(got[0], got[15])
        self.assertEqual(str(got[0]), str(got[15]))
        self.assertEqual(got[5], "unknown")
        self.assertEqual(got[16], "partial")

    def test_each_string_selected_once(self):
        lib = self.m.library
        real_select, real_free = lib.select, lib.selector_free
        questions = [(s, d, "tcp/443")
                     for s in ("eni-web", "eni-db", "eni-lost", "eni-gone")
                     for d in ("eni-web", "eni-db", "8.8.8.8", "eni-gone")
                     if s != d] * 3
        expected = self.expected(self.m, questions)
        with mock.patch.object(lib, "select",
                               side_effect=real_select) as select, \
                mock.patch.object(lib, "selector_free",
                                  side_effect=real_free) as free, \
                mock.patch.object(sgreach.Model, "_MANY", 5):
            got = self.m.results(questions)
        self.assertSameEntries(got, expected)
        # Five distinct strings, one of which names nothing: each is
        # resolved once for the whole call (over several batches), and
        # the four handles are freed once.
        self.assertEqual(select.call_count, 5)
        self.assertEqual(free.call_count, 4)
        self.assertEqual(sorted(set(c.args[0] for c in free.call_args_list)),
                         sorted(c.args[0] for c in free.call_args_list))

    def test_batches(self):
        with self.m.select("eni-web") as web:
            questions = [(web if i % 3 else "eni-web", "eni-db",
                          "tcp/%d" % (5430 + i % 5)) for i in range(40)]
            questions[17] = ("eni-web", "eni-nothere", "tcp/5432")
            whole = self.m.results(questions)
            with mock.patch.object(sgreach.Model, "_MANY", 7):
                self.assertSameEntries(self.m.results(questions), whole)
            self.assertSameEntries(whole, self.expected(self.m, questions))
            self.assertEqual(whole.count("allowed"), 7)

    def test_generator(self):
        # The questions are taken from the iterable before asking, so a
        # generator that closes the Selectors it made does not wait for
        # the call forever: their questions get the closed-Selector error.
        def questions():
            yield ("eni-web", "eni-db", "tcp/5432")
            with self.m.select("eni-web") as web:
                yield (web, "eni-db", "tcp/5432")
            yield ("eni-web", "eni-db", "tcp/5433")

        got = self.m.results(questions())
        self.assertEqual(got[0], "allowed")
        self.assertIs(type(got[1]), ValueError)
        self.assertIn("closed", str(got[1]))
        self.assertEqual(got[2], "denied")

    def test_empty(self):
        self.assertEqual(self.m.results([]), [])
        self.assertEqual(self.m.results(iter(())), [])

    def test_call_errors_raise(self):
        with self.assertRaises(ValueError):
            self.m.results([("eni-web", "eni-db", "tcp/5432")], family=5)
        with self.assertRaises(TypeError):
            self.m.results(None)
        for item in (("eni-web", "eni-db"), None, ("a", "b", "c", "d")):
            with self.subTest(item=item):
                with self.assertRaises(TypeError):
                    self.m.results([("eni-web", "eni-db", "tcp/5432"),
                                    item])

    def test_closed_model(self):
        m = support.loaded_model()
        m.close()
        for questions in ([], [("eni-web", "eni-db", "tcp/5432")]):
            with self.subTest(questions=questions):
                with self.assertRaises(ValueError) as cm:
                    m.results(questions)
                self.assertIn("closed", str(cm.exception))

    def test_before_finalize(self):
        with sgreach.Model(finalize=False, library=LIB) as m:
            m.load_bytes(json.dumps(support.documents()[1]))
            for questions in ([], [("eni-web", "eni-db", "tcp/5432")]):
                with self.assertRaises(sgreach.Busy):
                    m.results(questions)

    def test_question_layout(self):
        # QUESTION_ROW packs what the ctypes Structure reads.
        from sgreach import _lib
        row = _lib.QUESTION_ROW.pack(0x1234, 0x5678, 6, 443, -1, 2, 3, 4)
        self.assertEqual(len(row), ctypes.sizeof(_lib.QuestionStruct))
        q = _lib.QuestionStruct.from_buffer_copy(row)
        self.assertEqual((q.src, q.dst), (0x1234, 0x5678))
        self.assertEqual((q.flow.protocol, q.flow.port, q.flow.code),
                         (6, 443, -1))
        self.assertEqual((q.flags, q.result, q.error), (2, 3, 4))

    def test_threads(self):
        questions = [q[:3] for q in self.ANSWERS] * 50
        expected = [q[3] for q in self.ANSWERS] * 50
        self.assertEqual(support.differences_in_threads(
            lambda: self.m.results(questions), expected), [])


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
