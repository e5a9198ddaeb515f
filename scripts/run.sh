#!/bin/sh
# run.sh DB LISTEN - what `make run` does after building: create and seed the
# database if it is new, make sure an admin exists, start the server, and
# print its URL and a fresh admin token once it answers.
set -eu
db=$1 listen=$2
bin=build/icsflow
# a busy port fails here, with one message, before any token is minted
# (curl exit 7: nothing accepted the connection, so the port is free)
rc=0
curl -s -o /dev/null --max-time 2 "http://$listen/" || rc=$?
if [ "$rc" -ne 7 ]; then
    echo "make run: $listen is already in use (another icsflow or another program); stop it or run 'make run LISTEN=127.0.0.1:8081'" >&2
    exit 1
fi
$bin db init --db "$db" >/dev/null
if $bin user list --db "$db" | awk 'NR > 1 && $2 == "admin" && $6 == "-"' | grep -q .; then
    token=$($bin user token --db "$db" --name admin | tail -n 1)
else
    token=$($bin user add --db "$db" --name admin --role admin --org QRV | tail -n 1)
fi
$bin serve --db "$db" --listen "$listen" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM
i=0
until curl -fs "http://$listen/healthz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
        echo "icsflow did not start; see the messages above" >&2
        exit 1
    fi
    sleep 0.1
done
cat <<MSG

  icsflow is running at http://$listen/
  admin token: $token

  try:  curl -H "Authorization: Bearer $token" "http://$listen/api/v1/sites?kind=acute"
  stop: Ctrl-C

MSG
wait $pid
