// Federation interoperability with a third-party implementation: a Fedify peer (peer.mjs)
// and a real `hamlet serve` (hamlet.mjs) on loopback, in every combination of HTTP
// signature schemes:
//
//   Hamlet signs with draft-cavage or RFC 9421 (`federation.signature_scheme`)
//   x the peer signs with draft-cavage or RFC 9421 first (Fedify's `firstKnock`)
//
// Each scenario gets a fresh server and peer and walks one conversation:
//   1. the peer finds alice with WebFinger (acct:alice@127.0.0.1:PORT) and follows her;
//   2. Hamlet accepts (alice is not locked) and the peer verifies the Accept's signature;
//   3. alice posts publicly through the Mastodon API; the peer receives Create(Note);
//   4. the peer replies (inReplyTo alice's note, a Mention of her, in cc);
//   5. the reply is in alice's notifications (a mention) and in the post's thread;
//   6. each side signed with the scheme it was told to, and each verified the other.
//
// Run with tests/peers/fedify/run.sh (which installs Node 22 and Fedify from the lock file).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { startServer } from "./hamlet.mjs";
import { CAVAGE, RFC9421, startPeer } from "./peer.mjs";

const STEP_TIMEOUT_MS = 30_000;
const WAIT_MS = 15_000;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

const SCENARIOS = [
    { hamlet: "draft-cavage", peer: CAVAGE },
    { hamlet: "rfc9421", peer: RFC9421 },
    { hamlet: "draft-cavage", peer: RFC9421 },
    { hamlet: "rfc9421", peer: CAVAGE },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
async function eventually(fn, timeoutMs = WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await fn();
        if (value || Date.now() > deadline) return value;
        await sleep(100);
    }
}

