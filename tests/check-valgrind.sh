#!/bin/sh
# check-valgrind.sh - the Criterion runner and the command-line tests under
# valgrind's memcheck: zero errors, zero definite or indirect leaks.
#
# usage: check-valgrind.sh SRCDIR BUILDDIR
# BUILDDIR is a configured, built tree with the check programs made.  The
# runner forks and re-executes itself for each test (--trace-children=yes,
# -j1; the shell and graphviz's dot that the DOT test starts are not ours:
# --trace-children-skip); the CLI runs through libtool so that valgrind
# sees the real program, not its wrapper script.  Each process writes its
# own log; besides the exit codes (--error-exitcode=1 is also a verdict exit
# code of sgreach) every log is read for errors and leaks.
set -eu
srcdir=$1 builddir=$2
VALGRIND=${VALGRIND:-valgrind}
command -v "$VALGRIND" >/dev/null 2>&1 || {
	echo "check-valgrind: $VALGRIND not found"
	exit 1
}
cd "$builddir"
logs=$builddir/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"
vg="$VALGRIND -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --trace-children=yes --trace-children-skip=*/sh,*/dot --log-file=$logs/vg.%p.log"

# The CLI under valgrind, as the test scripts call it.
cat >"$logs/sgreach" <<EOW
#!/bin/sh
exec "$builddir/libtool" --mode=execute $vg "$builddir/sgreach" "\$@"
EOW
chmod +x "$logs/sgreach"

rc=0
if [ -x tests/unit/runner ]; then
	echo "check-valgrind: tests/unit/runner"
	$vg tests/unit/runner -j1 --ascii >"$logs/runner.out" 2>&1 || rc=1
	grep '^\[====\] Synthesis' "$logs/runner.out" || rc=1
else
	echo "check-valgrind: tests/unit/runner is not built (Criterion missing?)"
	rc=1
fi
for t in tests/cli/run.sh tests/bad-input/run.sh; do
	echo "check-valgrind: $t"
	SGREACH=$logs/sgreach top_srcdir=$srcdir \
		sh "$srcdir/$t" >"$logs/$(echo "$t" | tr / _).out" 2>&1 || rc=1
	tail -n 1 "$logs/$(echo "$t" | tr / _).out"
done

bad=0
for f in "$logs"/vg.*.log; do
	[ -s "$f" ] || continue
	if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]|Invalid (read|write|free)|uninitialised|Mismatched free' "$f"; then
		bad=$((bad + 1))
		[ "$bad" -le 5 ] && { echo "--- $f"; head -n 30 "$f"; }
	fi
done
if [ "$bad" -ne 0 ]; then
	echo "check-valgrind: $bad process(es) with memcheck errors or leaks (logs in $logs)"
	rc=1
fi
[ "$rc" -eq 0 ] && echo "check-valgrind: no memcheck error, no leak"
exit "$rc"
