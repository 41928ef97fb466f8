// Local-only posts never leave Hamlet: a leak probe with a third-party peer (Fedify,
// peer.mjs) against a real `hamlet serve` (hamlet.mjs) on loopback.
//
// The peer is as close to the community as another server can be: it follows alice and
// bob (both accept), alice follows it back, alice replies to its post, it is mentioned.
// Then alice and bob post local-only in every shape (each post with canary strings of its
// own: `lo<run>x<NN>`), and act on those posts in every way (pin, boost, unboost,
// favourite, unfavourite, edit, delete, reply), and do the same to federated control
// posts. Every control activity must reach the peer (so deliveries do flow, and the
// absence of a leak means something); then:
//
//   - no byte Hamlet sent the peer (inbox POSTs: path, headers, body) names a local-only
//     post: no canary, no id, no URL;
//   - fetched by the peer, unsigned and signed (Fedify's authenticated document loader
//     with the peer's key, draft-cavage first and RFC 9421 first), a local-only post's
//     ActivityPub id, URL, `/replies` and `/activity` answer exactly as a made-up id does
//     (status, content type, body), while the public controls are served;
//   - the collections (actors, outbox and every page, featured, followers, following,
//     replies) and the client API an anonymous visitor reads (public and tag timelines,
//     an account's posts, single posts) hold the controls and no local-only post;
//   - finally, nothing the peer ever received or fetched names a local-only post.
//
// Run with tests/peers/fedify/run.sh (which installs Node 22 and Fedify from the lock file).

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { startServer } from "./hamlet.mjs";
import { CAVAGE, RFC9421, startPeer } from "./peer.mjs";

const STEP_TIMEOUT_MS = 30_000;
const WAIT_MS = 15_000;
// After the last control activity arrived, how long a straggling leak still has to show.
const GRACE_MS = 2_000;
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
// How the peer fetches: unsigned, and signed with each spec first.
const MODES = [
    { name: "unsigned", sign: null },
    { name: "signed draft-cavage", sign: CAVAGE },
    { name: "signed rfc9421", sign: RFC9421 },
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

/** Runs `fn` over `items`, `width` at a time; returns the results in order. */
async function pool(items, width, fn) {
    const results = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(width, items.length) }, async () => {
            while (next < items.length) {
                const i = next++;
                results[i] = await fn(items[i], i);
            }
        }),
    );
    return results;
}

/** The id an activity's `object` names (an id, or an embedded object's id). */
const idOf = (value) => (typeof value === "string" ? value : value?.id ?? null);

/** A few characters either side of `needle` in `text`, for a failure message. */
function excerpt(text, needle) {
    const at = text.indexOf(needle);
    return JSON.stringify(text.slice(Math.max(0, at - 120), at + needle.length + 120));
}

