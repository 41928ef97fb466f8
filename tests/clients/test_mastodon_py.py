"""Hamlet as a real Mastodon client library sees it: Mastodon.py against `hamlet serve`.

Where Mastodon.py cannot express a request (PKCE: it has no code_verifier), the test says
so and sends that one request with `requests`, then goes back to Mastodon.py.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonIllegalArgumentError,
    MastodonNotFoundError,
    MastodonUnauthorizedError,
)

from conftest import CALLBACK, OOB, PASSWORD, client

# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def api_error_status(error: MastodonAPIError) -> int:
    """Mastodon.py raises MastodonAPIError('Mastodon API returned error', status,
    reason, error_message)."""
    assert len(error.args) >= 4, f"unexpected MastodonAPIError shape: {error.args!r}"
    return error.args[1]


def api_error_message(error: MastodonAPIError) -> str:
    return error.args[3]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)  # 64 characters from the unreserved set
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


class FormParser(HTMLParser):
    """Collects the consent form: its inputs, its decision buttons, the action, and the
    out-of-band code (<code class="code" id="code">)."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.method = None
        self.inputs: dict[str, str] = {}
        self.input_types: dict[str, str] = {}
        self.decisions: list[str] = []
        self.code = None
        self.error = None
        self._in_code = False
        self._in_error = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
            self.method = (attrs.get("method") or "get").lower()
        elif tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""
            self.input_types[attrs["name"]] = attrs.get("type") or "text"
        elif tag == "button" and attrs.get("name") == "decision":
            self.decisions.append(attrs.get("value"))
        elif tag == "code" and attrs.get("id") == "code":
            self._in_code = True
            self.code = ""
        elif tag == "p" and "error" in (attrs.get("class") or "").split():
            self._in_error = True
            self.error = ""

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code = False
        if tag == "p":
            self._in_error = False

    def handle_data(self, data):
        if self._in_code:
            self.code += data
        if self._in_error:
            self.error += data


