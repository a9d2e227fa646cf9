#!/bin/sh
# Runs the Python bindings' unittest suite against the library just built.
# make check exports top_srcdir and top_builddir (absolute) and PYTHON (from
# AM_PATH_PYTHON, ":" when configure found none).  Exit 77 (SKIP) only when
# there is no Python 3 at all: a library that fails to load is a failure.
: "${top_srcdir:?run through make check}" "${top_builddir:?}"
PYTHON=${PYTHON:-python3}
if [ "$PYTHON" = : ] || ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "python3 not found: skipping the Python bindings' tests"
	exit 77
fi
PYTHONPATH=$top_srcdir/bindings/python${PYTHONPATH:+:$PYTHONPATH}
SGREACH_LIBRARY=$top_builddir/.libs/libsgreach.so
# The source tree may be read-only (make distcheck): no __pycache__ there.
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH SGREACH_LIBRARY PYTHONDONTWRITEBYTECODE
exec "$PYTHON" -m unittest discover -v -s "$top_srcdir/bindings/python/tests"
