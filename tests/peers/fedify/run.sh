#!/usr/bin/env bash
# Federation interoperability with a third-party implementation: a Fedify peer (npm
# @fedify/fedify) against a real `hamlet serve`, in every combination of HTTP signature
# schemes (draft-cavage and RFC 9421, each way) (interop.test.mjs), and the local-only leak
# probe (leak.test.mjs), with Node's built-in test runner.
#
#   tests/peers/fedify/run.sh [--postgres] [node --test arguments...]
#
# e.g. tests/peers/fedify/run.sh --test-name-pattern='rfc9421'
#
# Node 22 (which Fedify needs) comes from the npm registry as a devDependency (the `node`
# package), so only some Node and npm are needed to install; the tests run on
# node_modules/.bin/node.
#
# Environment:
#   HAMLET_BIN                   binary to test; if unset, `cargo build --release -p hamlet`
#                                is run and target/release/hamlet is used
#   HAMLET_CLIENTS_DATABASE_URL  run the servers on this (PostgreSQL) database, a schema each
#   HAMLET_CLIENTS_PG_ADMIN_URL  with --postgres: where to create a fresh database for the
#                                run (default postgres://postgres@127.0.0.1:5432/postgres);
#                                it is dropped again when the run ends
#   FEDIFY_PEER_LOG=stderr       copy Fedify's debug log to stderr as it happens (it is always
#                                written to fedify.log beside each server's log)
#   FEDIFY_INTEROP_KEEP_DIR=1    keep the temporary directories (databases, logs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$repo"

postgres=0
if [[ "${1:-}" == "--postgres" ]]; then
    postgres=1
    shift
fi

# --- Node 22 and Fedify -------------------------------------------------------------------
if ! command -v npm >/dev/null; then
    echo "fedify: npm is not installed (any Node with npm installs Node 22 from the lock file)" >&2
    exit 1
fi
# Install exactly what the lock file says, again whenever it changed since the last install
# (or the Node 22 binary is missing: the `node` package fetches it in a preinstall step).
stamp="$here/node_modules/.hamlet-package-lock.json"
node="$here/node_modules/.bin/node"
if [[ ! -d "$here/node_modules" || ! -x "$node" ]] || ! cmp -s "$here/package-lock.json" "$stamp"; then
    echo "fedify: npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$stamp"
fi
node_major="$("$node" -p 'process.versions.node.split(".")[0]')"
if (( node_major < 22 )); then
    echo "fedify: $node is Node $("$node" --version); Fedify needs 22 or newer" >&2
    exit 1
fi
echo "fedify: node $("$node" --version), @fedify/fedify" \
    "$("$node" -p "require('$here/node_modules/@fedify/fedify/package.json').version")"

# --- the server binary --------------------------------------------------------------------
if [[ -z "${HAMLET_BIN:-}" ]]; then
    echo "fedify: cargo build --release -p hamlet"
    cargo build --release -p hamlet
    export HAMLET_BIN="$repo/target/release/hamlet"
fi
if [[ ! -x "$HAMLET_BIN" ]]; then
    echo "fedify: HAMLET_BIN=$HAMLET_BIN is not an executable file" >&2
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
            >/dev/null || echo "fedify: could not drop database $created_db" >&2
    fi
    if [[ -n "$tap" ]]; then
        rm -f "$tap"
    fi
}
trap cleanup EXIT
if [[ "$postgres" == 1 && -z "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    created_db="hamlet_fedify_$$_$(date +%s)"
    psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $created_db" >/dev/null
    # Same server and credentials as the admin URL, the new database as the path.
    export HAMLET_CLIENTS_DATABASE_URL="${admin_url%/*}/$created_db"
fi
if [[ -n "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    echo "fedify: database ${HAMLET_CLIENTS_DATABASE_URL}"
else
    echo "fedify: database SQLite (in each scenario's temporary directory)"
fi

# --- the test -------------------------------------------------------------------------------
# The spec report for people; a TAP copy to count what ran (a run with no test fails).
# Each scenario prints its server's log tail when one of its steps failed.
tap="$(mktemp)"
status=0
(cd "$here" && "$node" --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@" interop.test.mjs leak.test.mjs) || status=$?
# The steps are the numbered tests inside each scenario ("ok 3 - 3. alice's public post...");
# the runner's own total also counts the file itself, so it is not enough on its own.
ran="$(sed -n 's/^# tests \([0-9][0-9]*\)$/\1/p' "$tap" | tail -n 1)"
steps="$(grep -cE '^ +(not )?ok [0-9]+ - [0-9]+\. ' "$tap" || true)"
if [[ -z "$ran" || "$ran" == 0 || "${steps:-0}" == 0 ]]; then
    echo "fedify: no test ran; that is a failure here" >&2
    exit 1
fi
echo "fedify: ${steps} steps ran"
exit "$status"
