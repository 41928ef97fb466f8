#!/usr/bin/env bash
# The masto.js client-compatibility suite: masto.js (the client library of Elk and Phanpy)
# against a real `hamlet serve`, with Node's built-in test runner.
#
#   tests/clients/masto/run.sh [--postgres] [node --test arguments...]
#
# e.g. tests/clients/masto/run.sh --test-name-pattern='filters'
#
# Environment:
#   HAMLET_BIN                   binary to test; if unset, `cargo build --release -p hamlet`
#                                is run and target/release/hamlet is used
#   HAMLET_CLIENTS_DATABASE_URL  run the server on this (PostgreSQL) database
#   HAMLET_CLIENTS_PG_ADMIN_URL  with --postgres: where to create a fresh database for the
#                                run (default postgres://postgres@127.0.0.1:5432/postgres);
#                                it is dropped again when the run ends
#   MASTO_SUITE_KEEP_DIR=1       keep the server's temporary directory (database, log)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$repo"

postgres=0
if [[ "${1:-}" == "--postgres" ]]; then
    postgres=1
    shift
fi

# --- Node and masto.js ---------------------------------------------------------------------
if ! command -v node >/dev/null; then
    echo "masto: node is not installed (Node 20 or newer is needed)" >&2
    exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
    echo "masto: Node $(node --version) is too old; 20 or newer is needed" >&2
    exit 1
fi
echo "masto: node $(node --version), npm $(npm --version 2>/dev/null)"
# Install exactly what the lock file says, again whenever it changed since the last install.
stamp="$here/node_modules/.hamlet-package-lock.json"
if [[ ! -d "$here/node_modules" ]] || ! cmp -s "$here/package-lock.json" "$stamp"; then
    echo "masto: npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$stamp"
fi
echo "masto: masto.js $(node -p "require('$here/node_modules/masto/package.json').version")"

# --- the server binary --------------------------------------------------------------------
if [[ -z "${HAMLET_BIN:-}" ]]; then
    echo "masto: cargo build --release -p hamlet"
    cargo build --release -p hamlet
    export HAMLET_BIN="$repo/target/release/hamlet"
fi
if [[ ! -x "$HAMLET_BIN" ]]; then
    echo "masto: HAMLET_BIN=$HAMLET_BIN is not an executable file" >&2
    exit 1
fi
"$HAMLET_BIN" --version

# --- a fresh PostgreSQL database, if asked for ----------------------------------------------
created_db=""
admin_url="${HAMLET_CLIENTS_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
tap=""
cleanup() {
    if [[ -n "$created_db" ]]; then
        psql "$admin_url" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $created_db WITH (FORCE)" \
            >/dev/null || echo "masto: could not drop database $created_db" >&2
    fi
    if [[ -n "$tap" ]]; then
        rm -f "$tap"
    fi
}
trap cleanup EXIT
if [[ "$postgres" == 1 && -z "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    created_db="hamlet_masto_$$_$(date +%s)"
    psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $created_db" >/dev/null
    # Same server and credentials as the admin URL, the new database as the path.
    export HAMLET_CLIENTS_DATABASE_URL="${admin_url%/*}/$created_db"
fi
if [[ -n "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    echo "masto: database ${HAMLET_CLIENTS_DATABASE_URL}"
else
    echo "masto: database SQLite (in the run's temporary directory)"
fi

# --- the suite ------------------------------------------------------------------------------
# The spec report for people; a TAP copy to count what ran (a run with no test fails).
tap="$(mktemp)"
status=0
(cd "$here" && node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@" suite.test.mjs) || status=$?
ran="$(sed -n 's/^# tests \([0-9][0-9]*\)$/\1/p' "$tap" | tail -n 1)"
skipped="$(sed -n 's/^# skipped \([0-9][0-9]*\)$/\1/p' "$tap" | tail -n 1)"
if [[ -z "$ran" || "$ran" == 0 || "$ran" == "${skipped:-0}" ]]; then
    echo "masto: no test ran; that is a failure here" >&2
    exit 1
fi
exit "$status"
