# lib.sh - the harness shared by the CLI test scripts (sourced): a
# temporary folder, ok/not_ok counting, run/run_in/expect.  The sourcing
# script sets SGREACH and prints "$passed passed, $failed failed" at the end.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgreach-${test_name:-cli}.XXXXXX") || {
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
	for f in "$tmp/out" "$tmp/err"; do
		[ -s "$f" ] && head -n 20 "$f" | cut -c 1-300 |
			sed "s|^|#   $(basename "$f"): |"
	done
	return 0
}

# run ARGS...: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$SGREACH" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# expect DESC STATUS [PATTERN [!PATTERN]...]: the last run exited with
# STATUS and its stdout matches each PATTERN (fixed string), and none of
# the !PATTERNs.
expect() {
	desc=$1
	want=$2
	shift 2
	if [ "$rc" -ne "$want" ]; then
		not_ok "$desc: exit $rc, want $want"
		return
	fi
	for p in "$@"; do
		case $p in
		!*)
			if grep -qF -- "${p#!}" "$tmp/out"; then
				not_ok "$desc: output has '${p#!}'"
				return
			fi
			;;
		*)
			if ! grep -qF -- "$p" "$tmp/out"; then
				not_ok "$desc: output lacks '$p'"
				return
			fi
			;;
		esac
	done
	ok "$desc"
}

# run_in FILE ARGS...: as run, with FILE as standard input.
run_in() {
	f=$1
	shift
	"$SGREACH" "$@" >"$tmp/out" 2>"$tmp/err" <"$f"
	rc=$?
}

# expect_full DESC ARGS...: with standard output on /dev/full, sgreach ARGS
# exits 2 with one line on stderr, the write error.  Not run (and not
# counted) where there is no /dev/full.
expect_full() {
	desc=$1
	shift
	[ -w /dev/full ] || return 0
	"$SGREACH" "$@" >/dev/full 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "write error" "$tmp/err" &&
		[ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		ok "$desc"
	else
		not_ok "$desc: exit $rc, $(cat "$tmp/err")"
	fi
}
