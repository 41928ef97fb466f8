// Timelines: home, public (local), hashtag and profile, and paging through them with
// masto.js paginators (which follow the Link header's `next`, or `prev` when asked).

import { assert, describe, ids, pages, post, test, uniqueWord, world } from "./harness.mjs";

export default () =>
    describe("timelines", () => {
        test("hashtag timeline pages with Link next and prev: every post once, in order", async () => {
            const { alice, bob, carol } = await world();
            const tag = uniqueWord("page");
            const posts = [];
            for (let i = 1; i <= 5; i++) {
                posts.push(await post(i % 2 ? alice : bob, `post ${i} #${tag}`));
            }
            const newestFirst = ids(posts).reverse();

            // next: [5,4] [3,2] [1] (and possibly a last empty page).
            const paged = await pages(carol.client.v1.timelines.tag.$select(tag).list({ limit: 2 }));
            assert.deepEqual(paged.slice(0, 3).map((p) => p.length), [2, 2, 1]);
            assert.ok(paged.slice(3).every((p) => p.length === 0), "nothing after the last post");
            assert.deepEqual(ids(paged.flat()), newestFirst);

            // Driving the iterator by hand, as Elk's "load more" does.
            const it = carol.client.v1.timelines.tag.$select(tag).list({ limit: 3 }).values();
            const first = await it.next();
            const second = await it.next();
            assert.deepEqual(ids(first.value), newestFirst.slice(0, 3));
            assert.deepEqual(ids(second.value), newestFirst.slice(3));

            // prev (newer posts, as when refreshing): from min_id = the oldest post, the two just
            // above it, then the next two, then nothing.
            const newer = await pages(
                carol.client.v1.timelines.tag.$select(tag).list({ limit: 2, minId: posts[0].id }).setDirection("prev"),
            );
            const newerIds = ids(newer.flat());
            assert.equal(new Set(newerIds).size, newerIds.length, `no repeats: ${newerIds}`);
            assert.deepEqual([...newerIds].sort(), ids(posts.slice(1)).sort());
            assert.deepEqual(ids(newer[0]), [posts[2].id, posts[1].id], "min_id answers the posts just above it");

            // since_id: the newest posts above it, newest first.
            const since = await carol.client.v1.timelines.tag.$select(tag).list({ sinceId: posts[2].id });
            assert.deepEqual(ids(since), [posts[4].id, posts[3].id]);
            // max_id: strictly below.
            const below = await carol.client.v1.timelines.tag.$select(tag).list({ maxId: posts[2].id });
            assert.deepEqual(ids(below), [posts[1].id, posts[0].id]);
            // Tags match whatever the case.
            const upper = await carol.client.v1.timelines.tag.$select(tag.toUpperCase()).list();
            assert.deepEqual(ids(upper), newestFirst);
        });

        test("hashtag timeline: public posts only", async () => {
            const { alice, bob } = await world();
            const tag = uniqueWord("vistag");
            const pub = await post(alice, { status: `#${tag} public`, visibility: "public" });
            await post(alice, { status: `#${tag} unlisted`, visibility: "unlisted" });
            await post(alice, { status: `#${tag} private`, visibility: "private" });
            await post(alice, { status: `@bob #${tag} direct`, visibility: "direct" });
            // Even bob, who may see all four, gets only the public one here.
            assert.deepEqual(ids(await bob.client.v1.timelines.tag.$select(tag).list()), [pub.id]);
        });

        test("home timeline: own and followed posts in every visibility but direct to others, boosts", async () => {
            const { alice, bob, carol } = await world();
            const word = uniqueWord("home");
            const own = await post(alice, `${word} own`);
            const bPub = await post(bob, `${word} bob public`);
            const bUnl = await post(bob, { status: `${word} bob unlisted`, visibility: "unlisted" });
            const bPrv = await post(bob, { status: `${word} bob private`, visibility: "private" });
            const bDmCarol = await post(bob, { status: `@carol ${word} bob direct`, visibility: "direct" });
            const cPub = await post(carol, `${word} carol public`);
            const boost = await bob.client.v1.statuses.$select(cPub.id).reblog();
            try {
                const home = await alice.client.v1.timelines.home.list({ limit: 40 });
                const homeIds = ids(home);
                for (const [name, s] of Object.entries({ own, bPub, bUnl, bPrv, boost })) {
                    assert.ok(homeIds.includes(s.id), `${name} in alice's home`);
                }
                assert.ok(!homeIds.includes(bDmCarol.id), "bob's direct message to carol is not alice's");
                assert.ok(!homeIds.includes(cPub.id), "carol's post itself: alice does not follow carol");
                const boostEntry = home.find((s) => s.id === boost.id);
                assert.equal(boostEntry.reblog?.id, cPub.id);
                assert.equal(boostEntry.account.id, bob.id);
                // Newest first.
                const positions = [own, bPub, bUnl, bPrv, boost].map((s) => homeIds.indexOf(s.id));
                assert.deepEqual(positions, [...positions].sort((a, b) => b - a));
                // Carol's home has her own post but nothing of alice's or bob's (she follows neither).
                const carolHome = ids(await carol.client.v1.timelines.home.list({ limit: 40 }));
                assert.ok(carolHome.includes(cPub.id));
                assert.ok(!carolHome.includes(own.id) && !carolHome.includes(bPub.id));
            } finally {
                await bob.client.v1.statuses.$select(cPub.id).unreblog();
            }
        });

        test("home timeline pages without repeats (for await, and .next())", async () => {
            const { alice, bob } = await world();
            const word = uniqueWord("hpage");
            const posts = [];
            for (let i = 0; i < 5; i++) posts.push(await post(alice, `${word} ${i}`));
            const wanted = new Set(ids(posts));
            const seen = [];
            let pageCount = 0;
            for await (const page of bob.client.v1.timelines.home.list({ limit: 2 })) {
                pageCount += 1;
                assert.ok(page.length <= 2);
                seen.push(...ids(page));
                if ([...wanted].every((id) => seen.includes(id)) || pageCount > 20) break;
            }
            assert.equal(new Set(seen).size, seen.length, "no status twice");
            assert.deepEqual(seen.slice(0, 5), ids(posts).reverse(), "the five newest, newest first");
            for (let i = 1; i < seen.length; i++) {
                assert.ok(BigInt(seen[i]) < BigInt(seen[i - 1]), "ids strictly decrease across pages");
            }
            assert.equal(pageCount, 3);
        });

        test("public timeline local=true: public posts only; remote=true: no local posts", async () => {
            const { alice, carol } = await world();
            const word = uniqueWord("pubtl");
            const pub = await post(alice, { status: `${word} public`, visibility: "public" });
            const unl = await post(alice, { status: `${word} unlisted`, visibility: "unlisted" });
            const prv = await post(alice, { status: `${word} private`, visibility: "private" });
            const reply = await post(alice, { status: `${word} reply`, inReplyToId: pub.id });
            const local = ids(await carol.client.v1.timelines.public.list({ local: true, limit: 40 }));
            assert.ok(local.includes(pub.id));
            assert.ok(local.includes(reply.id), "public replies are in the public timeline");
            assert.ok(!local.includes(unl.id), "unlisted is not in public timelines");
            assert.ok(!local.includes(prv.id));
            const federated = ids(await carol.client.v1.timelines.public.list({ limit: 40 }));
            assert.ok(federated.includes(pub.id));
            assert.ok(!federated.includes(unl.id));
            assert.deepEqual(await carol.client.v1.timelines.public.list({ remote: true }), []);

            // Boosts are not in public timelines.
            const boost = await carol.client.v1.statuses.$select(pub.id).reblog();
            try {
                const withBoost = ids(await carol.client.v1.timelines.public.list({ local: true, limit: 40 }));
                assert.ok(!withBoost.includes(boost.id), "a boost is not a public timeline entry");
            } finally {
                await carol.client.v1.statuses.$select(pub.id).unreblog();
            }

            // Ten pages of three: every id once, each older than the one before.
            const seen = [];
            let count = 0;
            for await (const page of carol.client.v1.timelines.public.list({ local: true, limit: 3 })) {
                assert.ok(page.length <= 3);
                seen.push(...ids(page));
                if (++count === 10) break;
            }
            assert.equal(new Set(seen).size, seen.length, "no repeats across public pages");
            for (let i = 1; i < seen.length; i++) {
                assert.ok(BigInt(seen[i]) < BigInt(seen[i - 1]), "ids strictly decrease across pages");
            }
            assert.equal(seen[0], reply.id, "the newest public post first");
            assert.equal(seen[1], pub.id);
        });

        test("account statuses: exclude_replies (self-replies stay), exclude_reblogs, tagged", async () => {
            const { server, bob } = await world();
            const quill = await server.createMember("quill");
            const tag = uniqueWord("acct");
            const plain = await post(quill, `plain #${tag}`);
            // Mastodon's Status.without_replies keeps replies to oneself (threads).
            const selfReply = await post(quill, { status: "continuing my thread", inReplyToId: plain.id });
            const bobPost = await post(bob, "something to boost and answer");
            const reply = await post(quill, { status: "@bob a reply to bob", inReplyToId: bobPost.id });
            const boost = await quill.client.v1.statuses.$select(bobPost.id).reblog();
            const list = (params) => bob.client.v1.accounts.$select(quill.id).statuses.list(params);
            assert.deepEqual(ids(await list()), [boost.id, reply.id, selfReply.id, plain.id]);
            assert.deepEqual(ids(await list({ excludeReplies: true })), [boost.id, selfReply.id, plain.id]);
            assert.deepEqual(ids(await list({ excludeReblogs: true })), [reply.id, selfReply.id, plain.id]);
            assert.deepEqual(ids(await list({ tagged: tag })), [plain.id]);
            const paged = await pages(bob.client.v1.accounts.$select(quill.id).statuses.list({ limit: 3 }));
            assert.deepEqual(ids(paged.flat()), [boost.id, reply.id, selfReply.id, plain.id]);
            // Mastodon counts boosts in statuses_count (Status#increment_counter_caches), not
            // direct messages.
            await post(quill, { status: "@bob direct", visibility: "direct" });
            assert.equal((await bob.client.v1.accounts.$select(quill.id).fetch()).statusesCount, 4);
        });
    });
