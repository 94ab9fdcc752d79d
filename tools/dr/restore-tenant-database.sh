#!/usr/bin/env bash
# Restores ONE tenant's database from a restored copy of the server into the production server,
# without touching any other tenant (docs/runbooks/recuperacion-de-un-inquilino.md walks through it):
#
#   restore-tenant-database.sh <tenant-id> <source-host> [<target-host>]
#
# <source-host> is a server restored with point-in-time restore (or geo-restore) to the moment
# before the damage; <target-host> the production server (default: $PGHOST). Both are reached as
# $PGUSER (the Entra administrator; its token as password: SOURCE_PGPASSWORD / TARGET_PGPASSWORD, or
# PGPASSWORD for both) on $PGPORT (5432: a session, not PgBouncer; SOURCE_PGPORT / TARGET_PGPORT override).
#
# What it does, in order; it stops at the first error and leaves production as it was until step 4:
#   1. dumps tenant_<id> from the source (pg_dump custom format, no owner, no privileges);
#   2. creates tenant_<id>_restore_<UTC timestamp> on the target, owned by the tenant role, and
#      restores into it as that role (objects end up owned by the tenant, as OpenWebUI made them);
#   3. compares the row count of every table between source and restored copy;
#   4. disconnects the tenant's sessions and swaps names: tenant_<id> -> tenant_<id>_before_<ts>,
#      the restored copy -> tenant_<id>; CONNECT is closed to PUBLIC again.
# The old database stays as tenant_<id>_before_<ts> for rollback (swap back by hand) until someone drops it.
# Scale the tenant's OpenWebUI to zero before running it (the runbook says how), or step 4 cuts its sessions.
set -euo pipefail

log() { printf 'restore-tenant-database: %s\n' "$*" >&2; }
usage() { sed -n '2,8p' "$0" >&2; exit 2; }

[[ $# -ge 2 && $# -le 3 ]] || usage
tenant="$1" source_host="$2" target_host="${3:-${PGHOST:-}}"
[[ "${tenant}" =~ ^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$ ]] || { log "tenant id \"${tenant}\" is not a tenant id (a DNS label)"; exit 2; }
[[ -n "${target_host}" ]] || { log "no target host: pass it or set PGHOST"; exit 2; }
[[ -n "${PGUSER:-}" ]] || { log "PGUSER must name the administrator role"; exit 2; }
: "${PGPORT:=5432}" "${PGDATABASE:=postgres}"
export PGPORT
database="tenant_${tenant//-/_}"
stamp="$(date -u +%Y%m%d%H%M%S)"
restored="${database}_restore_${stamp}"
before="${database}_before_${stamp}"
work="$(mktemp -d)"
trap 'rm -rf -- "${work}"' EXIT

on_source() { PGHOST="${source_host}" PGPORT="${SOURCE_PGPORT:-${PGPORT}}" PGPASSWORD="${SOURCE_PGPASSWORD:-${PGPASSWORD:-}}" "$@"; }
on_target() { PGHOST="${target_host}" PGPORT="${TARGET_PGPORT:-${PGPORT}}" PGPASSWORD="${TARGET_PGPASSWORD:-${PGPASSWORD:-}}" "$@"; }
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# Row count of every table of a database, one "schema.table count" line each, sorted.
row_counts() {
  sql -d "$1" -c "SELECT format('SELECT %L || '' '' || count(*) FROM %I.%I', schemaname || '.' || relname, schemaname, relname) FROM pg_stat_user_tables ORDER BY 1" |
    sql -d "$1" | sort
}

[[ "$(on_source sql -d "${PGDATABASE}" -c "SELECT count(*) FROM pg_database WHERE datname = '${database}'")" == 1 ]] || { log "source ${source_host} has no database ${database}"; exit 1; }
[[ "$(on_target sql -d "${PGDATABASE}" -c "SELECT count(*) FROM pg_roles WHERE rolname = '${database}'")" == 1 ]] || { log "target ${target_host} has no role ${database} (run platform-db/db-bootstrap first)"; exit 1; }

log "1/4 dumping ${database} from ${source_host}"
on_source pg_dump -Fc --no-owner --no-privileges -d "${database}" -f "${work}/${database}.dump"

log "2/4 restoring into ${restored} on ${target_host}"
on_target sql -d "${PGDATABASE}" -c "CREATE DATABASE ${restored} OWNER ${database}" -c "REVOKE ALL ON DATABASE ${restored} FROM PUBLIC"
# Extensions (vector) need the administrator (Azure allow-lists them for it, not for the tenant role),
# so they are created first and left out of the tenant's part of the restore.
for ext in $(on_source sql -d "${database}" -c "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"); do
  on_target sql -d "${restored}" -c "CREATE EXTENSION IF NOT EXISTS ${ext}"
done
pg_restore -l "${work}/${database}.dump" | grep -v -E '^[0-9]+; [0-9]+ [0-9]+ (EXTENSION|COMMENT - EXTENSION) ' >"${work}/restore.list"
if ! on_target pg_restore --no-owner --no-privileges --role="${database}" --exit-on-error -L "${work}/restore.list" -d "${restored}" "${work}/${database}.dump"; then
  log "pg_restore failed; ${restored} is left on the target for inspection, production is unchanged"
  exit 1
fi

log "3/4 comparing row counts"
on_source row_counts "${database}" >"${work}/source.counts"
on_target row_counts "${restored}" >"${work}/restored.counts"
if ! diff -u "${work}/source.counts" "${work}/restored.counts" >&2; then
  log "row counts differ; ${restored} is left on the target for inspection, production is unchanged"
  exit 1
fi
log "    $(wc -l <"${work}/source.counts") tables, same row counts"

log "4/4 swapping ${database} -> ${before}, ${restored} -> ${database}"
on_target sql -d "${PGDATABASE}" \
  -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN ('${database}', '${restored}') AND pid <> pg_backend_pid()" \
  -c "ALTER DATABASE ${database} RENAME TO ${before}" \
  -c "ALTER DATABASE ${restored} RENAME TO ${database}" \
  -c "GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${database}" >/dev/null
log "done: ${database} holds the data of ${source_host}; the damaged copy is ${before}"
