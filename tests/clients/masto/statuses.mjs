// Posts: the four visibilities and who may see each, replies and threads, boosts,
// favourites, bookmarks, pins, edits with history and source, deletion for redraft.

import {
    assert,
    describe,
    ids,
    pages,
    post,
    rejectsWithStatus,
    test,
    uniqueWord,
    world,
} from "./harness.mjs";

/** Fetches status `id` as each viewer; returns {name: "ok" | HTTP status}. */
async function whoSees(id, viewers) {
    const result = {};
    for (const [name, client] of Object.entries(viewers)) {
        try {
            const status = await client.v1.statuses.$select(id).fetch();
            assert.equal(status.id, id);
            result[name] = "ok";
        } catch (error) {
            result[name] = error.statusCode ?? String(error);
        }
    }
    return result;
}

export default () =>
    describe("statuses", () => {
        test("create: content, mentions, tags, spoiler, language, urls", async () => {
            const { server, alice, bob } = await world();
            const tag = uniqueWord("Tag");
            const status = await post(alice, {
                status: `hello @bob, see #${tag} & <more>`,
                spoilerText: "a warning",
                language: "en",
            });
            assert.equal(status.visibility, "public");
            assert.equal(status.spoilerText, "a warning");
            assert.equal(status.sensitive, true, "a content warning makes a post sensitive");
            assert.equal(status.language, "en");
            assert.equal(status.inReplyToId, null);
            assert.equal(status.reblog, null);
            assert.equal(status.url, `${server.url}/@alice/${status.id}`);
            assert.equal(typeof status.uri, "string");
            assert.equal(status.repliesCount, 0);
            assert.equal(status.reblogsCount, 0);
            assert.equal(status.favouritesCount, 0);
            assert.equal(status.favourited, false);
            assert.equal(status.reblogged, false);
            assert.equal(status.bookmarked, false);
            assert.equal(status.pinned, false);
            assert.deepEqual(status.mediaAttachments, []);
            assert.deepEqual(
                status.mentions.map(({ id, username, acct, url }) => ({ id, username, acct, url })),
                [{ id: bob.id, username: "bob", acct: "bob", url: `${server.url}/@bob` }],
            );
            assert.equal(status.tags.length, 1);
            assert.equal(status.tags[0].name.toLowerCase(), tag.toLowerCase());
            assert.equal(status.tags[0].url.toLowerCase(), `${server.url}/tags/${tag}`.toLowerCase());
            assert.ok(status.content.includes(`href="${server.url}/@bob"`), status.content);
            assert.ok(status.content.includes(`/tags/`), status.content);
            assert.ok(status.content.includes("&amp; &lt;more&gt;"), status.content);
            assert.equal(status.application?.name, alice.app.name, "the app that posted");
        });

        test("create: an empty post and one over 5000 characters are 422", async () => {
            const { alice } = await world();
            await rejectsWithStatus(alice.client.v1.statuses.create({ status: "" }), 422, "empty post");
            await rejectsWithStatus(
                alice.client.v1.statuses.create({ status: "x".repeat(5001) }),
                422,
                "5001 characters",
            );
        });

        test("visibility: who may fetch a public, unlisted, private and direct post", async () => {
            const { server, alice, bob, carol } = await world();
            const word = uniqueWord("vis");
            const pub = await post(alice, { status: `${word} public`, visibility: "public" });
            const unl = await post(alice, { status: `${word} unlisted`, visibility: "unlisted" });
            const prv = await post(alice, { status: `${word} private`, visibility: "private" });
            const dm = await post(alice, { status: `@bob ${word} direct`, visibility: "direct" });
            const dmCarol = await post(alice, { status: `@carol ${word} direct`, visibility: "direct" });
            assert.deepEqual(
                [pub, unl, prv, dm, dmCarol].map((s) => s.visibility),
                ["public", "unlisted", "private", "direct", "direct"],
            );
            const viewers = {
                alice: alice.client,
                bob: bob.client, // follows alice
                carol: carol.client, // follows nobody
                anonymous: server.anonymous(),
            };
            assert.deepEqual(await whoSees(pub.id, viewers), { alice: "ok", bob: "ok", carol: "ok", anonymous: "ok" });
            assert.deepEqual(await whoSees(unl.id, viewers), { alice: "ok", bob: "ok", carol: "ok", anonymous: "ok" });
            assert.deepEqual(await whoSees(prv.id, viewers), { alice: "ok", bob: "ok", carol: 404, anonymous: 404 });
            assert.deepEqual(await whoSees(dm.id, viewers), { alice: "ok", bob: "ok", carol: 404, anonymous: 404 });
            assert.deepEqual(await whoSees(dmCarol.id, viewers), { alice: "ok", bob: 404, carol: "ok", anonymous: 404 });

            // The profile shows the same posts (Mastodon's AccountStatusesFilter: public and
            // unlisted, private for followers, and whatever mentions the viewer).
            const mine = [pub, unl, prv, dm, dmCarol].map((s) => s.id);
            const profile = async (client) => {
                const list = await client.v1.accounts.$select(alice.id).statuses.list({ limit: 40 });
                return ids(list).filter((id) => mine.includes(id));
            };
            assert.deepEqual(await profile(alice.client), [dmCarol.id, dm.id, prv.id, unl.id, pub.id]);
            assert.deepEqual(await profile(bob.client), [dm.id, prv.id, unl.id, pub.id]);
            assert.deepEqual(await profile(carol.client), [dmCarol.id, unl.id, pub.id]);
            assert.deepEqual(await profile(server.anonymous()), [unl.id, pub.id]);

            // Interacting with a post one may not see is 404 too.
            await rejectsWithStatus(carol.client.v1.statuses.$select(prv.id).favourite(), 404, "favourite unseen");
            await rejectsWithStatus(carol.client.v1.statuses.$select(prv.id).context.fetch(), 404, "context unseen");
            await rejectsWithStatus(
                carol.client.v1.statuses.create({ status: "hi", inReplyToId: prv.id }),
                404,
                "reply to unseen",
            );
        });

        test("reply and context: ancestors, descendants, replies_count, hidden private replies", async () => {
            const { server, alice, bob, carol } = await world();
            const root = await post(alice, "root of a thread");
            const r1 = await post(bob, { status: "@alice first reply", inReplyToId: root.id });
            assert.equal(r1.inReplyToId, root.id);
            assert.equal(r1.inReplyToAccountId, alice.id);
            assert.equal((await alice.client.v1.statuses.$select(root.id).fetch()).repliesCount, 1);
            const r2 = await post(alice, { status: "@bob reply to the reply", inReplyToId: r1.id });
            // Followers-only: alice follows bob, carol does not.
            const r3 = await post(bob, { status: "@alice private reply", inReplyToId: root.id, visibility: "private" });

            const middle = await alice.client.v1.statuses.$select(r1.id).context.fetch();
            assert.deepEqual(ids(middle.ancestors), [root.id]);
            assert.deepEqual(ids(middle.descendants), [r2.id]);

            const forAlice = await alice.client.v1.statuses.$select(root.id).context.fetch();
            assert.deepEqual(forAlice.ancestors, []);
            assert.deepEqual(ids(forAlice.descendants), [r1.id, r2.id, r3.id], "depth first, oldest first");

            const forCarol = await carol.client.v1.statuses.$select(root.id).context.fetch();
            assert.deepEqual(ids(forCarol.descendants), [r1.id, r2.id], "carol does not see bob's private reply");
            const signedOut = await server.anonymous().v1.statuses.$select(r2.id).context.fetch();
            assert.deepEqual(ids(signedOut.ancestors), [root.id, r1.id]);
            assert.deepEqual(signedOut.descendants, []);
        });

        test("reblog and unreblog; reblogged_by; a private post cannot be boosted (403)", async () => {
            const { alice, bob, carol } = await world();
            const original = await post(alice, "boost me");
            const wrapper = await bob.client.v1.statuses.$select(original.id).reblog();
            assert.notEqual(wrapper.id, original.id);
            assert.equal(wrapper.account.id, bob.id);
            assert.equal(wrapper.reblog?.id, original.id);
            assert.equal(wrapper.reblog.reblogged, true);
            assert.equal(wrapper.reblog.reblogsCount, 1);
            assert.equal(wrapper.visibility, "public");

            const seenByBob = await bob.client.v1.statuses.$select(original.id).fetch();
            assert.equal(seenByBob.reblogged, true);
            assert.equal(seenByBob.reblogsCount, 1);
            assert.equal((await carol.client.v1.statuses.$select(original.id).fetch()).reblogged, false);
            assert.deepEqual(ids(await carol.client.v1.statuses.$select(original.id).rebloggedBy.list()), [bob.id]);

            // Boosting again is idempotent (Mastodon answers the existing boost).
            const again = await bob.client.v1.statuses.$select(original.id).reblog();
            assert.equal(again.reblog?.id, original.id);
            assert.equal((await bob.client.v1.statuses.$select(original.id).fetch()).reblogsCount, 1);

            const undone = await bob.client.v1.statuses.$select(original.id).unreblog();
            assert.equal(undone.id, original.id, "unreblog answers the original post");
            assert.equal(undone.reblogged, false);
            const after = await bob.client.v1.statuses.$select(original.id).fetch();
            assert.equal(after.reblogged, false);
            assert.equal(after.reblogsCount, 0);
            assert.deepEqual(await carol.client.v1.statuses.$select(original.id).rebloggedBy.list(), []);
            await rejectsWithStatus(bob.client.v1.statuses.$select(wrapper.id).fetch(), 404, "the undone boost");

            const privatePost = await post(alice, { status: "followers only", visibility: "private" });
            await rejectsWithStatus(
                bob.client.v1.statuses.$select(privatePost.id).reblog(),
                403,
                "boosting someone's private post",
            );
        });

        test("favourite and unfavourite; favourited_by; favourites list", async () => {
            const { alice, bob, carol } = await world();
            const target = await post(alice, "favourite me");
            const faved = await bob.client.v1.statuses.$select(target.id).favourite();
            assert.equal(faved.id, target.id);
            assert.equal(faved.favourited, true);
            assert.equal(faved.favouritesCount, 1);
            // Idempotent.
            await bob.client.v1.statuses.$select(target.id).favourite();
            const seen = await carol.client.v1.statuses.$select(target.id).fetch();
            assert.equal(seen.favouritesCount, 1);
            assert.equal(seen.favourited, false);
            assert.deepEqual(ids(await carol.client.v1.statuses.$select(target.id).favouritedBy.list()), [bob.id]);
            assert.equal((await bob.client.v1.favourites.list())[0]?.id, target.id);

            const unfaved = await bob.client.v1.statuses.$select(target.id).unfavourite();
            assert.equal(unfaved.id, target.id);
            assert.equal(unfaved.favourited, false);
            assert.equal((await carol.client.v1.statuses.$select(target.id).fetch()).favouritesCount, 0);
            assert.deepEqual(await carol.client.v1.statuses.$select(target.id).favouritedBy.list(), []);
            assert.ok(!ids(await bob.client.v1.favourites.list()).includes(target.id));
        });

        test("bookmark and unbookmark; bookmarks list pages newest bookmark first", async () => {
            const { alice, bob } = await world();
            const a = await post(alice, "bookmark a");
            const b = await post(alice, "bookmark b");
            const c = await post(bob, "bookmark c");
            // Bookmark in the order b, c, a: the list goes by bookmark, not by post.
            for (const s of [b, c, a]) {
                const marked = await bob.client.v1.statuses.$select(s.id).bookmark();
                assert.equal(marked.id, s.id);
                assert.equal(marked.bookmarked, true);
            }
            assert.equal((await alice.client.v1.statuses.$select(a.id).fetch()).bookmarked, false, "bookmarks are private");
            const paged = await pages(bob.client.v1.bookmarks.list({ limit: 2 }));
            assert.equal(paged[0].length, 2);
            assert.deepEqual(ids(paged.flat()), [a.id, c.id, b.id]);

            const unmarked = await bob.client.v1.statuses.$select(c.id).unbookmark();
            assert.equal(unmarked.bookmarked, false);
            assert.deepEqual(ids(await bob.client.v1.bookmarks.list()), [a.id, b.id]);
            for (const s of [a, b]) await bob.client.v1.statuses.$select(s.id).unbookmark();
            assert.deepEqual(await bob.client.v1.bookmarks.list(), []);
        });

        test("pin and unpin; account statuses with pinned=true; only one's own, not direct", async () => {
            const { alice, bob, carol } = await world();
            const p1 = await post(alice, "pin one");
            const p2 = await post(alice, { status: "pin two", visibility: "unlisted" });
            const pinned1 = await alice.client.v1.statuses.$select(p1.id).pin();
            assert.equal(pinned1.pinned, true);
            await alice.client.v1.statuses.$select(p2.id).pin();
            try {
                const seen = await carol.client.v1.accounts.$select(alice.id).statuses.list({ pinned: true });
                assert.deepEqual(ids(seen), [p2.id, p1.id], "most recently pinned first");
                const own = await alice.client.v1.accounts.$select(alice.id).statuses.list({ pinned: true });
                assert.ok(own.every((s) => s.pinned === true));
                assert.equal((await alice.client.v1.statuses.$select(p1.id).fetch()).pinned, true);

                const unpinned = await alice.client.v1.statuses.$select(p1.id).unpin();
                assert.equal(unpinned.pinned, false);
                assert.deepEqual(
                    ids(await carol.client.v1.accounts.$select(alice.id).statuses.list({ pinned: true })),
                    [p2.id],
                );

                const others = await post(bob, "not alice's");
                await rejectsWithStatus(alice.client.v1.statuses.$select(others.id).pin(), 422, "pin someone else's post");
                const dm = await post(alice, { status: "@bob direct", visibility: "direct" });
                await rejectsWithStatus(alice.client.v1.statuses.$select(dm.id).pin(), 422, "pin a direct post");
            } finally {
                await alice.client.v1.statuses.$select(p2.id).unpin();
            }
            assert.deepEqual(await carol.client.v1.accounts.$select(alice.id).statuses.list({ pinned: true }), []);
        });

        test("edit: status.update, edited_at, history oldest first, source", async () => {
            const { alice, bob } = await world();
            const original = await post(alice, { status: "first version", spoilerText: "" });
            assert.equal(original.editedAt, null);
            const edited = await alice.client.v1.statuses.$select(original.id).update({
                status: "second version #edited",
                spoilerText: "now with a warning",
            });
            assert.equal(edited.id, original.id);
            assert.match(edited.content, /second version/);
            assert.equal(edited.spoilerText, "now with a warning");
            assert.equal(typeof edited.editedAt, "string");
            assert.ok(Date.parse(edited.editedAt) >= Date.parse(original.createdAt));
            assert.equal(edited.createdAt, original.createdAt);
            assert.deepEqual(edited.tags.map((t) => t.name.toLowerCase()), ["edited"]);

            // Others see the new version.
            const seen = await bob.client.v1.statuses.$select(original.id).fetch();
            assert.match(seen.content, /second version/);
            assert.equal(seen.editedAt, edited.editedAt);

            const history = await bob.client.v1.statuses.$select(original.id).history.list();
            assert.equal(history.length, 2);
            assert.match(history[0].content, /first version/);
            assert.equal(history[0].spoilerText, "");
            assert.match(history[1].content, /second version/);
            assert.equal(history[1].spoilerText, "now with a warning");
            assert.equal(history[0].account.id, alice.id);
            assert.ok(Date.parse(history[0].createdAt) <= Date.parse(history[1].createdAt));

            const source = await alice.client.v1.statuses.$select(original.id).source.fetch();
            assert.deepEqual(
                { id: source.id, text: source.text, spoilerText: source.spoilerText },
                { id: original.id, text: "second version #edited", spoilerText: "now with a warning" },
            );

            await rejectsWithStatus(
                bob.client.v1.statuses.$select(original.id).update({ status: "hijacked" }),
                404,
                "editing someone else's post (Mastodon looks it up among the editor's own)",
            );
            await rejectsWithStatus(
                alice.client.v1.statuses.$select(original.id).update({ status: "" }),
                422,
                "editing to an empty post",
            );
        });

        test("delete: answers the source text for redraft; gone for everyone; others get 404", async () => {
            const { alice, bob } = await world();
            const text = "delete me and redraft @bob #redraft";
            const doomed = await post(alice, { status: text, spoilerText: "cw", visibility: "unlisted" });
            await rejectsWithStatus(bob.client.v1.statuses.$select(doomed.id).remove(), 404, "deleting someone else's post");

            const removed = await alice.client.v1.statuses.$select(doomed.id).remove();
            assert.equal(removed.id, doomed.id);
            assert.equal(removed.text, text, "the source text, for delete-and-redraft");
            assert.equal(removed.spoilerText, "cw");
            assert.equal(removed.visibility, "unlisted");

            await rejectsWithStatus(alice.client.v1.statuses.$select(doomed.id).fetch(), 404, "the author's fetch");
            await rejectsWithStatus(bob.client.v1.statuses.$select(doomed.id).fetch(), 404, "bob's fetch");
            const home = await bob.client.v1.timelines.home.list({ limit: 40 });
            assert.ok(!ids(home).includes(doomed.id), "gone from the home timeline");
        });
    });
