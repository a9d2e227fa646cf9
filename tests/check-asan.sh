#!/bin/sh
# check-asan.sh - the test suite under AddressSanitizer + UndefinedBehavior-
# Sanitizer, failing on any report, LeakSanitizer's included.
#
# usage: check-asan.sh SRCDIR BUILDDIR "TESTS..."
# Configures SRCDIR in BUILDDIR (created; reused when already configured)
# with -fsanitize=address,undefined, builds, and runs "make check" with the
# given TESTS.  Criterion counts a test that leaks as passed, and the CLI
# tests keep the program's stderr to themselves, so every sanitizer writes
# its reports to files (log_path) which this script then reads, together
# with the test logs: any "ERROR: AddressSanitizer", "LeakSanitizer" or
# "runtime error:" fails the run.  CC may name the compiler (gcc or clang).
set -eu
srcdir=$1 builddir=$2 tests=$3
san="-fsanitize=address,undefined -fno-omit-frame-pointer"
san="$san -fno-sanitize-recover=undefined"

mkdir -p "$builddir"
cd "$builddir"
builddir=$(pwd)
if [ ! -f Makefile ]; then
	# -Werror stays with the normal build: -O1 with sanitizers makes
	# some compilers warn about code that the normal build accepts.
	"$srcdir/configure" -q --disable-werror CFLAGS="-g -O1 $san" \
		LDFLAGS="$san" ${CC:+CC="$CC"}
fi
reports=$builddir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"

ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
# A leak does not change the exit status (exitcode=0): Criterion's runner
# process leaks a block of its own at exit, which must not fail the run; the
# scan below judges every leak report instead.
LSAN_OPTIONS="exitcode=0:log_path=$reports/lsan"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

rc=0
make -j"$(nproc 2>/dev/null || echo 2)" >build.log 2>&1 || {
	tail -n 40 build.log
	exit 1
}
make -j"$(nproc 2>/dev/null || echo 2)" check TESTS="$tests" \
	>check.log 2>&1 || rc=$?
grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS):' check.log || :

logs=
for t in $tests; do
	log=${t%.sh}.log
	[ -f "$log" ] && logs="$logs $log"
done
# A leak report whose every allocation stack lies in Criterion itself (its
# runner process keeps a 48-byte block to the end) is Criterion's, not
# ours: shown, not counted.  Any frame elsewhere counts.
criterion_only() {
	grep -q 'ERROR: LeakSanitizer' "$1" || return 1
	grep -qE 'ERROR: AddressSanitizer|runtime error:' "$1" && return 1
	! grep -E '^ +#[0-9]+ ' "$1" |
		grep -vE 'libcriterion\.so|in (__interceptor_|__libc_|_start)|asan_malloc|libc\.so' |
		grep -q .
}

found=0
# shellcheck disable=SC2086 # the list of logs is meant to be split
for f in "$reports"/* $logs; do
	[ -f "$f" ] || continue
	if criterion_only "$f"; then
		echo "ignored (a leak inside Criterion only): $f"
		continue
	fi
	if grep -qE 'ERROR: AddressSanitizer|LeakSanitizer|runtime error:' "$f"; then
		echo "sanitizer report in $f:"
		grep -m 5 -E 'ERROR: AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY' "$f" | sed 's/^/  /'
		found=$((found + 1))
	fi
done
if [ "$rc" -ne 0 ]; then
	echo "check-asan: make check failed (see $builddir/check.log)"
	[ -f test-suite.log ] && sed -n '1,80p' test-suite.log
fi
if [ "$found" -ne 0 ]; then
	echo "check-asan: $found file(s) with sanitizer reports (in $reports)"
	rc=1
fi
[ "$rc" -eq 0 ] && echo "check-asan: no sanitizer report, all tests passed"
exit "$rc"
