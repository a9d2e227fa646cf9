#!/bin/sh
# run.sh - tests of sgreach(1) as a user drives it.
#
# Environment (set by make check): SGREACH, the program (default ./sgreach);
# top_srcdir, the source tree (read-only under distcheck: temporary files go
# under ${TMPDIR:-/tmp}).  Prints "ok N - ..." / "not ok N - ..." lines,
# "# skip: ..." for what could not be checked (never counted as passed), and
# ends with exactly one line "N passed, N failed".  Exits 1 if any failed.
#
# The verdicts of the small model built below come from the AWS semantics
# (../shared/spec/aws-semantics.md sections 1-4), not from running sgreach;
# the fixture rows come from their expected.tsv files.
set -u

SGREACH=${SGREACH:-./sgreach}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tab=$(printf '\t')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgreach-cli.XXXXXX") || {
	echo "cannot create a temporary directory"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

n=0
passed=0
failed=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
	# Show what the program said, to see why without rerunning.
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && head -n 20 "$f" | cut -c 1-300 | sed "s|^|#   $(basename "$f"): |"
	done
	return 0
}

skip() {
	echo "# skip: $*"
}

# check DESCRIPTION CONDITION...: one test from a shell condition.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run ARGS...: runs sgreach; stdout in $tmp/out, stderr in $tmp/err, $rc.
run() {
	"$SGREACH" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# run_in FILE ARGS...: as run, with FILE as standard input.
run_in() {
	input=$1
	shift
	"$SGREACH" "$@" >"$tmp/out" 2>"$tmp/err" <"$input"
	rc=$?
}

contains() { # contains FILE STRING
	grep -F -e "$2" "$1" >/dev/null 2>&1
}

lines() { # lines FILE: number of lines
	wc -l <"$1" | tr -d ' '
}

# An error is one line on stderr, "sgreach: ...", and exit 2.
is_error_line() {
	[ "$rc" -eq 2 ] && [ "$(lines "$tmp/err")" -eq 1 ] &&
		head -n 1 "$tmp/err" | grep '^sgreach: ' >/dev/null
}

exit_of() { # exit_of VERDICT: the exit code sgreach query gives it
	case $1 in
	allowed) echo 0 ;;
	denied) echo 1 ;;
	unknown) echo 3 ;;
	partial) echo 4 ;;
	error) echo 2 ;;
	*) echo "" ;;
	esac
}

have_python=no
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
	have_python=yes
else
	skip "python3 not found: JSON output is not parsed, only counted"
fi

# jq_py FILE EXPR: prints eval(EXPR) with d the JSON document in FILE.
jq_py() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(eval(sys.argv[2]))' "$1" "$2" 2>"$tmp/pyerr"
}

if [ ! -x "$SGREACH" ]; then
	echo "not ok 1 - $SGREACH is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi

# ------------------------------------------------------------------ usage --

run
check "no command: exit 2" [ "$rc" -eq 2 ]
check "no command: says so" contains "$tmp/err" "no command"

run frobnicate -f /dev/null
check "unknown command: exit 2" [ "$rc" -eq 2 ]
check "unknown command: names it and lists the commands" \
	sh -c 'grep -F "frobnicate" "$1" | grep -F query | grep -F batch >/dev/null' \
	sh "$tmp/err"

run query eni-a eni-b tcp/443
check "query without -f: exit 2" [ "$rc" -eq 2 ]
check "query without -f: 'no input: give -f PATH'" \
	contains "$tmp/err" "no input: give -f PATH"

run query -f /dev/null eni-a eni-b
check "query with 2 arguments: exit 2" [ "$rc" -eq 2 ]
run query -f /dev/null eni-a eni-b tcp/443 extra
check "query with 4 arguments: exit 2" [ "$rc" -eq 2 ]
run query --no-such-option -f /dev/null a b tcp/1
check "unknown long option: exit 2 naming it" \
	sh -c '[ "$1" -eq 2 ] && grep -F -e "--no-such-option" "$2" >/dev/null' \
	sh "$rc" "$tmp/err"
