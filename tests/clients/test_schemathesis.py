"""schemathesis against a real `hamlet serve`: every implemented operation of the shared
Mastodon OpenAPI spec, fuzzed with generated input, must answer without a server error
and with a response that matches the spec's schema.

"Implemented" is read from the router (crates/api/src/routes/mod.rs), so a new route is
fuzzed the day it lands. The exclusions, each with its reason, are in schemathesis.toml
beside this file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import REPO, running_server

SPEC = REPO.parent / "shared" / "specs" / "mastodon-openapi.schema.json"
ROUTER = REPO / "crates" / "api" / "src" / "routes" / "mod.rs"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCOPES = ["read", "write", "follow", "push", "profile"]
# Generous, but a hung server must not hang CI.
RUN_TIMEOUT_SECS = 900

ROUTE_PATH = re.compile(r"\.route\(\s*\"(?P<path>[^\"]+)\",")
METHOD = re.compile(r"\b(get|post|put|patch|delete)\(")


def implemented_operations() -> set[tuple[str, str]]:
    """(METHOD, path) for every `.route("path", get(..).put(..))` the API router declares:
    the handlers are everything up to the parenthesis that closes `.route(`."""
    source = ROUTER.read_text()
    operations = set()
    for route in ROUTE_PATH.finditer(source):
        depth, end = 1, route.end()
        while depth and end < len(source):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            end += 1
        for method in METHOD.findall(source[route.end() : end]):
            operations.add((method.upper(), route.group("path")))
    return operations


def test_router_parsing_finds_the_routes_we_know():
    """Guards the parser above: if the router's layout changes, fail loudly rather than
    fuzz nothing."""
    operations = implemented_operations()
    for known in [
        ("POST", "/api/v1/statuses"),
        ("GET", "/api/v1/statuses/{id}"),
        ("PUT", "/api/v1/statuses/{id}"),
        ("DELETE", "/api/v1/statuses/{id}"),
        ("GET", "/api/v1/timelines/home"),
        ("POST", "/api/v1/markers"),
        ("DELETE", "/api/v2/filters/{id}"),
    ]:
        assert known in operations, f"{known} not found in {ROUTER}"
    assert len(operations) > 60, sorted(operations)


def narrowed_spec(destination: Path) -> list[str]:
    """Writes the spec with only the implemented operations; returns their names."""
    spec = json.loads(SPEC.read_text())
    implemented = implemented_operations()
    kept_paths = {}
    names = []
    for path, item in spec["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key == "parameters" or (key.upper(), path) in implemented
        }
        if set(kept) - {"parameters"}:
            kept_paths[path] = kept
            names += [f"{m.upper()} {path}" for m in kept if m != "parameters"]
    spec["paths"] = kept_paths
    destination.write_text(json.dumps(spec))
    return sorted(names)


@pytest.fixture(scope="module")
def fuzz_server(request, tmp_path_factory):
    """A server of its own (its own SQLite file, or its own PostgreSQL schema), so that
    what the fuzzer writes never reaches the other client tests."""
    extra_env = {
        # Every request comes from 127.0.0.1; the limits are for attackers.
        "HAMLET_LIMITS_SIGN_IN_ATTEMPTS": "1000000",
        "HAMLET_LIMITS_TOKEN_REQUESTS": "1000000",
        "HAMLET_LIMITS_APP_REGISTRATIONS": "1000000",
        # The instance entities then carry a contact address in the spec's email format;
        # unconfigured, it is "" (as on Mastodon), which the format rejects.
        "HAMLET_INSTANCE_CONTACT_EMAIL": "admin@example.invalid",
        "HAMLET_LOG_LEVEL": "warn",
    }
    workdir = tmp_path_factory.mktemp("schemathesis")
    with running_server(request, workdir, extra_env, pg_schema="schemathesis") as server:
        yield server


def seed(server) -> dict[str, str]:
    """A member with posts, a follower, a filter and notifications, so that the fuzzer's
    list and lookup operations return real entities; returns the environment that
    schemathesis.toml reads (the member's token, ids of its records)."""
    fuzzer = server.create_member("fuzzer")
    friend = server.create_member("friend")
    api = server.password_login(fuzzer, SCOPES)
    other = server.password_login(friend, SCOPES)
    other.account_follow(api.me()["id"])
    api.account_follow(other.me()["id"])
    first = api.status_post("Hello #fuzzing, @friend", visibility="public")
    other.status_favourite(first["id"])
    other.status_reblog(first["id"])
    other.status_post("@fuzzer a reply", in_reply_to_id=first["id"])
    api.status_post("For followers", visibility="private", spoiler_text="cw")
    api.status_post("@friend just us", visibility="direct")
    api.status_update(first["id"], "Hello #fuzzing, @friend (edited)")
    api.status_pin(first["id"])
    api.status_bookmark(first["id"])
    api.create_filter_v2("fuzz", ["home"], "warn", keywords_attributes=[{"keyword": "nope"}])
    notifications = api.notifications()
    assert notifications, "seeding should have notified the fuzzer"
    return {
        "HAMLET_FUZZ_TOKEN": api.access_token,
        "HAMLET_FUZZ_STATUS_ID": str(first["id"]),
        "HAMLET_FUZZ_NOTIFICATION_ID": str(notifications[0]["id"]),
    }


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(
    fuzz_server, tmp_path
):
    assert SPEC.is_file(), f"the shared OpenAPI spec is missing at {SPEC}"
    seeded = seed(fuzz_server)
    spec_path = tmp_path / "implemented.json"
    operations = narrowed_spec(spec_path)
    assert len(operations) > 60, operations

    binary = Path(sys.executable).with_name("schemathesis")
    report = tmp_path / "schemathesis.log"
    env = dict(os.environ, NO_COLOR="1", **seeded)
    with open(report, "w") as out:
        done = subprocess.run(
            [
                str(binary),
                "--config-file", str(CONFIG),
                "--no-color",
                "run", str(spec_path),
                "--url", fuzz_server.base_url,
                "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance,response_headers_conformance,ignored_auth,use_after_free,ensure_resource_availability",
                "--seed", "20261122",
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT_SECS,
        )
    output = report.read_text(errors="replace")
    capture_tail = "\n".join(output.splitlines()[-150:])
    assert done.returncode == 0, (
        f"schemathesis exited {done.returncode} over {len(operations)} operations; "
        f"its report ends:\n{capture_tail}"
    )
    # A run that tested nothing is not a pass.
    summary = re.search(r"(\d+) generated", output)
    assert summary and int(summary.group(1)) > 500, capture_tail
    # The fuzzer's own token still works: the run did not lock itself out midway.
    response = requests.get(
        f"{fuzz_server.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {seeded['HAMLET_FUZZ_TOKEN']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
