#!/bin/sh
# export.sh - produce the Terraform JSON that sgreach reads, offline.
#
# Applies the configuration in SRC (default: this script's folder) against a
# local moto_server with the locally mirrored hashicorp/aws provider, and
# writes into OUT (default: SRC):
#   PREFIXplan.json         terraform show -json of a plan from nothing
#                           (every id unknown until apply)
#   PREFIXstate.json        terraform show -json of the applied state
#   PREFIXplan-change.json  a second plan, with SRC/change/*.tf added, when
#                           SRC/change/ exists
# The work happens in a temporary copy, so no .terraform/ or tfstate is
# left beside the sources.
#
# usage: export.sh [-s SRC] [-o OUT] [-p PREFIX] [-n]
#   -n  plan only (no apply, no state.json)
# Environment: MOTO_ENDPOINT reuses a running moto_server instead of
# starting one; TF_PLUGIN_MIRROR overrides the provider mirror folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$here
out=
prefix=
plan_only=0
while getopts s:o:p:n opt; do
	case $opt in
	s) src=$(cd "$OPTARG" && pwd) ;;
	o) out=$OPTARG ;;
	p) prefix=$OPTARG ;;
	n) plan_only=1 ;;
	*) echo "usage: $0 [-s SRC] [-o OUT] [-p PREFIX] [-n]" >&2; exit 2 ;;
	esac
done
out=$(cd "${out:-$src}" && pwd)

# The folder above registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/.
mirror=${TF_PLUGIN_MIRROR:-}
if [ -z "$mirror" ]; then
	bin=$(find /opt/tf-plugins / -name 'terraform-provider-aws_*' \
		-path '*registry.terraform.io*' 2>/dev/null | head -n 1)
	[ -n "$bin" ] || { echo "$0: no mirrored terraform-provider-aws" >&2; exit 1; }
	mirror=${bin%%/registry.terraform.io/*}
fi

work=$(mktemp -d)
moto_pid=
cleanup() {
	[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

endpoint=${MOTO_ENDPOINT:-}
if [ -z "$endpoint" ]; then
	# Ask the kernel for a free port, then start moto on it.
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
	moto_pid=$!
	endpoint=http://127.0.0.1:$port
	i=0
	until python3 -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/')" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "$0: moto_server did not start" >&2; cat "$work/moto.log" >&2; exit 1; }
		sleep 0.2
	done
fi

cat >"$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1

mkdir "$work/tf"
cp "$src"/*.tf "$work/tf/"
# Child modules live in subfolders that the configuration names by path.
for d in "$src"/*/; do
	[ -d "$d" ] || continue
	case $(basename "$d") in change) continue ;; esac
	cp -r "$d" "$work/tf/"
done
tf() { terraform -chdir="$work/tf" "$@"; }
var="-var=endpoint=$endpoint"

tf init -no-color >"$work/init.log" || { cat "$work/init.log" >&2; exit 1; }
tf plan -no-color -input=false $var -out=plan.bin >"$work/plan.log" ||
	{ cat "$work/plan.log" >&2; exit 1; }
tf show -json plan.bin >"$out/${prefix}plan.json"
[ $plan_only -eq 1 ] && exit 0

tf apply -no-color -input=false -auto-approve plan.bin >"$work/apply.log" ||
	{ cat "$work/apply.log" >&2; exit 1; }
tf show -json >"$out/${prefix}state.json"

if [ -d "$src/change" ]; then
	cp "$src"/change/*.tf "$work/tf/"
	tf plan -no-color -input=false $var -out=change.bin >"$work/change.log" ||
		{ cat "$work/change.log" >&2; exit 1; }
	tf show -json change.bin >"$out/${prefix}plan-change.json"
fi
