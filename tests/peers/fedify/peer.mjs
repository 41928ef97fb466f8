// A minimal ActivityPub peer built on Fedify (a third-party implementation), for testing
// Hamlet's federation on loopback.
//
// One actor, `peer`, served over plain HTTP on 127.0.0.1:PORT, with an RSA key pair (HTTP
// signatures, draft-cavage and RFC 9421 alike) and an Ed25519 key pair (Object Integrity
// Proofs, as every Fedify application publishes). It keeps everything in memory and
// records, for the test to assert on:
//
//   incoming   every HTTP request it received: method, path, every header, the whole body
//              (and the activity in it), the answer it gave, and the result of verifying the
//              request's HTTP signature independently with Fedify's `verifyRequestDetailed`
//   inbox      every activity that reached an inbox listener (Fedify only calls listeners
//              for activities whose signature it verified: skipSignatureVerification is off)
//   unverified every activity Fedify refused for its signature (onUnverifiedActivity)
//   outgoing   every HTTP request Fedify made: method, URL, the signature scheme it signed
//              with (if any) and the answer (status, headers, whole body), so a double-knock
//              fallback to the other scheme is visible
//   errors     inbox listener errors
//
// Together, `incoming` (headers and bodies) and the answers in `outgoing` hold every byte
// the peer received from the server it talks to (leak.test.mjs searches them).
//
// Loopback needs two test-only concessions, both confined to this file:
//   - `allowPrivateAddress: true` (Fedify refuses loopback and private addresses otherwise);
//   - Fedify always asks WebFinger for an `acct:` URI over https (there is no option for
//     http), so requests for `https://<hamlet host>/.well-known/webfinger` are sent to
//     `http://<hamlet host>/...`, as a TLS-terminating proxy in front of Hamlet would. Only
//     hosts passed in `plainHttpHosts` are rewritten; each rewrite is recorded in `outgoing`.
//
// Used as a module by interop.test.mjs (`startPeer`), or on its own for manual poking:
//   node peer.mjs [--port 9999] [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                 [--plain-http-host 127.0.0.1:8080]

import { AsyncLocalStorage } from "node:async_hooks";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import util from "node:util";

import {
    createFederation,
    generateCryptoKeyPair,
    getAuthenticatedDocumentLoader,
    getDocumentLoader,
    MemoryKvStore,
    signRequest,
    verifyRequestDetailed,
} from "@fedify/fedify";
import {
    Accept,
    Activity,
    Create,
    Endpoints,
    Follow,
    Mention,
    Note,
    Person,
    PUBLIC_COLLECTION,
    Reject,
    Undo,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getTextFormatter, reset } from "@logtape/logtape";

export const PEER_IDENTIFIER = "peer";
export const CAVAGE = "draft-cavage-http-signatures-12";
export const RFC9421 = "rfc9421";

// --- logging -----------------------------------------------------------------------------------

const textFormatter = getTextFormatter({ timestamp: "time", value: (v) => util.inspect(v, { depth: 4, breakLength: Infinity }) });
let logSinkTarget = null; // { lines: string[], file?: fd, stderr: boolean }

/**
 * Sends Fedify's LogTape output (category `fedify`, debug level) to `target`: kept in
 * memory (`lines`), appended to `file` if given, and copied to stderr if `stderr`.
 */
async function configureLogging() {
    await reset();
    await configure({
        reset: true,
        contextLocalStorage: new AsyncLocalStorage(),
        sinks: {
            peer(record) {
                const target = logSinkTarget;
                if (!target) return;
                const line = textFormatter(record);
                target.lines.push(line.trimEnd());
                if (target.fd != null) fs.writeSync(target.fd, line);
                if (target.stderr) process.stderr.write(line);
            },
        },
        loggers: [
            { category: ["fedify"], lowestLevel: "debug", sinks: ["peer"] },
            { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["peer"] },
        ],
    });
}

// --- outgoing requests --------------------------------------------------------------------------

// Fedify sends everything with the global fetch. It is wrapped once per process; requests
// made on behalf of a peer (inside its request handler or one of its methods, tracked with
// AsyncLocalStorage) are recorded in its `outgoing`; others (the test's own Mastodon API
// calls) pass through untouched.
let currentPeer = null;
const acting = new AsyncLocalStorage();
// While a `fetchDocument` call runs, the entries of the requests it makes (a double knock
// makes two) are collected here as well.
const collecting = new AsyncLocalStorage();
const realFetch = globalThis.fetch;

