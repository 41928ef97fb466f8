#!/usr/bin/env bash
# The browser end-to-end suite: Debian's Chromium, headless, driven by playwright-core,
# against a real `hamlet serve`, with Node's built-in test runner (browser.test.mjs).
#
#   tests/browser/run.sh [--postgres] [node --test arguments...]
#
# e.g. tests/browser/run.sh --test-name-pattern='setup'
#
# What it checks, page by page: screenshots at 390 and 1280 px wide (into
# target/browser-screenshots/), no request to any host but the server, no serious or
# critical axe-core violation, every POST form carries a CSRF token; and the flows, in
# numbered steps that build on each other:
#    1-3  the first-admin setup (and that it refuses a form without its CSRF token)
#      4  the OAuth consent page (username and password)
#    5-6  the front page; sign-in (refused without CSRF token or with a wrong password)
#    7-9  a second member made with the CLI; posting from /home (local-only and
#         federated); replying in place on a post's page (a reply to a local-only post
#         stays local-only)
#     10  following from a profile, in place with JavaScript (no navigation)
#     11  the other member's notifications in another browser
#     12  profile fields in settings, shown on the profile as a table
#     12b an avatar uploaded in settings, shown on the profile from Hamlet's /media/
#     13  mute and block from a profile, in place with JavaScript, and undone
#     14  the same without JavaScript: ordinary forms, redirected back to the profile
#     15  more than a page of posts: "Older posts" appends the next page in place with
#         JavaScript, and is a ?max_id= link without (profile and community timeline)
#     16  favourite and bookmark in place with JavaScript (kept after a reload);
#         boost without JavaScript
#     17  the admin edits the community (name, description, contact address, rules added,
#         edited, removed); the front page shows them to a visitor
#     18  private community: a visitor is sent to sign in for a profile, a post and a
#         hashtag page, and still sees the front page; then public again
#     19  federated timeline switched off (no link, /federated not found) and on again
#     20  authorized apps in settings: signing one out revokes its token; the consent
#         page of a browser signed in to the web asks no password
#  21-24  settings (profile, default locality), a password change (other browsers and
#         apps signed out), sign-out, and what an anonymous visitor can and cannot see.
# Pages are visited with JavaScript on (the server's own /assets/web.js) unless a step
# says otherwise: step 14, and parts of 15 and 16, use a browser context without it.
#
# Chromium is Debian's (`apt-get install chromium`, run here when /usr/bin/chromium is
# missing, with sudo when not root); playwright-core and axe-core come from the npm lock
# file. Node 20 or newer from the machine.
#
# Environment:
#   HAMLET_BIN                   binary to test; if unset, `cargo build --release -p hamlet`
#                                is run and target/release/hamlet is used
#   HAMLET_CLIENTS_DATABASE_URL  run the server on this (PostgreSQL) database
#   HAMLET_CLIENTS_PG_ADMIN_URL  with --postgres: where to create a fresh database for the
#                                run (default postgres://postgres@127.0.0.1:5432/postgres);
#                                it is dropped again when the run ends
#   HAMLET_CHROMIUM              the Chromium binary (default /usr/bin/chromium)
#   BROWSER_SUITE_KEEP_DIR=1     keep the server's temporary directory (database, log)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

postgres=0
if [[ "${1:-}" == "--postgres" ]]; then
    postgres=1
    shift
fi

# --- Chromium (Debian's package) -------------------------------------------------------------
export HAMLET_CHROMIUM="${HAMLET_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$HAMLET_CHROMIUM" ]]; then
    if [[ "$HAMLET_CHROMIUM" != /usr/bin/chromium ]]; then
        echo "browser: HAMLET_CHROMIUM=$HAMLET_CHROMIUM is not an executable file" >&2
        exit 1
    fi
    echo "browser: /usr/bin/chromium is missing; apt-get install -y chromium"
    as_root=()
    if [[ "$(id -u)" != 0 ]]; then
        as_root=(sudo)
    fi
    # A fresh machine may have stale or no package lists: update once if the install fails.
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q chromium; then
        "${as_root[@]}" apt-get update -q
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q chromium
    fi
fi
echo "browser: $("$HAMLET_CHROMIUM" --version 2>/dev/null || echo "$HAMLET_CHROMIUM (version unknown)")"

# --- Node, playwright-core and axe-core ------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "browser: node and npm are needed (Node 20 or newer)" >&2
    exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
    echo "browser: Node $(node --version) is too old; 20 or newer is needed" >&2
    exit 1
fi
# Install exactly what the lock file says, again whenever it changed since the last install.
stamp="$here/node_modules/.hamlet-package-lock.json"
if [[ ! -d "$here/node_modules" ]] || ! cmp -s "$here/package-lock.json" "$stamp"; then
    echo "browser: npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/package-lock.json" "$stamp"
fi
echo "browser: node $(node --version)," \
    "playwright-core $(node -p "require('$here/node_modules/playwright-core/package.json').version")," \
    "axe-core $(node -p "require('$here/node_modules/axe-core/package.json').version")"

# --- the server binary --------------------------------------------------------------------
if [[ -z "${HAMLET_BIN:-}" ]]; then
    echo "browser: cargo build --release -p hamlet"
    cargo build --release -p hamlet
    export HAMLET_BIN="$repo/target/release/hamlet"
fi
if [[ ! -x "$HAMLET_BIN" ]]; then
    echo "browser: HAMLET_BIN=$HAMLET_BIN is not an executable file" >&2
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
            >/dev/null || echo "browser: could not drop database $created_db" >&2
    fi
    if [[ -n "$tap" ]]; then
        rm -f "$tap"
    fi
}
trap cleanup EXIT
if [[ "$postgres" == 1 && -z "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    created_db="hamlet_browser_$$_$(date +%s)"
    psql "$admin_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $created_db" >/dev/null
    # Same server and credentials as the admin URL, the new database as the path.
    export HAMLET_CLIENTS_DATABASE_URL="${admin_url%/*}/$created_db"
fi
if [[ -n "${HAMLET_CLIENTS_DATABASE_URL:-}" ]]; then
    echo "browser: database ${HAMLET_CLIENTS_DATABASE_URL}"
else
    echo "browser: database SQLite (in the run's temporary directory)"
fi

# --- the suite ------------------------------------------------------------------------------
# The spec report for people; a TAP copy to count what ran (a run with no test, or with
# every test skipped, fails).
tap="$(mktemp)"
status=0
(cd "$here" && node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "$@" browser.test.mjs) || status=$?
ran="$(sed -n 's/^# tests \([0-9][0-9]*\)$/\1/p' "$tap" | tail -n 1)"
skipped="$(sed -n 's/^# skipped \([0-9][0-9]*\)$/\1/p' "$tap" | tail -n 1)"
if [[ -z "$ran" || "$ran" == 0 || "$ran" == "${skipped:-0}" ]]; then
    echo "browser: no test ran; that is a failure here" >&2
    exit 1
fi
echo "browser: screenshots in target/browser-screenshots/"
exit "$status"
