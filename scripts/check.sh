#!/bin/sh
# Sets up sgreach and runs its whole test suite (make check): the Criterion
# unit and semantic-case suites, the command-line tests, the man page and
# exported-symbol checks and the Python bindings' tests, then the same tests
# under sanitizers (make check-asan).  Ends with the Criterion "Synthesis:"
# line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh"
cd "$top/build"
rc=0
make -j"$(nproc)" check >make-check.out 2>&1 || rc=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):|^# ' make-check.out || :
if [ "$rc" -ne 0 ]; then
	tail -n 60 make-check.out
	[ -f test-suite.log ] && cat test-suite.log
fi
echo
for log in tests/cli/run.sh.log tests/python.sh.log; do
	[ -f "$log" ] && grep -E '^[0-9]+ passed, [0-9]+ failed|^Ran [0-9]+ test|^(OK|FAILED)' "$log" | tail -n 2
done
# The same tests under ASan+UBSan+LSan in build/asan; any sanitizer report
# fails (make check-asan, tests/check-asan.sh).
make check-asan >make-check-asan.out 2>&1 || { rc=1; tail -n 40 make-check-asan.out; }
grep -E '^check-asan:' make-check-asan.out || :
grep -h '^\[====\] Synthesis:' tests/unit/runner.log ||
	{ echo "no Criterion synthesis: the unit suite did not run"; rc=1; }
exit "$rc"