function signatureSchemeOf(headers) {
    if (headers.get("signature-input")) return RFC9421;
    if (headers.get("signature")) return CAVAGE;
    return null;
}

globalThis.fetch = async function recordingFetch(input, init) {
    const peer = acting.getStore();
    if (!peer) return realFetch(input, init);
    let request = input instanceof Request && !init ? input : new Request(input, init);
    const entry = {
        at: new Date().toISOString(),
        method: request.method,
        url: request.url,
        scheme: signatureSchemeOf(request.headers),
        signature: request.headers.get("signature"),
        signatureInput: request.headers.get("signature-input"),
        rewrittenTo: null,
        status: null,
        error: null,
    };
    const url = new URL(request.url);
    if (
        url.protocol === "https:" &&
        url.pathname === "/.well-known/webfinger" &&
        peer.plainHttpHosts.has(url.host)
    ) {
        url.protocol = "http:";
        entry.rewrittenTo = url.href;
        const body = ["GET", "HEAD"].includes(request.method) ? undefined : await request.clone().arrayBuffer();
        request = new Request(url, {
            method: request.method,
            headers: request.headers,
            body,
            redirect: request.redirect,
            signal: request.signal,
        });
    }
    if (!["GET", "HEAD"].includes(request.method)) {
        entry.body = await request.clone().text();
    }
    peer.outgoing.push(entry);
    collecting.getStore()?.push(entry);
    try {
        const response = await realFetch(request);
        entry.status = response.status;
        entry.responseHeaders = Object.fromEntries(response.headers);
        // The whole answer: every byte the other server sent us is kept.
        entry.responseText = await response.clone().text();
        if (response.status >= 400) {
            entry.responseBody = entry.responseText.slice(0, 500);
        }
        return response;
    } catch (error) {
        entry.error = String(error?.cause ?? error);
        throw error;
    }
};

// --- the peer -------------------------------------------------------------------------------------

function headersOf(req) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
    }
    return headers;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a Fedify peer on 127.0.0.1:`port` (0: any free port).
 *
 * options:
 *   port            the port (default 0)
 *   firstKnock      the HTTP signature spec Fedify signs with first: CAVAGE or RFC9421
 *   plainHttpHosts  hosts ("127.0.0.1:8080") whose https WebFinger requests go over http
 *   logFile         append Fedify's debug log here
 *   logToStderr     copy Fedify's debug log to stderr
 *   federationOptions  more options for createFederation
 */
