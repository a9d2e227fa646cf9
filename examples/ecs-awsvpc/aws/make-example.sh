#!/bin/sh
# Regenerates this folder's AWS CLI JSON and ../expected.tsv from moto.
# Needs moto_server and the aws CLI on PATH (pip install 'moto[server]' awscli);
# no network, no AWS account.  The tests read the committed files only.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/make_example.py" "$@"
