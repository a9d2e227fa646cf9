#!/bin/sh
# analysis.sh - sgreach ports, who, reach, matrix and exposure as a user
# drives them, on examples/ecs-awsvpc/aws.
#
# The expected answers come from the example's README table of groups and
# the AWS semantics (../shared/spec/aws-semantics.md sections 1-4), not from
# running sgreach.  Environment as for run.sh (SGREACH, top_srcdir).  Prints
# "ok N - ..." / "not ok N - ...", "# skip: ..." for what could not be
# checked, and ends with one line "N passed, N failed".
set -u

SGREACH=${SGREACH:-./sgreach}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
ex=$srcdir/examples/ecs-awsvpc/aws

ALB=eni-5dd2722e4103927e4
WEB_A=eni-7443b17faeb5db2d6
WEB_B=eni-5f072e3892ca651dd
DB=eni-8a387e54d69e9c897
API=eni-738206efb262942d3
CACHE=eni-5ed8fe6a0cbb79ca0
BATCH=eni-69661815cee057115

test_name=analysis
. "$srcdir/tests/cli/lib.sh"

if [ ! -d "$ex" ]; then
	echo "# skip: $ex is missing"
	echo "0 passed, 0 failed"
	exit 77
fi

# ports: web egress all, db ingress tcp 5432 from group web.
run ports -f "$ex" "$WEB_A" "$DB"
expect "ports web -> db is tcp/5432" 0 "allowed: tcp/5432" \
	"ingress #0 tcp 5432 from"
run ports -f "$ex" -o json service:web "$DB"
expect "ports -o json service:web -> db" 0 '"allowed":["tcp/5432"]' \
	'"unknown":[]'
# batch egress: tcp 443 to 0.0.0.0/0 and 5432 to db; db admits only web.
run ports -f "$ex" "$BATCH" "$DB"
expect "ports batch -> db allows nothing" 0 "allowed: nothing"
run ports -f "$ex" "$BATCH" "$ALB"
expect "ports batch -> alb is tcp/443" 0 "allowed: tcp/443"
# worker keeps the default egress rule: all traffic anywhere.
run ports -f "$ex" eni-ed0ff7b36a7504ca3 8.8.8.8
expect "ports worker -> 8.8.8.8 is all" 0 "allowed: all"

# who: db admits 5432 from group web only.
run who -f "$ex" "$DB"
expect "who db: the web tasks and service:web" 0 "$WEB_A" "$WEB_B" \
	"service:web (service): allowed tcp/5432" "!$ALB" "!service:api"
run who -f "$ex" -o json "$ALB" tcp/80
expect "who alb tcp/80: nobody" 0 '"sources":[],"external":[]'
run who -f "$ex" -o json "$ALB" tcp/443
expect "who alb tcp/443: the whole address space" 0 \
	'"ranges":["0.0.0.0/0"],"internet":"partly","allowed":["tcp/443"]'
run who -f "$ex" -o csv "$DB" tcp/5432
expect "who -o csv" 0 "src,dst,kind,internet,allowed,partial,unknown" \
	"service:web,$DB,service,,tcp/5432,,"

# reach: batch reaches alb and the internet on 443 only.
run reach -f "$ex" "$BATCH"
expect "reach batch" 0 "$ALB (eni): allowed tcp/443" \
	"0.0.0.0/0 (internet and private space): allowed tcp/443" "!$DB"

# matrix, by service (the default), group and interface.
run matrix -f "$ex"
expect "matrix by service" 0 "matrix by service (IPv4)" \
	"service:api            $CACHE  tcp/6379"
run matrix -f "$ex" -o json tcp/6379
expect "matrix tcp/6379: only api -> cache" 0 \
	"\"pairs\":[{\"src\":\"service:api\",\"dst\":\"$CACHE\",\"allowed\":[\"tcp/6379\"],\"partial\":[],\"unknown\":[]}]}"
run matrix -f "$ex" --group-by group -o csv
expect "matrix --group-by group -o csv" 0 \
	"src,dst,allowed,partial,unknown"
run matrix -f "$ex" --group-by none -o json
expect "matrix --group-by none" 0 "\"src\":\"$WEB_B\",\"dst\":\"$DB\""
run matrix -f "$ex" --group-by bogus
expect "matrix --group-by bogus is a usage error" 2
# The listing is written as it is made; a full disk is one error.
expect_full "matrix: a listing that cannot be written is one error, exit 2" \
	matrix -f "$ex" --group-by none -o json
# The class form: everyone but the alb reaches only the alb, on 443.
run matrix -f "$ex" --classes tcp/443
expect "matrix --classes tcp/443" 0 \
	"matrix by service (IPv4, tcp/443), classes" \
	"S0  $ALB $DB $CACHE service:web service:worker service:api" \
	"D0  $ALB" "S0  D0  tcp/443"
run matrix -f "$ex" --classes --group-by none -o json
expect "matrix --classes --group-by none -o json" 0 '"form":"classes"' \
	"\"destinations\":[[\"$ALB\"]" '"answers":[{"allowed":["tcp/8080"]'
run matrix -f "$ex" --classes -o csv
expect "matrix --classes -o csv is a usage error" 2
# No node at all (regression: one flow divided by a row of 0 bytes).
printf '{"SecurityGroups": []}\n' >"$tmp/nothing.json"
run matrix -f "$tmp/nothing.json" --classes tcp/443
expect "matrix --classes tcp/443 of a model with no node" 0 \
	"matrix by service (IPv4, tcp/443), classes" "sources" "pairs"
run matrix -f "$tmp/nothing.json" --classes --group-by none -o json
expect "matrix --classes -o json (all flows) of a model with no node" 0 \
	'"form":"classes","sources":[],"destinations":[],"pairs":[]'
if command -v dot >/dev/null 2>&1; then
	run matrix -f "$ex" -o dot
	if [ "$rc" -eq 0 ] && dot -Tsvg "$tmp/out" >"$tmp/svg" 2>"$tmp/err" &&
		grep -q "<svg" "$tmp/svg"; then
		ok "matrix -o dot renders with dot -Tsvg"
	else
		not_ok "matrix -o dot renders with dot -Tsvg"
	fi
else
	echo "# skip: graphviz 'dot' is not installed: DOT not rendered"
fi

# exposure: only alb admits public space, and it has a public address.
run exposure -f "$ex"
expect "exposure: alb" 0 "$ALB (eni), addressable from the internet" \
	"allowed tcp/443" "!$DB"
run exposure -f "$ex" -o json
expect "exposure -o json" 0 '"addressable":true' \
	'"public_addresses":["198.51.100.20"]'

# Errors exit 2 with one line on stderr.
run ports -f "$ex" "$WEB_A"
expect "ports with one argument" 2
run ports -f "$ex" eni-nope "$DB"
expect "ports with an unknown selector" 2
run who -f "$ex" "$DB" tcp/99999
expect "who with a bad flow" 2
run ports -f "$ex" -o dot "$WEB_A" "$DB"
expect "ports -o dot is refused" 2
run exposure -f "$ex" -o csv
expect "exposure -o csv is refused" 2
run exposure -f "$ex" extra
expect "exposure takes no arguments" 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