describe("local-only posts never reach the Fedify peer", () => {
    const RUN = crypto.randomBytes(5).toString("hex");
    const s = {};
    // Local-only posts and boosts: { label, member, status, canaries, deleted, reblog }.
    const localOnly = [];
    // Federated posts: { label, member, status, deleted }.
    const controls = [];
    // What must reach the peer: { what, match(activityJson) }.
    const expected = [];
    let failed = false;
    let canaryCount = 0;
    const canary = () => `lo${RUN}x${String(++canaryCount).padStart(2, "0")}`;
    let controlCount = 0;
    const controlWord = () => `ctl${RUN}x${String(++controlCount).padStart(2, "0")}`;

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

    // --- the member's side ------------------------------------------------------------------

    const post = (member, body) => s.server.api("POST", "/api/v1/statuses", { token: member.token, json: body });

    /** Posts local-only; `words` are the canaries in it (at least one). */
    async function postLocalOnly(label, member, body, words, { mentionsPeer = false } = {}) {
        const status = await post(member, body);
        assert.equal(status.local_only, true, `${label}: the post is local-only: ${JSON.stringify(status)}`);
        if (mentionsPeer) {
            assert.ok(
                status.mentions.some((m) => m.acct === s.peer.handle),
                `${label}: mentions ${s.peer.handle}: ${JSON.stringify(status.mentions)}`,
            );
            assert.deepEqual(
                status.unreached_mentions,
                [s.peer.handle],
                `${label}: the answer says the peer will not be reached`,
            );
        }
        const entry = { label, member, status, canaries: [...words], deleted: false, reblog: false };
        localOnly.push(entry);
        return entry;
    }

    /** Posts a federated control post, and expects its Create at the peer. */
    async function postControl(label, member, body) {
        const status = await post(member, body);
        assert.equal(status.local_only, false, `${label}: the control is federated`);
        const entry = { label, member, status, deleted: false };
        controls.push(entry);
        expectActivity(`Create of ${label} (${status.uri})`, (a) => a.type === "Create" && idOf(a.object) === status.uri);
        return entry;
    }

    function expectActivity(what, match) {
        expected.push({ what, match });
    }

    // --- what the peer received -------------------------------------------------------------

    /** Every POST Hamlet made to the peer, with its body parsed. */
    const deliveries = () =>
        s.peer.incoming
            .filter((e) => e.method === "POST")
            .map((e) => {
                let json = null;
                try {
                    json = JSON.parse(e.body ?? "");
                } catch {
                    // Kept as text; the leak scan reads it all the same.
                }
                return { entry: e, json };
            });

    /** The strings that name a local-only post: canaries, ids, ActivityPub ids, URLs. */
    function forbidden() {
        const needles = new Map(); // needle -> what it names
        for (const p of localOnly) {
            const what = `${p.label} (${p.member.username}'s ${p.reblog ? "boost" : "post"} ${p.status.id})`;
            for (const word of p.canaries) needles.set(word, `canary of ${what}`);
            needles.set(p.status.id, `id of ${what}`);
            if (p.status.uri) needles.set(p.status.uri, `ActivityPub id of ${what}`);
            if (p.status.url) needles.set(p.status.url, `URL of ${what}`);
            needles.set(`/statuses/${p.status.id}`, `path of ${what}`);
        }
        return needles;
    }

    /**
     * Every place the peer got bytes from Hamlet: each request Hamlet made to it (method,
     * path, headers, body) and each answer to a request the peer made (headers, body).
     */
    function receivedBytes() {
        const places = [];
        for (const e of s.peer.incoming) {
            places.push({
                where: `${e.method} ${e.path} from Hamlet (${e.activity?.type ?? "no activity"} ${e.activity?.id ?? ""})`,
                text: `${e.method} ${e.path}\n${JSON.stringify(e.headers)}\n${e.body ?? ""}`,
            });
        }
        for (const e of s.peer.outgoing) {
            if (e.responseText === undefined && !e.responseHeaders) continue;
            places.push({
                where: `the answer to the peer's ${e.method} ${e.url} (${e.scheme ?? "unsigned"}): HTTP ${e.status}`,
                text: `${JSON.stringify(e.responseHeaders ?? {})}\n${e.responseText ?? ""}`,
            });
        }
        return places;
    }

    function leaks() {
        const needles = forbidden();
        const found = [];
        for (const place of receivedBytes()) {
            for (const [needle, what] of needles) {
                if (place.text.includes(needle)) {
                    found.push(`${what} ("${needle}") in ${place.where}: ${excerpt(place.text, needle)}`);
                }
            }
        }
        return found;
    }

    /**
     * The post counts another server or an anonymous visitor reads: each member's outbox
     * `totalItems` (fetched by the peer, unsigned) and `statuses_count` in the client API.
     */
    async function counts() {
        const result = {};
        for (const member of [s.alice, s.bob]) {
            const outbox = await s.peer.fetchDocument(`${s.server.url}/users/${member.username}/outbox`);
            assert.equal(outbox.status, 200, `${member.username}'s outbox: ${outbox.error ?? ""}`);
            const account = await s.peer.fetchDocument(
                `${s.server.url}/api/v1/accounts/lookup?acct=${member.username}`,
                { accept: "json" },
            );
            assert.equal(account.status, 200, `anonymous lookup of ${member.username}`);
            result[member.username] = {
                outboxTotalItems: outbox.json.totalItems,
                statusesCount: account.json.statuses_count,
            };
        }
        // The whole community's number of posts (not boosts), which other servers read too.
        const nodeinfo = await s.peer.fetchDocument(`${s.server.url}/nodeinfo/2.1`, { accept: "json" });
        assert.equal(nodeinfo.status, 200, "NodeInfo 2.1");
        result.nodeinfo = { localPosts: nodeinfo.json.usage?.localPosts };
        return result;
    }

    // --- lifecycle ------------------------------------------------------------------------------

    before(async () => {
        s.server = await startServer({
            label: "leak",
            pgSchema: "fedify_leak",
            extraEnv: {
                HAMLET_FEDERATION_ALLOW_INSECURE_LOOPBACK_FOR_DEVELOPMENT: "true",
                // The most open community: visitors who are not signed in may read the
                // community timeline too (and still never a local-only post).
                HAMLET_INSTANCE_PUBLIC_LOCAL_TIMELINE: "true",
            },
        });
        s.alice = await s.server.createMember("alice");
        s.bob = await s.server.createMember("bob");
        s.peer = await startPeer({
            firstKnock: RFC9421,
            plainHttpHosts: [s.server.host],
            logFile: path.join(s.server.workdir, "fedify.log"),
            logToStderr: process.env.FEDIFY_PEER_LOG === "stderr",
        });
        process.stderr.write(
            `leak probe: hamlet ${s.server.url}, peer ${s.peer.origin}, canaries lo${RUN}x..; ` +
                `logs in ${s.server.workdir}\n`,
        );
    });

    after(async () => {
        await s.peer?.close();
        const status = await s.server?.stop();
        if (failed || (status && status.code !== 0)) {
            process.stderr.write(
                `\n----- leak probe: last lines of the server log (${s.server?.logPath}) -----\n` +
                    `${s.server?.logTail(80)}\n` +
                    `----- Fedify debug log: ${path.join(s.server?.workdir ?? "", "fedify.log")} -----\n`,
            );
        } else if (s.server && !process.env.FEDIFY_INTEROP_KEEP_DIR) {
            fs.rmSync(s.server.workdir, { recursive: true, force: true });
        }
        if (status) {
            assert.equal(status.code, 0, `hamlet serve exited with ${status.code ?? status.signal} on SIGTERM`);
        }
    });

    // --- the steps ------------------------------------------------------------------------------

    step("1. the peer follows alice and bob; both accept", async () => {
        const { server, peer } = s;
        for (const name of ["alice", "bob"]) {
            const actor = await peer.lookup(`acct:${name}@${server.host}`);
            assert.ok(actor, `Fedify's lookupObject(acct:${name}@${server.host}) found nothing`);
            assert.equal(actor.id?.href, `${server.url}/users/${name}`);
            s[`${name}Actor`] = actor;
            s[`${name}Follow`] = await peer.follow(actor);
        }
        for (const name of ["alice", "bob"]) {
            await peer.waitFor(
                `an Accept of the Follow of ${name}`,
                (p) => p.inbox.find((e) => e.type === "Accept" && e.objectId === s[`${name}Follow`]),
                WAIT_MS,
            );
        }
        s.followed = true;
    });

    step("2. alice follows the peer; the peer accepts", async () => {
        need("followed", "the peer's follows");
        const { server, peer, alice } = s;
        const account = await server.api("GET", `/api/v1/accounts/lookup?acct=${encodeURIComponent(peer.handle)}`, {
            token: alice.token,
        });
        assert.equal(account.acct, peer.handle);
        s.peerAccount = account;
        await server.api("POST", `/api/v1/accounts/${account.id}/follow`, { token: alice.token });
        const following = await eventually(async () => {
            const [relationship] = await server.api("GET", `/api/v1/accounts/relationships?id[]=${account.id}`, {
                token: alice.token,
            });
            return relationship?.following && relationship?.followed_by ? relationship : null;
        });
        assert.ok(following, "alice follows the peer (accepted) and is followed by it");
        assert.ok(
            peer.inbox.some((e) => e.type === "Follow" && e.actorId === `${server.url}/users/alice`),
            "the peer received alice's Follow",
        );
        s.mutual = true;
    });

    step("3. the peer posts; alice has it; alice posts the federated thread parent", async () => {
        need("mutual", "the mutual follow");
        const { server, peer, alice } = s;
        const text = `A post by the Fedify peer ${RUN}`;
        s.peerNoteId = await peer.reply({
            actor: s.aliceActor,
            actorHandle: `alice@${server.host}`,
            inReplyTo: null,
            text,
        });
        const notification = await eventually(async () => {
            const list = await server.api("GET", "/api/v1/notifications", { token: alice.token });
            return list.find((n) => n.type === "mention" && n.status?.uri === s.peerNoteId);
        });
        assert.ok(notification, `alice has the peer's post ${s.peerNoteId}`);
        s.peerStatus = notification.status;
        // The federated post that gets a local-only reply (L13) and federated ones.
        s.thread = await postControl("C-thread", alice, { status: `The thread ${controlWord()}`, visibility: "public" });
    });

    step("4. alice and bob post local-only in every shape, and act on the posts", async () => {
        need("peerStatus", "the peer's post in Hamlet");
        need("thread", "the federated thread parent");
        const { server, alice, bob, peer } = s;
        const mention = `@${peer.handle}`;
        s.countsBefore = await counts();
        // A federated neighbour after each of alice's local-only posts: deliveries keep
        // flowing all along, and the outbox pages mix both.
        let neighbours = 0;
        const neighbour = () =>
            postControl(`N${String(++neighbours).padStart(2, "0")}`, alice, {
                status: `A neighbour ${controlWord()}`,
                visibility: "public",
            });
        const shape = async (label, member, body, words, options) => {
            const entry = await postLocalOnly(label, member, body, words, options);
            if (member === alice) await neighbour();
            return entry;
        };

        // Each way of asking, each visibility.
        let w = canary();
        const plain = await shape("L01 plain (local_only=true)", alice, { status: `Plain ${w}`, local_only: true }, [w]);
        assert.equal(plain.status.visibility, "public");
        w = canary();
        const local = await shape("L02 visibility=local", alice, { status: `Visibility local ${w}`, visibility: "local" }, [w]);
        assert.equal(local.status.visibility, "public", "visibility=local is a public local-only post");
        w = canary();
        const unlisted = await shape(
            "L03 unlisted (federated=false)",
            alice,
            { status: `Unlisted ${w}`, visibility: "unlisted", federated: false },
            [w],
        );
        assert.equal(unlisted.status.visibility, "unlisted");
        w = canary();
        const privateMarked = await shape(
            "L04 private (:local_only: marker)",
            alice,
            { status: `Followers only :local_only: ${w}`, visibility: "private" },
            [w],
        );
        assert.equal(privateMarked.status.visibility, "private");
        assert.ok(!privateMarked.status.content.includes(":local_only:"), "the marker is removed from the text");
        w = canary();
        const direct = await shape(
            "L05 direct to the peer",
            alice,
            { status: `${mention} Direct ${w}`, visibility: "direct", local_only: true },
            [w],
            { mentionsPeer: true },
        );
        assert.equal(direct.status.visibility, "direct");
        w = canary();
        const mentioning = await shape(
            "L06 public, mentioning the peer",
            alice,
            { status: `${mention} Mentioned ${w}`, local_only: true },
            [w],
            { mentionsPeer: true },
        );
        w = canary();
        const hashtag = await shape("L07 hashtag", alice, { status: `Tagged #${w}`, local_only: true }, [w]);
        assert.deepEqual(hashtag.status.tags.map((t) => t.name), [w], "the hashtag is the canary");
        s.hashtag = w;
        w = canary();
        const cw = canary();
        const cwMarked = await shape(
            "L08 marker in the content warning",
            alice,
            { status: `Behind a warning ${w}`, spoiler_text: `Warning ${cw} :local_only:` },
            [w, cw],
        );
        assert.equal(cwMarked.status.spoiler_text.includes(":local_only:"), false);

        // Replies: to its own local-only posts (inherited, whatever was asked), to the
        // peer's post, to a federated post.
        w = canary();
        const reply = await shape("L09 reply to L01 (inherits)", alice, { status: `Reply ${w}`, in_reply_to_id: plain.status.id }, [w]);
        assert.equal(reply.status.in_reply_to_id, plain.status.id);
        w = canary();
        await shape(
            "L10 reply to L06 mentioning the peer (inherits)",
            alice,
            { status: `${mention} Reply with a mention ${w}`, in_reply_to_id: mentioning.status.id },
            [w],
            { mentionsPeer: true },
        );
        w = canary();
        await shape(
            "L11 bob's reply to L01 asking federated=true, mentioning the peer",
            bob,
            { status: `${mention} Bob asks to federate ${w}`, in_reply_to_id: plain.status.id, federated: true },
            [w],
            { mentionsPeer: true },
        );
        w = canary();
        const replyToPeer = await shape(
            "L12 reply to the peer's post",
            alice,
            { status: `${mention} Reply to the peer ${w}`, in_reply_to_id: s.peerStatus.id, local_only: true },
            [w],
            { mentionsPeer: true },
        );
        assert.equal(replyToPeer.status.in_reply_to_id, s.peerStatus.id);
        w = canary();
        s.localReplyToThread = await shape(
            "L13 reply to the federated C-thread",
            alice,
            { status: `Local reply to a federated post ${w}`, in_reply_to_id: s.thread.status.id, local_only: true },
            [w],
        );
        w = canary();
        const doomedReply = await shape(
            "L14 reply to the peer's post, then deleted",
            alice,
            { status: `${mention} Soon deleted ${w}`, in_reply_to_id: s.peerStatus.id, local_only: true },
            [w],
            { mentionsPeer: true },
        );
        w = canary();
        const doomed = await shape("L15 plain, then deleted", alice, { status: `Soon deleted ${w}`, local_only: true }, [w]);

        // Boosts: bob's (one kept, one undone) and alice's own.
        const boost = async (label, member, of) => {
            const reblog = await server.api("POST", `/api/v1/statuses/${of.status.id}/reblog`, { token: member.token });
            assert.equal(reblog.reblog?.id, of.status.id, `${label}: a boost of ${of.label}`);
            assert.equal(reblog.local_only, true, `${label}: the boost is local-only: ${JSON.stringify(reblog)}`);
            const entry = { label, member, status: reblog, canaries: [], deleted: false, reblog: true };
            localOnly.push(entry);
            return entry;
        };
        await boost("B1 bob boosts L01", bob, plain);
        const undone = await boost("B2 bob boosts L03, then undoes it", bob, unlisted);
        await boost("B3 alice boosts her own L07", alice, hashtag);
        await server.api("POST", `/api/v1/statuses/${unlisted.status.id}/unreblog`, { token: bob.token });
        undone.deleted = true;

        // Favourites by bob: kept, and undone.
        for (const p of [plain, replyToPeer, reply]) {
            const fav = await server.api("POST", `/api/v1/statuses/${p.status.id}/favourite`, { token: bob.token });
            assert.equal(fav.favourited, true);
        }
        await server.api("POST", `/api/v1/statuses/${local.status.id}/favourite`, { token: bob.token });
        await server.api("POST", `/api/v1/statuses/${local.status.id}/unfavourite`, { token: bob.token });

        // Pins.
        for (const p of [plain, hashtag]) {
            const pinned = await server.api("POST", `/api/v1/statuses/${p.status.id}/pin`, { token: alice.token });
            assert.equal(pinned.pinned, true);
        }

        // Edits: asking to federate changes nothing; removing the marker changes nothing; a
        // reply to the peer's post edited.
        const edit = async (entry, body) => {
            const word = canary();
            entry.canaries.push(word);
            const edited = await server.api("PUT", `/api/v1/statuses/${entry.status.id}`, {
                token: entry.member.token,
                json: { ...body, status: `${body.status} ${word}` },
            });
            assert.equal(edited.local_only, true, `${entry.label}: still local-only after the edit`);
            assert.ok(edited.edited_at, `${entry.label}: edited`);
            assert.ok(edited.content.includes(word), `${entry.label}: the edit took`);
            entry.status = { ...edited, uri: entry.status.uri, url: entry.status.url };
        };
        await edit(plain, { status: `Edited, asking to federate ${plain.canaries[0]}`, local_only: false, federated: true });
        await edit(privateMarked, { status: `Edited without the marker ${privateMarked.canaries[0]}` });
        await edit(replyToPeer, { status: `${mention} Edited reply to the peer ${replyToPeer.canaries[0]}` });

        // Deletions.
        for (const p of [doomedReply, doomed]) {
            await server.api("DELETE", `/api/v1/statuses/${p.status.id}`, { token: p.member.token });
            p.deleted = true;
        }

        assert.equal(
            localOnly.filter((p) => !p.reblog).length,
            15,
            `every shape was posted: ${localOnly.map((p) => p.label).join(", ")}`,
        );
        // Checked in the last step: of all this, only the public neighbours may count.
        s.countsAfter = await counts();
        s.neighbours = neighbours;
    });

    step("5. the same shapes and actions on federated control posts", async () => {
        need("thread", "the federated thread parent");
        const { server, alice, bob, peer } = s;
        const mention = `@${peer.handle}`;
        const thread = s.thread;
        const unlisted = await postControl("C-unlisted", alice, { status: `Unlisted ${controlWord()}`, visibility: "unlisted" });
        await postControl("C-private", alice, { status: `Followers only ${controlWord()}`, visibility: "private" });
        await postControl("C-direct", alice, { status: `${mention} Direct ${controlWord()}`, visibility: "direct" });
        await postControl("C-mention", alice, { status: `${mention} Mentioned ${controlWord()}` });
        const tag = controlWord();
        await postControl("C-hashtag", alice, { status: `Tagged #${tag}` });
        const replyToPeer = await postControl("C-reply-to-peer", alice, {
            status: `${mention} Reply to the peer ${controlWord()}`,
            in_reply_to_id: s.peerStatus.id,
        });
        await postControl("C-own-reply", alice, { status: `Own reply ${controlWord()}`, in_reply_to_id: thread.status.id });
        s.bobReply = await postControl("C-bob-reply", bob, {
            status: `${mention} Bob replies ${controlWord()}`,
            in_reply_to_id: thread.status.id,
        });
        const doomed = await postControl("C-delete", alice, { status: `Soon deleted ${controlWord()}` });

        // Boosts by bob: one kept, one undone.
        const announceOf = (uri) => (a) => a.type === "Announce" && idOf(a.object) === uri;
        await server.api("POST", `/api/v1/statuses/${thread.status.id}/reblog`, { token: bob.token });
        expectActivity(`Announce of C-thread by bob`, announceOf(thread.status.uri));
        const undone = await server.api("POST", `/api/v1/statuses/${unlisted.status.id}/reblog`, { token: bob.token });
        expectActivity(`Announce of C-unlisted by bob`, announceOf(unlisted.status.uri));
        await server.api("POST", `/api/v1/statuses/${unlisted.status.id}/unreblog`, { token: bob.token });
        expectActivity(
            `Undo(Announce) of C-unlisted by bob (boost ${undone.id})`,
            (a) =>
                a.type === "Undo" &&
                (idOf(a.object?.object) === unlisted.status.uri || JSON.stringify(a.object).includes(`/statuses/${undone.id}`)),
        );

        // Favourites: bob's of a local post (nothing to send) and of the peer's post.
        await server.api("POST", `/api/v1/statuses/${thread.status.id}/favourite`, { token: bob.token });
        await server.api("POST", `/api/v1/statuses/${s.peerStatus.id}/favourite`, { token: bob.token });
        expectActivity("Like of the peer's post by bob", (a) => a.type === "Like" && idOf(a.object) === s.peerNoteId);
        await server.api("POST", `/api/v1/statuses/${s.peerStatus.id}/unfavourite`, { token: bob.token });
        expectActivity(
            "Undo(Like) of the peer's post by bob",
            (a) => a.type === "Undo" && a.object?.type === "Like" && idOf(a.object?.object) === s.peerNoteId,
        );

        // Pin.
        await server.api("POST", `/api/v1/statuses/${thread.status.id}/pin`, { token: alice.token });

        // Edits: with the marker (which changes nothing and is removed), and asking for
        // local_only (which an edit cannot change either).
        const edited = await server.api("PUT", `/api/v1/statuses/${thread.status.id}`, {
            token: alice.token,
            json: { status: `The thread, edited :local_only: ${controlWord()}`, local_only: true },
        });
        assert.equal(edited.local_only, false, "an edit does not make a federated post local-only");
        assert.ok(!edited.content.includes(":local_only:"), "the marker is removed from an edit");
        expectActivity("Update of C-thread", (a) => a.type === "Update" && idOf(a.object) === thread.status.uri);
        await server.api("PUT", `/api/v1/statuses/${replyToPeer.status.id}`, {
            token: alice.token,
            json: { status: `${mention} Edited reply to the peer ${controlWord()}` },
        });
        expectActivity("Update of C-reply-to-peer", (a) => a.type === "Update" && idOf(a.object) === replyToPeer.status.uri);

        // Deletion.
        await server.api("DELETE", `/api/v1/statuses/${doomed.status.id}`, { token: alice.token });
        doomed.deleted = true;
        expectActivity("Delete of C-delete", (a) => a.type === "Delete" && idOf(a.object) === doomed.status.uri);

        // The last thing enqueued.
        await postControl("C-sentinel", alice, { status: `The last post ${controlWord()}` });
    });

    step("6. every control activity reaches the peer (deliveries flow), then a grace period", async () => {
        need("bobReply", "the control posts");
        const { peer } = s;
        const missing = () => {
            const received = deliveries().map((d) => d.json).filter(Boolean);
            return expected.filter((e) => !received.some((a) => e.match(a)));
        };
        const settled = await eventually(() => missing().length === 0, WAIT_MS);
        assert.ok(
            settled,
            `control activities that never reached the peer:\n  ${missing().map((e) => e.what).join("\n  ")}`,
        );
        const started = Date.now();
        await sleep(GRACE_MS);
        // Fedify verified every delivery's signature (the controls were real deliveries).
        assert.deepEqual(peer.unverified, [], "Fedify refused no activity of Hamlet's");
        for (const { entry } of deliveries()) {
            assert.equal(entry.verification?.verified, true, `POST ${entry.path} (${entry.activity?.type}) verified`);
            assert.ok(entry.status >= 200 && entry.status < 300, `the peer took POST ${entry.path}: ${entry.status}`);
        }
        const types = {};
        for (const { json } of deliveries()) types[json?.type] = (types[json?.type] ?? 0) + 1;
        process.stderr.write(
            `leak probe: ${expected.length} control activities arrived, ${deliveries().length} POSTs in all ` +
                `(${JSON.stringify(types)}), then ${Date.now() - started} ms of grace\n`,
        );
        s.settled = true;
    });

    step("7. no byte Hamlet sent the peer names a local-only post", async () => {
        need("settled", "settled deliveries");
        const found = leaks();
        assert.deepEqual(found, [], `local-only posts leaked to the peer:\n  ${found.join("\n  ")}`);
        // And no activity about them, by type (belt and braces: an activity naming a
        // local-only post by an id the scan would not know).
        const loIds = new Set(localOnly.map((p) => p.status.uri));
        for (const { json } of deliveries()) {
            if (!json) continue;
            const object = json.object;
            const named = [idOf(object), idOf(object?.object), object?.inReplyTo].filter(Boolean);
            assert.ok(!named.some((id) => loIds.has(id)), `${json.type} ${json.id} names a local-only post`);
        }
    });

    step("8. fetched by id or URL, signed or not, a local-only post answers like one that does not exist", async () => {
        need("settled", "settled deliveries");
        const { server, peer } = s;
        // A made-up id, checked to be no post.
        const ids = [...localOnly, ...controls].map((p) => BigInt(p.status.id));
        const fake = (ids.reduce((a, b) => (a > b ? a : b)) + 1_000_003n).toString();
        s.fake = fake;
        for (const member of [s.alice, s.bob]) {
            await server.api("GET", `/api/v1/statuses/${fake}`, { token: member.token, expect: 404 });
        }
        // The local-only posts do exist here (so their 404 is about locality): the author
        // sees each one that was not deleted.
        for (const p of localOnly) {
            await server.api("GET", `/api/v1/statuses/${p.status.id}`, {
                token: p.member.token,
                expect: p.deleted ? 404 : 200,
            });
        }

        const paths = (member, id) => {
            const uri = `${server.url}/users/${member.username}/statuses/${id}`;
            return [
                { name: "ActivityPub id", url: uri },
                { name: "URL", url: `${server.url}/@${member.username}/${id}` },
                { name: "replies", url: `${uri}/replies` },
                { name: "activity", url: `${uri}/activity` },
            ];
        };
        const accepts = ["activity", "html"];
        const requests = [];
        for (const p of localOnly) {
            // The entity's own uri and url too, should they differ from the usual paths.
            const extra = [
                { name: "entity uri", url: p.status.uri, like: "ActivityPub id" },
                { name: "entity url", url: p.status.url, like: "URL" },
            ].filter((x) => x.url && !paths(p.member, p.status.id).some((y) => y.url === x.url));
            for (const where of [...paths(p.member, p.status.id), ...extra]) {
                for (const mode of MODES) {
                    for (const accept of accepts) {
                        if (mode.sign && accept !== "activity") continue;
                        requests.push({ p, where, mode, accept });
                    }
                }
            }
        }
        // The made-up id's answers, per member, path, mode and Accept.
        const baseline = new Map();
        const key = (member, name, mode, accept) => `${member.username} ${name} ${mode.name} ${accept}`;
        for (const member of [s.alice, s.bob]) {
            for (const where of paths(member, fake)) {
                for (const mode of MODES) {
                    for (const accept of accepts) {
                        if (mode.sign && accept !== "activity") continue;
                        const answer = await peer.fetchDocument(where.url, { sign: mode.sign, accept });
                        baseline.set(key(member, where.name, mode, accept), answer);
                    }
                }
            }
        }
        for (const answer of baseline.values()) {
            assert.ok(answer.status >= 400, `a made-up id answers an error: ${answer.url} ${answer.status}`);
        }
        const answers = await pool(requests, 6, ({ where, mode, accept }) =>
            peer.fetchDocument(where.url, { sign: mode.sign, accept }),
        );
        const differences = [];
        requests.forEach(({ p, where, mode, accept }, i) => {
            const answer = answers[i];
            const expected = baseline.get(key(p.member, where.like ?? where.name, mode, accept));
            if (mode.sign) {
                assert.equal(answer.scheme, mode.sign, `${where.url} was first fetched signed with ${mode.sign}`);
            }
            const same =
                answer.status === expected.status &&
                answer.contentType === expected.contentType &&
                answer.text === expected.text;
            if (!same) {
                differences.push(
                    `${p.label}: ${where.name} ${where.url} (${mode.name}, Accept ${accept}) answered ` +
                        `${answer.status} ${answer.contentType} ${JSON.stringify(answer.text.slice(0, 300))}; ` +
                        `a made-up id: ${expected.status} ${expected.contentType} ${JSON.stringify(expected.text.slice(0, 300))}`,
                );
            }
        });
        assert.deepEqual(differences, [], `local-only posts answer unlike missing ones:\n  ${differences.join("\n  ")}`);

        // The controls are served (what makes the 404s above mean something).
        const served = controls.filter(
            (c) => !c.deleted && ["public", "unlisted"].includes(c.status.visibility),
        );
        assert.ok(served.length >= 10, "enough public controls");
        for (const c of served) {
            for (const mode of MODES) {
                const note = await peer.fetchDocument(c.status.uri, { sign: mode.sign });
                assert.equal(note.status, 200, `${c.label}: ${c.status.uri} (${mode.name}): ${note.error ?? ""}`);
                assert.equal(note.json?.id, c.status.uri);
                assert.equal(note.json?.type, "Note");
                const replies = await peer.fetchDocument(`${c.status.uri}/replies`, { sign: mode.sign });
                assert.equal(replies.status, 200, `${c.label}: its replies (${mode.name})`);
            }
            const page = await peer.fetchDocument(c.status.uri, { accept: "html" });
            assert.equal(page.status, 302, `${c.label}: a browser is sent to the post's page`);
        }
        process.stderr.write(
            `leak probe: ${requests.length} fetches of local-only posts answered as a made-up id; ` +
                `${served.length} controls served in ${MODES.length} modes\n`,
        );
    });

    step("9. the collections hold the controls and no local-only post, signed or not", async () => {
        need("settled", "settled deliveries");
        const { server, peer } = s;
        const alive = (member) =>
            controls.filter(
                (c) => c.member === member && !c.deleted && ["public", "unlisted"].includes(c.status.visibility),
            );
        const observations = [];
        for (const mode of MODES) {
            const get = async (url) => {
                const answer = await peer.fetchDocument(url, { sign: mode.sign });
                assert.equal(answer.status, 200, `${url} (${mode.name}): ${answer.error ?? ""}`);
                return answer.json;
            };
            for (const member of [s.alice, s.bob]) {
                const actor = await get(`${server.url}/users/${member.username}`);
                for (const collection of ["followers", "following"]) {
                    const doc = await get(actor[collection]);
                    assert.equal(typeof doc.totalItems, "number", `${collection} has totalItems`);
                }
                // The outbox and every page, following `first` and `next`, and `last`.
                const outbox = await get(actor.outbox);
                const found = new Set();
                const pages = [];
                let next = idOf(outbox.first);
                while (next && pages.length < 10) {
                    pages.push(next);
                    const page = await get(next);
                    for (const item of page.orderedItems ?? []) {
                        assert.equal(item.type, "Create", `outbox items are Creates: ${JSON.stringify(item).slice(0, 200)}`);
                        found.add(idOf(item.object));
                    }
                    next = idOf(page.next);
                }
                if (outbox.last) await get(idOf(outbox.last));
                await get(`${actor.outbox}?page=true`);
                for (const c of alive(member)) {
                    assert.ok(found.has(c.status.uri), `${c.label} is in ${member.username}'s outbox (${mode.name})`);
                }
                if (mode.sign === null) {
                    const own = localOnly.filter((p) => p.member === member && !p.reblog && !p.deleted).length;
                    observations.push(
                        `${member.username}'s outbox: totalItems ${outbox.totalItems}, ${found.size} posts on ` +
                            `${pages.length} page(s); ${own} local-only posts of theirs exist`,
                    );
                }
                // Featured.
                const featured = await get(actor.featured);
                const pinned = (featured.orderedItems ?? featured.items ?? []).map(idOf);
                if (member === s.alice) {
                    assert.ok(pinned.includes(s.thread.status.uri), `alice's featured has C-thread (${mode.name}): ${pinned}`);
                }
            }
            // Replies of the federated thread: bob's federated reply, not alice's local one.
            const replies = await get(`${s.thread.status.uri}/replies`);
            const items = [
                ...(replies.orderedItems ?? replies.items ?? []),
                ...(replies.first?.orderedItems ?? replies.first?.items ?? []),
            ].map(idOf);
            assert.ok(items.includes(s.bobReply.status.uri), `C-thread's replies have bob's (${mode.name}): ${items}`);
        }

        process.stderr.write(`leak probe: ${observations.join("; ")}\n`);
    });

    step("10. what an anonymous visitor reads of the client API holds no local-only post", async () => {
        need("settled", "settled deliveries");
        need("fake", "the made-up id");
        const { server, peer } = s;
        const get = (url) => peer.fetchDocument(`${server.url}${url}`, { accept: "json" });
        const anon = async (url) => {
            const answer = await get(url);
            assert.equal(answer.status, 200, `anonymous GET ${url}: ${answer.text.slice(0, 200)}`);
            return answer.json;
        };
        // What names a local-only post in an answer, headers (a Link header's cursor, say)
        // included.
        const named = (answer) => {
            const text = `${JSON.stringify(answer.headers)}\n${answer.text}`;
            return [...forbidden()].filter(([needle]) => text.includes(needle)).map(([needle, what]) => `${what} ("${needle}") ${excerpt(text, needle)}`);
        };

        // Single posts and what hangs off them: as missing as a made-up id.
        const differences = [];
        for (const suffix of ["", "/context", "/history", "/favourited_by", "/reblogged_by"]) {
            const expected = await get(`/api/v1/statuses/${s.fake}${suffix}`);
            assert.equal(expected.status, 404, `a made-up id: /api/v1/statuses/${s.fake}${suffix}`);
            for (const p of localOnly) {
                const answer = await get(`/api/v1/statuses/${p.status.id}${suffix}`);
                if (answer.status !== expected.status || answer.text !== expected.text) {
                    differences.push(
                        `${p.label}: anonymous GET /api/v1/statuses/${p.status.id}${suffix} answered ${answer.status} ` +
                            `${JSON.stringify(answer.text.slice(0, 200))}; a made-up id: ${expected.status} ${JSON.stringify(expected.text)}`,
                    );
                }
            }
        }
        assert.deepEqual(differences, [], `local-only posts answer unlike missing ones:\n  ${differences.join("\n  ")}`);

        // Lists: the controls are there, the local-only posts are not.
        const lists = [
            { url: "/api/v1/timelines/public?limit=40", has: s.thread },
            { url: "/api/v1/timelines/public?local=true&limit=40", has: s.thread },
            { url: `/api/v1/accounts/${s.alice.id}/statuses?limit=40`, has: s.thread },
            { url: `/api/v1/accounts/${s.alice.id}/statuses?pinned=true`, has: s.thread },
            { url: `/api/v1/accounts/${s.bob.id}/statuses?limit=40`, has: s.bobReply },
            { url: `/api/v1/accounts/${s.alice.id}/statuses?tagged=${s.hashtag}` },
            { url: `/api/v1/timelines/tag/${s.hashtag}` },
            { url: `/api/v1/statuses/${s.thread.status.id}/context`, has: s.bobReply },
        ];
        const found = [];
        for (const list of lists) {
            const answer = await get(list.url);
            assert.equal(answer.status, 200, `anonymous GET ${list.url}: ${answer.text.slice(0, 200)}`);
            if (list.has) {
                assert.ok(answer.text.includes(list.has.status.uri), `anonymous GET ${list.url} has ${list.has.label}`);
            }
            for (const what of named(answer)) found.push(`${what} in anonymous GET ${list.url}`);
        }

        // Search: by a canary, by the local-only hashtag, by a local-only post's URL and
        // id (this server's own URLs are resolved without leaving it).
        const searches = [
            `/api/v2/search?q=${s.hashtag}`,
            `/api/v2/search?q=${encodeURIComponent(`#${s.hashtag}`)}&type=hashtags`,
            `/api/v2/search?q=lo${RUN}`,
            ...localOnly.flatMap((p) => [
                `/api/v2/search?q=${encodeURIComponent(p.status.uri)}&resolve=true`,
                `/api/v2/search?q=${encodeURIComponent(p.status.url ?? p.status.uri)}`,
            ]),
        ];
        for (const url of searches) {
            const answer = await get(url);
            if (answer.status !== 200) continue; // refused: nothing said
            for (const what of named(answer)) found.push(`${what} in anonymous GET ${url}`);
        }
        const control = await anon(`/api/v2/search?q=${encodeURIComponent(s.thread.status.url)}`);
        assert.deepEqual(
            control.statuses.map((x) => x.uri),
            [s.thread.status.uri],
            "a control post's URL is found by anonymous search (so the local-only ones not being found means something)",
        );
        assert.deepEqual(found, [], `local-only posts in what anonymous visitors read:\n  ${found.join("\n  ")}`);
    });

    step("11. nothing the peer received or fetched, first to last, names a local-only post", async () => {
        need("settled", "settled deliveries");
        const found = leaks();
        assert.deepEqual(found, [], `local-only posts leaked to the peer:\n  ${found.join("\n  ")}`);
        const places = receivedBytes();
        const bytes = places.reduce((n, p) => n + Buffer.byteLength(p.text), 0);
        process.stderr.write(
            `leak probe: ${forbidden().size} strings naming ${localOnly.length} local-only posts and boosts ` +
                `searched in ${places.length} requests and answers (${bytes} bytes): none found\n`,
        );
    });

    step("12. the post counts other servers and visitors read do not count local-only posts", async () => {
        need("countsAfter", "the counts around step 4");
        // Between the two readings alice posted 14 federated public neighbours and nothing
        // else federated; everything else was local-only (posts, replies, boosts, deletions).
        // So each count may have grown by those 14 (alice's, the community's) and no more.
        const expectedDelta = { alice: s.neighbours, bob: 0, nodeinfo: s.neighbours };
        const where = {
            outboxTotalItems: (name) => `outbox totalItems (GET /users/${name}/outbox, unsigned)`,
            statusesCount: (name) => `statuses_count (anonymous GET /api/v1/accounts/lookup?acct=${name})`,
            localPosts: () => "usage.localPosts (GET /nodeinfo/2.1)",
        };
        const wrong = [];
        for (const [name, delta] of Object.entries(expectedDelta)) {
            for (const field of Object.keys(s.countsBefore[name])) {
                const before = s.countsBefore[name][field];
                const after = s.countsAfter[name][field];
                if (after - before !== delta) {
                    wrong.push(
                        `${name === "nodeinfo" ? "" : `${name}'s `}${where[field](name)} went from ${before} to ${after}: ` +
                            `+${after - before}, but only ${delta} federated posts were made`,
                    );
                }
            }
        }
        assert.deepEqual(wrong, [], `local-only posts are counted where other servers and visitors read:\n  ${wrong.join("\n  ")}`);
    });
});
