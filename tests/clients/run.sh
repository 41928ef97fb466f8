#!/usr/bin/env bash
# The client-compatibility suite: Mastodon.py (a real client library) against a real
# `hamlet serve`.
#
#   tests/clients/run.sh [--postgres] [pytest arguments...]
#
# Environment:
#   HAMLET_BIN                   binary to test; if unset, `cargo build --release -p hamlet`
#                                is run and target/release/hamlet is used
#   HAMLET_CLIENTS_DATABASE_URL  run the server on this (PostgreSQL) database
#   HAMLET_CLIENTS_PG_ADMIN_URL  with --postgres: where to create a fresh database for the
#                                run (default postgres://postgres@127.0.0.1:5432/postgres);
#                                it is dropped again when the run ends
#   CLIENTS_VENV                 the virtualenv (default .venv-clients at the repo root)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

postgres=0
if [[ "${1:-}" == "--postgres" ]]; then
    postgres=1
    shift
fi

# --- Python environment ------------------------------------------------------------------
venv="${CLIENTS_VENV:-$repo/.venv-clients}"
python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "clients: creating virtualenv $venv"
    "$python" -m venv "$venv"
fi
# Reinstall only when requirements.txt changed since the last install into this venv.
stamp="$venv/.hamlet-requirements"
if ! cmp -s "$here/requirements.txt" "$stamp"; then
    echo "clients: installing $(tr '\n' ' ' < <(grep -v '^#' "$here/requirements.txt"))"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi

# --- the server binary --------------------------------------------------------------------
if [[ -z "${HAMLET_BIN:-}" ]]; then
    echo "clients: cargo build --release -p hamlet"
    cargo build --release -p hamlet
    export HAMLET_BIN="$repo/target/release/hamlet"
fi
if [[ ! -x "$HAMLET_BIN" ]]; then
    echo "clients: HAMLET_BIN=$HAMLET_BIN is not an executable file" >&2
    exit 1
fi
"$HAMLET_BIN" --version

# --- a fresh PostgreSQL database, if asked for ----------------------------------------------
created_db=""
admin_url="${HAMLET_CLIENTS_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
drop_db() {
    if [[ -n "$created_db" ]]; then
        psql "$admin_url" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $created_db WITH (FORCE)" \
            >/dev/null || echo "clients: could not drop database $created_db" >&2
    fi
}
if [[ "$postgres" == 1 && -z "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    created_db="hamlet_clients_$$_$(date +%s)"
    trap drop_db EXIT
    psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $created_db" >/dev/null
    # Same server and credentials as the admin URL, the new database as the path.
    export HAMLET_CLIENTS_DATABASE_URL="${admin_url%/*}/$created_db"
fi
if [[ -n "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    echo "clients: database ${HAMLET_CLIENTS_DATABASE_URL}"
else
    echo "clients: database SQLite (in the test's temporary directory)"
fi

# --- the suite ------------------------------------------------------------------------------
status=0
"$venv/bin/python" -m pytest "$here" -p no:cacheprovider -ra "$@" || status=$?
if [[ "$status" == 5 ]]; then
    echo "clients: pytest collected no tests; that is a failure here" >&2
    exit 1
fi
exit "$status"
