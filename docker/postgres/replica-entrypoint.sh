#!/bin/bash
# Entry point of the streaming replica: on first start, clone the primary with pg_basebackup -R
# (which writes standby.signal and primary_conninfo), then run the image's own entry point,
# which finds an initialised data directory and starts postgres as a hot standby.
set -euo pipefail

PGDATA="${PGDATA:-/var/lib/postgresql/data}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
    echo "replica: waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT"
    sleep 1
  done
  echo "replica: cloning the primary"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  # -R records the connection (password included) for streaming; -X stream copies the WAL
  # written during the backup. No replication slot: the primary keeps wal_keep_size of WAL
  # instead, so a removed replica cannot make the primary's disk fill up.
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres pg_basebackup \
    -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -D "$PGDATA" \
    -R -X stream --checkpoint=fast --progress
fi

exec docker-entrypoint.sh "$@"
