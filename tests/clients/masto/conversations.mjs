// Direct-message conversations.

import { assert, describe, ids, post, test, uniqueWord, world } from "./harness.mjs";

async function conversationWith(member, statusId) {
    const list = await member.client.v1.conversations.list({ limit: 40 });
    return list.find((c) => c.lastStatus?.id === statusId);
}

export default () =>
    describe("conversations", () => {
        test("a direct post makes a conversation for each participant, and only for them", async () => {
            const { alice, bob, carol } = await world();
            const word = uniqueWord("dm");
            const dm = await post(alice, { status: `@bob ${word} secret`, visibility: "direct" });

            const bobs = await conversationWith(bob, dm.id);
            assert.ok(bobs, "bob has the conversation");
            assert.deepEqual(ids(bobs.accounts), [alice.id], "the others in it, not bob himself");
            assert.equal(bobs.unread, true);
            assert.equal(bobs.lastStatus.visibility, "direct");

            const alices = await conversationWith(alice, dm.id);
            assert.ok(alices, "the sender has it too");
            assert.deepEqual(ids(alices.accounts), [bob.id]);
            assert.equal(alices.unread, false, "one's own message is read");

            assert.equal(await conversationWith(carol, dm.id), undefined, "carol is not in it");

            const read = await bob.client.v1.conversations.$select(bobs.id).read();
            assert.equal(read.id, bobs.id);
            assert.equal(read.unread, false);
            assert.equal((await conversationWith(bob, dm.id)).unread, false);

            // The reply moves both conversations on, and is unread for alice.
            const reply = await post(bob, { status: `@alice ${word} got it`, visibility: "direct", inReplyToId: dm.id });
            const alicesAfter = await conversationWith(alice, reply.id);
            assert.ok(alicesAfter, "alice's conversation now ends with bob's reply");
            assert.equal(alicesAfter.id, alices.id, "the same conversation");
            assert.equal(alicesAfter.unread, true);
            const bobsAfter = await conversationWith(bob, reply.id);
            assert.equal(bobsAfter.id, bobs.id);
            assert.equal(bobsAfter.unread, false);

            // A public post that mentions someone is not a conversation.
            const open = await post(alice, `@bob ${word} in public`);
            assert.equal(await conversationWith(bob, open.id), undefined);

            // Removing hides it for bob only.
            await bob.client.v1.conversations.$select(bobs.id).remove();
            const bobsList = await bob.client.v1.conversations.list({ limit: 40 });
            assert.ok(!ids(bobsList).includes(bobs.id), "removed for bob");
            assert.ok(await conversationWith(alice, reply.id), "still there for alice");
        });

        test("conversations with three participants list everyone else", async () => {
            const { alice, bob, carol } = await world();
            const dm = await post(alice, { status: "@bob @carol group chat", visibility: "direct" });
            const carols = await conversationWith(carol, dm.id);
            assert.ok(carols);
            assert.deepEqual(ids(carols.accounts).sort(), [alice.id, bob.id].sort());
            const alices = await conversationWith(alice, dm.id);
            assert.deepEqual(ids(alices.accounts).sort(), [bob.id, carol.id].sort());
        });
    });
