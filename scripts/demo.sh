#!/bin/sh
# Sets up sgreach and asks it about the bundled ECS example
# (examples/ecs-awsvpc: an ALB, web, worker, db, api, cache and batch).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh"
sg="$top/build/sgreach"
ex="$top/examples/ecs-awsvpc/aws"
ask() {
	echo "\$ sgreach query -f examples/ecs-awsvpc/aws $*"
	"$sg" query -q -f "$ex" "$@" && rc=0 || rc=$?
	echo "(exit $rc)"
	echo
}
ask service:web 10.0.1.30 tcp/5432     # web tasks -> database
ask service:worker 10.0.1.30 tcp/5432  # worker -> database
ask 203.0.113.9 10.0.0.10 tcp/443      # the internet -> the load balancer
ask service:batch 10.0.2.20 tcp/8000   # batch's egress is restricted
ask service:api 10.0.2.30 tcp/6379     # api -> cache
