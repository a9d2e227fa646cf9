#!/bin/sh
# analyses.sh - documents that once broke an analysis (found by
# fuzz/fuzz_analysis), through every analysis command and format.
#
# Each must answer (exit 0, 1, 3 or 4: never 2 for a valid document, never
# a signal) with no raw control byte in its output.  Memory errors show
# under make check-asan, which runs this script too.
# Environment (set by make check): SGREACH, top_srcdir.
set -u

SGREACH=${SGREACH:-./sgreach}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgreach-an.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0 passed=0 failed=0
for doc in "$srcdir"/tests/bad-input/analyses/*.json; do
	for cmd in "matrix" "matrix -o json" "matrix -o csv" "matrix -o dot" \
		"matrix --group-by=group" "matrix --group-by=none" "exposure" \
		"exposure -o json" "who 0.0.0.0/0" "reach 0.0.0.0/0" \
		"who 0.0.0.0/0 tcp/443 -o csv"; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # cmd holds the words of a command
		"$SGREACH" $cmd -f "$doc" >"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		why=
		case $rc in 0 | 1 | 3 | 4) ;; *) why="exit $rc" ;; esac
		if LC_ALL=C grep -q "$(printf '[\001-\011\013\014\016-\037\177]')" "$tmp/out" "$tmp/err"; then
			why="${why:+$why; }raw control bytes"
		fi
		if [ -z "$why" ]; then
			passed=$((passed + 1))
			echo "ok $n - $(basename "$doc"): $cmd"
		else
			failed=$((failed + 1))
			echo "not ok $n - $(basename "$doc"): $cmd: $why"
			head -n 3 "$tmp/err" | cut -c 1-200 | sed 's/^/#   /'
		fi
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
