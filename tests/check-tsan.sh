#!/bin/sh
# check-tsan.sh - tests/threads.c built with -fsanitize=thread against the
# library's own sources (not the libtool library: every query path must be
# instrumented), run clean or fail.  Criterion cannot run under TSan, which
# is why the thread test is a plain pthread program.
#
# usage: check-tsan.sh SRCDIR OUTDIR "CPPFLAGS" "LIBS" LIBRARY_SOURCES...
# CC may name the compiler (gcc or clang; default gcc).
set -eu
srcdir=$1 out=$2 cppflags=$3 libs=$4
shift 4
CC=${CC:-gcc}
mkdir -p "$out"
srcs=
for src in "$@"; do
	case $src in *.c) srcs="$srcs $srcdir/$src" ;; esac
done
# shellcheck disable=SC2086 # flag and file lists are meant to be split
$CC -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread -fno-omit-frame-pointer \
	-Wall -Wextra $cppflags -DSRCDIR="\"$srcdir\"" \
	"$srcdir/tests/threads.c" $srcs $libs -lpthread -o "$out/threads-tsan"
log=$out/threads-tsan.log
rc=0
TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1" \
	top_srcdir=$srcdir "$out/threads-tsan" 1 >"$log" 2>&1 || rc=$?
cat "$log"
if [ "$rc" -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$log"; then
	echo "check-tsan: FAILED (exit $rc; see $log)"
	exit 1
fi
echo "check-tsan: no data race, every answer equal to the single-threaded one"
