// Accounts: credentials, profiles, lookup and search, relationships, following (including
// a locked account's follow requests), follower and following lists.

import { assert, describe, ids, pages, rejectsWithStatus, test, world } from "./harness.mjs";

export default () =>
    describe("accounts", () => {
        test("verify_credentials: the member's own account with its source", async () => {
            const { server, alice } = await world();
            const me = await alice.client.v1.accounts.verifyCredentials();
            assert.equal(me.id, alice.id);
            assert.equal(me.username, "alice");
            assert.equal(me.acct, "alice", "local accounts have a bare acct");
            assert.equal(me.url, `${server.url}/@alice`);
            assert.equal(me.locked, false);
            assert.equal(me.bot, false);
            assert.equal(me.followersCount, 1, "bob follows alice");
            assert.equal(me.followingCount, 1, "alice follows bob");
            assert.equal(me.source.privacy, "public");
            assert.equal(me.source.sensitive, false);
            assert.equal(typeof me.source.note, "string");
            assert.ok(Array.isArray(me.source.fields));
            assert.equal(typeof me.avatar, "string");
            assert.equal(typeof me.header, "string");
            assert.match(me.createdAt, /^\d{4}-\d\d-\d\dT00:00:00(\.000)?Z$/, "created_at is a day");
        });

        test("verify_credentials without a token is 401", async () => {
            const { server } = await world();
            await rejectsWithStatus(
                server.anonymous().v1.accounts.verifyCredentials(),
                401,
                "verify_credentials signed out",
            );
        });

        test("update_credentials (multipart PATCH): display name, note, fields, locked", async () => {
            const { alice, bob } = await world();
            const updated = await alice.client.v1.accounts.updateCredentials({
                displayName: "Alice Liddell",
                note: "Down the rabbit hole & <back>",
                fieldsAttributes: [{ name: "Pronouns", value: "she/her" }],
            });
            assert.equal(updated.displayName, "Alice Liddell");
            assert.equal(updated.source.note, "Down the rabbit hole & <back>");
            assert.match(updated.note, /^<p>Down the rabbit hole &amp; &lt;back&gt;<\/p>$/);
            assert.deepEqual(
                updated.fields.map(({ name, value }) => ({ name, value })),
                [{ name: "Pronouns", value: "she/her" }],
            );
            assert.deepEqual(
                updated.source.fields.map(({ name, value }) => ({ name, value })),
                [{ name: "Pronouns", value: "she/her" }],
            );

            // Others see the new profile.
            const seen = await bob.client.v1.accounts.$select(alice.id).fetch();
            assert.equal(seen.displayName, "Alice Liddell");
            assert.equal(seen.note, updated.note);
            assert.equal(seen.source, undefined, "source is only for the owner");

            // Only the fields sent change: locked on, then off, leaves the display name alone.
            const locked = await alice.client.v1.accounts.updateCredentials({ locked: true });
            assert.equal(locked.locked, true);
            assert.equal(locked.displayName, "Alice Liddell");
            assert.equal((await alice.client.v1.accounts.verifyCredentials()).locked, true);
            const unlocked = await alice.client.v1.accounts.updateCredentials({ locked: false });
            assert.equal(unlocked.locked, false);
            assert.equal(unlocked.source.note, "Down the rabbit hole & <back>");
        });

        test("update_credentials rejects a display name over 30 characters (422)", async () => {
            const { alice } = await world();
            await rejectsWithStatus(
                alice.client.v1.accounts.updateCredentials({ displayName: "x".repeat(31) }),
                422,
                "31-character display name",
            );
            assert.equal((await alice.client.v1.accounts.verifyCredentials()).displayName, "Alice Liddell");
        });

        test("fetch an account by id; an unknown id is 404", async () => {
            const { carol, bob } = await world();
            const account = await carol.client.v1.accounts.$select(bob.id).fetch();
            assert.equal(account.id, bob.id);
            assert.equal(account.acct, "bob");
            await rejectsWithStatus(carol.client.v1.accounts.$select("1234567").fetch(), 404, "unknown id");
        });

        test("lookup by acct, bare and with the local domain; unknown is 404", async () => {
            const { server, carol, bob } = await world();
            const bare = await carol.client.v1.accounts.lookup({ acct: "bob" });
            assert.equal(bare.id, bob.id);
            const qualified = await carol.client.v1.accounts.lookup({ acct: `bob@${server.domain}` });
            assert.equal(qualified.id, bob.id);
            const signedOut = await server.anonymous().v1.accounts.lookup({ acct: "bob" });
            assert.equal(signedOut.id, bob.id);
            await rejectsWithStatus(
                carol.client.v1.accounts.lookup({ acct: "nobodyhere" }),
                404,
                "lookup of a missing account",
            );
        });

        test("accounts search: by prefix, limit, following=true", async () => {
            const { alice, bob, carol } = await world();
            const found = await alice.client.v1.accounts.search.list({ q: "car", limit: 5 });
            assert.ok(ids(found).includes(carol.id), "carol found by 'car'");
            assert.ok(!ids(found).includes(bob.id), "bob does not match 'car'");
            assert.ok(found.length <= 5);
            // following=true: only accounts alice follows (bob, not carol).
            const followed = await alice.client.v1.accounts.search.list({ q: "bob", following: true });
            assert.deepEqual(ids(followed), [bob.id]);
            const notFollowed = await alice.client.v1.accounts.search.list({ q: "carol", following: true });
            assert.deepEqual(ids(notFollowed), []);
            const limited = await alice.client.v1.accounts.search.list({ q: "a", limit: 1 });
            assert.equal(limited.length, 1);
        });

        test("relationships: several ids in order, every field", async () => {
            const { alice, bob, carol } = await world();
            const rels = await alice.client.v1.accounts.relationships.fetch({ id: [bob.id, carol.id] });
            assert.deepEqual(ids(rels), [bob.id, carol.id]);
            const [withBob, withCarol] = rels;
            assert.equal(withBob.following, true);
            assert.equal(withBob.followedBy, true);
            assert.equal(withBob.showingReblogs, true);
            assert.equal(withBob.notifying, false);
            assert.equal(withBob.requested, false);
            assert.equal(withBob.blocking, false);
            assert.equal(withBob.blockedBy, false);
            assert.equal(withBob.muting, false);
            assert.equal(withBob.mutingNotifications, false);
            assert.equal(withBob.domainBlocking, false);
            assert.equal(withBob.endorsed, false);
            assert.equal(typeof withBob.note, "string");
            for (const key of ["following", "followedBy", "requested", "blocking", "muting"]) {
                assert.equal(withCarol[key], false, `carol ${key}`);
            }
        });

        test("follow and unfollow: relationship, options, counts, follower lists", async () => {
            const { server, alice } = await world();
            const erin = await server.createMember("erin");
            const followed = await alice.client.v1.accounts.$select(erin.id).follow();
            assert.equal(followed.id, erin.id);
            assert.equal(followed.following, true);
            assert.equal(followed.followedBy, false);
            assert.equal(followed.requested, false);
            assert.equal(followed.showingReblogs, true);

            // Following again changes the options (Mastodon: reblogs, notify).
            const options = await alice.client.v1.accounts.$select(erin.id).follow({
                reblogs: false,
                notify: true,
            });
            assert.equal(options.following, true);
            assert.equal(options.showingReblogs, false);
            assert.equal(options.notifying, true);

            const [fromErin] = await erin.client.v1.accounts.relationships.fetch({ id: [alice.id] });
            assert.equal(fromErin.followedBy, true);
            assert.equal(fromErin.following, false);

            assert.deepEqual(ids(await erin.client.v1.accounts.$select(erin.id).followers.list()), [alice.id]);
            assert.ok(ids(await erin.client.v1.accounts.$select(alice.id).following.list()).includes(erin.id));
            assert.equal((await alice.client.v1.accounts.$select(erin.id).fetch()).followersCount, 1);

            const unfollowed = await alice.client.v1.accounts.$select(erin.id).unfollow();
            assert.equal(unfollowed.following, false);
            assert.deepEqual(await erin.client.v1.accounts.$select(erin.id).followers.list(), []);
            assert.ok(!ids(await erin.client.v1.accounts.$select(alice.id).following.list()).includes(erin.id));
            assert.equal((await alice.client.v1.accounts.$select(erin.id).fetch()).followersCount, 0);
        });

        test("following oneself is refused", async () => {
            const { alice } = await world();
            const error = await alice.client.v1.accounts.$select(alice.id).follow().then(
                () => null,
                (e) => e,
            );
            assert.ok(error, "following oneself must fail");
            assert.equal(error.statusCode, 404, "Mastodon: FollowService raises RecordNotFound for oneself");
        });

        test("followers/following lists page through the Link header, newest first, no repeats", async () => {
            const { server } = await world();
            const star = await server.createMember("star");
            const fans = [];
            for (let i = 0; i < 3; i++) {
                const fan = await server.createMember(server.uniqueName("fan"));
                const rel = await fan.client.v1.accounts.$select(star.id).follow();
                assert.equal(rel.following, true);
                fans.push(fan);
            }
            const paged = await pages(star.client.v1.accounts.$select(star.id).followers.list({ limit: 2 }));
            assert.ok(paged.every((page) => page.length <= 2), `page sizes ${paged.map((p) => p.length)}`);
            assert.equal(paged[0].length, 2);
            const all = paged.flat();
            assert.deepEqual(ids(all), ids(fans).reverse(), "every follower once, most recent first");

            const following = await pages(fans[0].client.v1.accounts.$select(fans[0].id).following.list({ limit: 1 }));
            assert.deepEqual(ids(following.flat()), [star.id]);
        });

        test("locked account: follow request, authorize, reject", async () => {
            const { alice, bob, carol } = await world();
            const locked = await carol.client.v1.accounts.updateCredentials({ locked: true });
            assert.equal(locked.locked, true);
            try {
                const requested = await alice.client.v1.accounts.$select(carol.id).follow();
                assert.equal(requested.requested, true, "alice's follow is a request");
                assert.equal(requested.following, false);
                const bobRequested = await bob.client.v1.accounts.$select(carol.id).follow();
                assert.equal(bobRequested.requested, true);

                const [carolSide] = await carol.client.v1.accounts.relationships.fetch({ id: [alice.id] });
                assert.equal(carolSide.requestedBy, true, "requested_by (Mastodon 4.1+)");
                assert.equal(carolSide.followedBy, false);

                const pending = await carol.client.v1.followRequests.list();
                assert.deepEqual(ids(pending).sort(), [alice.id, bob.id].sort());

                const authorized = await carol.client.v1.followRequests.$select(alice.id).authorize();
                assert.equal(authorized.id, alice.id);
                assert.equal(authorized.followedBy, true);
                assert.equal(authorized.requestedBy ?? false, false);

                const rejected = await carol.client.v1.followRequests.$select(bob.id).reject();
                assert.equal(rejected.id, bob.id);
                assert.equal(rejected.followedBy, false);

                const [aliceSide, bobSide] = await Promise.all([
                    alice.client.v1.accounts.relationships.fetch({ id: [carol.id] }),
                    bob.client.v1.accounts.relationships.fetch({ id: [carol.id] }),
                ]);
                assert.equal(aliceSide[0].following, true);
                assert.equal(aliceSide[0].requested, false);
                assert.equal(bobSide[0].following, false);
                assert.equal(bobSide[0].requested, false);

                assert.deepEqual(await carol.client.v1.followRequests.list(), []);
                assert.deepEqual(ids(await carol.client.v1.accounts.$select(carol.id).followers.list()), [alice.id]);

                // Authorizing a request that does not exist is 404.
                await rejectsWithStatus(
                    carol.client.v1.followRequests.$select(bob.id).authorize(),
                    404,
                    "authorize without a request",
                );
            } finally {
                await alice.client.v1.accounts.$select(carol.id).unfollow();
                await bob.client.v1.accounts.$select(carol.id).unfollow();
                await carol.client.v1.accounts.updateCredentials({ locked: false });
            }
            const [after] = await alice.client.v1.accounts.relationships.fetch({ id: [carol.id] });
            assert.equal(after.following, false);
        });
    });
