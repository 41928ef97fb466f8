// Notifications of every kind the local server makes (mention, favourite, reblog, follow,
// follow_request, update), with types/exclude_types, one by id, dismiss, clear, paging;
// reading markers.

import { assert, describe, ids, pages, post, rejectsWithStatus, test, world } from "./harness.mjs";

export default () =>
    describe("notifications", () => {
        // nell receives one notification of each kind; the tests below read (and finally clear)
        // them. Set up on first use, so that any one test can also run alone.
        let setup = null;
        const nellAndExpected = () => {
            setup ??= (async () => {
                const { server, bob, carol } = await world();
                const nell = await server.createMember("nell");
                assert.deepEqual(await nell.client.v1.notifications.list(), [], "a new member has none");

                await bob.client.v1.accounts.$select(nell.id).follow();
                const nellPost = await post(nell, "nell's post");
                const mention = await post(bob, "@nell hello there");
                await bob.client.v1.statuses.$select(nellPost.id).favourite();
                await bob.client.v1.statuses.$select(nellPost.id).reblog();
                // update: Mastodon tells those who boosted a post that it was edited.
                const bobPost = await post(bob, "bob's post, soon edited");
                await nell.client.v1.statuses.$select(bobPost.id).reblog();
                await bob.client.v1.statuses.$select(bobPost.id).update({ status: "bob's post, edited" });
                // follow_request: nell locks her account; carol asks.
                await nell.client.v1.accounts.updateCredentials({ locked: true });
                const requested = await carol.client.v1.accounts.$select(nell.id).follow();
                assert.equal(requested.requested, true);

                const expected = {
                    follow_request: { account: carol.id, status: null },
                    update: { account: bob.id, status: bobPost.id },
                    reblog: { account: bob.id, status: nellPost.id },
                    favourite: { account: bob.id, status: nellPost.id },
                    mention: { account: bob.id, status: mention.id },
                    follow: { account: bob.id, status: null },
                };
                return { nell, expected };
            })();
            return setup;
        };

        test("each kind of notification arrives, with its account and status", async () => {
            const { nell, expected } = await nellAndExpected();
            const all = await nell.client.v1.notifications.list({ limit: 30 });
            assert.deepEqual(
                all.map((n) => n.type),
                Object.keys(expected),
                "one of each, newest first",
            );
            for (const n of all) {
                assert.equal(n.account.id, expected[n.type].account, `${n.type} account`);
                assert.equal(n.status?.id ?? null, expected[n.type].status, `${n.type} status`);
                assert.equal(typeof n.createdAt, "string");
            }
            const reblog = all.find((n) => n.type === "reblog");
            assert.equal(reblog.status.reblog, null, "a reblog notification carries the original post");
            const update = all.find((n) => n.type === "update");
            assert.match(update.status.content, /edited/);
        });

        test("types[] and exclude_types[] select kinds", async () => {
            const { nell } = await nellAndExpected();
            const mentions = await nell.client.v1.notifications.list({ types: ["mention"] });
            assert.deepEqual(mentions.map((n) => n.type), ["mention"]);
            assert.ok(mentions[0].status.mentions.some((m) => m.id === nell.id));

            const two = await nell.client.v1.notifications.list({ types: ["favourite", "reblog"] });
            assert.deepEqual(two.map((n) => n.type), ["reblog", "favourite"]);

            const excluded = await nell.client.v1.notifications.list({
                excludeTypes: ["follow", "follow_request", "update"],
            });
            assert.deepEqual(excluded.map((n) => n.type), ["reblog", "favourite", "mention"]);

            const follows = await nell.client.v1.notifications.list({
                types: ["follow", "follow_request", "mention"],
                excludeTypes: ["mention"],
            });
            assert.deepEqual(follows.map((n) => n.type), ["follow_request", "follow"]);
        });

        test("paging through notifications with limit: every one once", async () => {
            const { nell, expected } = await nellAndExpected();
            const paged = await pages(nell.client.v1.notifications.list({ limit: 4 }));
            assert.deepEqual(paged[0].length, 4);
            const types = paged.flat().map((n) => n.type);
            assert.deepEqual(types, Object.keys(expected));
        });

        test("get one, dismiss one, undoing a favourite withdraws its notification, clear", async () => {
            const { bob } = await world();
            const { nell, expected } = await nellAndExpected();
            const [favourite] = await nell.client.v1.notifications.list({ types: ["favourite"] });
            const one = await nell.client.v1.notifications.$select(favourite.id).fetch();
            assert.equal(one.id, favourite.id);
            assert.equal(one.type, "favourite");
            assert.equal(one.status.id, expected.favourite.status);
            // Someone else's notification is not found.
            await rejectsWithStatus(bob.client.v1.notifications.$select(favourite.id).fetch(), 404, "another's notification");

            await nell.client.v1.notifications.$select(favourite.id).dismiss();
            await rejectsWithStatus(nell.client.v1.notifications.$select(favourite.id).fetch(), 404, "dismissed");
            assert.ok(!(await nell.client.v1.notifications.list()).some((n) => n.type === "favourite"));

            // Mastodon destroys a favourite's notification with the favourite.
            const another = await post(nell, "favourite and take back");
            await bob.client.v1.statuses.$select(another.id).favourite();
            const withFav = await nell.client.v1.notifications.list({ types: ["favourite"] });
            assert.deepEqual(withFav.map((n) => n.status.id), [another.id]);
            await bob.client.v1.statuses.$select(another.id).unfavourite();
            assert.deepEqual(await nell.client.v1.notifications.list({ types: ["favourite"] }), []);

            await nell.client.v1.notifications.clear();
            assert.deepEqual(await nell.client.v1.notifications.list(), []);
            // New ones still arrive after a clear.
            const later = await post(bob, "@nell after the clear");
            assert.deepEqual(ids((await nell.client.v1.notifications.list()).map((n) => n.status)), [later.id]);
        });

        test("markers: empty at first, set per timeline, version increases", async () => {
            const { server } = await world();
            const mo = await server.createMember("mo");
            const none = await mo.client.v1.markers.fetch({ timeline: ["home", "notifications"] });
            assert.deepEqual(none, {});

            const p1 = await post(mo, "marker one");
            const p2 = await post(mo, "marker two");
            const set = await mo.client.v1.markers.create({ home: { lastReadId: p1.id } });
            assert.equal(set.home.lastReadId, p1.id);
            assert.equal(typeof set.home.version, "number");
            assert.equal(typeof set.home.updatedAt, "string");
            assert.equal(set.notifications, undefined);

            const fetched = await mo.client.v1.markers.fetch({ timeline: ["home", "notifications"] });
            assert.equal(fetched.home.lastReadId, p1.id);
            assert.equal(fetched.home.version, set.home.version);
            assert.equal(fetched.notifications, undefined);

            const moved = await mo.client.v1.markers.create({
                home: { lastReadId: p2.id },
                notifications: { lastReadId: "12345" },
            });
            assert.equal(moved.home.lastReadId, p2.id);
            assert.equal(moved.home.version, set.home.version + 1);
            assert.equal(moved.notifications.lastReadId, "12345");

            const onlyNotifications = await mo.client.v1.markers.fetch({ timeline: ["notifications"] });
            assert.deepEqual(Object.keys(onlyNotifications), ["notifications"]);
            assert.equal(onlyNotifications.notifications.lastReadId, "12345");
        });
    });
