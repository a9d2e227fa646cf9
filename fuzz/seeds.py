#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into OUTDIR/corpus/TARGET.

Seeds come from the repository itself: every JSON file under tests/fixtures
and examples, every document embedded in tests/cases/*.json (and the cases'
documents joined with a form feed, the multi-document separator of
fuzz_load), every pair of Terraform states and plans joined the same way
(fuzz_analysis diffs the two), the queries of the expected.tsv files, and
address spellings that must be refused.

usage: seeds.py SRCDIR OUTDIR
"""
import hashlib
import json
import os
import sys


def put(outdir, target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(outdir, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    src, out = sys.argv[1], sys.argv[2]
    flows, queries = set(), set()

    # Pairs of Terraform states and plans, one document each, for the
    # diff of fuzz_analysis (two documents joined with a form feed).
    tf = []
    for top in ("tests/fixtures/terraform", "examples/ecs-awsvpc/terraform"):
        d = os.path.join(src, top)
        for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if fn.endswith(".json"):
                with open(os.path.join(d, fn), "rb") as f:
                    tf.append(f.read())
    for a in tf:
        for b in tf:
            if a is not b:
                put(out, "fuzz_analysis", a + b"\f" + b)

    for top in ("tests/fixtures", "examples", "tests/bad-input"):
        for root, _, files in os.walk(os.path.join(src, top)):
            for fn in sorted(files):
                p = os.path.join(root, fn)
                if fn.endswith(".json"):
                    with open(p, "rb") as f:
                        data = f.read()
                    put(out, "fuzz_load", data)
                    put(out, "fuzz_analysis", data)
                elif fn.endswith(".tsv"):
                    for line in open(p, encoding="utf-8"):
                        cols = line.rstrip("\n").split("\t")
                        if len(cols) >= 3 and cols[0] != "SRC":
                            queries.add("\n".join(cols[:3]))
                            flows.add(cols[2])

    cases = os.path.join(src, "tests/cases")
    for root, _, files in os.walk(cases):
        for fn in sorted(files):
            if not fn.endswith(".json"):
                continue
            with open(os.path.join(root, fn), encoding="utf-8") as f:
                case = json.load(f)
            docs = [json.dumps(d, indent=1) for d in case.get("documents", [])]
            for d in docs:
                put(out, "fuzz_load", d)
                put(out, "fuzz_analysis", d)
            if len(docs) > 1:
                put(out, "fuzz_load", "\f".join(docs[:4]))
            for q in case.get("queries", []):
                flows.add(q["flow"])
                queries.add("\n".join((q["src"], q["dst"], q["flow"])) +
                            ("\n\x02" if q.get("family") == 6 else ""))

    flows |= {"tcp/443", "udp/53", "icmp/8/0", "icmp/8", "icmpv6/128/0",
              "esp", "gre", "50", "132", "sctp", "tcp/65535", "icmp/255/255"}
    for fl in flows:
        put(out, "fuzz_flow", fl)
    for q in queries:
        put(out, "fuzz_query", q)

    spellings = ["10.0.0.1", "010.0.0.1", "10.1", "10.1/16", "10.0.0.0/8",
                 "10.0.0.0/8a", "10.0.0.5/8", "0.0.0.0/0", "1.2.3.4/33",
                 "1.2.3.4/032", "255.255.255.255/32", "1.2.3.4/", "::/0",
                 "2001:db8::/32", "2001:db8::1/128", "1::2::3", "::ffff:1.2.3.4",
                 "2001:db8::/129", "fe80::1%eth0", "2001:DB8::/33", "::1/01"]
    for s in spellings:
        for mode in (b"\x00", b"\x01", b"\x02"):
            put(out, "fuzz_addr", mode + s.encode())


if __name__ == "__main__":
    main()
