#!/bin/sh
# pgcluster.sh start|stop - a private, throw-away PostgreSQL cluster for the
# tests: initdb in a fresh temporary folder, its own socket folder, listening
# on 127.0.0.1 only (trust authentication there and on its private socket),
# fsync off. Nothing is shared with a system cluster, and it is stopped by the
# pid it recorded, never by name.
#
#   eval "$(scripts/pgcluster.sh start)"   # sets ICS_PG_DIR and ICS_PG_URI
#   psql "$ICS_PG_URI/postgres" -c 'SELECT 1'
#   scripts/pgcluster.sh stop "$ICS_PG_DIR"
#
# ICS_PG_PORT picks the first port to try (default 15432; the next free one
# is taken when it is busy). The superuser is "icsflow"; ICS_PG_URI has no
# database name: append "/NAME".
set -eu
PGBIN=${ICS_PG_BIN:-/usr/lib/postgresql/15/bin}

# as_owner CMD...: run as the cluster's owner (initdb and postgres refuse
# root, so root runs them as the postgres user)
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    [ -x "$PGBIN/initdb" ] || {
        echo "pgcluster.sh: no $PGBIN/initdb (scripts/deps.sh test installs postgresql-15)" >&2
        exit 1
    }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/icsflow-pg.XXXXXX")
    chmod 700 "$dir"
    mkdir "$dir/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    if ! as_owner "$PGBIN/initdb" -D "$dir/data" -U icsflow -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    fi
    # loopback and the private socket only; everything else is refused
    printf '%s\n' "local all all trust" "host all all 127.0.0.1/32 trust" >"$dir/data/pg_hba.conf"
    port=${ICS_PG_PORT:-15432}
    tries=0
    while :; do
        if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -s \
            -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
-c shared_buffers=32MB -c max_locks_per_transaction=128" start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        # a busy port is the usual reason: try the next one, a few times
        if [ $tries -ge 20 ] || ! grep -q "could not bind\|could not create lock file\|Address already in use" "$dir/log"; then
            echo "pgcluster.sh: PostgreSQL did not start:" >&2
            cat "$dir/log" >&2
            rm -rf "$dir"
            exit 1
        fi
        : >"$dir/log"
        port=$((port + 1))
    done
    head -n 1 "$dir/data/postmaster.pid" >"$dir/pid"
    echo "$port" >"$dir/port"
    echo "ICS_PG_DIR=$dir"
    echo "ICS_PG_URI=postgresql://icsflow@127.0.0.1:$port"
}

# stop DIR: fast shutdown of the recorded pid (clients are disconnected),
# wait for it, then remove the folder
stop() {
    dir=$1
    [ -f "$dir/pid" ] || { echo "pgcluster.sh: no cluster in '$dir'" >&2; exit 1; }
    pid=$(cat "$dir/pid")
    if kill -INT "$pid" 2>/dev/null; then
        i=0
        while kill -0 "$pid" 2>/dev/null; do
            i=$((i + 1))
            if [ $i -eq 300 ]; then kill -QUIT "$pid" 2>/dev/null || true; fi
            if [ $i -ge 600 ]; then
                echo "pgcluster.sh: PostgreSQL $pid did not stop" >&2
                exit 1
            fi
            sleep 0.1
        done
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:?usage: pgcluster.sh stop DIR}" ;;
*)
    echo "usage: pgcluster.sh start | pgcluster.sh stop DIR" >&2
    exit 2
    ;;
esac
