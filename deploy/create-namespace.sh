#!/bin/sh
# Creates the Temporal namespace the worker uses and registers the custom search attributes our workflows set:
# Keyword ModelArtsDatasetId, ModelArtsTaskId, ModelArtsTaskStatus, ModelArtsTenant, and Datetime
# ModelArtsNextReadAt, ModelArtsOverdueAt, ModelArtsReadsFailingSince (the wait's read plan, which the overdue
# exporter queries; docs/stuck-waits.md). Runs in temporalio/admin-tools as
# the one-shot `temporal-create-namespace` service of docker-compose.yml, once the server is healthy.
#
# Idempotent: an existing namespace is kept, and an attribute that is already registered as Keyword counts as
# done (the server answers "already exists" to a second create), likewise a Datetime one. An attribute registered
# under another type is
# an error, since the workflows could not set it.
#
# POSIX sh on purpose: the admin-tools image is not guaranteed to ship bash.
set -eu

NAMESPACE="${NAMESPACE:-default}"
NAMESPACE_RETENTION="${NAMESPACE_RETENTION:-72h}"
TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-60}"
SLEEP_SECONDS="${SLEEP_SECONDS:-3}"
SEARCH_ATTRIBUTES="${SEARCH_ATTRIBUTES:-ModelArtsDatasetId ModelArtsTaskId ModelArtsTaskStatus ModelArtsTenant}"
SEARCH_ATTRIBUTE_TYPE="Keyword"
DATETIME_SEARCH_ATTRIBUTES="${DATETIME_SEARCH_ATTRIBUTES:-ModelArtsNextReadAt ModelArtsOverdueAt ModelArtsReadsFailingSince}"

log() {
  echo "[create-namespace] $*"
}

# retry DESCRIPTION COMMAND [ARGS...]: runs COMMAND until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  description="$1"
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      log "$description: still failing after $attempt attempts; giving up"
      return 1
    fi
    log "$description: not yet (attempt $attempt/$MAX_ATTEMPTS), retrying in ${SLEEP_SECONDS}s"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

server_healthy() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1
}

ensure_namespace() {
  if temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
    log "namespace '$NAMESPACE' exists"
    return 0
  fi
  if temporal operator namespace create --namespace "$NAMESPACE" --retention "$NAMESPACE_RETENTION" \
    --address "$TEMPORAL_ADDRESS"; then
    log "namespace '$NAMESPACE' created (retention $NAMESPACE_RETENTION)"
    return 0
  fi
  return 1
}

# Prints the type the namespace has for search attribute $1, or nothing if it is not registered.
# `search-attribute list` prints a table of "Name  Type" rows.
registered_type() {
  temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>/dev/null |
    awk -v name="$1" '$1 == name { print $2; exit }'
}

# ensure_search_attribute NAME [TYPE]: TYPE defaults to SEARCH_ATTRIBUTE_TYPE (Keyword).
ensure_search_attribute() {
  name="$1"
  type="${2:-$SEARCH_ATTRIBUTE_TYPE}"
  current="$(registered_type "$name")"
  if [ -z "$current" ]; then
    # On a new cluster the first create can answer "Namespace ... is not found" for a few seconds after the
    # namespace was created (the frontend's namespace cache has not seen it yet); that is retried, not an error.
    if error="$(temporal operator search-attribute create --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" \
      --name "$name" --type "$type" 2>&1 >/dev/null)"; then
      log "search attribute $name ($type) created"
      return 0
    fi
    log "search attribute $name: the server answered: $(echo "$error" | head -n 1)"
    # A create that raced another one, or "already exists": look again before retrying.
    current="$(registered_type "$name")"
    [ -n "$current" ] || return 1
  fi
  if [ "$current" = "$type" ]; then
    log "search attribute $name ($type) is registered"
    return 0
  fi
  log "search attribute $name is registered as $current, but the workflows need $type;" \
    "remove it (temporal operator search-attribute remove --name $name --namespace $NAMESPACE) and re-run"
  exit 2
}

log "waiting for the Temporal server at $TEMPORAL_ADDRESS"
retry "cluster health" server_healthy
retry "namespace $NAMESPACE" ensure_namespace
for attribute in $SEARCH_ATTRIBUTES; do
  retry "search attribute $attribute" ensure_search_attribute "$attribute"
done
for attribute in $DATETIME_SEARCH_ATTRIBUTES; do
  retry "search attribute $attribute" ensure_search_attribute "$attribute" Datetime
done
log "namespace '$NAMESPACE' is ready with search attributes: $SEARCH_ATTRIBUTES $DATETIME_SEARCH_ATTRIBUTES"
