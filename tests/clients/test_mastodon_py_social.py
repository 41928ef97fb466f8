"""Posting and the social graph, as Mastodon.py sees them: statuses in every visibility,
replies, edits, interactions, follows (open and locked accounts), mutes and blocks,
timelines and their pagination, notifications and markers, search, preferences.

Every test makes its own members (unique names: the server is shared by the session),
so that what a timeline or a notification list holds is known exactly.

Ids: depending on the version, Mastodon.py may hand ids back as str or int; every
comparison below goes through `sid()`.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError
from mastodon.errors import MastodonWarning

from conftest import client

SCOPES = ["read", "write"]


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


def api_error_status(error: MastodonAPIError) -> int:
    """Mastodon.py raises MastodonAPIError('Mastodon API returned error', status,
    reason, error_message)."""
    assert len(error.args) >= 4, f"unexpected MastodonAPIError shape: {error.args!r}"
    return error.args[1]


def word(prefix: str = "w") -> str:
    """A word no other test will ever post (letters only: it must also be a hashtag)."""
    return prefix + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


@dataclass
class Person:
    username: str
    api: Mastodon
    id: str


def person(server, prefix: str = "soc") -> Person:
    member = server.create_member(server.unique_name(prefix))
    api = server.password_login(member, SCOPES)
    me = api.account_verify_credentials()
    assert me.username == member.username
    return Person(username=member.username, api=api, id=sid(me))


def follow(a: Person, b: Person) -> None:
    """a follows b (b's account is open)."""
    relationship = a.api.account_follow(b.id)
    assert sid(relationship) == b.id
    assert relationship.following is True, relationship
    assert relationship.requested is False, relationship


def relationship(a: Person, b: Person):
    found = a.api.account_relationships([b.id])
    assert len(found) == 1 and sid(found[0]) == b.id, found
    return found[0]


def collect_pages(api: Mastodon, first_page, max_pages: int = 20) -> list[list[str]]:
    """Follows Mastodon.py's fetch_next (the Link header's rel="next") to the end."""
    pages = []
    page = first_page
    while page:
        pages.append(ids(page))
        assert len(pages) <= max_pages, f"pagination never ends: {pages}"
        page = api.fetch_next(page)
    return pages


# --------------------------------------------------------------------------------------
# 1. posting: visibility, replies, spoilers, language, idempotency, delete
# --------------------------------------------------------------------------------------


def test_post_in_every_visibility_and_who_may_see_it(server):
    author, follower, stranger = person(server), person(server), person(server)
    follow(follower, author)
    tag = word("vis")

    public = author.api.status_post(f"public #{tag}", visibility="public")
    unlisted = author.api.status_post(f"unlisted #{tag}", visibility="unlisted")
    private = author.api.status_post(f"followers only #{tag}", visibility="private")
    direct = author.api.status_post(f"@{follower.username} just for you #{tag}", visibility="direct")

    assert public.visibility == "public"
    assert unlisted.visibility == "unlisted"
    assert private.visibility == "private"
    assert direct.visibility == "direct"
    for status in (public, unlisted, private, direct):
        assert sid(status.account) == author.id
        assert status.account.username == author.username
        assert status.url and status.uri
        assert status.reblog is None
        assert status.in_reply_to_id is None
    assert "public" in public.content
    assert [sid(m) for m in direct.mentions] == [follower.id]
    assert direct.mentions[0].username == follower.username

    # The author sees everything.
    for status in (public, unlisted, private, direct):
        assert sid(author.api.status(status.id)) == sid(status)

    # A follower sees the private post; the direct post mentions them, so that too.
    for status in (public, unlisted, private, direct):
        seen = follower.api.status(status.id)
        assert sid(seen) == sid(status) and seen.visibility == status.visibility

    # A stranger sees public and unlisted posts only.
    assert sid(stranger.api.status(public.id)) == sid(public)
    assert sid(stranger.api.status(unlisted.id)) == sid(unlisted)
    with pytest.raises(MastodonNotFoundError):
        stranger.api.status(private.id)
    with pytest.raises(MastodonNotFoundError):
        stranger.api.status(direct.id)

    # Anonymous visitors, likewise.
    anonymous = client(server)
    assert sid(anonymous.status(public.id)) == sid(public)
    with pytest.raises(MastodonNotFoundError):
        anonymous.status(private.id)
    with pytest.raises(MastodonNotFoundError):
        anonymous.status(direct.id)

    # Home timelines: the follower has the followed member's posts, private included,
    # and (as on Mastodon) the direct post that mentions them; the stranger has none.
    follower_home = ids(follower.api.timeline_home())
    for status in (public, unlisted, private, direct):
        assert sid(status) in follower_home
    stranger_home = ids(stranger.api.timeline_home())
    for status in (public, unlisted, private, direct):
        assert sid(status) not in stranger_home

    # Public timelines and the hashtag timeline show the public post only.
    for timeline in (
        stranger.api.timeline_public(),
        stranger.api.timeline_local(),
        stranger.api.timeline_hashtag(tag),
        follower.api.timeline_hashtag(tag),
    ):
        shown = ids(timeline)
        assert sid(public) in shown
        for status in (unlisted, private, direct):
            assert sid(status) not in shown

    # The author's profile: the stranger sees public and unlisted posts, the follower
    # also the private one and (as on Mastodon) the direct post that mentions them.
    stranger_view = ids(stranger.api.account_statuses(author.id))
    assert sid(public) in stranger_view and sid(unlisted) in stranger_view
    assert sid(private) not in stranger_view and sid(direct) not in stranger_view
    follower_view = ids(follower.api.account_statuses(author.id))
    assert follower_view == [sid(direct), sid(private), sid(unlisted), sid(public)]


def test_direct_post_is_seen_only_by_the_mentioned_member(server):
    author, mentioned, other_follower = person(server), person(server), person(server)
    follow(other_follower, author)
    direct = author.api.status_post(
        f"@{mentioned.username} a secret", visibility="direct"
    )
    assert sid(mentioned.api.status(direct.id)) == sid(direct)
    # Following the author is not enough for a direct post.
    with pytest.raises(MastodonNotFoundError):
        other_follower.api.status(direct.id)
    assert sid(direct) not in ids(other_follower.api.timeline_home())
    with pytest.raises(MastodonNotFoundError):
        other_follower.api.status_context(direct.id)
    # The mention notified the mentioned member.
    mentions = mentioned.api.notifications(types=["mention"])
    assert [sid(n.status) for n in mentions] == [sid(direct)]
    assert mentions[0].status.visibility == "direct"


def test_reply_spoiler_language_idempotency_and_context(server):
    alice_ish, bob_ish = person(server), person(server)
    follow(bob_ish, alice_ish)

    parent = alice_ish.api.status_post(
        "The parent post",
        visibility="public",
        spoiler_text="a content warning",
        language="de",
    )
    assert parent.spoiler_text == "a content warning"
    assert parent.language == "de"
    # Mastodon marks a post with a content warning as sensitive.
    assert parent.sensitive is True

    key = secrets.token_hex(8)
    reply = bob_ish.api.status_post(
        f"@{alice_ish.username} a reply", in_reply_to_id=parent.id, idempotency_key=key
    )
    assert sid(reply.in_reply_to_id) == sid(parent)
    assert sid(reply.in_reply_to_account_id) == alice_ish.id
    again = bob_ish.api.status_post(
        f"@{alice_ish.username} a reply", in_reply_to_id=parent.id, idempotency_key=key
    )
    assert sid(again) == sid(reply), "the same Idempotency-Key must not post twice"
    # ...and it really is only one post.
    assert ids(bob_ish.api.account_statuses(bob_ish.id)) == [sid(reply)]
    # Another key posts again.
    other = bob_ish.api.status_post("no reply", idempotency_key=secrets.token_hex(8))
    assert sid(other) != sid(reply)

    # A reply to the reply, then the context from the middle.
    deeper = alice_ish.api.status_post(
        f"@{bob_ish.username} deeper", in_reply_to_id=reply.id
    )
    context = alice_ish.api.status_context(reply.id)
    assert ids(context.ancestors) == [sid(parent)]
    assert ids(context.descendants) == [sid(deeper)]
    top = bob_ish.api.status_context(parent.id)
    assert top.ancestors == []
    assert ids(top.descendants) == [sid(reply), sid(deeper)]

    shown = bob_ish.api.status(parent.id)
    assert shown.replies_count == 1
    assert shown.spoiler_text == "a content warning" and shown.language == "de"

    # Delete: the answer carries the source text (for "delete and redraft").
    deleted = bob_ish.api.status_delete(other.id)
    assert sid(deleted) == sid(other)
    assert deleted.text == "no reply"
    with pytest.raises(MastodonNotFoundError):
        bob_ish.api.status(other.id)
    with pytest.raises(MastodonNotFoundError):
        bob_ish.api.status_delete(other.id)
    # Nobody deletes someone else's post.
    with pytest.raises(MastodonAPIError) as raised:
        bob_ish.api.status_delete(parent.id)
    assert api_error_status(raised.value) in (403, 404)
    assert sid(alice_ish.api.status(parent.id)) == sid(parent)


def test_posts_use_the_default_visibility(server):
    member = person(server)
    member.api.account_update_credentials(default_privacy="unlisted")
    assert member.api.status_post("no visibility given").visibility == "unlisted"
    assert member.api.status_post("explicit", visibility="public").visibility == "public"


# --------------------------------------------------------------------------------------
# 2. edits, history, source
# --------------------------------------------------------------------------------------


def test_edit_history_and_source(server):
    author, reader = person(server), person(server)
    original = author.api.status_post("First version", spoiler_text="cw one")
    assert original.edited_at is None

    with pytest.raises(MastodonAPIError) as raised:
        reader.api.status_update(original.id, status="hijacked")
    assert api_error_status(raised.value) in (403, 404)

    edited = author.api.status_update(original.id, status="Second version", spoiler_text="cw two")
    assert sid(edited) == sid(original)
    assert "Second version" in edited.content and "First" not in edited.content
    assert edited.spoiler_text == "cw two"
    assert edited.edited_at is not None

    shown = reader.api.status(original.id)
    assert "Second version" in shown.content and shown.edited_at is not None

    history = reader.api.status_history(original.id)
    assert len(history) == 2, history
    assert "First version" in history[0].content and history[0].spoiler_text == "cw one"
    assert "Second version" in history[1].content and history[1].spoiler_text == "cw two"
    assert sid(history[0].account) == author.id

    source = author.api.status_source(original.id)
    assert sid(source) == sid(original)
    assert source.text == "Second version"
    assert source.spoiler_text == "cw two"
    # The source is the author's alone.
    with pytest.raises(MastodonAPIError) as raised:
        reader.api.status_source(original.id)
    assert api_error_status(raised.value) in (403, 404)


# --------------------------------------------------------------------------------------
# 3. reblogs, favourites, bookmarks, pins
# --------------------------------------------------------------------------------------


def test_reblog_favourite_bookmark_and_pin(server):
    author, fan = person(server), person(server)
    follow(fan, author)
    post = author.api.status_post("Worth sharing")

    # reblog
    reblog = fan.api.status_reblog(post.id)
    assert sid(reblog) != sid(post)
    assert sid(reblog.reblog) == sid(post)
    assert sid(reblog.account) == fan.id
    assert reblog.reblog.reblogged is True
    assert reblog.reblog.reblogs_count == 1
    assert ids(author.api.status_reblogged_by(post.id)) == [fan.id]
    assert sid(reblog) in ids(fan.api.account_statuses(fan.id))
    unreblogged = fan.api.status_unreblog(post.id)
    assert sid(unreblogged) == sid(post)
    assert unreblogged.reblogged is False and unreblogged.reblogs_count == 0
    assert author.api.status_reblogged_by(post.id) == []
    with pytest.raises(MastodonNotFoundError):
        fan.api.status(reblog.id)

    # favourite
    favourited = fan.api.status_favourite(post.id)
    assert sid(favourited) == sid(post)
    assert favourited.favourited is True and favourited.favourites_count == 1
    assert ids(author.api.status_favourited_by(post.id)) == [fan.id]
    assert ids(fan.api.favourites()) == [sid(post)]
    assert author.api.status(post.id).favourited is False  # per viewer
    unfavourited = fan.api.status_unfavourite(post.id)
    assert unfavourited.favourited is False and unfavourited.favourites_count == 0
    assert fan.api.favourites() == []
    assert author.api.status_favourited_by(post.id) == []

    # bookmark (private to the one who bookmarks)
    bookmarked = fan.api.status_bookmark(post.id)
    assert sid(bookmarked) == sid(post) and bookmarked.bookmarked is True
    assert ids(fan.api.bookmarks()) == [sid(post)]
    assert author.api.bookmarks() == []
    assert fan.api.status(post.id).bookmarked is True
    assert fan.api.status_unbookmark(post.id).bookmarked is False
    assert fan.api.bookmarks() == []

    # pin: only one's own posts
    pinned = author.api.status_pin(post.id)
    assert sid(pinned) == sid(post) and pinned.pinned is True
    assert ids(fan.api.account_statuses(author.id, pinned=True)) == [sid(post)]
    with pytest.raises(MastodonAPIError) as raised:
        fan.api.status_pin(post.id)
    assert api_error_status(raised.value) == 422
    unpinned = author.api.status_unpin(post.id)
    assert unpinned.pinned is False
    assert fan.api.account_statuses(author.id, pinned=True) == []


def test_private_posts_cannot_be_reblogged_by_others(server):
    author, follower, stranger = person(server), person(server), person(server)
    follow(follower, author)
    private = author.api.status_post("followers only", visibility="private")
    # The follower sees it but may not share it (Mastodon: 403).
    with pytest.raises(MastodonAPIError) as raised:
        follower.api.status_reblog(private.id)
    assert api_error_status(raised.value) == 403
    # A stranger does not even see it.
    with pytest.raises(MastodonNotFoundError):
        stranger.api.status_favourite(private.id)
    with pytest.raises(MastodonNotFoundError):
        stranger.api.status_reblog(private.id)
    # The follower may favourite it.
    assert follower.api.status_favourite(private.id).favourited is True


# --------------------------------------------------------------------------------------
# 4. follows: open and locked accounts, relationships, follower lists
# --------------------------------------------------------------------------------------


def test_follow_and_unfollow(server):
    a, b, c = person(server), person(server), person(server)
    follow(a, b)
    follow(b, a)

    both = a.api.account_relationships([b.id, c.id])
    assert ids(both) == [b.id, c.id]
    assert both[0].following is True and both[0].followed_by is True
    assert both[1].following is False and both[1].followed_by is False
    assert both[0].blocking is False and both[0].muting is False
    assert both[0].requested is False

    assert ids(a.api.account_followers(b.id)) == [a.id]
    assert ids(a.api.account_following(a.id)) == [b.id]
    assert ids(c.api.account_following(b.id)) == [a.id]
    shown = c.api.account(b.id)
    assert shown.followers_count == 1 and shown.following_count == 1

    unfollowed = a.api.account_unfollow(b.id)
    assert unfollowed.following is False and unfollowed.followed_by is True
    assert a.api.account_followers(b.id) == []
    assert ids(a.api.account_following(b.id)) == [a.id]
    assert c.api.account(b.id).followers_count == 0
    # Unfollowing again is harmless.
    assert a.api.account_unfollow(b.id).following is False

    # Nobody follows themselves.
    with pytest.raises(MastodonAPIError) as raised:
        a.api.account_follow(a.id)
    assert api_error_status(raised.value) in (403, 404, 422)
    assert relationship(a, a).following is False


def test_locked_account_and_follow_requests(server):
    owner, asker, rejected = person(server), person(server), person(server)
    assert owner.api.account_update_credentials(locked=True).locked is True
    secret = owner.api.status_post("for approved followers", visibility="private")

    pending = asker.api.account_follow(owner.id)
    assert pending.following is False and pending.requested is True
    assert rejected.api.account_follow(owner.id).requested is True
    with pytest.raises(MastodonNotFoundError):
        asker.api.status(secret.id)

    requests_ = owner.api.follow_requests()
    assert set(ids(requests_)) == {asker.id, rejected.id}
    # (checked at the end, so that a wrong count does not hide the rest of the flow)
    pending_count = owner.api.account_verify_credentials().source.follow_requests_count
    notified = owner.api.notifications(types=["follow_request"])
    assert {sid(n.account) for n in notified} == {asker.id, rejected.id}

    authorized = owner.api.follow_request_authorize(asker.id)
    assert sid(authorized) == asker.id and authorized.followed_by is True
    refused = owner.api.follow_request_reject(rejected.id)
    assert sid(refused) == rejected.id and refused.followed_by is False
    assert owner.api.follow_requests() == []

    now = relationship(asker, owner)
    assert now.following is True and now.requested is False
    then = relationship(rejected, owner)
    assert then.following is False and then.requested is False
    assert ids(owner.api.account_followers(owner.id)) == [asker.id]

    assert sid(asker.api.status(secret.id)) == sid(secret)
    with pytest.raises(MastodonNotFoundError):
        rejected.api.status(secret.id)

    assert owner.api.account_verify_credentials().source.follow_requests_count == 0
    assert pending_count == 2, "source.follow_requests_count with two requests pending"


# --------------------------------------------------------------------------------------
# 5. mutes and blocks
# --------------------------------------------------------------------------------------


def test_mute_and_unmute(server):
    a, b = person(server), person(server)
    follow(a, b)
    before = b.api.status_post("before the mute")
    assert sid(before) in ids(a.api.timeline_home())

    muted = a.api.account_mute(b.id, notifications=False, duration=3600)
    assert sid(muted) == b.id
    assert muted.muting is True and muted.muting_notifications is False
    assert muted.following is True  # a mute is not an unfollow
    listed = a.api.mutes()
    assert ids(listed) == [b.id]
    assert listed[0].get("mute_expires_at") is not None
    # The muted member's posts leave the home timeline.
    during = b.api.status_post("during the mute")
    home = ids(a.api.timeline_home())
    assert sid(before) not in home and sid(during) not in home
    # The muted member is not told.
    assert relationship(b, a).followed_by is True

    unmuted = a.api.account_unmute(b.id)
    assert unmuted.muting is False and unmuted.muting_notifications is False
    assert a.api.mutes() == []
    assert sid(during) in ids(a.api.timeline_home())

    # A mute that keeps notifications.
    keeps = a.api.account_mute(b.id)
    assert keeps.muting is True and keeps.muting_notifications is True
    assert a.api.mutes()[0].get("mute_expires_at") is None


def test_block_and_unblock(server):
    a, b = person(server), person(server)
    follow(a, b)
    follow(b, a)
    post = a.api.status_post("you will not see this")

    blocked = a.api.account_block(b.id)
    assert sid(blocked) == b.id
    assert blocked.blocking is True
    # A block ends the follows both ways.
    assert blocked.following is False and blocked.followed_by is False
    assert ids(a.api.blocks()) == [b.id]
    assert relationship(b, a).blocked_by is True

    # The blocked member cannot follow, and does not see the blocker's posts.
    with pytest.raises(MastodonAPIError) as raised:
        b.api.account_follow(a.id)
    assert api_error_status(raised.value) == 403
    with pytest.raises(MastodonNotFoundError):
        b.api.status(post.id)
    assert sid(post) not in ids(b.api.timeline_public())

    unblocked = a.api.account_unblock(b.id)
    assert unblocked.blocking is False and unblocked.following is False
    assert a.api.blocks() == []
    assert sid(b.api.status(post.id)) == sid(post)
    follow(b, a)


# --------------------------------------------------------------------------------------
# 6. timelines and pagination
# --------------------------------------------------------------------------------------


def test_timelines_and_account_statuses_filters(server):
    reader, writer = person(server), person(server)
    follow(reader, writer)
    tag = word("tl")
    plain = writer.api.status_post("plain post")
    tagged = writer.api.status_post(f"tagged post #{tag}")
    unlisted = writer.api.status_post("quiet post", visibility="unlisted")
    reply = writer.api.status_post("a self-reply", in_reply_to_id=plain.id)
    own = reader.api.status_post("the reader's own post")
    writer.api.status_pin(tagged.id)

    home = ids(reader.api.timeline_home())
    assert home[:5] == [sid(own), sid(reply), sid(unlisted), sid(tagged), sid(plain)]

    local = ids(reader.api.timeline_local())
    public = ids(reader.api.timeline_public())
    for shown in (local, public):
        assert sid(plain) in shown and sid(tagged) in shown and sid(own) in shown
        assert sid(unlisted) not in shown

    # Anonymous access to the community timeline is off by default (Mastodon: 422,
    # "This method requires an authenticated user").
    # (Mastodon.py reads the instance's settings and warns first: that is expected.)
    with pytest.raises(MastodonAPIError) as raised, warnings.catch_warnings():
        warnings.simplefilter("ignore", MastodonWarning)
        client(server).timeline_local()
    assert api_error_status(raised.value) == 422

    hashtag = reader.api.timeline_hashtag(tag)
    assert ids(hashtag) == [sid(tagged)]
    assert hashtag[0].tags[0].name == tag
    assert ids(reader.api.timeline_hashtag(tag.upper())) == [sid(tagged)]

    # exclude_replies drops replies to others but, as on Mastodon, keeps the member's
    # own threads (a reply to oneself).
    answer = writer.api.status_post(f"@{reader.username} an answer", in_reply_to_id=own.id)
    everything = ids(reader.api.account_statuses(writer.id))
    assert everything == [sid(answer), sid(reply), sid(unlisted), sid(tagged), sid(plain)]
    no_replies = ids(reader.api.account_statuses(writer.id, exclude_replies=True))
    assert no_replies == [sid(reply), sid(unlisted), sid(tagged), sid(plain)]
    assert ids(reader.api.account_statuses(writer.id, pinned=True)) == [sid(tagged)]
    assert ids(reader.api.account_statuses(writer.id, tagged=tag)) == [sid(tagged)]
    assert reader.api.account_statuses(writer.id, tagged=word("none")) == []


def test_pagination_with_fetch_next(server):
    reader, writer = person(server), person(server)
    follow(reader, writer)
    tag = word("page")
    posted = [sid(writer.api.status_post(f"post {n} #{tag}")) for n in range(5)]
    newest_first = list(reversed(posted))

    for first_page in (
        reader.api.timeline_home(limit=2),
        reader.api.account_statuses(writer.id, limit=2),
        reader.api.timeline_hashtag(tag, limit=2),
    ):
        pages = collect_pages(reader.api, first_page)
        assert pages[:3] == [newest_first[0:2], newest_first[2:4], newest_first[4:5]], pages
        assert [sid_ for page in pages for sid_ in page] == newest_first

    # And backwards, from the oldest page (rel="prev").
    first = reader.api.timeline_home(limit=2)
    second = reader.api.fetch_next(first)
    back = reader.api.fetch_previous(second)
    assert ids(back) == newest_first[0:2]

    # max_id / since_id / min_id by hand.
    assert ids(reader.api.timeline_home(max_id=newest_first[1], limit=2)) == newest_first[2:4]
    assert ids(reader.api.timeline_home(since_id=newest_first[2])) == newest_first[0:2]
    assert ids(reader.api.timeline_home(min_id=newest_first[4], limit=2)) == newest_first[2:4]


# --------------------------------------------------------------------------------------
# 7. notifications and markers
# --------------------------------------------------------------------------------------


def test_notifications(server):
    me, other = person(server), person(server)
    post = me.api.status_post("notice me")

    follow(other, me)
    mention = other.api.status_post(f"hello @{me.username}")
    other.api.status_favourite(post.id)
    other.api.status_reblog(post.id)

    everything = me.api.notifications()
    assert [n.type for n in everything] == ["reblog", "favourite", "mention", "follow"]
    for notification in everything:
        assert sid(notification.account) == other.id
        assert notification.created_at is not None
    by_type = {n.type: n for n in everything}
    assert sid(by_type["mention"].status) == sid(mention)
    assert sid(by_type["favourite"].status) == sid(post)
    assert sid(by_type["reblog"].status) == sid(post)
    assert by_type["follow"].get("status") is None

    assert [n.type for n in me.api.notifications(types=["mention"])] == ["mention"]
    assert [n.type for n in me.api.notifications(types=["favourite", "follow"])] == [
        "favourite",
        "follow",
    ]
    assert [n.type for n in me.api.notifications(exclude_types=["follow", "favourite"])] == [
        "reblog",
        "mention",
    ]
    assert [n.type for n in me.api.notifications(account_id=other.id)] == [
        "reblog", "favourite", "mention", "follow",
    ]

    single = me.api.notifications(id=by_type["mention"].id)
    assert sid(single) == sid(by_type["mention"])
    assert single.type == "mention" and sid(single.status) == sid(mention)
    # Someone else's notification does not exist for you.
    with pytest.raises(MastodonNotFoundError):
        other.api.notifications(id=by_type["mention"].id)

    # The actor gets none of these.
    assert other.api.notifications() == []

    me.api.notifications_dismiss(by_type["favourite"].id)
    assert [n.type for n in me.api.notifications()] == ["reblog", "mention", "follow"]
    with pytest.raises(MastodonNotFoundError):
        me.api.notifications(id=by_type["favourite"].id)

    me.api.notifications_clear()
    assert me.api.notifications() == []


def test_muted_notifications_and_blocks_stop_notifications(server):
    me, noisy = person(server), person(server)
    post = me.api.status_post("quiet please")
    me.api.account_mute(noisy.id, notifications=True)
    noisy.api.status_favourite(post.id)
    noisy.api.status_post(f"@{me.username} hey")
    assert me.api.notifications() == []


def test_markers(server):
    me, other = person(server), person(server)
    follow(me, other)
    first = other.api.status_post("one")
    second = other.api.status_post("two")

    assert me.api.markers_get(["home"]).get("home") is None

    stored = me.api.markers_set(["home"], [first.id])
    assert sid(stored.home.last_read_id) == sid(first)
    assert stored.home.version >= 0 and stored.home.updated_at is not None
    version = stored.home.version

    read = me.api.markers_get(["home"])
    assert sid(read.home.last_read_id) == sid(first)

    moved = me.api.markers_set(["home"], [second.id])
    assert sid(moved.home.last_read_id) == sid(second)
    assert moved.home.version > version
    assert sid(me.api.markers_get("home").home.last_read_id) == sid(second)
    # Markers are per member.
    assert other.api.markers_get(["home"]).get("home") is None


# --------------------------------------------------------------------------------------
# 8. search
# --------------------------------------------------------------------------------------


def test_search(server, alice):
    searcher = person(server, prefix="finder")
    poster = person(server, prefix="poster")
    needle = word("needle")
    post = poster.api.status_post(f"a haystack with a {needle} in it #{needle}")
    hidden = poster.api.status_post(f"{needle} for followers", visibility="private")

    found = searcher.api.search_v2(poster.username)
    assert poster.id in ids(found.accounts)

    found = searcher.api.search_v2(f"#{needle}")
    assert needle in [tag.name for tag in found.hashtags]

    found = searcher.api.search_v2(needle, result_type="statuses")
    assert sid(post) in ids(found.statuses)
    assert sid(hidden) not in ids(found.statuses)
    assert found.accounts == [] and found.hashtags == []
    # The author finds their own private post.
    assert sid(hidden) in ids(poster.api.search_v2(needle, result_type="statuses").statuses)

    nothing = searcher.api.search_v2(word("absent"))
    assert nothing.accounts == [] and nothing.statuses == [] and nothing.hashtags == []

    prefix = searcher.api.account_search("ali")
    assert "alice" in [account.username for account in prefix]
    assert searcher.api.account_search(searcher.username)[0].username == searcher.username


# --------------------------------------------------------------------------------------
# 9. preferences, custom emojis
# --------------------------------------------------------------------------------------


def test_preferences_and_custom_emojis(server):
    member = person(server)
    preferences = member.api.preferences()
    assert preferences["posting:default:visibility"] == "public"
    assert preferences["posting:default:sensitive"] is False
    assert preferences["posting:default:language"] is None
    assert preferences["reading:expand:media"] == "default"
    assert preferences["reading:expand:spoilers"] is False

    member.api.account_update_credentials(
        default_privacy="private", default_sensitive=True, default_language="fr"
    )
    preferences = member.api.preferences()
    assert preferences["posting:default:visibility"] == "private"
    assert preferences["posting:default:sensitive"] is True
    assert preferences["posting:default:language"] == "fr"

    emojis = member.api.custom_emojis()
    assert isinstance(emojis, list) and emojis == []
    assert client(server).custom_emojis() == []
