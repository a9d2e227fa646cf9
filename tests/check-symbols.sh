#!/bin/sh
# check-symbols.sh - the library exports exactly the functions the header
# declares, and the version script lists exactly those.
#
# Three sets must be equal:
#   E  every symbol `nm -D --defined-only` shows in .libs/libsgreach.so
#      (whatever its name: an exported internal is a leak too)
#   H  every sgreach_* function declared in include/sgreach.h
#   M  every name in the global: part of src/libsgreach.map
# Exit 0 when equal, 1 otherwise (printing each difference), 77 (skip) when
# there is no shared library or no nm.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-.}
lib=$builddir/.libs/libsgreach.so
header=$srcdir/include/sgreach.h
map=$srcdir/src/libsgreach.map
NM=${NM:-nm}

if ! command -v "$NM" >/dev/null 2>&1; then
	echo "SKIP: no $NM"
	exit 77
fi
if [ ! -f "$lib" ]; then
	echo "SKIP: $lib not built (shared library disabled?)"
	exit 77
fi
for f in "$header" "$map"; do
	if [ ! -r "$f" ]; then
		echo "FAIL: cannot read $f"
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-symbols.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Removes /* ... */ comments (which name functions in prose) and // ones.
strip_comments() {
	awk '
	{
		line = $0; out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = ""; break }
				line = substr(line, i + 2); incomment = 0
			} else {
				i = index(line, "/*")
				j = index(line, "//")
				if (j && (i == 0 || j < i)) {
					out = out substr(line, 1, j - 1); line = ""
				} else if (i) {
					out = out substr(line, 1, i - 1) " "
					line = substr(line, i + 2); incomment = 1
				} else {
					out = out line; line = ""
				}
			}
		}
		print out
	}' "$1"
}

# H: an identifier followed by "(" outside comments is a declared function
# (the header has no function-like macros named sgreach_*).
strip_comments "$header" |
	grep -o 'sgreach_[A-Za-z0-9_]*[[:space:]]*(' |
	sed 's/[[:space:]]*($//' | LC_ALL=C sort -u >"$tmp/header"

# M: the names in every version node's global: part, which ends at local:
# or at the node's closing "}" (a later node has no local: of its own).
strip_comments "$map" |
	awk '/global:/ { g = 1; sub(/.*global:/, "") }
	     /local:/ || /}/ { g = 0 }
	     g' |
	tr ';' '\n' | tr -d ' \t' | grep -v '^$' | LC_ALL=C sort -u >"$tmp/map"

# E: defined dynamic symbols, without version suffixes ("@@SGREACH_0.1"),
# version node names (type A) and the linker's _init/_fini.
if ! "$NM" -D --defined-only "$lib" >"$tmp/nm.out"; then
	echo "FAIL: $NM -D --defined-only $lib failed"
	exit 1
fi
awk 'NF >= 2 { print $(NF - 1), $NF }' "$tmp/nm.out" |
	awk '$1 != "A" { print $2 }' | sed 's/@.*//' |
	grep -v -x -e _init -e _fini | LC_ALL=C sort -u >"$tmp/exported"

for f in header map exported; do
	if [ ! -s "$tmp/$f" ]; then
		echo "FAIL: found no symbols in the $f set"
		exit 1
	fi
done

status=0
compare() { # compare SET_A NAME_A SET_B NAME_B
	only=$(LC_ALL=C comm -23 "$tmp/$1" "$tmp/$3")
	if [ -n "$only" ]; then
		echo "FAIL: in $2 but not in $4:"
		echo "$only" | sed 's/^/  /'
		status=1
	fi
}
compare exported "the library's exports" header "include/sgreach.h"
compare header "include/sgreach.h" exported "the library's exports"
compare map "src/libsgreach.map" header "include/sgreach.h"
compare header "include/sgreach.h" map "src/libsgreach.map"

if [ $status -eq 0 ]; then
	echo "ok: $(wc -l <"$tmp/header" | tr -d ' ') functions: header," \
		"version script and exports agree"
fi
exit $status
