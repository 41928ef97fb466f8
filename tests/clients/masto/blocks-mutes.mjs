// Muting (timed, with and without notifications) and blocking, and what each does to the
// home timeline, notifications, visibility and follows.

import { assert, describe, ids, post, rejectsWithStatus, test, uniqueWord, world } from "./harness.mjs";

async function homeIds(member) {
    return ids(await member.client.v1.timelines.home.list({ limit: 40 }));
}

async function mentionNotified(member, statusId) {
    const mentions = await member.client.v1.notifications.list({ types: ["mention"], limit: 40 });
    return mentions.some((n) => n.status?.id === statusId);
}

export default () =>
    describe("mutes and blocks", () => {
        test("mute with a duration: relationship, mutes list with mute_expires_at, unmute", async () => {
            const { alice, carol } = await world();
            const started = Date.now();
            const rel = await alice.client.v1.accounts.$select(carol.id).mute({ duration: 3600 });
            try {
                assert.equal(rel.id, carol.id);
                assert.equal(rel.muting, true);
                assert.equal(rel.mutingNotifications, true, "notifications are muted by default");
                const mutes = await alice.client.v1.mutes.list();
                assert.deepEqual(ids(mutes), [carol.id]);
                const expires = Date.parse(mutes[0].muteExpiresAt);
                assert.ok(
                    Math.abs(expires - (started + 3600_000)) < 120_000,
                    `mute_expires_at ${mutes[0].muteExpiresAt} is about an hour from now`,
                );
                const [carolSide] = await carol.client.v1.accounts.relationships.fetch({ id: [alice.id] });
                assert.equal(carolSide.muting, false, "a mute is not visible to the muted");
            } finally {
                const undone = await alice.client.v1.accounts.$select(carol.id).unmute();
                assert.equal(undone.muting, false);
            }
            assert.deepEqual(await alice.client.v1.mutes.list(), []);
        });

        test("mute: the muted account leaves home and notifications; unmute brings the posts back", async () => {
            const { alice, bob } = await world();
            const before = await post(bob, "posted before the mute");
            await alice.client.v1.accounts.$select(bob.id).mute();
            let during;
            let mention;
            try {
                during = await post(bob, "posted during the mute");
                mention = await post(bob, "@alice you will not hear this");
                const home = await homeIds(alice);
                assert.ok(!home.includes(before.id), "older posts of the muted account are hidden");
                assert.ok(!home.includes(during.id));
                assert.ok(!home.includes(mention.id));
                assert.equal(await mentionNotified(alice, mention.id), false, "no mention notification");
                // A mute hides, it does not forbid: the post itself is still readable.
                assert.equal((await alice.client.v1.statuses.$select(during.id).fetch()).id, during.id);
                // Still following each other.
                const [rel] = await alice.client.v1.accounts.relationships.fetch({ id: [bob.id] });
                assert.equal(rel.following, true);
                assert.equal(rel.muting, true);
            } finally {
                await alice.client.v1.accounts.$select(bob.id).unmute();
            }
            const home = await homeIds(alice);
            assert.ok(home.includes(before.id) && home.includes(during.id), "back after unmuting");
        });

        test("mute with notifications=false hides posts but not notifications", async () => {
            const { alice, bob } = await world();
            const rel = await alice.client.v1.accounts.$select(bob.id).mute({ notifications: false });
            try {
                assert.equal(rel.muting, true);
                assert.equal(rel.mutingNotifications, false);
                const mention = await post(bob, "@alice this one you hear");
                assert.equal(await mentionNotified(alice, mention.id), true);
                assert.ok(!(await homeIds(alice)).includes(mention.id));
            } finally {
                await alice.client.v1.accounts.$select(bob.id).unmute();
            }
        });

        test("block: relationship both ways, follows broken, posts and notifications cut off", async () => {
            const { alice, carol } = await world();
            const word = uniqueWord("blk");
            const followed = await carol.client.v1.accounts.$select(alice.id).follow();
            assert.equal(followed.following, true);
            const alicePost = await post(alice, `${word} alice public`);
            try {
                const rel = await alice.client.v1.accounts.$select(carol.id).block();
                assert.equal(rel.blocking, true);
                assert.equal(rel.followedBy, false, "blocking removes the blocked account's follow");
                assert.deepEqual(ids(await alice.client.v1.blocks.list()), [carol.id]);

                const [carolSide] = await carol.client.v1.accounts.relationships.fetch({ id: [alice.id] });
                assert.equal(carolSide.blockedBy, true);
                assert.equal(carolSide.following, false);
                assert.ok(!ids(await alice.client.v1.accounts.$select(alice.id).followers.list()).includes(carol.id));

                // Carol may not see alice's posts, profile posts, or follow her again.
                await rejectsWithStatus(carol.client.v1.statuses.$select(alicePost.id).fetch(), 404, "blocked viewer");
                assert.deepEqual(await carol.client.v1.accounts.$select(alice.id).statuses.list(), []);
                await rejectsWithStatus(carol.client.v1.accounts.$select(alice.id).follow(), 403, "follow by a blocked account");
                await rejectsWithStatus(carol.client.v1.statuses.$select(alicePost.id).favourite(), 404, "favourite by a blocked account");
                // Carol's mention does not reach alice.
                const mention = await post(carol, `@alice ${word} can you hear me`);
                assert.equal(await mentionNotified(alice, mention.id), false);
            } finally {
                const undone = await alice.client.v1.accounts.$select(carol.id).unblock();
                assert.equal(undone.blocking, false);
            }
            assert.deepEqual(await alice.client.v1.blocks.list(), []);
            assert.equal((await carol.client.v1.statuses.$select(alicePost.id).fetch()).id, alicePost.id);
            const [after] = await carol.client.v1.accounts.relationships.fetch({ id: [alice.id] });
            assert.equal(after.following, false, "unblocking does not restore the follow");
            assert.equal(after.blockedBy, false);
        });

        // Mastodon's FeedManager drops from a home feed every post by, boosting, or mentioning an
        // account the owner blocks or mutes (filter_from_home; clear_from_home on block/mute);
        // public timelines leave out that account's posts.
        for (const [action, undo, done] of [["block", "unblock", "blocked"], ["mute", "unmute", "muted"]]) {
            test(`${action}: boosts of and posts mentioning the ${done} account leave the timelines`, async () => {
                const { alice, bob, carol } = await world();
                const word = uniqueWord(action);
                const carolPost = await post(carol, `${word} carol public`);
                const boost = await bob.client.v1.statuses.$select(carolPost.id).reblog();
                const aboutCarol = await post(bob, `@carol ${word} hello carol`);
                const unrelated = await post(bob, `${word} unrelated`);
                try {
                    const before = await homeIds(alice);
                    assert.ok(before.includes(boost.id), `bob's boost of carol, before the ${action}`);
                    assert.ok(before.includes(aboutCarol.id), `bob's post to carol, before the ${action}`);

                    await alice.client.v1.accounts.$select(carol.id)[action]();
                    const during = await homeIds(alice);
                    assert.ok(during.includes(unrelated.id), "bob's other posts stay");
                    const wrong = [];
                    if (during.includes(boost.id)) wrong.push(`bob's boost of the ${done} account is still there`);
                    if (during.includes(aboutCarol.id)) wrong.push(`bob's post mentioning the ${done} account is still there`);
                    // Public timelines leave out the accounts one blocks or mutes
                    // (Status.not_excluded_by_account).
                    const local = ids(await alice.client.v1.timelines.public.list({ local: true, limit: 40 }));
                    if (local.includes(carolPost.id)) wrong.push(`the ${done} account's post is in the local timeline`);
                    assert.deepEqual(wrong, [], `timelines after the ${action}`);
                } finally {
                    await alice.client.v1.accounts.$select(carol.id)[undo]();
                    await bob.client.v1.statuses.$select(carolPost.id).unreblog();
                }
                assert.ok((await homeIds(alice)).includes(aboutCarol.id), `back after the ${undo}`);
            });
        }
    });
