// The harness of the masto.js client-compatibility suite.
//
// One real `hamlet serve` per run, in a fresh temporary directory (so its SQLite database,
// `./hamlet-data`, lands there), on a free loopback port. Members are created with the
// real CLI (`hamlet admin user create NAME --role member --email E --password-stdin`), run
// from the same directory with the same environment, so it opens the same database.
// Tokens: an app registered through masto.js (`v1.apps.create`), then the OAuth password
// grant with plain fetch; everything after that goes through masto.js.
//
// Environment:
//   HAMLET_BIN                   the binary to test (default: <repo>/target/release/hamlet)
//   HAMLET_CLIENTS_DATABASE_URL  run on this (PostgreSQL) database instead of SQLite; it is
//                                passed on as HAMLET_DATABASE_URL to the server and the CLI
//   MASTO_SUITE_KEEP_DIR=1       keep the temporary directory (database, server log)

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as nodeTest from "node:test";
import { fileURLToPath } from "node:url";

import { createRestAPIClient, MastoHttpError } from "masto";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../../..");
export const PASSWORD = "correct horse battery staple";
export const OOB = "urn:ietf:wg:oauth:2.0:oob";
export const SCOPES = "read write follow push";
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;

// --- failure bookkeeping -----------------------------------------------------------------

let anyFailed = false;

/** `node:test`'s `test`, remembering failures so the server log tail is printed at the end. */
export function test(name, fn) {
    return nodeTest.test(name, async (t) => {
        try {
            await fn(t);
        } catch (error) {
            anyFailed = true;
            throw error;
        }
    });
}

/** A test skipped because of a server bug; `reason` names the bug. */
test.skip = (name, reason, fn) => nodeTest.test(name, { skip: reason }, fn);

export const describe = nodeTest.describe;

// --- the server process --------------------------------------------------------------------