run query -Z -f /dev/null a b tcp/1
check "unknown short option: exit 2" [ "$rc" -eq 2 ]
run query -f
check "-f without its argument: exit 2" [ "$rc" -eq 2 ]
run query -o xml -f /dev/null a b tcp/1
check "-o xml: exit 2 naming the format" \
	sh -c '[ "$1" -eq 2 ] && grep -F xml "$2" >/dev/null' sh "$rc" "$tmp/err"
run query -4 -6 -f /dev/null a b tcp/1
check "-4 with -6: exit 2" [ "$rc" -eq 2 ]
run batch -f /dev/null extra
check "batch with an argument: exit 2" [ "$rc" -eq 2 ]

run --help
check "--help: exit 0" [ "$rc" -eq 0 ]
check "--help: usage on stdout" contains "$tmp/out" "Usage: sgreach"
check "--help: lists query and batch" \
	sh -c 'grep -F " query " "$1" >/dev/null && grep -F " batch " "$1" >/dev/null' \
	sh "$tmp/out"
check "--help: nothing on stderr" [ ! -s "$tmp/err" ]
run query a b -h
check "-h after a command and arguments: exit 0 with usage" \
	sh -c '[ "$1" -eq 0 ] && grep -F "Usage: sgreach" "$2" >/dev/null' \
	sh "$rc" "$tmp/out"

run --version
check "--version: exit 0" [ "$rc" -eq 0 ]
check "--version: one line 'sgreach X.Y.Z'" \
	sh -c '[ "$(wc -l <"$1" | tr -d " ")" = 1 ] &&
	       grep -E "^sgreach [0-9]+\.[0-9]+\.[0-9]+$" "$1" >/dev/null' \
	sh "$tmp/out"

# ------------------------------------------------------------ bad inputs --

run query -f "$tmp/does-not-exist.json" eni-a eni-b tcp/443
check "missing file: exit 2 with one 'sgreach:' line" is_error_line
check "missing file: the message names the file" \
	contains "$tmp/err" "$tmp/does-not-exist.json"

# A group id that is a number: the message names file and JSON path.
printf '{"SecurityGroups": [{"GroupId": 5, "GroupName": "x"}]}\n' \
	>"$tmp/wrong-type.json"
run query -f "$tmp/wrong-type.json" eni-a eni-b tcp/443
check "wrong JSON type: exit 2 with one 'sgreach:' line" is_error_line
check "wrong JSON type: names the file" \
	contains "$tmp/err" "$tmp/wrong-type.json"
check "wrong JSON type: names the JSON path" \
	contains "$tmp/err" "SecurityGroups[0].GroupId"

printf '{"SecurityGroups": [\n  {"GroupId": "sg-1",}\n' >"$tmp/syntax.json"
run query -f "$tmp/syntax.json" eni-a eni-b tcp/443
check "JSON syntax error: exit 2 naming the file" \
	sh -c '[ "$1" -eq 2 ] && grep -F "$3" "$2" >/dev/null' \
	sh "$rc" "$tmp/err" "$tmp/syntax.json"

printf '{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1.5, "ToPort": 2}]}]}\n' \
	>"$tmp/port.json"
run query -f "$tmp/port.json" eni-a eni-b tcp/443
check "non-integral port: exit 2 with file and JSON path" \
	sh -c '[ "$1" -eq 2 ] && grep -F "$3" "$2" | grep -F "IpPermissions[0].FromPort" >/dev/null' \
	sh "$rc" "$tmp/err" "$tmp/port.json"

# ---------------------------------------------- a small model, by the spec --

# ALB (443 from anywhere, egress 8080 to web) -> web (8080 from the ALB's
# group, all egress) -> db (5432 from web, no egress); eni-x carries a group
# whose rules are not loaded.
SG_ALB=sg-0a00000000000a1b0
SG_WEB=sg-0a00000000000a1b1
SG_DB=sg-0a00000000000a1b2
SG_MISSING=sg-0a00000000000a1b9
ENI_ALB=eni-0b00000000000c1d0
ENI_WEB=eni-0b00000000000c1d1
ENI_DB=eni-0b00000000000c1d2
ENI_X=eni-0b00000000000c1d9

