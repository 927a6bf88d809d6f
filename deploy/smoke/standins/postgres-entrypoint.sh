#!/bin/sh
set -e
as_postgres() { setpriv --reuid postgres --regid postgres --init-groups "$@"; }
if [ "$1" = "postgres" ]; then
    mkdir -p "$PGDATA" /run/postgresql
    chown -R postgres:postgres "$PGDATA" /run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        user="${POSTGRES_USER:-postgres}"
        printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
        chown postgres /tmp/pwfile
        as_postgres initdb --username="$user" --pwfile=/tmp/pwfile --auth-host=scram-sha-256 \
            --auth-local=trust --encoding=UTF8 -D "$PGDATA"
        rm /tmp/pwfile
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        db="${POSTGRES_DB:-$user}"
        if [ "$db" != "postgres" ]; then
            as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
            as_postgres createdb --username="$user" --owner="$user" "$db"
            as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
        fi
    fi
    shift
    exec setpriv --reuid postgres --regid postgres --init-groups postgres -c listen_addresses='*' "$@"
fi
exec "$@"
