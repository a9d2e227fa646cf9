#!/bin/sh
# check-prefetch.sh - the query paths of the built library still read
# memory ahead.
#
# GCC 12 at -O2 drops the calls of a function whose only effect is a
# prefetch, without a warning, unless the function was inlined first
# (src/prefetch.h).  It did so to most of the query paths' prefetches, and
# nothing noticed: answers do not change, only the time a large model takes.
# This test disassembles .libs/libsgreach.so and fails when one of the
# functions below has no prefetch instruction left.
#
# Exit 0 or 1; 77 (skip) without objdump, without the shared library, on a
# machine whose prefetch instruction it does not know (x86-64: prefetch*,
# AArch64: prfm), or for a build without optimisation (SGREACH_CFLAGS, the
# build's CFLAGS, without -O or with -O0: nothing is inlined there).
set -u

builddir=${top_builddir:-.}
lib=$builddir/.libs/libsgreach.so
OBJDUMP=${OBJDUMP:-objdump}

# Each of these reads ahead in its own body (the helpers are inlined), with
# at least as many prefetch instructions as its source has prefetches once
# inlined (a compiler may add copies, not remove any): sgreach_query_flow
# fetches two selectors' map slots (an interface or task id's slot, which
# may straddle two lines, or an address's); sgreach_query_selected the rule
# runs of both views; sgreach_query_many both lines of two selectors and
# the rule runs of the destination's view; sgreach_query_many_text two
# selectors' map slots, the views and the rule runs of two views; the JSON
# rendering its cached fragments.
functions="sgreach_query_flow:6 sgreach_query_selected:2 sgreach_query_many:6
sgreach_query_many_text:8 verdict_render_json:6"

case " ${SGREACH_CFLAGS:--O2} " in
*" -O0 "* | *" -Og "*)
	echo "SKIP: a build without optimisation ($SGREACH_CFLAGS)"
	exit 77
	;;
*" -O"*) ;;
*)
	echo "SKIP: a build without optimisation ($SGREACH_CFLAGS)"
	exit 77
	;;
esac
if ! command -v "$OBJDUMP" >/dev/null 2>&1; then
	echo "SKIP: no $OBJDUMP"
	exit 77
fi
if [ ! -f "$lib" ]; then
	echo "SKIP: $lib not built (shared library disabled?)"
	exit 77
fi
case $(uname -m) in
x86_64 | amd64) insn='prefetch' ;;
aarch64 | arm64) insn='prfm' ;;
*)
	echo "SKIP: no prefetch instruction known for $(uname -m)"
	exit 77
	;;
esac

# function name -> prefetch instructions in its body
counts=$("$OBJDUMP" -d --no-show-raw-insn "$lib" | awk -v insn="$insn" '
	/^[0-9a-f]+ <[^>]+>:$/ { fn = $2; gsub(/[<>:]/, "", fn); n[fn] += 0; next }
	fn != "" && index($0, insn) { n[fn]++ }
	END { for (f in n) print f, n[f] }')

status=0
for entry in $functions; do
	f=${entry%:*}
	min=${entry#*:}
	n=$(printf '%s\n' "$counts" | awk -v f="$f" '$1 == f { print $2 }')
	if [ -z "$n" ]; then
		echo "FAIL: $f is not in $lib"
		status=1
	elif [ "$n" -lt "$min" ]; then
		echo "FAIL: $f: $n prefetch instructions, not $min: prefetches were dropped"
		status=1
	else
		echo "ok: $f: $n prefetch instructions (at least $min)"
	fi
done
exit $status
