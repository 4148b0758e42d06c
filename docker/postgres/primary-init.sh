#!/bin/bash
# Runs once, when the primary's data directory is first initialised (docker-entrypoint-initdb.d):
# the role the streaming replica connects as, and the pg_hba rule that lets it in.
# No `set -u`: should the file lose its exec bit, the image sources it into its own entry point.
set -eo pipefail
: "${REPLICATION_USER:?must be set}" "${REPLICATION_PASSWORD:?must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v user="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"user" WITH REPLICATION LOGIN PASSWORD :'password';
SQL

# `host all all all` (added by the image) does not cover replication connections.
echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