mkdir "$tmp/model"
cat >"$tmp/model/groups.json" <<EOF
{
  "SecurityGroups": [
    {
      "GroupId": "$SG_ALB", "GroupName": "alb", "VpcId": "vpc-0e0000000000000f1",
      "OwnerId": "123456789012", "Description": "alb",
      "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
         "PrefixListIds": [], "UserIdGroupPairs": []}
      ],
      "IpPermissionsEgress": [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
         "UserIdGroupPairs": [{"GroupId": "$SG_WEB", "UserId": "123456789012"}]}
      ]
    },
    {
      "GroupId": "$SG_WEB", "GroupName": "web", "VpcId": "vpc-0e0000000000000f1",
      "OwnerId": "123456789012", "Description": "web",
      "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
         "UserIdGroupPairs": [{"GroupId": "$SG_ALB", "UserId": "123456789012"}]}
      ],
      "IpPermissionsEgress": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
      ]
    },
    {
      "GroupId": "$SG_DB", "GroupName": "db", "VpcId": "vpc-0e0000000000000f1",
      "OwnerId": "123456789012", "Description": "db",
      "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
         "UserIdGroupPairs": [{"GroupId": "$SG_WEB", "UserId": "123456789012"}]}
      ],
      "IpPermissionsEgress": []
    }
  ]
}
EOF

eni() { # eni ID ADDRESS GROUP NAME
	cat <<EOF
    {
      "NetworkInterfaceId": "$1", "InterfaceType": "interface",
      "Status": "in-use", "VpcId": "vpc-0e0000000000000f1",
      "SubnetId": "subnet-0d0000000000000e1", "Description": "$4",
      "Groups": [{"GroupId": "$3", "GroupName": "$4"}],
      "PrivateIpAddress": "$2",
      "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": "$2"}],
      "Ipv6Addresses": [], "TagSet": []
    }
EOF
}
{
	echo '{'
	echo '  "NetworkInterfaces": ['
	eni "$ENI_ALB" 10.0.1.10 "$SG_ALB" alb
	echo ','
	eni "$ENI_WEB" 10.0.2.10 "$SG_WEB" web
	echo ','
	eni "$ENI_DB" 10.0.3.10 "$SG_DB" db
	echo ','
	eni "$ENI_X" 10.0.4.10 "$SG_MISSING" x
	echo '  ]'
	echo '}'
} >"$tmp/model/enis.json"
G=$tmp/model/groups.json
E=$tmp/model/enis.json

# model_query_case ...: query_case on the model, loaded as two -f files.
model_query_case() {
	query_case "$@" -f "$G" -f "$E"
}

# query_case SRC DST FLOW EXPECTED WHY [OPTIONS...]: exit code, text and JSON.
query_case() {
	q_src=$1 q_dst=$2 q_flow=$3 q_want=$4 q_why=$5
	shift 5
	q_code=$(exit_of "$q_want")
	if [ -z "$q_code" ]; then
		not_ok "$q_src -> $q_dst $q_flow: unknown expectation '$q_want'"
		return
	fi
	run query "$@" "$q_src" "$q_dst" "$q_flow"
	if [ "$rc" -eq "$q_code" ] && { [ "$q_want" = error ] || [ -s "$tmp/out" ]; }; then
		ok "query $q_src $q_dst $q_flow: $q_want (exit $q_code)"
	else
		not_ok "query $q_src $q_dst $q_flow: want $q_want (exit $q_code), got exit $rc${q_why:+ ($q_why)}"
	fi
	[ "$q_want" = error ] && return
	run query -o json "$@" "$q_src" "$q_dst" "$q_flow"
	if [ "$have_python" = no ]; then
		check "query -o json $q_src $q_dst $q_flow: exit $q_code" \
			[ "$rc" -eq "$q_code" ]
		return
	fi
	got=$(jq_py "$tmp/out" 'd["verdict"]')
	if [ "$rc" -eq "$q_code" ] && [ "$got" = "$q_want" ]; then
		ok "query -o json $q_src $q_dst $q_flow: \"verdict\": \"$q_want\""
	else
		not_ok "query -o json $q_src $q_dst $q_flow: want $q_want, got '$got' exit $rc${q_why:+ ($q_why)}"
	fi
}

