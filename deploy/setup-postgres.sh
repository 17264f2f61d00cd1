#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence and visibility) and brings their schemas to the
# version shipped with this admin-tools image. Runs in temporalio/admin-tools as the one-shot
# `temporal-schema-setup` service of docker-compose.yml, before the Temporal server starts.
#
# Re-running is safe: `create` keeps an existing database, `setup-schema -v 0.0` leaves an already versioned
# schema alone, and `update-schema` applies only the versions that are missing (this is also how an upgrade of
# TEMPORAL_VERSION / TEMPORAL_ADMINTOOLS_VERSION migrates the schema).
#
# POSIX sh on purpose: the admin-tools image is not guaranteed to ship bash.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) must be set}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SQL_PLUGIN_NAME="${SQL_PLUGIN_NAME:-postgres12}"
# Where the admin-tools image keeps the schema; a native install points it at the server module's copy.
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"
WAIT_ATTEMPTS="${WAIT_ATTEMPTS:-60}"
WAIT_SECONDS="${WAIT_SECONDS:-2}"

# temporal-sql-tool reads the password from SQL_PASSWORD; keeping it out of argv keeps it out of `ps`.
SQL_PASSWORD="$POSTGRES_PWD"
export SQL_PASSWORD

log() {
  echo "[setup-postgres] $*"
}

sql_tool() {
  # $1 = database, the rest = the temporal-sql-tool command and its flags.
  database="$1"
  shift
  temporal-sql-tool --plugin "$SQL_PLUGIN_NAME" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
    --db "$database" "$@"
}

# pg_isready where it exists (a native install has Debian's postgresql-client), else nc (the admin-tools image
# has BusyBox nc and no PostgreSQL client). With neither, say so now rather than after WAIT_ATTEMPTS failures.
if command -v pg_isready >/dev/null 2>&1; then
  reachable() { pg_isready -q -h "$POSTGRES_SEEDS" -p "$DB_PORT" -t 5; }
elif command -v nc >/dev/null 2>&1; then
  reachable() { nc -z -w 5 "$POSTGRES_SEEDS" "$DB_PORT"; }
else
  log "cannot wait for PostgreSQL: neither pg_isready nor nc is installed (apt-get install postgresql-client)"
  exit 1
fi

log "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"
tries=0
until reachable; do
  tries=$((tries + 1))
  if [ "$tries" -ge "$WAIT_ATTEMPTS" ]; then
    log "PostgreSQL at $POSTGRES_SEEDS:$DB_PORT is still unreachable after $tries attempts; giving up"
    exit 1
  fi
  sleep "$WAIT_SECONDS"
done

setup_database() {
  # $1 = database name, $2 = schema folder under $SCHEMA_ROOT (temporal | visibility)
  database="$1"
  versioned_dir="$SCHEMA_ROOT/$2/versioned"
  if [ ! -d "$versioned_dir" ]; then
    log "schema folder $2/versioned not found under SCHEMA_ROOT=$SCHEMA_ROOT (natively: the server module's" \
      "schema/postgresql/v12 folder, see deploy/README.md)"
    exit 1
  fi
  log "database $database: create (kept if it exists)"
  sql_tool "$database" create
  log "database $database: version tables"
  sql_tool "$database" setup-schema -v 0.0
  log "database $database: update schema from $versioned_dir"
  sql_tool "$database" update-schema -d "$versioned_dir"
}

setup_database "$DBNAME" temporal
setup_database "$VISIBILITY_DBNAME" visibility

log "schemas of $DBNAME and $VISIBILITY_DBNAME are up to date"