def parse_page(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


def consent(
    base_url: str,
    authorize_url: str,
    username: str,
    password: str,
    decision: str = "approve",
) -> requests.Response:
    """Drives the HTML consent page as a browser would: GET the form (which sets the
    CSRF cookie), then POST every field back with the member's answer."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=30, allow_redirects=False)
    assert page.status_code == 200, f"GET authorize: {page.status_code} {page.text[:500]}"
    assert page.headers["content-type"].startswith("text/html")
    assert "hamlet_csrf" in browser.cookies, f"no CSRF cookie: {page.headers}"
    form = parse_page(page.text)
    assert form.method == "post" and form.action == "/oauth/authorize", (form.method, form.action)
    assert form.inputs.get("csrf_token"), "the form has no csrf_token"
    assert "username" in form.inputs and "password" in form.inputs
    assert form.input_types["password"] == "password"
    assert sorted(form.decisions) == ["approve", "deny"], form.decisions
    fields = dict(form.inputs)
    fields.update(username=username, password=password, decision=decision)
    return browser.post(
        base_url + form.action, data=fields, timeout=30, allow_redirects=False
    )


def code_from_redirect(response: requests.Response, redirect_uri: str, state: str) -> str:
    assert response.status_code in (302, 303), (
        f"expected a redirect, got {response.status_code}: {response.text[:500]}"
    )
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    query = parse_qs(urlsplit(location).query)
    assert query.get("state") == [state], location
    assert "error" not in query, location
    assert len(query.get("code", [])) == 1, location
    return query["code"][0]


def code_from_oob_page(response: requests.Response) -> str:
    assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
    code = parse_page(response.text).code
    assert code and code.strip() == code, f"no code on the page: {response.text[:1000]}"
    return code


def authorize_url(api: Mastodon, redirect_uri: str, scopes, state: str, challenge=None) -> str:
    """The authorization URL as Mastodon.py builds it (it reads authorization_endpoint
    from /.well-known/oauth-authorization-server), plus the PKCE parameters, which
    Mastodon.py 2.3.3 cannot add itself."""
    url = api.auth_request_url(
        redirect_uris=redirect_uri, scopes=scopes, state=state, allow_http=True
    )
    assert url.startswith(api.api_base_url + "/oauth/authorize?"), url
    if challenge is not None:
        url += "&" + urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    return url


def token_request(base_url: str, **fields) -> requests.Response:
    return requests.post(f"{base_url}/oauth/token", data=fields, timeout=30)


# --------------------------------------------------------------------------------------
# 1. app registration, password grant, verify_credentials
# --------------------------------------------------------------------------------------


def test_password_grant_and_verify_credentials(server):
    member = server.create_member()
    scopes = ["read", "write", "profile"]
    client_id, client_secret, app_name = server.create_app(scopes)
    assert client_id and client_secret and client_id != client_secret

    api = client(server, client_id=client_id, client_secret=client_secret)
    token = api.log_in(
        username=member.username, password=member.password, scopes=scopes, allow_http=True
    )
    assert token and api.access_token == token

    me = api.account_verify_credentials()
    assert me.username == member.username
    assert me.acct == member.username  # local accounts have no domain in acct
    assert isinstance(me.id, (int, str)) and str(me.id).isdigit()
    assert me.url == f"{server.base_url}/@{member.username}"
    assert me.locked is False and me.bot is False
    assert me.note == "" and me.fields == []
    assert me.source.privacy == "public"
    assert me.source.sensitive is False
    assert me.source.note == ""
    assert me.source.fields == []
    assert me.source.follow_requests_count == 0
    assert me.role.name == ""  # a plain member
    assert me.avatar.startswith(server.base_url + "/")

    app = api.app_verify_credentials()
    assert app.name == app_name
    assert app.website == "https://client.example.invalid/"
    # The app entity must never leak the secret.
    assert app.get("client_secret") is None

    # Mastodon.py caches the logged-in account id through me().
    assert str(api.me().id) == str(me.id)


def test_password_grant_accepts_email_as_username(server):
    member = server.create_member()
    api = server.password_login(member, ["read"], login_name=member.email)
    assert api.account_verify_credentials().username == member.username


def test_admin_role_is_reported(server):
    admin = server.create_member(server.unique_name("boss"), role="admin")
    me = server.password_login(admin, ["read"]).account_verify_credentials()
    assert me.role.name == "Admin"


# --------------------------------------------------------------------------------------
# 2. authorization code flow, PKCE S256, the consent page
# --------------------------------------------------------------------------------------


def test_authorization_code_with_pkce_redirect(server):
    member = server.create_member()
    scopes = ["read", "profile"]
    client_id, client_secret, _ = server.create_app(scopes, redirect_uris=[CALLBACK, OOB])
    api = client(server, client_id=client_id, client_secret=client_secret)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    url = authorize_url(api, CALLBACK, scopes, state, challenge)

    answer = consent(server.base_url, url, member.username, member.password)
    code = code_from_redirect(answer, CALLBACK, state)

    # Mastodon.py's log_in(code=...) cannot send a code_verifier: exchange it ourselves.
    exchanged = token_request(
        server.base_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        client_id=client_id,
        client_secret=client_secret,
        code_verifier=verifier,
    )
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    assert body["token_type"].lower() == "bearer"
    assert set(body["scope"].split()) == set(scopes)
    assert exchanged.headers.get("cache-control") == "no-store"

    user_api = client(server, access_token=body["access_token"])
    assert user_api.account_verify_credentials().username == member.username

    # Replaying the code fails and revokes the token it produced (RFC 6749 §4.1.2).
    replay = token_request(
        server.base_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
        client_id=client_id,
        client_secret=client_secret,
        code_verifier=verifier,
    )
    assert replay.status_code == 400, replay.text
    assert replay.json()["error"] == "invalid_grant"
    with pytest.raises(MastodonUnauthorizedError):
        user_api.account_verify_credentials()


def test_authorization_code_with_pkce_out_of_band_and_public_client(server):
    """The oob page shows the code; a public client (no secret) redeems it with PKCE."""
    member = server.create_member()
    scopes = ["read"]
    client_id, client_secret, _ = server.create_app(scopes, redirect_uris=OOB)
    api = client(server, client_id=client_id, client_secret=client_secret)
    verifier, challenge = pkce_pair()
    url = authorize_url(api, OOB, scopes, "s1", challenge)
    code = code_from_oob_page(consent(server.base_url, url, member.username, member.password))

    exchanged = token_request(
        server.base_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=OOB,
        client_id=client_id,
        code_verifier=verifier,
    )
    assert exchanged.status_code == 200, exchanged.text
    user_api = client(server, access_token=exchanged.json()["access_token"])
    assert user_api.account_verify_credentials().username == member.username


def test_authorization_code_with_wrong_verifier_fails(server):
    member = server.create_member()
    scopes = ["read"]
    client_id, client_secret, _ = server.create_app(scopes, redirect_uris=OOB)
    api = client(server, client_id=client_id, client_secret=client_secret)
    verifier, challenge = pkce_pair()
    url = authorize_url(api, OOB, scopes, "s2", challenge)
    code = code_from_oob_page(consent(server.base_url, url, member.username, member.password))

    wrong_verifier, _ = pkce_pair()
    refused = token_request(
        server.base_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=OOB,
        client_id=client_id,
        client_secret=client_secret,
        code_verifier=wrong_verifier,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    assert "access_token" not in refused.json()

    # And a code issued with a challenge is never redeemed without the verifier.
    code2 = code_from_oob_page(consent(server.base_url, url, member.username, member.password))
    refused = token_request(
        server.base_url,
        grant_type="authorization_code",
        code=code2,
        redirect_uri=OOB,
        client_id=client_id,
        client_secret=client_secret,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"


def test_authorization_code_through_mastodon_py_log_in(server):
    """Without PKCE, Mastodon.py can do the whole code flow itself (with its secret)."""
    member = server.create_member()
    scopes = ["read", "write"]
    client_id, client_secret, _ = server.create_app(scopes, redirect_uris=OOB)
    api = client(server, client_id=client_id, client_secret=client_secret)
    url = api.auth_request_url(redirect_uris=OOB, scopes=scopes, state="xyz", allow_http=True)
    code = code_from_oob_page(consent(server.base_url, url, member.username, member.password))
    api.log_in(code=code, redirect_uri=OOB, scopes=scopes, allow_http=True)
    assert api.account_verify_credentials().username == member.username


def test_consent_page_deny_wrong_password_and_csrf(server):
    member = server.create_member()
    scopes = ["read"]
    client_id, client_secret, _ = server.create_app(scopes, redirect_uris=CALLBACK)
    api = client(server, client_id=client_id, client_secret=client_secret)
    url = authorize_url(api, CALLBACK, scopes, "st4te")

    denied = consent(server.base_url, url, member.username, member.password, decision="deny")
    assert denied.status_code in (302, 303), denied.text[:500]
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert query.get("error") == ["access_denied"] and query.get("state") == ["st4te"]
    assert "code" not in query

    wrong = consent(server.base_url, url, member.username, "not the password")
    assert wrong.status_code == 401, wrong.text[:500]
    assert "location" not in wrong.headers
    assert parse_page(wrong.text).error == "Wrong username or password."

    # A POST without the CSRF cookie is refused before any password check.
    page = requests.get(url, timeout=30)
    fields = parse_page(page.text).inputs
    fields.update(username=member.username, password=member.password, decision="approve")
    forged = requests.post(
        f"{server.base_url}/oauth/authorize", data=fields, timeout=30, allow_redirects=False
    )
    assert forged.status_code == 403, forged.text[:500]
    assert "location" not in forged.headers


# --------------------------------------------------------------------------------------
# 3. update_credentials
# --------------------------------------------------------------------------------------


def test_update_credentials(server):
    member = server.create_member()
    api = server.password_login(member, ["read", "write"])
    updated = api.account_update_credentials(
        display_name="Alice <Liddell>",
        note="Down the rabbit hole.\nhttps://example.org/wonderland & more",
        locked=True,
        bot=True,
        discoverable=False,
        fields=[("Pronouns", "she/her"), ("Site", "https://example.org/alice")],
    )
    assert updated.username == member.username
    assert updated.display_name == "Alice <Liddell>"
    assert updated.locked is True
    assert updated.bot is True
    assert updated.discoverable is False
    assert updated.note == (
        "<p>Down the rabbit hole.<br>"
        '<a href="https://example.org/wonderland" rel="nofollow noopener noreferrer" '
        'target="_blank">https://example.org/wonderland</a> &amp; more</p>'
    )
    assert updated.source.note == "Down the rabbit hole.\nhttps://example.org/wonderland & more"
    assert [(f.name, f.value) for f in updated.fields] == [
        ("Pronouns", "she/her"),
        (
            "Site",
            '<a href="https://example.org/alice" rel="nofollow noopener noreferrer" '
            'target="_blank">https://example.org/alice</a>',
        ),
    ]
    assert [(f.name, f.value) for f in updated.source.fields] == [
        ("Pronouns", "she/her"),
        ("Site", "https://example.org/alice"),
    ]

    # Mastodon.py 2.x spells source[privacy] as default_privacy.
    private = api.account_update_credentials(
        default_privacy="private", default_sensitive=True, default_language="de"
    )
    assert private.source.privacy == "private"
    assert private.source.sensitive is True
    assert private.source.language == "de"
    # A partial update leaves the rest alone.
    assert private.display_name == "Alice <Liddell>"
    assert private.locked is True

    # The change is stored, not just echoed.
    again = api.account_verify_credentials()
    assert again.display_name == "Alice <Liddell>"
    assert again.source.privacy == "private"
    assert again.source.note == updated.source.note
    public = client(server).account(again.id)
    assert public.note == updated.note
    assert public.locked is True
    assert public.get("source") is None  # Mastodon.py fills absent keys with None

    # Mastodon.py sends False as '0'; that must read as false, not as "present".
    relaxed = api.account_update_credentials(locked=False, bot=False)
    assert relaxed.locked is False and relaxed.bot is False
    assert len(relaxed.fields) == 2  # untouched


def test_update_credentials_rejects_invalid_values(server):
    member = server.create_member()
    api = server.password_login(member, ["write:accounts", "read:accounts"])
    with pytest.raises(MastodonAPIError) as raised:
        api.account_update_credentials(default_privacy="everyone")
    assert api_error_status(raised.value) == 422
    with pytest.raises(MastodonAPIError) as raised:
        api.account_update_credentials(display_name="x" * 31)
    assert api_error_status(raised.value) == 422
    with pytest.raises(MastodonAPIError) as raised:
        api.account_update_credentials(fields=[(f"n{i}", "v") for i in range(5)])
    assert api_error_status(raised.value) == 422
    # Nothing was half-applied.
    me = api.account_verify_credentials()
    assert me.source.privacy == "public" and me.display_name == "" and me.fields == []


# --------------------------------------------------------------------------------------
# 4. instance
# --------------------------------------------------------------------------------------


def test_instance(server, alice):
    api = client(server)
    v2 = api.instance_v2()
    assert "Hamlet" in v2.version
    assert v2.version.startswith("4.")
    assert v2.configuration.statuses.max_characters == 5000
    assert v2.domain == f"127.0.0.1:{server.port}"

    # Mastodon.py asks for /api/v1/instance/ with a trailing slash.
    v1 = api.instance_v1()
    assert "Hamlet" in v1.version
    assert v1.uri == f"127.0.0.1:{server.port}"
    assert v1.configuration.statuses.max_characters == 5000
    assert v1.stats.user_count >= 1

    # instance() picks v1 or v2 from the version it reads; either way it must work.
    picked = api.instance()
    assert "Hamlet" in picked.version

    # Mastodon.py's version parsing understands our compatibility claim, and finds the
    # API version it expects of a 4.3 server (it warns about a 4.3 server without one).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        version = api.retrieve_mastodon_version(fail_hard=True)
    assert v2.version.startswith(version + " "), (version, v2.version)
    assert api.verify_minimum_version("4.3.0", cached=True)
    assert api.mastodon_api_version >= 2


# --------------------------------------------------------------------------------------
# 5. accounts
# --------------------------------------------------------------------------------------


def test_account_and_lookup(server, alice):
    api = server.password_login(alice, ["read"])
    me = api.account_verify_credentials()

    shown = api.account(me.id)
    assert shown.id == me.id and shown.username == "alice" and shown.acct == "alice"
    assert shown.get("source") is None

    looked_up = api.account_lookup("alice")
    assert looked_up.id == me.id
    assert api.account_lookup("@alice").id == me.id
    assert api.account_lookup(f"alice@127.0.0.1:{server.port}").id == me.id

    # Public without a token, as on Mastodon.
    anonymous = client(server)
    assert anonymous.account(me.id).username == "alice"
    assert anonymous.account_lookup("alice").id == me.id

    with pytest.raises(MastodonNotFoundError):
        api.account(999999999999)
    with pytest.raises(MastodonNotFoundError):
        api.account("not-an-id")
    with pytest.raises(MastodonNotFoundError):
        api.account_lookup("nobody_here")


# --------------------------------------------------------------------------------------
# 6. revocation
# --------------------------------------------------------------------------------------


def test_revoke_access_token(server):
    member = server.create_member()
    api = server.password_login(member, ["read"])
    token = api.access_token
    assert api.account_verify_credentials().username == member.username
    api.revoke_access_token(allow_http=True)
    assert api.access_token is None

    revoked = client(server, access_token=token)
    with pytest.raises(MastodonUnauthorizedError):
        revoked.account_verify_credentials()
    # A revoked token presented on a public endpoint is still refused, not ignored.
    with pytest.raises(MastodonUnauthorizedError):
        revoked.account_lookup(member.username)


# --------------------------------------------------------------------------------------
# 7. scopes
# --------------------------------------------------------------------------------------


def test_read_token_cannot_write(server):
    member = server.create_member()
    api = server.password_login(member, ["read"])
    with pytest.raises(MastodonAPIError) as raised:
        api.account_update_credentials(display_name="Not allowed")
    assert not isinstance(raised.value, MastodonUnauthorizedError)
    assert api_error_status(raised.value) == 403
    assert api_error_message(raised.value) == "This action is outside the authorized scopes"
    assert api.account_verify_credentials().display_name == ""


def test_profile_scope_is_enough_for_verify_credentials(server):
    member = server.create_member()
    api = server.password_login(member, ["profile"])
    assert api.account_verify_credentials().username == member.username
    # ...but profile is not read:accounts.
    with pytest.raises(MastodonAPIError) as raised:
        api.account_lookup(member.username)
    assert api_error_status(raised.value) == 403


def test_granular_write_accounts_scope(server):
    member = server.create_member()
    api = server.password_login(member, ["read:accounts", "write:accounts"])
    assert api.account_update_credentials(display_name="Granular").display_name == "Granular"


def test_token_cannot_exceed_app_scopes(server):
    member = server.create_member()
    client_id, client_secret, _ = server.create_app(["read"])
    api = client(server, client_id=client_id, client_secret=client_secret)
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(
            username=member.username,
            password=member.password,
            scopes=["read", "write"],
            allow_http=True,
        )
    assert "invalid_scope" in str(raised.value)


# --------------------------------------------------------------------------------------
# 8. suspension through the CLI
# --------------------------------------------------------------------------------------


def test_suspension(server):
    member = server.create_member()
    api = server.password_login(member, ["read"])
    me = api.account_verify_credentials()

    done = server.cli("admin", "user", "suspend", member.username)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"@{member.username} is suspended"
    listed = server.cli("admin", "user", "list", "--suspended")
    assert listed.returncode == 0, listed.stderr
    assert f"{member.username}\tmember\tsuspended" in listed.stdout.splitlines()

    # Suspension signs the member out (tokens deleted: 401) or refuses them (403).
    with pytest.raises(MastodonAPIError) as raised:
        api.account_verify_credentials()
    assert api_error_status(raised.value) in (401, 403), raised.value.args

    with pytest.raises(MastodonIllegalArgumentError) as raised:
        server.password_login(member, ["read"])
    assert "invalid_grant" in str(raised.value)

    # The public profile shows the suspension and nothing of the profile.
    shown = client(server).account(me.id)
    assert shown.suspended is True

    done = server.cli("admin", "user", "unsuspend", member.username)
    assert done.returncode == 0, done.stderr
    assert server.password_login(member, ["read"]).account_verify_credentials().id == me.id


def test_set_password_signs_out_everywhere(server):
    member = server.create_member()
    api = server.password_login(member, ["read"])
    done = server.cli(
        "admin", "user", "set-password", member.username, "--password-stdin",
        stdin="a brand new password\n",
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(MastodonUnauthorizedError):
        api.account_verify_credentials()
    with pytest.raises(MastodonIllegalArgumentError):
        server.password_login(member, ["read"])
    member.password = "a brand new password"
    assert server.password_login(member, ["read"]).account_verify_credentials()


def _pending_code(server, member, scopes=("read",)):
    """An authorization code the member approved but the app has not redeemed yet."""
    client_id, client_secret, _ = server.create_app(list(scopes), redirect_uris=OOB)
    api = client(server, client_id=client_id, client_secret=client_secret)
    url = api.auth_request_url(
        redirect_uris=OOB, scopes=list(scopes), state="pending", allow_http=True
    )
    code = code_from_oob_page(consent(server.base_url, url, member.username, member.password))
    return api, code


def test_suspension_voids_pending_authorization_codes(server):
    """"Suspend: they are signed out and cannot sign in" covers a code approved a moment
    before the suspension: redeeming it afterwards must not mint a token."""
    member = server.create_member()
    api, code = _pending_code(server, member)
    assert server.cli("admin", "user", "suspend", member.username).returncode == 0
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(code=code, redirect_uri=OOB, scopes=["read"], allow_http=True)
    assert "invalid_grant" in str(raised.value)
    # Nor may it come back to life when the suspension is lifted.
    assert server.cli("admin", "user", "unsuspend", member.username).returncode == 0
    with pytest.raises(MastodonIllegalArgumentError):
        api.log_in(code=code, redirect_uri=OOB, scopes=["read"], allow_http=True)


def test_set_password_voids_pending_authorization_codes(server):
    """"set-password ... signs the member out everywhere": a code approved with the old
    password (by whoever knew it) must not be redeemable after the change."""
    member = server.create_member()
    api, code = _pending_code(server, member)
    done = server.cli(
        "admin", "user", "set-password", member.username, "--password-stdin",
        stdin="a brand new password\n",
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(code=code, redirect_uri=OOB, scopes=["read"], allow_http=True)
    assert "invalid_grant" in str(raised.value)


# --------------------------------------------------------------------------------------
# 9. bad input through the client
# --------------------------------------------------------------------------------------


def test_wrong_password_fails(server):
    member = server.create_member()
    client_id, client_secret, _ = server.create_app(["read"])
    api = client(server, client_id=client_id, client_secret=client_secret)
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(
            username=member.username, password="wrong password!", scopes=["read"], allow_http=True
        )
    assert "400" in str(raised.value) and "invalid_grant" in str(raised.value)
    assert api.access_token is None
    with pytest.raises(MastodonIllegalArgumentError):
        api.log_in(username="nobody_at_all", password=PASSWORD, scopes=["read"], allow_http=True)


def test_unknown_client_fails(server):
    member = server.create_member()
    api = client(server, client_id="no-such-client", client_secret="no-such-secret")
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(
            username=member.username, password=member.password, scopes=["read"], allow_http=True
        )
    assert "401" in str(raised.value) and "invalid_client" in str(raised.value)

    # A known client with a wrong secret is no better.
    client_id, _, _ = server.create_app(["read"])
    api = client(server, client_id=client_id, client_secret="wrong secret")
    with pytest.raises(MastodonIllegalArgumentError) as raised:
        api.log_in(
            username=member.username, password=member.password, scopes=["read"], allow_http=True
        )
    assert "invalid_client" in str(raised.value)

    # The consent page refuses an unknown client outright, without redirecting.
    page = requests.get(
        f"{server.base_url}/oauth/authorize",
        params={"response_type": "code", "client_id": "nope", "redirect_uri": OOB},
        timeout=30,
        allow_redirects=False,
    )
    assert page.status_code == 400
    assert "location" not in page.headers


def test_garbage_token_is_refused(server):
    api = client(server, access_token="this-is-not-a-token")
    with pytest.raises(MastodonUnauthorizedError):
        api.account_verify_credentials()


# --------------------------------------------------------------------------------------
# the CLI's contract, as the fixtures rely on it
# --------------------------------------------------------------------------------------


def test_cli_exit_codes(server):
    name = server.unique_name("cli")
    server.create_member(name)
    duplicate = server.cli("admin", "user", "create", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert duplicate.returncode == 4, (duplicate.stdout, duplicate.stderr)
    missing = server.cli("admin", "user", "suspend", "no_such_member")
    assert missing.returncode == 3, (missing.stdout, missing.stderr)
    invalid = server.cli("admin", "user", "create", "bad-name!", "--password-stdin", stdin=PASSWORD + "\n")
    assert invalid.returncode == 2, (invalid.stdout, invalid.stderr)
    short = server.cli("admin", "user", "create", server.unique_name("cli"), "--password-stdin", stdin="short\n")
    assert short.returncode == 2, (short.stdout, short.stderr)
    role = server.cli("admin", "user", "set-role", name, "moderator")
    assert role.returncode == 0, role.stderr
    listed = server.cli("admin", "user", "list", "--role", "moderator")
    assert f"{name}\tmoderator\tactive" in listed.stdout.splitlines()


def test_server_runs_on_the_requested_database(server, alice):
    """The PostgreSQL pass must really be on PostgreSQL (and the SQLite pass on SQLite)."""
    checked = server.cli("config", "check")
    assert checked.returncode == 0, checked.stderr
    line = next(l for l in checked.stdout.splitlines() if l.startswith("database.url = "))
    sqlite_file = server.workdir / "hamlet-data" / "hamlet.db"
    if server.database_url:
        assert line.startswith("database.url = postgres"), line
        assert not sqlite_file.exists()
    else:
        assert line.startswith("database.url = sqlite:"), line
        assert sqlite_file.is_file()