model_query_case "$ENI_ALB" "$ENI_WEB" tcp/8080 allowed \
	"alb egress 8080 to web's group, web ingress 8080 from alb's"
model_query_case "$ENI_ALB" "$ENI_WEB" tcp/22 denied \
	"alb has no egress on 22"
model_query_case "$ENI_WEB" "$ENI_DB" tcp/5432 allowed \
	"web egress all, db ingress from web's group"
model_query_case "$ENI_DB" "$ENI_WEB" tcp/8080 denied \
	"db has no egress rules"
model_query_case "$ENI_ALB" "$ENI_DB" tcp/5432 denied \
	"alb egress is 8080 only; db admits web only"
model_query_case "$ENI_WEB" "$ENI_X" tcp/80 unknown \
	"eni-x carries a group whose rules were not loaded"
model_query_case 203.0.113.5 "$ENI_ALB" tcp/443 allowed \
	"outside the model: only alb's ingress applies"
model_query_case 203.0.113.5 "$ENI_WEB" tcp/8080 denied \
	"a public source never matches a group reference"
model_query_case "$ENI_ALB" 10.0.2.10 tcp/8080 allowed \
	"web's private address selects web's ENI"
model_query_case eni-0ffffffffffffffff "$ENI_WEB" tcp/8080 error \
	"an ENI that was not loaded"
model_query_case "$ENI_ALB" "$ENI_WEB" tcp/99999 error "port out of range"
model_query_case "$ENI_ALB" "$ENI_WEB" bogus/1 error "no such protocol"

run query -f "$G" -f "$E" "$ENI_ALB" "$ENI_WEB" tcp/8080
check "text verdict names the verdict and the deciding groups" \
	sh -c 'grep -i allowed "$1" >/dev/null && grep -F "$2" "$1" >/dev/null &&
	       grep -F "$3" "$1" >/dev/null' sh "$tmp/out" "$SG_ALB" "$SG_WEB"

if [ "$have_python" = yes ]; then
	run query -o json -f "$G" -f "$E" "$ENI_ALB" "$ENI_WEB" tcp/8080
	got=$(jq_py "$tmp/out" '(d["flow"], d["family"], d["egress"]["verdict"],
		[r["group_id"] for r in d["egress"]["rules"]],
		[r["from_port"] for r in d["ingress"]["rules"]],
		d["src"]["id"], d["dst"]["address"])')
	want="('tcp/8080', 4, 'allowed', ['$SG_ALB'], [8080], '$ENI_ALB', '10.0.2.10')"
	check "JSON verdict: flow, family, deciding rules, endpoints" \
		[ "$got" = "$want" ]
	[ "$got" = "$want" ] || printf '#   got %s\n' "$got"

	run query -o json -f "$G" -f "$E" 203.0.113.5 "$ENI_ALB" tcp/443
	got=$(jq_py "$tmp/out" '(d["egress"]["verdict"], d["egress"]["reason"])')
	check "JSON verdict: a source outside the model is not-applicable" \
		[ "$got" = "('not-applicable', 'outside-model')" ]

	run query -o json -f "$G" -f "$E" "$ENI_DB" "$ENI_WEB" tcp/8080
	got=$(jq_py "$tmp/out" '(d["verdict"], d["egress"]["verdict"], d["egress"]["rules"])')
	check "JSON verdict: a denying side has no rules and says denied" \
		[ "$got" = "('denied', 'denied', [])" ]
fi

