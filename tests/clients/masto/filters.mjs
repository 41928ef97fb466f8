// Filters v2: keywords and posts, warn and hide, contexts, expiry; `filtered` on statuses.

import { assert, describe, ids, post, rejectsWithStatus, test, uniqueWord, world } from "./harness.mjs";

/**
 * The filter results a client acts on in `context`. Mastodon sends every matching filter in
 * `filtered` and clients keep those whose `context` lists where the post is shown; a server
 * that only sends the ones for the context, or leaves out an empty `filtered`, gives the
 * same answer here.
 */
function filteredIn(status, context) {
    return (status.filtered ?? []).filter((result) => result.filter.context.includes(context));
}

async function inHome(member, statusId) {
    const home = await member.client.v1.timelines.home.list({ limit: 40 });
    return home.find((s) => s.id === statusId);
}

export default () =>
    describe("filters v2", () => {
        test("create with keywords; a matching post comes back with `filtered`", async () => {
            const { alice, bob } = await world();
            const veg = uniqueWord("brocc");
            const kale = uniqueWord("kale");
            const filter = await alice.client.v2.filters.create({
                title: "Vegetables",
                context: ["home", "public", "thread"],
                filterAction: "warn",
                keywordsAttributes: [
                    { keyword: veg, wholeWord: false },
                    { keyword: kale, wholeWord: true },
                ],
            });
            try {
                assert.equal(filter.title, "Vegetables");
                assert.deepEqual([...filter.context].sort(), ["home", "public", "thread"]);
                assert.equal(filter.filterAction, "warn");
                assert.equal(filter.expiresAt, null);
                assert.deepEqual(
                    filter.keywords.map(({ keyword, wholeWord }) => ({ keyword, wholeWord })).sort((a, b) => a.keyword.localeCompare(b.keyword)),
                    [
                        { keyword: veg, wholeWord: false },
                        { keyword: kale, wholeWord: true },
                    ].sort((a, b) => a.keyword.localeCompare(b.keyword)),
                );
                assert.deepEqual(filter.statuses, []);

                const matching = await post(bob, `I grow ${veg}oli in the garden`);
                const partOfWord = await post(bob, `a ${kale}idoscope is not a vegetable`);
                const wholeWord = await post(bob, `${kale}, on the other hand, is`);

                const home = await inHome(alice, matching.id);
                assert.ok(home, "warn keeps the post in the timeline");
                const results = filteredIn(home, "home");
                assert.equal(results.length, 1, `filtered: ${JSON.stringify(home.filtered)}`);
                assert.equal(results[0].filter.id, filter.id);
                assert.equal(results[0].filter.title, "Vegetables");
                assert.equal(results[0].filter.filterAction, "warn");
                assert.deepEqual(results[0].keywordMatches, [veg]);

                assert.deepEqual(filteredIn(await inHome(alice, partOfWord.id), "home"), [], "whole_word: no match inside a word");
                assert.deepEqual(
                    filteredIn(await inHome(alice, wholeWord.id), "home").map((r) => r.keywordMatches),
                    [[kale]],
                );

                // The same in the other contexts it names: public timelines, threads.
                const local = await alice.client.v1.timelines.public.list({ local: true, limit: 40 });
                assert.equal(filteredIn(local.find((s) => s.id === matching.id), "public")[0]?.filter.id, filter.id);
                const reply = await post(bob, { status: "@alice replying", inReplyToId: matching.id });
                const thread = await alice.client.v1.statuses.$select(reply.id).context.fetch();
                assert.equal(filteredIn(thread.ancestors[0], "thread")[0]?.filter.id, filter.id);
                // Not for bob, whose filter it is not.
                assert.deepEqual(filteredIn(await inHome(bob, matching.id), "home"), []);

                // list, fetch, update.
                assert.ok(ids(await alice.client.v2.filters.list()).includes(filter.id));
                assert.equal((await alice.client.v2.filters.$select(filter.id).fetch()).title, "Vegetables");
                await rejectsWithStatus(bob.client.v2.filters.$select(filter.id).fetch(), 404, "someone else's filter");

                // hide: the post leaves the home timeline.
                const hidden = await alice.client.v2.filters.$select(filter.id).update({ filterAction: "hide" });
                assert.equal(hidden.filterAction, "hide");
                assert.equal(hidden.title, "Vegetables");
                assert.equal(await inHome(alice, matching.id), undefined, "hide removes it from home");
                assert.ok(await inHome(alice, partOfWord.id), "non-matching posts stay");
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
            await rejectsWithStatus(alice.client.v2.filters.$select(filter.id).fetch(), 404, "deleted filter");
        });

        test("contexts: a filter for public timelines leaves home alone", async () => {
            const { alice, bob } = await world();
            const word = uniqueWord("zucc");
            const filter = await alice.client.v2.filters.create({
                title: "Public only",
                context: ["public"],
                keywordsAttributes: [{ keyword: word }],
            });
            try {
                assert.equal(filter.filterAction, "warn", "warn is the default action");
                const s = await post(bob, `some ${word} here`);
                assert.deepEqual(filteredIn(await inHome(alice, s.id), "home"), []);
                const local = await alice.client.v1.timelines.public.list({ local: true, limit: 40 });
                assert.equal(filteredIn(local.find((x) => x.id === s.id), "public")[0]?.filter.id, filter.id);
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("a single post (GET /statuses/:id) carries `filtered` for the thread context", async () => {
            const { alice, bob } = await world();
            const word = uniqueWord("single");
            const filter = await alice.client.v2.filters.create({
                title: "Single",
                context: ["thread"],
                keywordsAttributes: [{ keyword: word }],
            });
            try {
                const s = await post(bob, `a post about ${word}`);
                // Mastodon's StatusSerializer#filtered: every matching filter of the viewer
                // (Account#status_matches_filters), also when the post is fetched alone, which is
                // how a client opens a post's own page.
                const single = await alice.client.v1.statuses.$select(s.id).fetch();
                assert.equal(
                    filteredIn(single, "thread")[0]?.filter.id,
                    filter.id,
                    `filtered: ${JSON.stringify(single.filtered)}`,
                );
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("keywords of a filter: add and list; expires_in", async () => {
            const { alice, bob } = await world();
            const filter = await alice.client.v2.filters.create({
                title: "Managed",
                context: ["home"],
                filterAction: "warn",
                expiresIn: 3600,
            });
            try {
                assert.ok(
                    Math.abs(Date.parse(filter.expiresAt) - (Date.now() + 3600_000)) < 120_000,
                    `expires_at ${filter.expiresAt}`,
                );
                assert.deepEqual(filter.keywords, []);
                const keyword = await alice.client.v2.filters.$select(filter.id).keywords.create({
                    keyword: "turnip",
                    wholeWord: true,
                });
                assert.equal(keyword.keyword, "turnip");
                assert.equal(keyword.wholeWord, true);
                assert.deepEqual(ids(await alice.client.v2.filters.$select(filter.id).keywords.list()), [keyword.id]);
                assert.deepEqual(ids((await alice.client.v2.filters.$select(filter.id).fetch()).keywords), [keyword.id]);
                const turnip = await post(bob, "turnip soup");
                assert.deepEqual(filteredIn(await inHome(alice, turnip.id), "home")[0]?.keywordMatches, ["turnip"]);
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("one keyword: fetch, update, remove at /api/v2/filters/keywords/:id", async () => {
            const { alice, bob } = await world();
            const filter = await alice.client.v2.filters.create({
                title: "Keyword paths",
                context: ["home"],
                keywordsAttributes: [{ keyword: "turnip", wholeWord: true }],
            });
            try {
                const [keyword] = filter.keywords;
                const fetched = await alice.client.v2.filters.keywords.$select(keyword.id).fetch();
                assert.equal(fetched.keyword, "turnip");
                const renamed = await alice.client.v2.filters.keywords.$select(keyword.id).update({ keyword: "parsnip" });
                assert.equal(renamed.keyword, "parsnip");
                const parsnip = await post(bob, "parsnip soup");
                assert.deepEqual(filteredIn(await inHome(alice, parsnip.id), "home")[0]?.keywordMatches, ["parsnip"]);
                await alice.client.v2.filters.keywords.$select(keyword.id).remove();
                assert.deepEqual(await alice.client.v2.filters.$select(filter.id).keywords.list(), []);
                assert.deepEqual(filteredIn(await inHome(alice, parsnip.id), "home"), []);
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("post filters: add and list; the post comes back with status_matches", async () => {
            const { alice, bob } = await world();
            const filter = await alice.client.v2.filters.create({ title: "Posts", context: ["home"] });
            try {
                const target = await post(bob, "a post alice would rather not see");
                const fs = await alice.client.v2.filters.$select(filter.id).statuses.create({ statusId: target.id });
                assert.equal(fs.statusId, target.id);
                assert.deepEqual(ids(await alice.client.v2.filters.$select(filter.id).statuses.list()), [fs.id]);
                const flagged = filteredIn(await inHome(alice, target.id), "home");
                assert.equal(flagged[0]?.filter.id, filter.id);
                assert.deepEqual(flagged[0].statusMatches, [target.id]);
                await rejectsWithStatus(
                    alice.client.v2.filters.$select(filter.id).statuses.create({ statusId: target.id }),
                    422,
                    "the same post twice",
                );
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("one post filter: fetch, remove at /api/v2/filters/statuses/:id", async () => {
            const { alice, bob } = await world();
            const filter = await alice.client.v2.filters.create({ title: "Post paths", context: ["home"] });
            try {
                const target = await post(bob, "another post to filter");
                const fs = await alice.client.v2.filters.$select(filter.id).statuses.create({ statusId: target.id });
                const fetched = await alice.client.v2.filters.statuses.$select(fs.id).fetch();
                assert.equal(fetched.statusId, target.id);
                await alice.client.v2.filters.statuses.$select(fs.id).remove();
                assert.deepEqual(await alice.client.v2.filters.$select(filter.id).statuses.list(), []);
                assert.deepEqual(filteredIn(await inHome(alice, target.id), "home"), []);
            } finally {
                await alice.client.v2.filters.$select(filter.id).remove();
            }
        });

        test("an invalid filter is 422", async () => {
            const { alice } = await world();
            await rejectsWithStatus(
                alice.client.v2.filters.create({ title: "", context: ["home"] }),
                422,
                "filter without a title",
            );
            await rejectsWithStatus(
                alice.client.v2.filters.create({ title: "No context", context: [] }),
                422,
                "filter without a context",
            );
        });
    });