function hamletBinary() {
    const raw = process.env.HAMLET_BIN || "target/release/hamlet";
    const bin = path.isAbsolute(raw) ? raw : path.resolve(REPO, raw);
    if (!fs.existsSync(bin)) {
        throw new Error(
            `hamlet binary not found at ${bin}: build it with ` +
                "`cargo build --release -p hamlet` or set HAMLET_BIN",
        );
    }
    return bin;
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class HamletServer {
    constructor(binary, workdir, env, port) {
        this.binary = binary;
        this.workdir = workdir;
        this.env = env;
        this.port = port;
        this.url = `http://127.0.0.1:${port}`;
        // What Mastodon calls the local domain (`uri` in instance v1, `domain` in v2).
        this.domain = `127.0.0.1:${port}`;
        this.logPath = path.join(workdir, "server.log");
        this.process = null;
        this.exit = null;
        this.names = 0;
    }

    async start() {
        const log = fs.openSync(this.logPath, "a");
        this.process = spawn(this.binary, ["serve"], {
            cwd: this.workdir,
            env: this.env,
            stdio: ["ignore", log, log],
        });
        fs.closeSync(log);
        this.exit = new Promise((resolve) => {
            this.process.on("exit", (code, signal) => resolve({ code, signal }));
        });
        // Never outlive the test process, whatever happens to the `after` hook.
        const child = this.process;
        process.on("exit", () => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        });
        let exited = null;
        this.exit.then((status) => (exited = status));
        const deadline = Date.now() + STARTUP_TIMEOUT_MS;
        let lastError = "no answer yet";
        while (Date.now() < deadline) {
            if (exited) {
                throw new Error(
                    `hamlet serve exited with ${exited.code ?? exited.signal} before it was ` +
                        `healthy:\n${this.logTail()}`,
                );
            }
            try {
                const response = await fetch(`${this.url}/health`, {
                    signal: AbortSignal.timeout(2000),
                });
                const text = await response.text();
                if (response.status === 200) return;
                lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
            } catch (error) {
                lastError = String(error?.cause?.code ?? error);
            }
            await sleep(100);
        }
        await this.stop().catch(() => {});
        throw new Error(
            `hamlet serve was not healthy within ${STARTUP_TIMEOUT_MS / 1000}s ` +
                `(${lastError}):\n${this.logTail()}`,
        );
    }

    /** SIGTERM, then the exit status ({code, signal}); kills it if it ignores SIGTERM. */
    async stop() {
        if (!this.process) return null;
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
            return this.exit;
        }
        this.process.kill("SIGTERM");
        let timer;
        const timeout = new Promise((resolve) => {
            timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS);
        });
        const result = await Promise.race([this.exit, timeout]);
        clearTimeout(timer);
        if (result === "timeout") {
            this.process.kill("SIGKILL");
            await this.exit;
            throw new Error(`hamlet serve ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000}s`);
        }
        return result;
    }

    logTail(lines = 60) {
        try {
            const text = fs.readFileSync(this.logPath, "utf8");
            return text.split("\n").slice(-lines - 1).join("\n");
        } catch {
            return "(no server log)";
        }
    }

    /** Runs `hamlet ARGS` against the server's database. */
    cli(args, stdin = "") {
        return spawnSync(this.binary, args, {
            cwd: this.workdir,
            env: this.env,
            input: stdin,
            encoding: "utf8",
            timeout: 60_000,
        });
    }

    uniqueName(prefix) {
        this.names += 1;
        return `${prefix}${this.names}`;
    }

    /** A signed-out masto.js client. */
    anonymous() {
        return createRestAPIClient({ url: this.url, timeout: REQUEST_TIMEOUT_MS });
    }

    /**
     * Creates a member with the CLI and signs them in: an app registered through masto.js,
     * a password-grant token, a masto.js client with it, and their account.
     */
    async createMember(username = this.uniqueName("member")) {
        const email = `${username}@example.invalid`;
        const done = this.cli(
            ["admin", "user", "create", username, "--role", "member", "--email", email,
                "--password-stdin"],
            `${PASSWORD}\n`,
        );
        assert.equal(
            done.status,
            0,
            `\`hamlet admin user create ${username}\` exited ${done.status}\n` +
                `stdout: ${done.stdout}\nstderr: ${done.stderr}`,
        );
        assert.equal(done.stdout.trim(), `created @${username} (member)`);
        const member = { username, email, password: PASSWORD };
        await this.signIn(member);
        return member;
    }

    /** Registers an app through masto.js; returns the masto Client entity. */
    async registerApp(name = this.uniqueName("masto.js suite ")) {
        return this.anonymous().v1.apps.create({
            clientName: name,
            redirectUris: OOB,
            scopes: SCOPES,
            website: "https://client.example.invalid/",
        });
    }

    /** The OAuth password grant, with fetch (masto.js has no helper for signing in). */
    async passwordGrant(app, login, password = PASSWORD, scope = SCOPES) {
        const response = await fetch(`${this.url}/oauth/token`, {
            method: "POST",
            body: new URLSearchParams({
                grant_type: "password",
                client_id: app.clientId,
                client_secret: app.clientSecret,
                username: login,
                password,
                scope,
                redirect_uri: OOB,
            }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = await response.json();
        assert.equal(response.status, 200, `password grant for ${login}: ${JSON.stringify(body)}`);
        assert.equal(body.token_type, "Bearer");
        assert.deepEqual(body.scope.split(" ").sort(), scope.split(" ").sort(), "granted scopes");
        return body.access_token;
    }

    async signIn(member) {
        member.app = await this.registerApp();
        // conftest.py signs in with the username; test_password_grant_accepts_email_as_username
        // shows the email works too. Elk-style clients send what the person typed: we use
        // the email here (and the username in the oauth tests).
        member.token = await this.passwordGrant(member.app, member.email);
        member.client = createRestAPIClient({
            url: this.url,
            accessToken: member.token,
            timeout: REQUEST_TIMEOUT_MS,
        });
        member.account = await member.client.v1.accounts.verifyCredentials();
        member.id = member.account.id;
        assert.equal(member.account.username, member.username);
        return member;
    }
}

async function startServer() {
    const binary = hamletBinary();
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "hamlet-masto-"));
    // Ours, without the caller's HAMLET_* variables (a developer's HAMLET_DATABASE_URL must
    // not point the suite at a real database).
    const baseEnv = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("HAMLET_")),
    );
    const databaseUrl = (process.env.HAMLET_CLIENTS_DATABASE_URL ?? "").trim();
    for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const env = {
            ...baseEnv,
            HAMLET_SERVER_LISTEN: `127.0.0.1:${port}`,
            HAMLET_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
            HAMLET_LOG_LEVEL: "info",
            // Every member signs in from 127.0.0.1; the default allowances are for attackers.
            HAMLET_LIMITS_SIGN_IN_ATTEMPTS: "10000",
            HAMLET_LIMITS_TOKEN_REQUESTS: "10000",
            HAMLET_LIMITS_APP_REGISTRATIONS: "10000",
        };
        if (databaseUrl) env.HAMLET_DATABASE_URL = databaseUrl;
        const server = new HamletServer(binary, workdir, env, port);
        try {
            await server.start();
            process.stderr.write(
                `# hamlet under test: ${binary} at ${server.url} ` +
                    `(${databaseUrl ? "PostgreSQL" : "SQLite"}), log ${server.logPath}\n`,
            );
            return server;
        } catch (error) {
            // Another process may have taken the port between our probe and the bind.
            if (attempt >= 3 || !/in use/i.test(server.logTail())) throw error;
        }
    }
}