# Options anywhere, long forms, "--".
run query "$ENI_ALB" "$ENI_WEB" --output=json tcp/8080 \
	--file="$tmp/model/groups.json" -f "$tmp/model/enis.json"
check "options after the arguments, --file=, --output=json" \
	sh -c '[ "$1" -eq 0 ] && grep -F "\"verdict\"" "$2" >/dev/null' \
	sh "$rc" "$tmp/out"
run -f "$tmp/model" query -- "$ENI_WEB" "$ENI_DB" tcp/5432
check "-f DIRECTORY loads every *.json, options before the command, --" \
	[ "$rc" -eq 0 ]
run_in "$tmp/model/groups.json" query -f - -f "$tmp/model/enis.json" \
	"$ENI_ALB" "$ENI_WEB" tcp/8080
check "-f - reads a document from standard input" [ "$rc" -eq 0 ]
run query -f "$tmp/model/enis.json" "$ENI_ALB" "$ENI_WEB" tcp/8080
check "without the groups' rules the verdict is unknown" [ "$rc" -eq 3 ]

# Warnings: an unknown top-level key (issue 2) is reported unless -q.
sed 's/^{$/{ "NotAnAwsKey": 1,/' "$tmp/model/groups.json" >"$tmp/extra-key.json"
run query -f "$tmp/extra-key.json" -f "$tmp/model/enis.json" "$ENI_ALB" "$ENI_WEB" tcp/8080
check "unknown top-level key: still answers, 'sgreach: warning:' on stderr" \
	sh -c '[ "$1" -eq 0 ] && grep "^sgreach: warning: .*NotAnAwsKey" "$2" >/dev/null' \
	sh "$rc" "$tmp/err"
run query -q -f "$tmp/extra-key.json" -f "$tmp/model/enis.json" "$ENI_ALB" "$ENI_WEB" tcp/8080
check "-q silences warnings" sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' sh "$rc" "$tmp/err"

# ------------------------------------------------------------------ batch --