/** `Signature` parameters of a draft-cavage header, as an object. */
function cavageParams(header) {
    const params = {};
    for (const match of header.matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params[match[1]] = match[2];
    return params;
}

SCENARIOS.forEach((scenario, index) => {
    const name = `hamlet signs ${scenario.hamlet}, the Fedify peer signs ${scenario.peer === CAVAGE ? "draft-cavage" : "rfc9421"} first`;
    describe(name, () => {
        // What the steps hand each other; a step whose input is missing fails saying so.
        const s = {};
        let failed = false;

        /** A step: a test that remembers failure, and prints the evidence when it fails. */
        const step = (title, fn) =>
            test(title, { timeout: STEP_TIMEOUT_MS }, async () => {
                try {
                    await fn();
                } catch (error) {
                    failed = true;
                    if (s.peer) error.message += `\n${s.peer.report()}`;
                    throw error;
                }
            });

        const need = (key, what) =>
            assert.ok(s[key] !== undefined && s[key] !== null, `needs ${what} from an earlier step, which failed`);

        before(async () => {
            s.server = await startServer({
                label: `s${index + 1}`,
                pgSchema: `fedify_interop_s${index + 1}`,
                extraEnv: {
                    HAMLET_FEDERATION_ALLOW_INSECURE_LOOPBACK_FOR_DEVELOPMENT: "true",
                    HAMLET_FEDERATION_SIGNATURE_SCHEME: scenario.hamlet,
                },
            });
            s.alice = await s.server.createMember("alice");
            s.peer = await startPeer({
                firstKnock: scenario.peer,
                plainHttpHosts: [s.server.host],
                logFile: path.join(s.server.workdir, "fedify.log"),
                logToStderr: process.env.FEDIFY_PEER_LOG === "stderr",
            });
            process.stderr.write(
                `scenario ${index + 1}: hamlet ${s.server.url} (${scenario.hamlet}), ` +
                    `peer ${s.peer.origin} (firstKnock ${scenario.peer}); logs in ${s.server.workdir}\n`,
            );
        });

        after(async () => {
            await s.peer?.close();
            const status = await s.server?.stop();
            if (failed || (status && status.code !== 0)) {
                process.stderr.write(
                    `\n----- scenario ${index + 1}: last lines of the server log ` +
                        `(${s.server?.logPath}) -----\n${s.server?.logTail(80)}\n` +
                        `----- Fedify debug log: ${path.join(s.server?.workdir ?? "", "fedify.log")} -----\n`,
                );
            } else if (s.server && !process.env.FEDIFY_INTEROP_KEEP_DIR) {
                fs.rmSync(s.server.workdir, { recursive: true, force: true });
            }
            if (status) {
                assert.equal(status.code, 0, `hamlet serve exited with ${status.code ?? status.signal} on SIGTERM`);
            }
        });

        step("1. the peer finds alice by WebFinger and sends Follow", async () => {
            const { server, peer } = s;
            const handle = `acct:alice@${server.host}`;
            const actor = await peer.lookup(handle);
            assert.ok(actor, `Fedify's lookupObject(${handle}) found nothing`);
            assert.equal(actor.constructor.name, "Person");
            assert.equal(actor.id?.href, `${server.url}/users/alice`);
            assert.equal(actor.preferredUsername, "alice");
            assert.ok(actor.inboxId, "alice's actor has an inbox");
            // The lookup really went through WebFinger.
            assert.ok(
                peer.outgoing.some((e) => e.url.startsWith(`https://${server.host}/.well-known/webfinger`) && e.status === 200),
                "Fedify asked Hamlet's WebFinger",
            );
            s.aliceActor = actor;
            s.aliceHandle = `alice@${server.host}`;
            s.followId = await peer.follow(actor);
        });

        step("2. Hamlet accepts the Follow; the peer verifies the Accept's signature", async () => {
            need("followId", "the Follow");
            const { peer, server } = s;
            const accept = await peer.waitFor(
                "an Accept of our Follow",
                (p) => p.inbox.find((e) => e.type === "Accept" && e.objectId === s.followId),
                WAIT_MS,
            );
            assert.equal(accept.actorId, `${server.url}/users/alice`);
            const delivery = peer.incoming.find((e) => e.method === "POST" && e.activity?.id === accept.id);
            assert.ok(delivery, "the Accept arrived as a POST to the peer");
            assert.ok(delivery.status >= 200 && delivery.status < 300, `the peer answered ${delivery.status}`);
            assert.deepEqual(
                delivery.verification,
                { verified: true, keyId: `${server.url}/users/alice#main-key`, label: delivery.verification?.label ?? null },
                "Fedify's verifyRequestDetailed accepts Hamlet's HTTP signature with alice's key",
            );
            assert.deepEqual(peer.unverified, [], "no activity failed Fedify's signature verification");
            // And Hamlet has the follow: alice's followers include the peer.
            const followers = await eventually(async () => {
                const list = await server.api("GET", `/api/v1/accounts/${s.alice.id}/followers`, { token: s.alice.token });
                return list.find((a) => a.acct === peer.handle) ? list : null;
            });
            assert.ok(followers, `alice's followers list ${peer.handle}`);
            s.accepted = true;
        });

        step("3. alice's public post reaches the peer as Create(Note)", async () => {
            need("accepted", "an accepted follow");
            const { peer, server, alice } = s;
            const text = `Hello from Hamlet, scenario ${index + 1} (${scenario.hamlet})`;
            const post = await server.api("POST", "/api/v1/statuses", {
                token: alice.token,
                json: { status: text, visibility: "public" },
            });
            assert.equal(post.visibility, "public");
            assert.ok(post.uri, "the post has an ActivityPub id");
            s.post = post;
            const create = await peer.waitFor(
                `Create(Note) of ${post.uri}`,
                (p) => p.inbox.find((e) => e.type === "Create" && e.note?.id === post.uri),
                WAIT_MS,
            );
            assert.equal(create.actorId, `${server.url}/users/alice`);
            assert.equal(create.objectType, "Note");
            assert.equal(create.note.attributionId, `${server.url}/users/alice`);
            assert.ok(create.note.content.includes(text), `content ${create.note.content} includes ${text}`);
            assert.ok(create.note.toIds.includes(PUBLIC), `a public post is addressed to Public: ${create.note.toIds}`);
            const delivery = peer.incoming.find((e) => e.method === "POST" && e.activity?.id === create.id);
            assert.ok(delivery, "the Create arrived as a POST to the peer");
            assert.equal(delivery.verification?.verified, true, "Fedify verified the Create's HTTP signature");
            assert.deepEqual(peer.unverified, [], "no activity failed Fedify's signature verification");
        });

        step("4. the peer replies to alice's post, mentioning her", async () => {
            need("post", "alice's post");
            const { peer, server } = s;
            s.replyText = `Hello back from Fedify, scenario ${index + 1}`;
            s.replyId = await peer.reply({
                actor: s.aliceActor,
                actorHandle: s.aliceHandle,
                inReplyTo: s.post.uri,
                text: s.replyText,
            });
            // sendActivity returned: the delivery was answered 2xx. Which attempt got through
            // is checked in step 6.
            const posts = peer.outgoing.filter((e) => e.method === "POST" && e.url.startsWith(server.url));
            assert.ok(posts.some((e) => e.status >= 200 && e.status < 300), "Hamlet took the reply");
        });

        step("5. the reply shows in alice's notifications and in the thread", async () => {
            need("replyId", "the reply");
            const { peer, server, alice, post } = s;
            const mention = await eventually(async () => {
                const list = await server.api("GET", "/api/v1/notifications", { token: alice.token });
                return list.find((n) => n.type === "mention" && n.status?.uri === s.replyId);
            });
            assert.ok(mention, `alice has a mention notification for ${s.replyId}`);
            assert.equal(mention.account.acct, peer.handle);
            assert.equal(mention.status.in_reply_to_id, post.id);
            assert.equal(mention.status.in_reply_to_account_id, alice.id);
            assert.equal(mention.status.account.acct, peer.handle);
            assert.ok(
                mention.status.content.includes(s.replyText),
                `the reply's content ${mention.status.content} includes ${s.replyText}`,
            );
            assert.ok(
                mention.status.mentions.some((m) => m.id === alice.id),
                `the reply mentions alice: ${JSON.stringify(mention.status.mentions)}`,
            );
            const context = await server.api("GET", `/api/v1/statuses/${post.id}/context`, { token: alice.token });
            assert.ok(
                context.descendants.some((d) => d.uri === s.replyId && d.in_reply_to_id === post.id),
                `the thread of ${post.id} has the reply: ${JSON.stringify(context.descendants.map((d) => d.uri))}`,
            );
        });

        step("6. each side signed with its configured scheme and verified the other's", async () => {
            need("replyId", "the full conversation");
            const { peer, server } = s;

            // Hamlet -> peer: every POST Hamlet made to the peer, and every signed fetch.
            const fromHamlet = peer.incoming.filter((e) => e.method === "POST");
            assert.ok(fromHamlet.length >= 2, "Hamlet delivered at least Accept and Create");
            for (const e of peer.incoming.filter((x) => x.method === "POST" || x.scheme)) {
                const what = `${e.method} ${e.path} (${e.activity?.type ?? "fetch"})`;
                if (scenario.hamlet === "rfc9421") {
                    assert.ok(e.signatureInput, `${what}: Hamlet set to rfc9421 sends Signature-Input`);
                    assert.match(e.signatureInput, /^[a-zA-Z0-9_-]+=\(.*\);/, `${what}: Signature-Input is an RFC 9421 dictionary`);
                    assert.match(e.signature, /^[a-zA-Z0-9_-]+=:[A-Za-z0-9+/=]+:/, `${what}: Signature is an RFC 9421 dictionary`);
                } else {
                    assert.equal(e.signatureInput, null, `${what}: Hamlet set to draft-cavage sends no Signature-Input`);
                    assert.ok(e.signature, `${what}: signed`);
                    const params = cavageParams(e.signature);
                    assert.ok(params.keyId, `${what}: draft-cavage Signature has keyId=: ${e.signature}`);
                    assert.ok(params.signature, `${what}: draft-cavage Signature has signature=`);
                }
                assert.equal(
                    e.verification?.verified,
                    true,
                    `${what}: Fedify verifies Hamlet's ${scenario.hamlet} signature: ${JSON.stringify(e.verification)}`,
                );
            }
            assert.deepEqual(peer.unverified, [], "Fedify refused no activity of Hamlet's");

            // Peer -> Hamlet: every POST to Hamlet was signed with firstKnock and taken at once
            // (a 4xx here would mean Fedify fell back to the other scheme: double-knocking).
            const toHamlet = peer.outgoing.filter((e) => e.method === "POST" && e.url.startsWith(server.url));
            assert.ok(toHamlet.length >= 2, "the peer delivered Follow and Create");
            for (const e of toHamlet) {
                assert.equal(e.scheme, scenario.peer, `POST ${e.url} signed with ${scenario.peer}`);
                assert.ok(
                    e.status >= 200 && e.status < 300,
                    `Hamlet verified the peer's ${scenario.peer} signature on POST ${e.url}: ` +
                        `answered ${e.status} ${e.responseBody ?? ""}`,
                );
            }
            process.stderr.write(
                `scenario ${index + 1}: Hamlet -> peer ${fromHamlet.length} POSTs, schemes ` +
                    `${[...new Set(peer.incoming.filter((e) => e.scheme).map((e) => e.scheme))].join(",")}; ` +
                    `peer -> Hamlet ${toHamlet.length} POSTs, schemes ` +
                    `${[...new Set(toHamlet.map((e) => e.scheme))].join(",")}, answers ` +
                    `${toHamlet.map((e) => e.status).join(",")}\n`,
            );
        });

        step("7. Hamlet refuses the peer's activities when their signature does not hold", async () => {
            need("aliceActor", "alice's actor");
            const { peer, server, alice } = s;
            // The control: the same hand-made delivery, signed properly, is taken.
            const control = await peer.forgedDelivery({
                actor: s.aliceActor,
                actorHandle: s.aliceHandle,
                spec: scenario.peer,
                forgery: "none",
            });
            assert.ok(
                control.status >= 200 && control.status < 300,
                `the control delivery (${scenario.peer}, nothing forged) is taken: ${control.status} ${control.body}`,
            );
            const seen = await eventually(async () => {
                const list = await server.api("GET", "/api/v1/notifications", { token: alice.token });
                return list.some((n) => n.type === "mention" && n.status?.uri === control.noteId);
            });
            assert.ok(seen, "the control post reached alice's notifications");
            for (const forgery of ["body", "key"]) {
                const result = await peer.forgedDelivery({
                    actor: s.aliceActor,
                    actorHandle: s.aliceHandle,
                    spec: scenario.peer,
                    forgery,
                });
                assert.ok(
                    result.status >= 400 && result.status < 500,
                    `a ${scenario.peer} delivery with a forged ${forgery} is refused with 4xx, ` +
                        `not ${result.status} ${result.body}`,
                );
                process.stderr.write(
                    `scenario ${index + 1}: forged ${forgery} (${scenario.peer}) answered ${result.status} ${result.body}\n`,
                );
                const list = await server.api("GET", "/api/v1/notifications", { token: alice.token });
                assert.ok(
                    !list.some((n) => n.status?.uri === result.noteId),
                    `the forged (${forgery}) post did not reach alice`,
                );
            }
        });
    });
});
