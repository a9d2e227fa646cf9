#!/bin/sh
# check-manpages.sh - the man pages render without a single warning, every
# exported function has a page that names and declares it, every page is
# installed, and the C programs in the EXAMPLES sections compile against the
# library just built.
#
# Runs from `make check` (top_srcdir and top_builddir in the environment) or
# by hand from the source tree.  Prints one line per check and finishes with
# "N passed, N failed"; exits 1 if any check failed.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
mandir=$srcdir/man
map=$srcdir/src/libsgreach.map
makefile=$srcdir/Makefile.am

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-manpages.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

# A page is an alias when it is a single ".so" request.
so_target() {
	sed -n '1s/^\.so[ 	]\{1,\}\([^ 	]*\)[ 	]*$/\1/p' "$1"
}

# Fixed width and locale so that line-breaking warnings do not depend on
# the terminal of whoever runs the test; MANROFFSEQ would add preprocessors.
LC_ALL=C.UTF-8
MANWIDTH=80
MANROFFSEQ=
export LC_ALL MANWIDTH MANROFFSEQ
unset MANOPT

pages=$(cd "$mandir" && ls man[0-9]/*.[0-9] 2>/dev/null | LC_ALL=C sort)
if [ -z "$pages" ]; then
	echo "FAIL: no pages under $mandir"
	echo "0 passed, 1 failed"
	exit 1
fi

have_man=no
have_groff=no
command -v man >/dev/null 2>&1 && have_man=yes
command -v groff >/dev/null 2>&1 && have_groff=yes
if [ $have_man = no ] && [ $have_groff = no ]; then
	echo "SKIP: neither man nor groff is installed"
	exit 77
fi

# 1. Every page renders without warnings.  ".so" paths are relative to the
#    top of the manual tree, so render from there.
for page in $pages; do
	err=$tmp/err
	if [ $have_man = yes ]; then
		(cd "$mandir" &&
			man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
				>"$tmp/out" 2>"$err")
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$err" ] || [ ! -s "$tmp/out" ]; then
			fail "man --warnings $page (exit $rc):" \
				"$(cat "$err")"
		else
			pass "man --warnings $page"
		fi
	fi
	if [ $have_groff = yes ]; then
		# -t: libsgreach.3 has a table; -ww: every warning.
		(cd "$mandir" && groff -t -ww -z -man "$page" 2>"$err")
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$err" ]; then
			fail "groff -ww $page (exit $rc): $(cat "$err")"
		else
			pass "groff -ww $page"
		fi
	fi
done

# 1b. Every real page names the package version of configure.ac in .TH,
#     so that a release cannot ship pages of the previous one.
version=$(sed -n 's/^AC_INIT(\[sgreach\], *\[\([^]]*\)\].*/\1/p' \
	"$srcdir/configure.ac")
for page in $pages; do
	[ -z "$(so_target "$mandir/$page")" ] || continue
	if [ -z "$version" ]; then
		fail "no version read from configure.ac"
		break
	elif grep -q "^\\.TH .* \"sgreach $version\" " "$mandir/$page"; then
		pass "$page is for sgreach $version"
	else
		fail "$page: .TH does not say \"sgreach $version\" (configure.ac)"
	fi
done

# 1c. Every real library page has the sections of style.md, in the usual
#     order, and its SYNOPSIS says how to link.
for page in $pages; do
	case $page in man3/*) ;; *) continue ;; esac
	[ -z "$(so_target "$mandir/$page")" ] || continue
	got=$(sed -n 's/^\.SH //p' "$mandir/$page" | tr -d '"' |
		grep -x -e NAME -e SYNOPSIS -e DESCRIPTION -e 'RETURN VALUE' \
			-e ERRORS -e EXAMPLES -e 'SEE ALSO' | tr '\n' '/')
	want='NAME/SYNOPSIS/DESCRIPTION/RETURN VALUE/ERRORS/EXAMPLES/SEE ALSO/'
	if [ "$got" != "$want" ]; then
		fail "$page: sections $got, expected $want"
	elif ! sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$mandir/$page" |
		grep -q 'Link with \\fI\\-lsgreach\\fP'; then
		fail "$page: SYNOPSIS does not say \"Link with -lsgreach\""
	else
		pass "$page has the sections of a library page"
	fi
done

# 2. Aliases point at a real page (not at another alias).
for page in $pages; do
	target=$(so_target "$mandir/$page")
	[ -n "$target" ] || continue
	if [ "$(wc -l <"$mandir/$page")" -ne 1 ]; then
		fail "$page: an alias page must be the .so line only"
	elif [ ! -f "$mandir/$target" ]; then
		fail "$page: .so target $target does not exist"
	elif [ -n "$(so_target "$mandir/$target")" ]; then
		fail "$page: .so target $target is itself an alias"
	else
		pass "$page is an alias of $target"
	fi
done

# 3. Every exported symbol has man3/SYMBOL.3, and the page it leads to
#    names the function in NAME and declares it in SYNOPSIS.
symbols=$(sed -n 's/^[ 	]*\(sgreach_[A-Za-z0-9_]*\);.*/\1/p' "$map")
if [ -z "$symbols" ]; then
	fail "no symbols read from $map"
fi
for sym in $symbols; do
	page=man3/$sym.3
	if [ ! -f "$mandir/$page" ]; then
		fail "$sym: no page $page"
		continue
	fi
	real=$(so_target "$mandir/$page")
	real=${real:-$page}
	# The NAME section: from ".SH NAME" to the next ".SH".
	name=$(sed -n '/^\.SH NAME/,/^\.SH/p' "$mandir/$real" |
		sed -e 's/\\-/-/g')
	synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$mandir/$real")
	if ! printf '%s\n' "$name" | grep -q "\\(^\\|[ ,]\\)$sym\\([ ,]\\|\$\\)"; then
		fail "$sym: not named in the NAME section of $real"
	elif ! printf '%s\n' "$synopsis" | grep -q "[ *]$sym(" ; then
		fail "$sym: no prototype in the SYNOPSIS of $real"
	else
		pass "$sym documented in $real"
	fi
done

# 3b. The prototype in each SYNOPSIS is the header's, character for
#     character once troff's font macros are undone and white space is
#     collapsed: a changed signature fails until its page follows.
cat >"$tmp/proto.awk" <<'AWK'
# Prints the prototype of function SYM from a man page SYNOPSIS (troff
# font macros undone) or, with HEADER=1, from a C header; whitespace
# collapsed.
function detroff(line,    macro, rest, out, arg, sep, n) {
	macro = line; sub(/[ \t].*/, "", macro)
	rest = line; sub(/^\.[A-Z]+[ \t]*/, "", rest)
	sep = (macro == ".B" || macro == ".I") ? " " : ""
	out = ""; n = 0
	while (rest != "") {
		if (substr(rest, 1, 1) == "\"") {
			rest = substr(rest, 2)
			arg = rest; sub(/".*/, "", arg)
			rest = substr(rest, length(arg) + 2)
		} else {
			arg = rest; sub(/[ \t].*/, "", arg)
			rest = substr(rest, length(arg) + 1)
		}
		sub(/^[ \t]+/, "", rest)
		out = out (n++ ? sep : "") arg
	}
	gsub(/\\-/, "-", out)
	gsub(/\\f[BIPR]/, "", out)
	return out
}
BEGIN { inside = 0; text = "" }
HEADER && !inside && $0 ~ "^[a-z].*[ *]" SYM "\\(" { inside = 1 }
!HEADER && /^\.SH SYNOPSIS/ { syn = 1; next }
!HEADER && /^\.SH/ { syn = 0 }
!HEADER && syn && !inside && $0 ~ "[ *]" SYM "\\(" { inside = 1 }
inside {
	text = text " " (HEADER ? $0 : detroff($0))
	if ($0 ~ /\);/) {
		gsub(/[ \t]+/, " ", text)
		gsub(/\( /, "(", text); gsub(/ \)/, ")", text)
		sub(/^ /, "", text)
		print text
		exit
	}
}
AWK
for sym in $symbols; do
	page=man3/$sym.3
	[ -f "$mandir/$page" ] || continue
	real=$(so_target "$mandir/$page")
	real=${real:-$page}
	in_man=$(awk -v SYM="$sym" -f "$tmp/proto.awk" "$mandir/$real")
	in_hdr=$(awk -v SYM="$sym" -v HEADER=1 -f "$tmp/proto.awk" \
		"$srcdir/include/sgreach.h")
	if [ -z "$in_hdr" ]; then
		fail "$sym: no prototype found in include/sgreach.h"
	elif [ "$in_man" = "$in_hdr" ]; then
		pass "$sym: SYNOPSIS of $real matches the header"
	else
		fail "$sym: SYNOPSIS of $real says '$in_man', the header '$in_hdr'"
	fi
done

# 4. Every page is installed: listed in dist_man_MANS, and every listed page
#    exists.
listed=$(sed -n '/^dist_man_MANS[ 	]*=/,/\$(NULL)/p' "$makefile" |
	sed -e 's/^dist_man_MANS[ 	]*=//' -e 's/\\$//' -e 's/\$(NULL)//' |
	tr -s ' 	' '\n\n' | sed -n 's|^man/||p' | LC_ALL=C sort)
if [ -z "$listed" ]; then
	fail "Makefile.am has no dist_man_MANS list"
fi
for page in $pages; do
	if printf '%s\n' "$listed" | grep -qxF "$page"; then
		pass "man/$page listed in dist_man_MANS"
	else
		fail "man/$page is not listed in dist_man_MANS of Makefile.am"
	fi
done
for page in $listed; do
	[ -f "$mandir/$page" ] || fail "dist_man_MANS lists missing man/$page"
done

# 5. sgreach(1) documents every command of the command table and every
#    option that --help lists, and calls no present command "not yet".
man1=$mandir/man1/sgreach.1
commands=$(sed -n '/^static const struct cli_command \*const commands\[\]/,/};/p' \
	"$srcdir/src/cli/main.c" | sed -n 's/^[ 	]*&cmd_\([a-z_]*\),.*/\1/p')
if [ -z "$commands" ]; then
	fail "no commands read from src/cli/main.c"
fi
# The COMMANDS section, and in it the paragraph on planned commands.
section=$(sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$man1")
planned=$(printf '%s\n' "$section" | sed -n '/^\.SS Commands not in this version/,$p')
for c in $commands; do
	if ! printf '%s\n' "$section" | grep -q "^\\.BI\\{0,1\\} \"\\{0,1\\}$c\\b"; then
		fail "sgreach.1: command $c has no entry under COMMANDS"
	elif printf '%s\n' "$planned" | grep -q "^\\.BR\\{0,1\\} $c\\b"; then
		fail "sgreach.1: command $c exists but is listed as not yet in this version"
	else
		pass "sgreach.1 documents command $c"
	fi
done
sgreach=${SGREACH:-$builddir/sgreach}
if [ -x "$sgreach" ]; then
	opts=$("$sgreach" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	[ -n "$opts" ] || fail "sgreach --help lists no long option"
	for o in $opts; do
		# In troff every '-' of an option is written '\-'.
		t=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		if grep -q -- "$t" "$man1"; then
			pass "sgreach.1 documents $o"
		else
			fail "sgreach.1 does not document $o (from sgreach --help)"
		fi
	done
else
	echo "SKIP: options not compared: $sgreach not built"
fi

# 5b. Every key and every enumerated value that the verdict JSON holds is
#     documented in sgreach_query(3) and sgreach(1): queries on a small
#     model that give each kind of answer (partial with member ranges, a
#     missing path, missing rules, a side outside the model).
if [ -x "$sgreach" ]; then
	cat >"$tmp/model.json" <<'JSON'
{"SecurityGroups": [
 {"GroupId": "sg-a", "GroupName": "a", "VpcId": "vpc-a",
  "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                     "IpRanges": [{"CidrIp": "192.0.2.0/25"}]}],
  "IpPermissionsEgress": [{"IpProtocol": "-1",
                           "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
 {"GroupId": "sg-b", "GroupName": "b", "VpcId": "vpc-b",
  "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
  "IpPermissionsEgress": [{"IpProtocol": "-1",
                           "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
 "NetworkInterfaces": [
 {"NetworkInterfaceId": "eni-a", "VpcId": "vpc-a",
  "PrivateIpAddress": "10.0.0.5", "Groups": [{"GroupId": "sg-a"}]},
 {"NetworkInterfaceId": "eni-b", "VpcId": "vpc-b",
  "PrivateIpAddress": "10.1.0.5", "Groups": [{"GroupId": "sg-b"}]},
 {"NetworkInterfaceId": "eni-c", "VpcId": "vpc-a",
  "PrivateIpAddress": "10.0.0.6", "Groups": [{"GroupId": "sg-missing"}]}]}
JSON
	printf '%s\n' '192.0.2.0/24 eni-a tcp/22' 'eni-a eni-b tcp/22' \
		'eni-a eni-c tcp/22' 'eni-a 203.0.113.1 tcp/443' \
		'eni-c eni-a tcp/23' |
		"$sgreach" batch -q -f "$tmp/model.json" >"$tmp/verdicts" \
			2>"$tmp/err"
	keys=$(grep -o '"[a-z_]*":' "$tmp/verdicts" | tr -d '":' | sort -u)
	values=$(grep -o '"\(verdict\|reason\|kind\|peer_kind\|direction\)":"[a-z-]*"' \
		"$tmp/verdicts" | sed 's/.*:"\(.*\)"/\1/' | sort -u)
	if [ -z "$keys" ] || ! grep -q '"members"' "$tmp/verdicts" ||
		! grep -q '"path"' "$tmp/verdicts"; then
		fail "the verdict JSON probe gave no partial or path answer:" \
			"$(cat "$tmp/verdicts" "$tmp/err")"
	fi
	for doc in man3/sgreach_query.3 man1/sgreach.1; do
		# The page's words, troff escapes undone.
		sed -e 's/\\-/-/g' -e 's/\\f[BIPR]//g' -e 's/\\(dq/"/g' \
			"$mandir/$doc" >"$tmp/words"
		missing=
		for w in $keys $values; do
			grep -qw -- "$w" "$tmp/words" || missing="$missing $w"
		done
		if [ -n "$missing" ]; then
			fail "$doc does not document verdict JSON:$missing"
		else
			pass "$doc documents every verdict JSON key and value seen"
		fi
	done
fi

# 5c. Transcripts in sgreach(1)'s EXAMPLES: a "$ sgreach ..." line followed
#     by output lines is run (from the top of the source tree, after the
#     "$ cd" lines before it in its block) and its standard output must be
#     exactly the lines shown.
if [ -x "$sgreach" ]; then
	sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$man1" |
		sed -e 's/\\-/-/g' -e 's/\\f[BIPR]//g' -e 's/\\e/\\/g' |
		awk -v dir="$tmp" '
			/^\.EX/ { inside = 1; cmd = 0; cwd = "."; next }
			/^\.EE/ { inside = 0; cmd = 0; next }
			!inside { next }
			/^\$ cd / { cwd = substr($0, 6); next }
			/^\$ sgreach / { n++; f = dir "/t." n
				print cwd > (f ".cwd")
				print substr($0, 11) > (f ".args")
				printf "" > (f ".want"); cmd = 1; next }
			/^\$ / { cmd = 0; next }
			cmd { print > (f ".want") }'
	for args in "$tmp"/t.*.args; do
		[ -f "$args" ] || continue
		t=${args%.args}
		[ -s "$t.want" ] || continue
		cwd=$(cat "$t.cwd")
		line=$(cat "$args")
		(cd "$srcdir/$cwd" && eval "\"\$sgreach\" $line") \
			>"$t.got" 2>/dev/null
		if cmp -s "$t.want" "$t.got"; then
			pass "sgreach.1 transcript: sgreach $line"
		else
			fail "sgreach.1 transcript: sgreach $line prints" \
				"$(diff "$t.want" "$t.got")"
		fi
	done
fi

# 6. The C programs of the EXAMPLES sections compile and link against the
#    library of this build, with the project's warnings as errors.
lib=$builddir/.libs
cc=${CC:-cc}
if [ ! -f "$lib/libsgreach.so" ]; then
	echo "SKIP: examples not compiled: $lib/libsgreach.so not built yet"
elif ! command -v "$cc" >/dev/null 2>&1; then
	echo "SKIP: examples not compiled: no C compiler '$cc'"
else
	for page in $pages; do
		[ -z "$(so_target "$mandir/$page")" ] || continue
		# Each .EX/.EE block of EXAMPLES in its own file, troff escapes
		# undone; the blocks holding a main() are the programs.
		rm -f "$tmp"/block.*
		sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$mandir/$page" |
			sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" \
				-e 's/\\f[BIPR]//g' -e 's/\\&//g' \
				-e 's/\\e/\\/g' |
			awk -v dir="$tmp" '/^\.EX/ { n++; inside = 1; next }
				/^\.EE/ { inside = 0; next }
				inside { print > (dir "/block." n) }'
		program=$(grep -l '^int main' "$tmp"/block.* 2>/dev/null |
			head -n 1)
		[ -n "$program" ] || continue
		cp "$program" "$tmp/example.c"
		base=$(basename "$page")
		if "$cc" -std=c11 -Wall -Wextra -Werror \
			-I"$srcdir/include" -o "$tmp/example" \
			"$tmp/example.c" -L"$lib" -lsgreach \
			-Wl,-rpath,"$lib" 2>"$tmp/err"; then
			pass "EXAMPLES of $base compile and link"
		else
			fail "EXAMPLES of $base do not compile: $(cat "$tmp/err")"
			continue
		fi
		# The query program answers on the bundled example; its exit
		# status is a verdict (0, 1, 3, 4), never 2 (an error).
		if [ "$base" = sgreach_query.3 ] &&
			[ -d "$srcdir/examples/ecs-awsvpc/aws" ]; then
			"$tmp/example" -j "$srcdir/examples/ecs-awsvpc/aws" \
				service:web service:api tcp/8000 \
				>"$tmp/out" 2>"$tmp/err"
			rc=$?
			if [ $rc -ne 2 ] && [ $rc -le 4 ] &&
				grep -q '"verdict": *"' "$tmp/out"; then
				pass "EXAMPLES of $base answer (exit $rc)"
			else
				fail "EXAMPLES of $base (exit $rc):" \
					"$(cat "$tmp/out" "$tmp/err")"
			fi
		fi
	done
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