{
	echo "# a comment"
	echo "$ENI_ALB $ENI_WEB tcp/8080"
	echo ""
	printf '  %s\t%s   tcp/22 -4\r\n' "$ENI_ALB" "$ENI_WEB"
	echo "only two"
	echo "$ENI_ALB $ENI_WEB tcp/8080 -5"
	echo "$ENI_ALB $ENI_WEB bogus/1"
	printf 'eni-"quote\\back\001 %s tcp/1\n' "$ENI_WEB"
	echo "$ENI_WEB $ENI_X tcp/80"
	printf '%s %s tcp/5432' "$ENI_WEB" "$ENI_DB" # no final newline
} >"$tmp/batch.in"
run_in "$tmp/batch.in" batch -f "$G" -f "$E"
check "batch: exit 0 with bad lines among good ones" [ "$rc" -eq 0 ]
check "batch: one output line per query line" [ "$(lines "$tmp/out")" = 8 ]
if [ "$have_python" = yes ]; then
	got=$(python3 -c 'import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    out.append(d["verdict"] if "verdict" in d else "error@%d" % d["line"])
print(" ".join(out))' "$tmp/out" 2>"$tmp/pyerr")
	want="allowed denied error@5 error@6 error@7 error@8 unknown allowed"
	check "batch: verdicts and error lines in order" [ "$got" = "$want" ]
	[ "$got" = "$want" ] || printf '#   got %s\n' "$got"
	got=$(python3 -c 'import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
d = json.loads(lines[5])
print(repr((d["input"], bool(d["error"]))))' "$tmp/out" 2>"$tmp/pyerr")
	want=$(printf "('eni-\"quote\\\\\\\\back\\\\x01 %s tcp/1', True)" "$ENI_WEB")
	check "batch: error object echoes the input with JSON escaping" \
		[ "$got" = "$want" ]
	[ "$got" = "$want" ] || printf '#   got %s want %s\n' "$got" "$want"
else
	check "batch: error objects have \"error\"" \
		[ "$(grep -c '"error"' "$tmp/out")" = 4 ]
fi

# batch answers the lines it has read in blocks of 64 (one
# sgreach_query_many_text() call each): the ten lines above (the last
# ended here) repeated over four blocks give the same answers and errors,
# in order, whatever their place in a block.
i=0
while [ $i -lt 25 ]; do
	cat "$tmp/batch.in"
	echo
	i=$((i + 1))
done >"$tmp/blocks64.in"
run_in "$tmp/blocks64.in" batch -f "$G" -f "$E"
check "batch: 25 copies over several blocks: exit 0" [ "$rc" -eq 0 ]
check "batch: 25 copies over several blocks: 200 output lines" \
	[ "$(lines "$tmp/out")" = 200 ]
if [ "$have_python" = yes ]; then
	got=$(python3 -c 'import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    out.append(d["verdict"] if "verdict" in d else "error@%d" % ((d["line"] - 1) % 10 + 1))
print(" ".join(out))' "$tmp/out" 2>"$tmp/pyerr")
	want=""
	i=0
	while [ $i -lt 25 ]; do
		want="$want${want:+ }allowed denied error@5 error@6 error@7 error@8 unknown allowed"
		i=$((i + 1))
	done
	check "batch: 25 copies over several blocks: answers and errors in order" \
		[ "$got" = "$want" ]
	[ "$got" = "$want" ] || printf '#   got %s\n' "$got"
fi

# N KiB of zeros, to make a line long.
kib_of_zeros() {
	i=0
	while [ $i -lt "$1" ]; do
		printf '%01024d' 0
		i=$((i + 1))
	done
}

# A line longer than any buffer is one error line, and the batch goes on.
{
	printf '%s %s tcp/8080 ' "$ENI_ALB" "$ENI_WEB"
	kib_of_zeros 64
	printf '\n%s %s tcp/8080\n' "$ENI_ALB" "$ENI_WEB"
} >"$tmp/long.in"
run_in "$tmp/long.in" batch -f "$G" -f "$E"
check "batch: a 64 KiB line is an error line, the next is answered" \
	sh -c '[ "$1" -eq 0 ] && [ "$(wc -l <"$2" | tr -d " ")" = 2 ] &&
	       head -n 1 "$2" | grep -F "\"error\"" >/dev/null &&
	       tail -n 1 "$2" | grep -F "\"verdict\"" >/dev/null' \
	sh "$rc" "$tmp/out"

# batch reads standard input in 256 KiB blocks: lines that straddle two
# blocks, and a line longer than a block, are read whole.
{
	i=0
	while [ $i -lt 6000 ]; do
		printf '%s %s tcp/8080\n' "$ENI_ALB" "$ENI_WEB"
		i=$((i + 1))
	done
	printf '%s %s tcp/8080 ' "$ENI_ALB" "$ENI_WEB"
	kib_of_zeros 600
	printf '\n%s %s tcp/8080' "$ENI_ALB" "$ENI_WEB"
} >"$tmp/blocks.in"
run_in "$tmp/blocks.in" batch -f "$G" -f "$E"
check "batch: lines across read blocks, and longer than one, are whole" \
	sh -c '[ "$1" -eq 0 ] && [ "$(wc -l <"$2" | tr -d " ")" = 6002 ] &&
	       [ "$(grep -c "\"verdict\":\"allowed\"" "$2")" = 6001 ] &&
	       sed -n 6001p "$2" | grep -F "\"error\"" >/dev/null' \
	sh "$rc" "$tmp/out"

# An answer is written before batch waits for the next line: a program
# that writes one query and then reads its answer (a coprocess, a
# terminal) is not kept waiting until the end of input.
mkfifo "$tmp/coproc.in"
"$SGREACH" batch -f "$G" -f "$E" <"$tmp/coproc.in" >"$tmp/coproc.out" 2>&1 &
coproc_pid=$!
exec 9>"$tmp/coproc.in"
printf '%s %s tcp/8080\n' "$ENI_ALB" "$ENI_WEB" >&9
i=0
while [ $i -lt 100 ] && ! grep -q verdict "$tmp/coproc.out" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
grep -c '"verdict"' "$tmp/coproc.out" >"$tmp/coproc.n" 2>/dev/null
exec 9>&-
wait "$coproc_pid"
check "batch: an answer is written while standard input stays open" \
	test "$(cat "$tmp/coproc.n")" = 1

run_in "$tmp/batch.in" batch -f - -f "$tmp/model/enis.json"
check "batch with -f -: exit 2 (stdin holds the queries)" \
	sh -c '[ "$1" -eq 2 ] && [ ! -s "$2" ]' sh "$rc" "$tmp/out"
run_in "$tmp/batch.in" batch -o text -f "$tmp/model"
check "batch -o text: exit 2 (batch writes JSON)" [ "$rc" -eq 2 ]
: >"$tmp/empty.in"
run_in "$tmp/empty.in" batch -f "$tmp/model"
check "batch on empty input: exit 0, no output" \
	sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' sh "$rc" "$tmp/out"

# ------------------------------------- one service name in two clusters --

# Services are per cluster: prod and staging each run a service "web"
# (tests/fixtures/aws/two-clusters).  Loading both clusters once failed
# ("endpoint added twice"), and their tasks alone were one service.
tc=$srcdir/tests/fixtures/aws/two-clusters
tc_db=eni-93154d709a0b64790
run query -q -f "$tc" service:web $tc_db tcp/5432
check "two clusters: service:web is an error naming the way out" \
	sh -c 'grep -F "ambiguous" "$1" | grep -F "service:CLUSTER/web" >/dev/null' \
	sh "$tmp/err"
check "two clusters: service:web exits 2 with one 'sgreach:' line" is_error_line
run query -o json -f "$tc" service:staging/web $tc_db tcp/5432
check "two clusters: the JSON names the service with its cluster" \
	sh -c '[ "$1" -eq 1 ] && grep -F "\"service\":\"staging/web\"" "$2" >/dev/null' \
	sh "$rc" "$tmp/out"
run who -f "$tc" $tc_db tcp/5432
check "two clusters: who names the tasks' service with its cluster" \
	sh -c 'grep -c -F "(task of service prod/web)" "$1" | grep -qx 2 &&
	       ! grep -F "staging" "$1" >/dev/null' sh "$tmp/out"
# prod's worker was deleted (INACTIVE): it selects nothing, and says why.
# Loaded, it stood for its subnets and reached the database.
run query -f "$tc" service:prod/worker $tc_db tcp/5432
check "a deleted service: not loaded, exit 2" \
	sh -c '[ "$1" -eq 2 ] && grep -F "no service '"'prod/worker'"' is loaded" "$2" >/dev/null' \
	sh "$rc" "$tmp/err"
check "a deleted service: a warning says it was skipped" \
	contains "$tmp/err" "service prod/worker is INACTIVE (deleted); skipped"
# Tasks without their services: still two services, one per cluster.
mkdir -p "$tmp/tasks-only"
for f in describe-network-interfaces describe-security-groups \
	describe-subnets describe-tasks-prod describe-tasks-staging; do
	cp "$tc/$f.json" "$tmp/tasks-only/"
done
query_case service:staging/web $tc_db tcp/5432 denied \
	"staging's task alone; prod's are another service" -f "$tmp/tasks-only"
query_case service:prod/web $tc_db tcp/5432 allowed \
	"prod's two tasks" -f "$tmp/tasks-only"
# One cluster loaded: its services keep their short names.
mkdir -p "$tmp/prod-only"
for f in describe-network-interfaces describe-security-groups \
	describe-subnets describe-tasks-prod describe-services-prod; do
	cp "$tc/$f.json" "$tmp/prod-only/"
done
run query -o json -f "$tmp/prod-only" service:web $tc_db tcp/5432
check "one cluster: service:web selects it, shown as web" \
	sh -c '[ "$1" -eq 0 ] && grep -F "\"service\":\"web\"" "$2" >/dev/null' \
	sh "$rc" "$tmp/out"
query_case service:prod/web $tc_db tcp/5432 allowed \
	"the cluster may be given when it is not needed" -f "$tmp/prod-only"

# A Terraform plan that creates both clusters: their ARNs are unknown, so
# each service's cluster is the planned name of the cluster its reference
# names.  The plan once failed to load: "web: service added twice".
tfc=$srcdir/tests/fixtures/terraform/clusters.plan.json
query_case 10.6.0.9 service:staging/web tcp/443 allowed \
	"a plan creating two clusters: each web by its cluster" -f "$tfc"
run query -q -f "$tfc" 10.6.0.9 service:web tcp/443
check "a plan creating two clusters: service:web is ambiguous, exit 2" \
	sh -c '[ "$1" -eq 2 ] && grep -F "ambiguous" "$2" >/dev/null' \
	sh "$rc" "$tmp/err"
run query -f "$tfc" service:admin service:prod/web tcp/443
check "a plan: a cluster the reference does not decide is a warning" \
	contains "$tmp/err" "aws_ecs_service.admin: cluster not known until apply"

# ------------------------------------------------------ fixture verdicts --

has_json() { # has_json DIR: DIR holds some *.json
	for j in "$1"/*.json; do
		[ -f "$j" ] && return 0
	done
	return 1
}

# expected.tsv: SRC DST FLOW EXPECTED WHY, tab-separated; "#" lines and a
# header row whose first column is SRC are not cases.  The model is every
# *.json of the folder, or of its aws/ subfolder (the example keeps its AWS
# CLI documents there, beside terraform/).
tsv_dir() { # tsv_dir DIR
	dir=$1
	tsv=$dir/expected.tsv
	[ -f "$tsv" ] || [ ! -f "$dir/aws/expected.tsv" ] || tsv=$dir/aws/expected.tsv
	if [ ! -f "$tsv" ]; then
		skip "$dir: no expected.tsv yet (not counted)"
		return
	fi
	model=$dir
	has_json "$model" || model=$dir/aws
	if ! has_json "$model"; then
		: >"$tmp/out"
		: >"$tmp/err"
		not_ok "$dir: expected.tsv but no *.json in $dir or $dir/aws"
		return
	fi
	tsv_rows "$tsv" "$model"
}

tsv_rows() { # tsv_rows TSV MODEL: every row of TSV against -f MODEL
	tsv=$1
	model=$2
	echo "# $tsv, model -f $model"
	rows=0
	while IFS=$tab read -r t_src t_dst t_flow t_want t_why || [ -n "$t_src" ]; do
		case $t_src in
		'' | '#'* | SRC | src) continue ;;
		esac
		t_want=$(printf '%s' "$t_want" | tr -d '\r' | tr 'A-Z' 'a-z')
		rows=$((rows + 1))
		query_case "$t_src" "$t_dst" "$t_flow" "$t_want" "$t_why" \
			-q -f "$model"
	done <"$tsv"
	check "$tsv has cases" [ "$rows" -gt 0 ]
}

if [ -d "$srcdir/examples/ecs-awsvpc" ]; then
	tsv_dir "$srcdir/examples/ecs-awsvpc"
else
	skip "$srcdir/examples/ecs-awsvpc is missing (not counted)"
fi
# The Terraform example: NAME.tsv holds the expected verdicts of NAME.json
# (a state, a plan from nothing, a plan that changes the state).
for t in "$srcdir"/examples/ecs-awsvpc/terraform/*.tsv; do
	[ -f "$t" ] || continue
	tsv_rows "$t" "${t%.tsv}.json"
done
found=no
for d in "$srcdir"/tests/fixtures/aws/*/; do
	[ -d "$d" ] || continue
	found=yes
	tsv_dir "${d%/}"
done
[ "$found" = yes ] || skip "no tests/fixtures/aws/*/ folders yet (not counted)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
