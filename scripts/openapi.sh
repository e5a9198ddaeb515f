#!/bin/sh
# openapi.sh OUT FRAGMENT... - merge the OpenAPI fragments (docs/openapi/*.json,
# base.json first) into one document; each module owns its own fragment.
set -eu
out=$1
shift
jq -s 'reduce .[] as $f ({}; . * $f)' "$@" > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
