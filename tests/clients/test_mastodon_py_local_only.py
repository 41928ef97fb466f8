"""Local-only posts (for this community alone) as Mastodon.py sees them: the ways apps ask
for one, what the answers and later reads say, who may see them, and how replies,
boosts, edits and the member's default keep them local.

What Mastodon.py 2.3.3 cannot express. `status_post` has a fixed signature (no
`**kwargs`): its helper builds the form from its own named parameters only, and it
refuses any visibility other than public/unlisted/private/direct with a ValueError before
sending anything. `account_update_credentials` likewise maps only four `source[...]`
keys (privacy, sensitive, language, quote_policy). So `local_only=...`, `federated=...`,
`visibility=local` and `source[local_only]` cannot go through it; those requests (and
only those) are sent with `requests`, with the member's own token, as the PKCE requests
in test_mastodon_py.py are, and every read and every other write goes back to
Mastodon.py. The `:local_only:` marker needs nothing special: it is just text, which is
why Hometown invented it for apps without a toggle.

This module runs a server of its own with the community timeline open to anonymous
visitors (closed by default, see test_mastodon_py_social.py), so that "anonymous readers
do not find local-only posts in the public timelines" is shown next to a federated post
they do find, not inferred from a 422.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
import requests
from mastodon import Mastodon, MastodonNotFoundError

from conftest import client, running_server

SCOPES = ["read", "write"]
MARKER = ":local_only:"


@pytest.fixture(scope="module")
def hamlet(request, tmp_path_factory):
    """A server for this module alone (its own SQLite file or PostgreSQL schema), with
    the community timeline readable without signing in."""
    extra_env = {"HAMLET_INSTANCE_PUBLIC_LOCAL_TIMELINE": "true"}
    workdir = tmp_path_factory.mktemp("hamlet-local-only")
    with running_server(request, workdir, extra_env, pg_schema="local_only") as server:
        yield server


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def sid(value) -> str:
    """An id (or an entity with one) as the string the server sent."""
    if isinstance(value, dict):
        value = value["id"]
    return str(value)


def ids(items) -> list[str]:
    return [sid(item) for item in items]


def word(prefix: str = "w") -> str:
    """A word no other test will ever post (letters only: it must also be a hashtag)."""
    return prefix + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


@dataclass
class Person:
    username: str
    api: Mastodon
    id: str


def person(server, prefix: str = "lo") -> Person:
    member = server.create_member(server.unique_name(prefix))
    api = server.password_login(member, SCOPES)
    me = api.account_verify_credentials()
    assert me.username == member.username
    return Person(username=member.username, api=api, id=sid(me))


def raw_request(who: Person, method: str, path: str, **kwargs) -> requests.Response:
    """A request Mastodon.py cannot make (see the module docstring), with the member's
    token from their Mastodon.py client."""
    return requests.request(
        method,
        who.api.api_base_url + path,
        headers={"Authorization": f"Bearer {who.api.access_token}"},
        timeout=30,
        **kwargs,
    )


def raw_post(who: Person, *, json: dict | None = None, **form) -> requests.Response:
    """POST /api/v1/statuses with parameters Mastodon.py cannot send: form-encoded (as
    Mastodon.py sends its own posts), or JSON (as Hometown's web app does)."""
    if json is not None:
        assert not form, "one body at a time"
        return raw_request(who, "POST", "/api/v1/statuses", json=json)
    return raw_request(who, "POST", "/api/v1/statuses", data=form)


def extended_post(who: Person, *, json: dict | None = None, **form) -> dict:
    """raw_post, which must succeed; the Status entity as JSON."""
    response = raw_post(who, json=json, **form)
    assert response.status_code == 200, (
        f"POST /api/v1/statuses {json or form}: {response.status_code} {response.text[:500]}"
    )
    return response.json()


def set_default_locality(who: Person, value: str) -> dict:
    """PATCH update_credentials with `source[local_only]` ("true", "false", or "" for
    the community's default), which Mastodon.py's account_update_credentials cannot
    send; the CredentialAccount as JSON."""
    response = raw_request(
        who, "PATCH", "/api/v1/accounts/update_credentials", data={"source[local_only]": value}
    )
    assert response.status_code == 200, f"{response.status_code} {response.text[:500]}"
    return response.json()


def assert_hidden_from_anonymous(server, status_id) -> None:
    """A local-only post does not exist for a visitor who is not signed in."""
    anonymous = client(server)
    with pytest.raises(MastodonNotFoundError):
        anonymous.status(status_id)
    with pytest.raises(MastodonNotFoundError):
        anonymous.status_context(status_id)


# --------------------------------------------------------------------------------------
# 1. what the instance says
# --------------------------------------------------------------------------------------


def test_instance_advertises_local_only_posts(hamlet):
    anonymous = client(hamlet)
    for instance in (anonymous.instance_v2(), anonymous.instance_v1()):
        statuses = instance.configuration.statuses
        assert statuses.local_only is True, statuses
        # No community setting was changed on this server: posts federate by default.
        assert statuses.default_local_only is False, statuses


# --------------------------------------------------------------------------------------
# 2. asking for a local-only post
# --------------------------------------------------------------------------------------


def test_every_way_of_asking_makes_a_local_only_post(hamlet):
    author, friend = person(hamlet), person(hamlet)

    # Mastodon.py's own post, nothing asked: federated, and the answer has no
    # unreached_mentions (that field is for local-only posts only).
    federated = author.api.status_post("a post for everyone")
    assert federated.local_only is False
    assert "unreached_mentions" not in federated
    assert author.api.status(federated.id).local_only is False

    asked = {
        # Hometown / GoToSocial, form-encoded.
        "local_only=true": extended_post(
            author, status="asked with local_only", local_only="true"
        ),
        # Old GoToSocial, as a JSON body.
        "federated=false": extended_post(
            author, json={"status": "asked with federated", "federated": False}
        ),
        # Akkoma / Pleroma: stored as a public post that is local-only.
        "visibility=local": extended_post(
            author, status="asked with visibility", visibility="local"
        ),
    }
    # The marker, through Mastodon.py itself: in the text, or in the content warning.
    in_text = author.api.status_post(f"marked {MARKER} in the text @{friend.username}")
    in_spoiler = author.api.status_post("marked in the warning", spoiler_text=f"cw {MARKER}")

    for how, answer in asked.items():
        assert answer["local_only"] is True, (how, answer)
        assert answer["visibility"] == "public", (how, answer)
        assert answer["unreached_mentions"] == [], (how, answer)
    for answer in (in_text, in_spoiler):
        assert answer.local_only is True, answer
        assert answer.visibility == "public", answer
    # A mention of a member of this community is reached: only accounts of other
    # servers would be listed.
    assert [sid(m) for m in in_text.mentions] == [friend.id]
    assert in_text.unreached_mentions == []

    local_ids = [sid(a) for a in asked.values()] + [sid(in_text), sid(in_spoiler)]
    for status_id in local_ids:
        # Read back through Mastodon.py, by the author and by another member.
        assert author.api.status(status_id).local_only is True
        seen = friend.api.status(status_id)
        assert seen.local_only is True and seen.visibility == "public"
    # In lists too: the author's profile as another member reads it.
    profile = friend.api.account_statuses(author.id)
    assert ids(profile) == list(reversed([sid(federated)] + local_ids))
    assert [s.local_only for s in profile] == [True] * len(local_ids) + [False]


def test_the_marker_is_removed_from_what_is_stored(hamlet):
    author = person(hamlet)
    in_text = author.api.status_post(f"hello {MARKER} world")
    assert in_text.local_only is True
    assert MARKER not in in_text.content and "hello world" in in_text.content
    assert author.api.status_source(in_text.id).text == "hello world"
    assert MARKER not in author.api.status(in_text.id).content

    # At the start of the text, on a line of its own.
    on_its_own = author.api.status_post(f"{MARKER}\nfirst line\nsecond line")
    assert on_its_own.local_only is True
    assert author.api.status_source(on_its_own.id).text == "first line\nsecond line"

    in_spoiler = author.api.status_post("the body", spoiler_text=f"{MARKER} spoilers ahead")
    assert in_spoiler.local_only is True
    assert in_spoiler.spoiler_text == "spoilers ahead"
    source = author.api.status_source(in_spoiler.id)
    assert source.text == "the body" and source.spoiler_text == "spoilers ahead"

    history = author.api.status_history(in_text.id)
    assert all(MARKER not in version.content for version in history), history


def test_contradicting_parameters_are_refused(hamlet):
    author = person(hamlet)
    contradictions = [
        {"status": "x", "local_only": "true", "federated": "true"},
        {"status": "x", "local_only": "false", "federated": "false"},
        {"status": "x", "visibility": "local", "local_only": "false"},
        {"status": "x", "visibility": "local", "federated": "true"},
    ]
    for form in contradictions:
        response = raw_post(author, **form)
        assert response.status_code == 422, (form, response.status_code, response.text[:300])
        assert "error" in response.json(), response.text[:300]
    response = raw_post(author, json={"status": "x", "local_only": True, "federated": True})
    assert response.status_code == 422, (response.status_code, response.text[:300])
    # Nothing was posted.
    assert author.api.account_statuses(author.id) == []

    # All three saying the same thing is fine.
    agreed = extended_post(
        author, status="all agree", local_only="true", federated="false", visibility="local"
    )
    assert agreed["local_only"] is True and agreed["visibility"] == "public"
    # And so is an explicit "federated" in both spellings.
    plain = extended_post(author, status="federated, twice", local_only="false", federated="true")
    assert plain["local_only"] is False
    assert "unreached_mentions" not in plain
    assert ids(author.api.account_statuses(author.id)) == [plain["id"], agreed["id"]]


# --------------------------------------------------------------------------------------
# 3. anonymous visitors
# --------------------------------------------------------------------------------------


def test_anonymous_visitors_never_see_local_only_posts(hamlet):
    author, member = person(hamlet), person(hamlet)
    tag = word("lo")
    federated = author.api.status_post(f"for everyone #{tag}")
    local = extended_post(author, status=f"for us #{tag}", local_only="true")
    marked = author.api.status_post(f"also for us #{tag} {MARKER}")
    # A local-only reply in a federated thread.
    local_reply = extended_post(
        author, status="a local-only reply", in_reply_to_id=sid(federated), local_only="true"
    )
    local_ids = [sid(local), sid(marked), sid(local_reply)]
    everything = list(reversed([sid(federated)] + local_ids))

    anonymous = client(hamlet)

    # Single posts and their threads: 404, as for a post that does not exist.
    assert sid(anonymous.status(federated.id)) == sid(federated)
    assert anonymous.status(federated.id).local_only is False
    for status_id in local_ids:
        assert_hidden_from_anonymous(hamlet, status_id)
        with pytest.raises(MastodonNotFoundError):
            anonymous.status_history(status_id)
        with pytest.raises(MastodonNotFoundError):
            anonymous.status_favourited_by(status_id)
        with pytest.raises(MastodonNotFoundError):
            anonymous.status_reblogged_by(status_id)
    with pytest.raises(MastodonNotFoundError):
        anonymous.status("99999999999999999")  # ...which is what "does not exist" says

    # The federated post's thread: the local-only reply is left out for visitors.
    assert anonymous.status_context(federated.id).descendants == []
    assert ids(member.api.status_context(federated.id).descendants) == [sid(local_reply)]

    # The author's profile.
    assert ids(anonymous.account_statuses(author.id)) == [sid(federated)]
    assert ids(member.api.account_statuses(author.id)) == everything

    # The community, federated and hashtag timelines (open to visitors on this server).
    for timeline in (
        anonymous.timeline_local(),
        anonymous.timeline_public(),
        anonymous.timeline_hashtag(tag),
    ):
        shown = ids(timeline)
        assert sid(federated) in shown
        for status_id in local_ids:
            assert status_id not in shown
    assert ids(anonymous.timeline_hashtag(tag)) == [sid(federated)]
    # ...while members see them there.
    assert ids(member.api.timeline_hashtag(tag)) == [sid(marked), sid(local), sid(federated)]
    member_local = ids(member.api.timeline_local())
    assert sid(local) in member_local and sid(marked) in member_local

    # A post's own URL pasted into search finds nothing for visitors.
    found = anonymous.search_v2(federated.url, resolve=False)
    assert ids(found.statuses) == [sid(federated)]
    for status in (local, marked):
        found = anonymous.search_v2(status["url"], resolve=False)
        assert found.statuses == [], found
    found = member.api.search_v2(local["url"], resolve=False)
    assert ids(found.statuses) == [sid(local)]


# --------------------------------------------------------------------------------------
# 4. replies, boosts, edits: locality is inherited and kept
# --------------------------------------------------------------------------------------


def test_a_reply_to_a_local_only_post_is_local_only(hamlet):
    author, replier = person(hamlet), person(hamlet)
    parent = author.api.status_post(f"a local-only thread {MARKER}")
    assert parent.local_only is True

    # Mastodon.py's plain reply: nothing asked, local-only anyway.
    plain = replier.api.status_post(f"@{author.username} a reply", in_reply_to_id=parent.id)
    assert plain.local_only is True
    assert plain.unreached_mentions == []
    # Asking for a federated reply, in every spelling, still makes a local-only one.
    insisted = [
        extended_post(
            replier, status="federate me", in_reply_to_id=sid(parent), local_only="false"
        ),
        extended_post(
            replier, status="federate me", in_reply_to_id=sid(parent), federated="true"
        ),
        extended_post(
            replier,
            json={"status": "federate me", "in_reply_to_id": sid(parent), "local_only": False},
        ),
    ]
    for answer in insisted:
        assert answer["local_only"] is True, answer
        assert answer["in_reply_to_id"] == sid(parent)

    reply_ids = [sid(plain)] + [sid(a) for a in insisted]
    for status_id in reply_ids:
        assert replier.api.status(status_id).local_only is True
        assert_hidden_from_anonymous(hamlet, status_id)
    # A reply to the reply, deeper in the thread, is local-only too.
    deeper = author.api.status_post("deeper", in_reply_to_id=plain.id)
    assert deeper.local_only is True
    # (Compared as sets: the order of branches in a thread is not what this is about.)
    thread = author.api.status_context(parent.id).descendants
    assert sorted(ids(thread)) == sorted(reply_ids + [sid(deeper)])
    assert all(s.local_only is True for s in thread)

    # A reply to a federated post federates unless asked otherwise.
    open_parent = author.api.status_post("a federated thread")
    assert replier.api.status_post("a reply", in_reply_to_id=open_parent.id).local_only is False


def test_a_boost_of_a_local_only_post_is_local_only(hamlet):
    author, booster = person(hamlet), person(hamlet)
    local = author.api.status_post(f"boost me, locally {MARKER}")
    federated = author.api.status_post("boost me, everywhere")

    boost = booster.api.status_reblog(local.id)
    assert sid(boost.reblog) == sid(local)
    assert boost.local_only is True and boost.reblog.local_only is True
    open_boost = booster.api.status_reblog(federated.id)
    assert open_boost.local_only is False and open_boost.reblog.local_only is False

    # Members see both boosts on the booster's profile; visitors only the federated one.
    assert ids(booster.api.account_statuses(booster.id)) == [sid(open_boost), sid(boost)]
    anonymous = client(hamlet)
    assert ids(anonymous.account_statuses(booster.id)) == [sid(open_boost)]
    assert_hidden_from_anonymous(hamlet, boost.id)


def test_an_edit_never_changes_locality(hamlet):
    author, reader = person(hamlet), person(hamlet)
    local = extended_post(author, status="local, first version", local_only="true")
    federated = author.api.status_post("federated, first version")

    # Editing through Mastodon.py: the local-only post stays local-only, and the answer
    # to the edit says who it does not reach.
    edited = author.api.status_update(
        local["id"], status=f"local, second version @{reader.username}"
    )
    assert edited.local_only is True
    assert edited.unreached_mentions == []
    assert "second version" in edited.content and edited.edited_at is not None
    assert reader.api.status(local["id"]).local_only is True
    assert_hidden_from_anonymous(hamlet, local["id"])

    # A marker in an edit does not make a federated post local-only; it is still
    # removed from the text.
    edited = author.api.status_update(federated.id, status=f"federated, second version {MARKER}")
    assert edited.local_only is False
    assert "unreached_mentions" not in edited
    assert MARKER not in edited.content and "second version" in edited.content
    assert author.api.status_source(federated.id).text == "federated, second version"
    shown = client(hamlet).status(federated.id)
    assert shown.local_only is False and "second version" in shown.content

    # Both are edits in the history, not new posts.
    assert len(author.api.status_history(local["id"])) == 2
    assert len(author.api.status_history(federated.id)) == 2
    assert ids(author.api.account_statuses(author.id)) == [sid(federated), local["id"]]


# --------------------------------------------------------------------------------------
# 5. the member's default
# --------------------------------------------------------------------------------------


def test_the_members_default_locality(hamlet):
    member = person(hamlet)

    me = member.api.account_verify_credentials()
    assert me.source.local_only is False
    assert me.source.community_local_only is False
    assert member.api.preferences()["posting:default:local_only"] is False

    updated = set_default_locality(member, "true")
    assert updated["source"]["local_only"] is True
    assert updated["source"]["community_local_only"] is False
    me = member.api.account_verify_credentials()
    assert me.source.local_only is True
    assert member.api.preferences()["posting:default:local_only"] is True

    # A plain Mastodon.py post now is local-only; an explicit choice still wins.
    by_default = member.api.status_post("local by default")
    assert by_default.local_only is True
    assert by_default.unreached_mentions == []
    assert member.api.status(by_default.id).local_only is True
    assert_hidden_from_anonymous(hamlet, by_default.id)
    chosen = extended_post(member, status="federated by choice", local_only="false")
    assert chosen["local_only"] is False

    # Changing other defaults through Mastodon.py keeps this one.
    updated = member.api.account_update_credentials(default_privacy="unlisted")
    assert updated.source.privacy == "unlisted"
    assert updated.source.local_only is True
    assert member.api.preferences()["posting:default:local_only"] is True
    unlisted = member.api.status_post("unlisted and local by default")
    assert unlisted.visibility == "unlisted" and unlisted.local_only is True

    # Explicitly federated, then back to the community's default (federated here).
    assert set_default_locality(member, "false")["source"]["local_only"] is False
    assert member.api.status_post("federated again").local_only is False
    set_default_locality(member, "true")
    updated = set_default_locality(member, "")
    assert updated["source"]["local_only"] is False
    assert member.api.account_verify_credentials().source.local_only is False
    assert member.api.preferences()["posting:default:local_only"] is False
    assert member.api.status_post("community default").local_only is False
