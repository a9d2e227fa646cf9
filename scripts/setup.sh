#!/bin/sh
# Installs what sgreach needs to build and test (Debian 12 package names;
# graphviz and strace let the DOT and no-write checks run instead of
# skipping),
# then configures and builds it out of tree in ./build.  Sourced by demo.sh
# and check.sh; run as root, or with sudo available.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

need="build-essential autoconf automake libtool pkg-config \
libcidr-dev libcjson-dev libcriterion-dev python3 man-db groff-base \
graphviz strace"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "setup: installing$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure -q
make -j"$(nproc)" >/dev/null