let serverPromise = null;

/** The server of this run, started on first use. */
export function getServer() {
    serverPromise ??= startServer();
    return serverPromise;
}

let worldPromise = null;

/**
 * The shared cast: alice and bob follow each other; carol follows nobody and is used for
 * locked-account, block and mute cases.
 */
export function world() {
    worldPromise ??= (async () => {
        const server = await getServer();
        const alice = await server.createMember("alice");
        const bob = await server.createMember("bob");
        const carol = await server.createMember("carol");
        const ab = await alice.client.v1.accounts.$select(bob.id).follow();
        assert.equal(ab.following, true, "alice follows bob");
        const ba = await bob.client.v1.accounts.$select(alice.id).follow();
        assert.equal(ba.following, true, "bob follows alice");
        assert.equal(ba.followedBy, true, "bob is followed by alice");
        return { server, alice, bob, carol };
    })();
    return worldPromise;
}

/** Stops the server (SIGTERM); prints the log tail if anything failed. */
export async function shutdown() {
    if (!serverPromise) return;
    let server;
    try {
        server = await serverPromise;
    } catch {
        return; // the start failure was already reported with the log
    }
    const status = await server.stop();
    if (anyFailed || status?.code !== 0) {
        process.stderr.write(
            `\n----- last lines of the server log (${server.logPath}) -----\n` +
                `${server.logTail(80)}\n`,
        );
    }
    if (!anyFailed && status?.code === 0 && !process.env.MASTO_SUITE_KEEP_DIR) {
        fs.rmSync(server.workdir, { recursive: true, force: true });
    }
    assert.equal(
        status?.code,
        0,
        `hamlet serve exited with ${status?.code ?? status?.signal} on SIGTERM`,
    );
}

// --- assertion helpers ---------------------------------------------------------------------

/** Asserts that `promise` rejects with a MastoHttpError of HTTP status `status`. */
export async function rejectsWithStatus(promise, status, what = "request") {
    let outcome;
    try {
        outcome = await promise;
    } catch (error) {
        assert.ok(
            error instanceof MastoHttpError,
            `${what}: expected HTTP ${status}, got ${error?.name}: ${error?.message}`,
        );
        assert.equal(
            error.statusCode,
            status,
            `${what}: expected HTTP ${status}, got ${error.statusCode} ${error.message}`,
        );
        return error;
    }
    assert.fail(`${what}: expected HTTP ${status}, but it succeeded: ${JSON.stringify(outcome)}`);
}

/**
 * Every page a masto.js paginator yields (following the Link header), as an array of
 * pages; fails if it runs past `maxPages` (a server whose `next` link never ends).
 */
export async function pages(paginator, maxPages = 25) {
    const result = [];
    for await (const page of paginator) {
        result.push(page);
        assert.ok(result.length <= maxPages, `paginator still going after ${maxPages} pages`);
    }
    return result;
}

/** The ids of a list of entities. */
export const ids = (items) => items.map((item) => item.id);

let counter = 0;
/**
 * A word no other post of this run contains: the prefix and four letters (letters only, so
 * it is also a fine hashtag; fixed length, so no word is the beginning of another).
 */
export function uniqueWord(prefix = "word") {
    counter += 1;
    let n = counter;
    let letters = "";
    for (let i = 0; i < 4; i++) {
        letters = String.fromCharCode(97 + (n % 26)) + letters;
        n = Math.floor(n / 26);
    }
    return `${prefix}${letters}`;
}

/** Posts as `member` (masto.js `v1.statuses.create`) and checks the basics of the answer. */
export async function post(member, params) {
    const status = await member.client.v1.statuses.create(
        typeof params === "string" ? { status: params } : params,
    );
    assert.equal(status.account.id, member.id);
    return status;
}

export { assert, MastoHttpError };
