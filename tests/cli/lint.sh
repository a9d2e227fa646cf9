#!/bin/sh
# lint.sh - sgreach lint, diff and check as a user drives them
#
# Expected answers come from the fixtures' own descriptions (the example's
# README table, tests/fixtures/diff/README.md, the Terraform change.tf,
# tests/fixtures/lint/ssh-open) and shared/spec/aws-semantics.md, not from
# running sgreach.  Environment as for run.sh (SGREACH, top_srcdir).
# Prints "ok N - ..." / "not ok N - ..." and ends with "N passed, N failed".
set -u

SGREACH=${SGREACH:-./sgreach}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
ex=$srcdir/examples/ecs-awsvpc
fx=$srcdir/tests/fixtures

test_name=lint
. "$srcdir/tests/cli/lib.sh"

# ------------------------------------------------------------------ lint --
# The example is clean: every group is attached and needed, no CIDR has
# host bits, and only the ALB admits the internet, on 443.
run lint -q -f "$ex/aws"
expect "lint: the example has no finding" 0 "0 findings"
run lint -q -f "$ex/aws" --fail-on info
expect "lint --fail-on info: nothing to fail on" 0

ssh=$fx/lint/ssh-open
run lint -f "$ssh"
expect "lint: SSH open to the internet on an addressable host" 0 \
	"SG005 high: eni-0bastion0000001 accepts tcp/22" \
	"rule sg-0bastion00000001 (bastion) ingress #0 tcp 22 from 0.0.0.0/0"
expect "lint: the /16 rule is implied by 0.0.0.0/0 and has host bits" 0 \
	"SG006 low: sg-0bastion00000001 (bastion) ingress #1" \
	"SG013 low:" "it means 10.40.0.0/16"
expect "lint: the unused group" 0 "SG008 low: sg-0unused000000001"
run lint -f "$ssh" --fail-on high
expect "lint --fail-on high exits 1" 1
run lint -f "$ssh" --fail-on low
expect "lint --fail-on low exits 1" 1
run lint -f "$ssh" -o json
expect "lint -o json" 0 '{"findings":[{"code":"SG005","severity":"high",' \
	'"objects":[{"kind":"endpoint","id":"eni-0bastion0000001"}' '"hint":'
run lint -f "$ssh" --fail-on severe
expect "lint --fail-on with a bad level" 2
run query -f "$ssh" 203.0.113.1 eni-0bastion0000001 tcp/22 --fail-on high
expect "--fail-on is not an option of query" 2

# ----------------------------------------------------------------- check --
run check -q -f "$ex/aws" "$ex/intent.txt"
expect "check: the example meets its intent" 0 " passed, 0 failed"
printf '%s\n' "# web must not reach the database (it does)" \
	"service:web	eni-8a387e54d69e9c897	tcp/5432	denied" \
	"service:api eni-5ed8fe6a0cbb79ca0 tcp/6379 allowed" >"$tmp/a.txt"
run check -q -f "$ex/aws" "$tmp/a.txt"
expect "check: a failing line is reported with its rules" 1 \
	"FAIL $tmp/a.txt:2: service:web eni-8a387e54d69e9c897 tcp/5432: expected denied, got allowed" \
	'ingress tcp 5432 from sg-6f4f177c5066b8606 "web"' "1 passed, 1 failed"
printf '[{"src":"service:api","dst":"eni-5ed8fe6a0cbb79ca0","flow":"tcp/6379","expect":"allowed"}]' >"$tmp/a.json"
run_in "$tmp/a.json" check -q -f "$ex/aws" -o json -
expect "check: the JSON form, from standard input" 0 \
	'"passed":1,"failed":0' '"actual":"allowed","ok":true'
printf 'service:web eni-8a387e54d69e9c897 tcp/5432\n' >"$tmp/bad.txt"
run check -q -f "$ex/aws" "$tmp/bad.txt"
expect "check: a line with three fields is an input error" 2
run check -q -f "$ex/aws" "$tmp/missing.txt"
expect "check: a missing file is an input error" 2
# The report is written as it is made (sgreach_verdict_set_writer()):
# every pair of a wildcard is in the JSON, and a full disk is the one
# error reported for it.
printf '%s\n' "eni-* eni-* tcp/5432 denied" >"$tmp/wild.txt"
run check -q -f "$ex/aws" -o json "$tmp/wild.txt"
expect "check: a wildcard's pairs, each in the JSON" 1 \
	'{"results":[{"line":1,"src":"eni-' '"passed":' '"failed":2}'
expect_full "check: a report that cannot be written is one error, exit 2" \
	check -q -f "$ex/aws" -o json "$tmp/wild.txt"

# ------------------------------------------------------------------ diff --
d=$fx/diff
run diff -q "$d/before" "$d/after"
expect "diff: the moto snapshots" 0 \
	"gained eni-47ab8f101e544e05f -> eni-69c7d74d2ed2f5ca9: tcp/9100" \
	"rule added: sg-79e0dc4238de6e73d (monitor) ingress #0 tcp 9100" \
	"groups changed: eni-69c7d74d2ed2f5ca9 +[sg-79e0dc4238de6e73d] -[]" \
	"gained internet -> eni-69c7d74d2ed2f5ca9: tcp/5432" \
	"lost eni-47ab8f101e544e05f -> eni-69c7d74d2ed2f5ca9: tcp/22" \
	"rule removed: sg-7890d732170c06252 (admin) ingress #0 tcp 22 from 10.30.0.0/16" \
	"3 pairs gained flows, 2 lost flows" "!egress #0 all to 0.0.0.0/0"
run diff -q --fail-on-gain "$d/before" "$d/after"
expect "diff --fail-on-gain exits 1 on a gain" 1
run diff -q -o json "$d/after" "$d/after"
expect "diff -o json of a snapshot with itself" 0 \
	'"gained":[],"lost":[]'
# No interface, so no pair at all (fuzz_analysis found qsort() handed NULL).
printf '{"SecurityGroups": []}' >"$tmp/nogroups.json"
run diff -q -o json "$tmp/nogroups.json" "$tmp/nogroups.json"
expect "diff of a model with no interface with itself" 0 \
	'{"family":4,"gained":[],"lost":[]}'
tf=$ex/terraform
run diff -q -o json "$tf/state.json" "$tf/plan-change.json"
expect "diff: Terraform state vs plan (change.tf)" 0 \
	'{"src":"service:worker","dst":"eni-e66ec6fb3bace8c1d","flows":["tcp/5432"]' \
	'{"src":"service:batch","dst":"internet","flows":["tcp/80"]' \
	'"lost":[]}'
# Backwards, the plan's change only takes flows away.
run diff -q --fail-on-gain "$tf/plan-change.json" "$tf/state.json"
expect "diff --fail-on-gain: losses only exit 0" 0 \
	"lost service:batch -> internet: tcp/80" \
	"rule removed: sg-45401407e683b3aad (batch) egress #2 tcp 80 to 0.0.0.0/0" \
	"0 pairs gained flows, 2 lost flows"
# Written as it is made, as check's report: a full disk is one error.
expect_full "diff: a report that cannot be written is one error, exit 2" \
	diff -q -o json "$d/before" "$d/after"
run diff -q "$d/before"
expect "diff with one argument" 2
run diff -q "$d/before" "$tmp/nothing"
expect "diff with a missing side" 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
