#!/bin/bash
# One-shot, after the migrations: gives the reporting role (created by a migration, with its
# grants) a login password. The password is deployment configuration, so no migration sets it.
# Run on the primary; the replica receives it with everything else.
set -euo pipefail

psql -v ON_ERROR_STOP=1 -v password="$REPORTING_PASSWORD" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orderflow_reporting') THEN
    RAISE EXCEPTION 'role orderflow_reporting does not exist: the migrations should have created it';
  END IF;
END $$;
ALTER ROLE orderflow_reporting WITH LOGIN PASSWORD :'password';
SQL
echo "orderflow_reporting can log in"
