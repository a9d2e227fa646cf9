#!/bin/sh
# run.sh - every malformed document of MANIFEST through the command line:
#   sgreach query -f FILE a b tcp/1
# must exit as MANIFEST says, with exactly one line on stderr that contains
# the expected text (the file and JSON path), carries no raw control byte,
# and nothing on stdout.
#
# Environment (set by make check): SGREACH, the program; top_srcdir.
# Prints "ok N - ..." / "not ok N - ..." and ends with "N passed, N failed".
set -u

SGREACH=${SGREACH:-./sgreach}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$srcdir/tests/bad-input
tab=$(printf '\t')

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgreach-bad.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# A copy of the corpus (the source tree may be read-only) beside gen/, so
# that every FILE reads the same in MANIFEST and in the messages.
work=$tmp/work
mkdir -p "$work/gen"
cp -R "$here/." "$work/"

# Inputs too big to keep in the repository.
gen=$work/gen
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >"$gen/deep-100000.json"
awk 'BEGIN { printf "{\"SecurityGroups\": [1"; for (i = 1; i < 1000000; i++) printf ",1"; print "]}" }' >"$gen/million-numbers.json"
awk 'BEGIN { printf "{\"SecurityGroups\": ["; for (i = 0; i < 200000; i++) printf "{\"GroupId\": \"sg-%x\"}, ", i; print "{\"GroupId\": 5}]}" }' >"$gen/last-of-200001-bad.json"
# One byte over the documented limit, sparse: no disk or memory is used
# unless the program reads it all.
if ! truncate -s 1073741825 "$gen/over-1GiB.json" 2>/dev/null; then
	rm -f "$gen/over-1GiB.json"
fi

n=0 passed=0 failed=0
while IFS="$tab" read -r file want text; do
	case $file in '' | '#'*) continue ;; esac
	n=$((n + 1))
	if [ "$file" = gen/over-1GiB.json ] && [ ! -f "$gen/over-1GiB.json" ]; then
		echo "# skip: cannot make a sparse 1 GiB file here"
		n=$((n - 1))
		continue
	fi
	case $file in
	'<'*)
		(cd "$work" && "$SGREACH" query -f - a b tcp/1 <"${file#<}" \
			>"$tmp/out" 2>"$tmp/err")
		rc=$?
		;;
	*)
		(cd "$work" && "$SGREACH" query -f "$file" a b tcp/1 </dev/null \
			>"$tmp/out" 2>"$tmp/err")
		rc=$?
		;;
	esac
	why=
	[ "$rc" = "$want" ] || why="exit $rc, expected $want"
	grep -qF -e "$text" "$tmp/err" || why="${why:+$why; }stderr lacks: $text"
	lines=$(wc -l <"$tmp/err")
	[ "$lines" -eq 1 ] || why="${why:+$why; }$lines lines on stderr"
	[ -s "$tmp/out" ] && why="${why:+$why; }output on stdout"
	# Control bytes other than the final newline (tr keeps them).
	if [ -n "$(tr -d '\n\040-\176\200-\377' <"$tmp/err")" ]; then
		why="${why:+$why; }raw control bytes on stderr"
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "ok $n - $file"
	else
		failed=$((failed + 1))
		echo "not ok $n - $file: $why"
		head -n 3 "$tmp/err" | cut -c 1-300 | sed 's/^/#   stderr: /'
	fi
done <"$here/MANIFEST"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
