#!/bin/sh
# Builds the libFuzzer targets with clang, outside libtool: the library's
# sources are compiled once with coverage and sanitizer instrumentation and
# linked into each target.  Called by "make fuzz" as
#   build.sh SRCDIR OUTDIR "CPPFLAGS" "LIBS" LIBRARY_SOURCES...
# CC (default clang) must support -fsanitize=fuzzer.
set -eu
srcdir=$1 out=$2 cppflags=$3 libs=$4
shift 4
CC=${FUZZ_CC:-clang}
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE $san"
mkdir -p "$out/obj"

objs=
for src in "$@"; do
	case $src in *.c) ;; *) continue ;; esac
	obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	# shellcheck disable=SC2086 # word splitting of flag lists is wanted
	$CC $cflags -fsanitize=fuzzer-no-link $cppflags -c "$srcdir/$src" -o "$obj"
	objs="$objs $obj"
done

for target in fuzz_load fuzz_analysis fuzz_flow fuzz_query fuzz_addr; do
	# shellcheck disable=SC2086
	$CC $cflags -Wall -Wextra -Werror -fsanitize=fuzzer $cppflags \
		-DFUZZ_EXAMPLE_DIR="\"$srcdir/examples/ecs-awsvpc/aws\"" \
		"$srcdir/fuzz/$target.c" $objs $libs -o "$out/$target"
	echo "  FUZZ     $out/$target"
done
