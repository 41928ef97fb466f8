// Search v2: accounts, hashtags, posts (only those the searcher may see), paging by offset,
// and resolving a local post or profile URL (what a client does with a pasted link).

import { assert, describe, ids, post, test, uniqueWord, world } from "./harness.mjs";

export default () =>
    describe("search v2", () => {
        test("accounts: by name, with @, type=accounts leaves the other lists empty", async () => {
            const { server, carol, bob } = await world();
            const result = await carol.client.v2.search.list({ q: "bob", type: "accounts" });
            assert.ok(ids(result.accounts).includes(bob.id));
            assert.deepEqual(result.statuses, []);
            assert.deepEqual(result.hashtags, []);
            const withAt = await carol.client.v2.search.list({ q: "@bob", type: "accounts" });
            assert.equal(withAt.accounts[0]?.id, bob.id, "the exact match first");
            const qualified = await carol.client.v2.search.list({ q: `@bob@${server.domain}`, type: "accounts" });
            assert.deepEqual(ids(qualified.accounts), [bob.id]);
            assert.deepEqual((await carol.client.v2.search.list({ q: "zzznobodyzzz", type: "accounts" })).accounts, []);
        });

        test("accounts: limit and offset page without overlap", async () => {
            const { server, carol } = await world();
            const prefix = uniqueWord("srch");
            const made = [];
            for (let i = 0; i < 3; i++) made.push(await server.createMember(`${prefix}${i}`));
            const first = await carol.client.v2.search.list({ q: prefix, type: "accounts", limit: 2 });
            const second = await carol.client.v2.search.list({ q: prefix, type: "accounts", limit: 2, offset: 2 });
            assert.equal(first.accounts.length, 2);
            assert.equal(second.accounts.length, 1);
            assert.deepEqual(
                [...ids(first.accounts), ...ids(second.accounts)].sort(),
                ids(made).sort(),
            );
        });

        test("hashtags: by prefix, with or without #, named as posted", async () => {
            const { server, alice, carol } = await world();
            const tag = uniqueWord("Garden");
            await post(alice, `tips for the #${tag}`);
            for (const q of [`#${tag}`, tag.toLowerCase(), `#${tag.slice(0, -2)}`]) {
                const result = await carol.client.v2.search.list({ q, type: "hashtags" });
                const found = result.hashtags.find((h) => h.name.toLowerCase() === tag.toLowerCase());
                assert.ok(found, `hashtag found by ${q}: ${JSON.stringify(result.hashtags)}`);
                assert.equal(found.url.toLowerCase(), `${server.url}/tags/${tag}`.toLowerCase());
                assert.ok(Array.isArray(found.history));
                assert.deepEqual(result.accounts, []);
            }
        });

        test("no type: accounts, hashtags and statuses together", async () => {
            const { alice, carol } = await world();
            const word = uniqueWord("mixed");
            const s = await post(alice, `#${word} and ${word}`);
            const result = await carol.client.v2.search.list({ q: word });
            assert.ok(Array.isArray(result.accounts));
            assert.ok(result.hashtags.some((h) => h.name.toLowerCase() === word));
            assert.deepEqual(ids(result.statuses), [s.id]);
        });

        test("statuses: only posts the searcher may see", async () => {
            const { alice, bob, carol } = await world();
            const word = uniqueWord("needle");
            const pub = await post(alice, `${word} in public`);
            const prv = await post(alice, { status: `${word} for followers`, visibility: "private" });
            const find = async (member) =>
                ids((await member.client.v2.search.list({ q: word, type: "statuses" })).statuses);
            assert.deepEqual((await find(alice)).sort(), [pub.id, prv.id].sort());
            assert.deepEqual((await find(bob)).sort(), [pub.id, prv.id].sort());
            assert.deepEqual(await find(carol), [pub.id]);
        });

        // Mastodon's SearchService hands an http(s) query with resolve=true to ResolveURLService,
        // which recognizes the server's own post and profile URLs; Elk and Phanpy search this
        // way when someone pastes a link.
        test("resolve=true with a local post URL finds the post", async () => {
            const { alice, carol } = await world();
            const s = await post(alice, "find me by my link");
            const byUrl = await carol.client.v2.search.list({ q: s.url, resolve: true });
            assert.deepEqual(ids(byUrl.statuses), [s.id]);
            const typed = await carol.client.v2.search.list({ q: s.url, resolve: true, type: "statuses" });
            assert.deepEqual(ids(typed.statuses), [s.id]);
        });

        test("resolve=true with a local profile URL finds the account", async () => {
            const { server, alice, carol } = await world();
            const profile = await carol.client.v2.search.list({ q: `${server.url}/@alice`, resolve: true });
            assert.deepEqual(ids(profile.accounts), [alice.id]);
        });

        test("resolve=true with a private post's URL finds nothing for a non-follower", async () => {
            const { alice, carol } = await world();
            const s = await post(alice, { status: "private link", visibility: "private" });
            const result = await carol.client.v2.search.list({ q: s.url, resolve: true });
            assert.deepEqual(result.statuses, []);
        });
    });
