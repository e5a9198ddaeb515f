#!/bin/sh
# deps.sh build|test|bench - install the Debian packages a step needs, only
# those missing, so `make run` and `make test` work on a fresh Debian 12.
set -eu
# cairo and pango draw the PDF reports; a fonts package gives them real text to embed
build="gcc make pkg-config curl jq libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev libcurl4-openssl-dev libssl-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core"
# clang and its runtimes build the libFuzzer targets (tests/fuzz); the API
# tests run a second time on a private PostgreSQL cluster (scripts/pgcluster.sh,
# psql comes with the server) and the several-server tests put HAProxy in front
# poppler-utils (pdftotext, pdftoppm) reads the PDF reports back in the tests
test="$build libcmocka-dev curl jq sqlite3 tzdata clang libclang-rt-14-dev postgresql-15 libpq-dev haproxy python3-hl7 poppler-utils"
bench="$build curl jq wrk nginx-light liblemon-dev g++ python3 python3-pandas python3-scipy python3-networkx python3-simpy postgresql-15 libpq-dev haproxy procps"
# The dashboard (make web) needs node and npm, and its browser tests
# chromium. Machines with nodejs from elsewhere (which bundles npm) have the
# commands without Debian's packages, so check for the commands.
web=""
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || web="nodejs npm"
case "${1:-build}" in
web) want=$web ;;
build) want=$build ;;
test) want="$test $web chromium" ;;
bench) want=$bench ;;
*) echo "deps.sh: unknown step '$1' (build, test, bench or web)" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing missing packages:$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