export async function startPeer(options = {}) {
    if (currentPeer) throw new Error("one peer at a time: close the previous one first");
    const firstKnock = options.firstKnock ?? RFC9421;
    if (![CAVAGE, RFC9421].includes(firstKnock)) throw new Error(`unknown firstKnock ${firstKnock}`);

    const server = http.createServer();
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", resolve);
    });
    const port = server.address().port;
    const origin = `http://127.0.0.1:${port}`;

    const log = { lines: [], fd: null, stderr: Boolean(options.logToStderr) };
    if (options.logFile) log.fd = fs.openSync(options.logFile, "a");

    const peer = {
        port,
        origin,
        host: `127.0.0.1:${port}`,
        handle: `peer@127.0.0.1:${port}`,
        actorId: new URL(`${origin}/users/${PEER_IDENTIFIER}`),
        firstKnock,
        plainHttpHosts: new Set(options.plainHttpHosts ?? []),
        incoming: [],
        inbox: [],
        unverified: [],
        outgoing: [],
        errors: [],
        notes: new Map(), // id -> Note (our own posts, served by the object dispatcher)
        followers: new Set(),
        log,
    };

    const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const ed25519 = await generateCryptoKeyPair("Ed25519");
    const documentLoader = getDocumentLoader({ allowPrivateAddress: true });

    const federation = createFederation({
        kv: new MemoryKvStore(),
        origin,
        // Loopback peers only: see the top of this file.
        allowPrivateAddress: true,
        // Explicit, because this is what the test is about: Fedify verifies every signature.
        skipSignatureVerification: false,
        firstKnock,
        // Anything else (a test of the test may make verification fail on purpose).
        ...(options.federationOptions ?? {}),
        // No queue: sendActivity delivers before it returns and throws if delivery failed.
    });

    federation
        .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
            if (identifier !== PEER_IDENTIFIER) return null;
            const keys = await ctx.getActorKeyPairs(identifier);
            return new Person({
                id: ctx.getActorUri(identifier),
                preferredUsername: identifier,
                name: "Fedify peer",
                summary: "A Fedify test peer on loopback.",
                url: ctx.getActorUri(identifier),
                inbox: ctx.getInboxUri(identifier),
                outbox: ctx.getOutboxUri(identifier),
                followers: ctx.getFollowersUri(identifier),
                following: ctx.getFollowingUri(identifier),
                endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
                manuallyApprovesFollowers: false,
                publicKey: keys[0].cryptographicKey,
                assertionMethods: keys.map((key) => key.multikey),
            });
        })
        .setKeyPairsDispatcher(async (_ctx, identifier) => {
            if (identifier !== PEER_IDENTIFIER) return [];
            return [rsa, ed25519];
        });

    federation.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
        if (identifier !== PEER_IDENTIFIER) return null;
        return { items: [...peer.followers].map((id) => new URL(id)) };
    });
    federation.setFollowingDispatcher("/users/{identifier}/following", async (_ctx, identifier) => {
        if (identifier !== PEER_IDENTIFIER) return null;
        return { items: [] };
    });
    federation.setOutboxDispatcher("/users/{identifier}/outbox", async (_ctx, identifier) => {
        if (identifier !== PEER_IDENTIFIER) return null;
        return { items: [] };
    });
    federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", async (ctx, values) => {
        if (values.identifier !== PEER_IDENTIFIER) return null;
        return peer.notes.get(ctx.getObjectUri(Note, values).href) ?? null;
    });

    const record = async (ctx, activity, extra = {}) => {
        peer.inbox.push({
            at: new Date().toISOString(),
            type: activity.constructor.name,
            id: activity.id?.href ?? null,
            actorId: activity.actorId?.href ?? null,
            recipient: ctx.recipient ?? null, // null: the shared inbox
            json: await activity.toJsonLd({ format: "compact" }),
            ...extra,
        });
    };

    federation
        .setInboxListeners("/users/{identifier}/inbox", "/inbox")
        .on(Accept, async (ctx, accept) => {
            await record(ctx, accept, { objectId: accept.objectId?.href ?? null });
        })
        .on(Reject, async (ctx, reject) => {
            await record(ctx, reject, { objectId: reject.objectId?.href ?? null });
        })
        .on(Create, async (ctx, create) => {
            const object = await create.getObject();
            const note =
                object instanceof Note
                    ? {
                          id: object.id?.href ?? null,
                          content: object.content?.toString() ?? null,
                          attributionId: object.attributionId?.href ?? null,
                          inReplyToId: object.replyTargetId?.href ?? null,
                          toIds: object.toIds.map((u) => u.href),
                          ccIds: object.ccIds.map((u) => u.href),
                      }
                    : null;
            await record(ctx, create, { objectType: object?.constructor?.name ?? null, note });
        })
        .on(Follow, async (ctx, follow) => {
            // Not used by the scenarios; accepted like an unlocked account would.
            await record(ctx, follow, { objectId: follow.objectId?.href ?? null });
            if (follow.objectId?.href !== peer.actorId.href || !follow.actorId) return;
            const follower = await follow.getActor();
            if (!follower) return;
            peer.followers.add(follower.id.href);
            await ctx.sendActivity(
                { identifier: PEER_IDENTIFIER },
                follower,
                new Accept({
                    id: new URL(`${origin}/activities/${crypto.randomUUID()}`),
                    actor: peer.actorId,
                    object: follow,
                }),
            );
        })
        .on(Undo, async (ctx, undo) => {
            await record(ctx, undo, { objectId: undo.objectId?.href ?? null });
        })
        .on(Activity, async (ctx, activity) => {
            await record(ctx, activity);
        })
        .onUnverifiedActivity(async (_ctx, activity, reason) => {
            peer.unverified.push({
                at: new Date().toISOString(),
                type: activity.constructor.name,
                id: activity.id?.href ?? null,
                reason: util.inspect(reason, { depth: 4, breakLength: Infinity }),
            });
            // Fedify's default answer (401) stands.
        })
        .onError(async (_ctx, error) => {
            peer.errors.push({ at: new Date().toISOString(), error: String(error?.stack ?? error) });
        });

    server.on("request", (req, res) => acting.run(peer, () => handle(req, res)));
    const handle = async (req, res) => {
        const entry = {
            at: new Date().toISOString(),
            method: req.method,
            path: req.url,
            scheme: null,
            signature: req.headers["signature"] ?? null,
            signatureInput: req.headers["signature-input"] ?? null,
            contentType: req.headers["content-type"] ?? null,
            headers: { ...req.headers },
            body: null,
            activity: null,
            verification: null,
            status: null,
        };
        peer.incoming.push(entry);
        try {
            const chunks = [];
            for await (const chunk of req) chunks.push(chunk);
            const body = Buffer.concat(chunks);
            entry.body = body.toString("utf8");
            const headers = headersOf(req);
            entry.scheme = signatureSchemeOf(headers);
            if (req.method === "POST") {
                try {
                    const json = JSON.parse(body.toString("utf8"));
                    entry.activity = { type: json.type ?? null, id: json.id ?? null };
                } catch {
                    entry.activity = { unparsable: body.toString("utf8").slice(0, 200) };
                }
            }
            const request = new Request(new URL(req.url, origin), {
                method: req.method,
                headers,
                body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
            });
            if (entry.scheme) {
                // An independent check of the HTTP signature alone (Fedify's inbox would also
                // accept an activity whose HTTP signature fails if it carried a valid LD
                // signature or proof; this tells the two apart).
                const result = await verifyRequestDetailed(request.clone(), { documentLoader });
                entry.verification = result.verified
                    ? { verified: true, keyId: result.key.id?.href ?? null, label: result.signatureLabel ?? null }
                    : { verified: false, reason: util.inspect(result.reason, { depth: 4, breakLength: Infinity }) };
            }
            const response = await federation.fetch(request, {
                contextData: undefined,
                onNotFound: () => new Response("Not Found", { status: 404 }),
                onNotAcceptable: () => new Response("Not Acceptable", { status: 406 }),
            });
            entry.status = response.status;
            const out = Buffer.from(await response.arrayBuffer());
            res.writeHead(response.status, Object.fromEntries(response.headers));
            res.end(out);
        } catch (error) {
            entry.status = 500;
            entry.error = String(error?.stack ?? error);
            if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
            res.end("peer error");
        }
    };

    logSinkTarget = log;
    await configureLogging();
    currentPeer = peer;

    const ctx = () => federation.createContext(new URL(origin), undefined);

    Object.assign(peer, {
        federation,

        /** Fedify's lookupObject (WebFinger for `acct:` URIs, then the actor document). */
        async lookup(identifier) {
            return acting.run(peer, () => ctx().lookupObject(identifier));
        },

        /** Sends Follow to `actor`; returns the Follow's id. */
        async follow(actor) {
            const id = new URL(`${origin}/activities/follow/${crypto.randomUUID()}`);
            await acting.run(peer, () => ctx().sendActivity(
                { identifier: PEER_IDENTIFIER },
                actor,
                new Follow({ id, actor: peer.actorId, object: actor.id }),
            ));
            return id.href;
        },

        /**
         * Publishes a public Note replying to `inReplyTo` (a URL; none: a post of its own)
         * and mentioning `actor` (Mention tag, in cc), and sends its Create to `actor`'s
         * inbox. Returns the note's id.
         */
        async reply({ actor, actorHandle, inReplyTo, text }) {
            const c = ctx();
            const noteId = c.getObjectUri(Note, { identifier: PEER_IDENTIFIER, id: crypto.randomUUID() });
            const mentionHref = actor.url instanceof URL ? actor.url.href : actor.id.href;
            const note = new Note({
                id: noteId,
                attribution: peer.actorId,
                to: PUBLIC_COLLECTION,
                ccs: [actor.id, c.getFollowersUri(PEER_IDENTIFIER)],
                ...(inReplyTo ? { replyTarget: new URL(inReplyTo) } : {}),
                content:
                    `<p><span class="h-card"><a href="${mentionHref}" class="u-url mention">` +
                    `@<span>${actor.preferredUsername}</span></a></span> ${text}</p>`,
                tags: [new Mention({ href: actor.id, name: `@${actorHandle}` })],
                published: Temporal.Now.instant(),
                url: noteId,
            });
            peer.notes.set(noteId.href, note);
            await acting.run(peer, () => c.sendActivity(
                { identifier: PEER_IDENTIFIER },
                actor,
                new Create({
                    id: new URL(`${noteId.href}#create`),
                    actor: peer.actorId,
                    object: note,
                    to: PUBLIC_COLLECTION,
                    ccs: [actor.id, c.getFollowersUri(PEER_IDENTIFIER)],
                    published: note.published,
                }),
            ));
            return noteId.href;
        },

        /**
         * Sends `actor`'s inbox a Create(Note) mentioning them whose HTTP signature (spec
         * `spec`) does not hold (unless `forgery` is "none"), outside Fedify's delivery (no retry, no double-knock, not
         * recorded in `outgoing`). `forgery`:
         *   "none"  nothing forged: the control, which must be accepted
         *   "body"  signed properly, then the body is swapped for another (digest mismatch)
         *   "key"   signed with a stranger's key under the peer's keyId
         * Returns { noteId, status, body }.
         */
        async forgedDelivery({ actor, actorHandle, spec, forgery }) {
            const noteId = `${origin}/users/${PEER_IDENTIFIER}/notes/forged-${crypto.randomUUID()}`;
            const activity = (text) => ({
                "@context": "https://www.w3.org/ns/activitystreams",
                id: `${noteId}#create`,
                type: "Create",
                actor: peer.actorId.href,
                to: [PUBLIC_COLLECTION.href],
                cc: [actor.id.href],
                object: {
                    id: noteId,
                    type: "Note",
                    attributedTo: peer.actorId.href,
                    to: [PUBLIC_COLLECTION.href],
                    cc: [actor.id.href],
                    content: `<p>@${actorHandle} ${text}</p>`,
                    tag: [{ type: "Mention", href: actor.id.href, name: `@${actorHandle}` }],
                    published: new Date().toISOString(),
                },
            });
            const body = JSON.stringify(activity("a forged post"));
            const request = new Request(actor.inboxId, {
                method: "POST",
                headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
                body,
            });
            const keyId = new URL(`${peer.actorId.href}#main-key`);
            let sent;
            if (forgery === "none") {
                sent = await signRequest(request, rsa.privateKey, keyId, { spec });
            } else if (forgery === "body") {
                const signed = await signRequest(request, rsa.privateKey, keyId, { spec });
                sent = new Request(signed.url, {
                    method: "POST",
                    headers: signed.headers,
                    body: JSON.stringify(activity("the body was swapped after signing")),
                });
            } else if (forgery === "key") {
                const stranger = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
                sent = await signRequest(request, stranger.privateKey, keyId, { spec });
            } else {
                throw new Error(`unknown forgery ${forgery}`);
            }
            const response = await realFetch(sent, { redirect: "manual" });
            return { noteId, status: response.status, body: (await response.text()).slice(0, 300) };
        },

        /**
         * GETs `url` as the peer, the way Fedify fetches documents, and returns what came
         * back: { url, sign, accept, status, scheme, contentType, headers, text, json, error,
         * attempts } (all but `json` are the first attempt's; `attempts` are the `outgoing`
         * entries of every request made, e.g. a double knock's second try).
         *   sign    CAVAGE or RFC9421: Fedify's authenticated document loader with the
         *           actor's RSA key, that spec first (on a 4xx it knocks again with the
         *           other, as Fedify always does); null: unsigned
         *   accept  "activity": an ActivityPub document (Fedify's document loaders);
         *           "html" (a browser's Accept) or "json" (a Mastodon client's): a plain
         *           unsigned GET, redirects not followed
         */
        async fetchDocument(url, { sign = null, accept = "activity" } = {}) {
            const attempts = [];
            let json = null;
            let error = null;
            await acting.run(peer, () =>
                collecting.run(attempts, async () => {
                    try {
                        if (accept === "activity") {
                            const loader = sign
                                ? getAuthenticatedDocumentLoader(
                                      { keyId: new URL(`${peer.actorId.href}#main-key`), privateKey: rsa.privateKey },
                                      {
                                          allowPrivateAddress: true,
                                          specDeterminer: { determineSpec: () => sign, rememberSpec: () => {} },
                                      },
                                  )
                                : documentLoader;
                            json = (await loader(url)).document;
                        } else {
                            if (sign) throw new Error("only ActivityPub fetches are signed");
                            const response = await fetch(url, {
                                headers: {
                                    Accept: accept === "html" ? "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" : "application/json",
                                },
                                redirect: "manual",
                            });
                            const text = await response.text();
                            if (response.ok && accept === "json") json = JSON.parse(text);
                        }
                    } catch (e) {
                        error = String(e?.message ?? e);
                    }
                }),
            );
            const first = attempts[0];
            if (!first) throw new Error(`fetchDocument(${url}): no request was made (${error})`);
            if (first.error) throw new Error(`fetchDocument(${url}): ${first.error}`);
            return {
                url,
                sign,
                accept,
                status: first.status,
                scheme: first.scheme,
                contentType: first.responseHeaders?.["content-type"] ?? null,
                headers: first.responseHeaders ?? {},
                text: first.responseText ?? "",
                json,
                error,
                attempts,
            };
        },

        /** Waits until `predicate(peer)` returns a truthy value; returns it. */
        async waitFor(what, predicate, timeoutMs = 15_000) {
            const deadline = Date.now() + timeoutMs;
            for (;;) {
                const value = predicate(peer);
                if (value) return value;
                if (Date.now() > deadline) {
                    throw new Error(`peer: timed out after ${timeoutMs} ms waiting for ${what}\n${peer.report()}`);
                }
                await sleep(50);
            }
        },

        /** A readable summary of what the peer saw, for failure messages. */
        report() {
            const short = (v) => JSON.stringify(v, null, 1).replace(/\n\s*/g, " ");
            return [
                `--- peer ${origin} (firstKnock ${firstKnock}) ---`,
                "incoming:",
                ...peer.incoming.map(
                    (e) => `  ${short({ ...e, signature: e.signature?.slice(0, 120), headers: undefined, body: e.body?.slice(0, 200) })}`,
                ),
                "inbox listeners ran for:",
                ...peer.inbox.map((e) => `  ${e.type} ${e.id} from ${e.actorId}`),
                "unverified:",
                ...peer.unverified.map((e) => `  ${short(e)}`),
                "outgoing:",
                ...peer.outgoing.map(
                    (e) =>
                        `  ${short({
                            ...e,
                            signature: undefined,
                            signatureInput: e.signatureInput?.slice(0, 160),
                            body: e.status >= 200 && e.status < 300 ? undefined : e.body?.slice(0, 600),
                            responseHeaders: undefined,
                            responseText: undefined,
                        })}`,
                ),
                "listener errors:",
                ...peer.errors.map((e) => `  ${e.error}`),
                "fedify log (last 40 lines, without 'Using preloaded context'):",
                ...peer.log.lines
                    .filter((l) => !l.includes("Using preloaded context"))
                    .slice(-40)
                    .map((l) => `  ${l}`),
            ].join("\n");
        },

        async close() {
            await new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            if (currentPeer === peer) currentPeer = null;
            if (logSinkTarget === log) logSinkTarget = null;
            if (log.fd != null) {
                fs.closeSync(log.fd);
                log.fd = null;
            }
        },
    });
    return peer;
}

// --- standalone -------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
    const { values } = util.parseArgs({
        options: {
            port: { type: "string", default: "0" },
            "first-knock": { type: "string", default: RFC9421 },
            "plain-http-host": { type: "string", multiple: true, default: [] },
        },
    });
    const peer = await startPeer({
        port: Number(values.port),
        firstKnock: values["first-knock"],
        plainHttpHosts: values["plain-http-host"],
        logToStderr: true,
    });
    process.stdout.write(`peer: ${peer.actorId.href} (acct:${peer.handle}), firstKnock ${peer.firstKnock}\n`);
    const stop = async () => {
        process.stdout.write(`${peer.report()}\n`);
        await peer.close();
        process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}
