// A real `hamlet serve` for the Fedify interop test, and the Mastodon API calls the test
// makes as a member (plain fetch).
//
// Each server runs in a fresh temporary directory (its SQLite database, `./hamlet-data`,
// lands there) on a free loopback port, with the development switch that lets it federate
// over http:// with loopback addresses. Members are created with the real CLI (`hamlet admin
// user create NAME --role member --email E --password-stdin`), from the same directory and
// with the same environment, so it opens the same database; tokens come from the OAuth
// password grant.
//
// Environment:
//   HAMLET_BIN                   the binary to test (default: <repo>/target/release/hamlet)
//   HAMLET_CLIENTS_DATABASE_URL  run on this (PostgreSQL) database instead of SQLite; each
//                                server gets a schema of its own in it
//   FEDIFY_INTEROP_KEEP_DIR=1    keep the temporary directories (database, logs) even when
//                                everything passed

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../../..");
export const PASSWORD = "correct horse battery staple";
const OOB = "urn:ietf:wg:oauth:2.0:oob";
const SCOPES = "read write follow";
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function hamletBinary() {
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

export function freePort() {
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

export class HamletServer {
    constructor(binary, workdir, env, port) {
        this.binary = binary;
        this.workdir = workdir;
        this.env = env;
        this.port = port;
        this.url = `http://127.0.0.1:${port}`;
        this.host = `127.0.0.1:${port}`;
        this.logPath = path.join(workdir, "server.log");
        this.process = null;
        this.exit = null;
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
        // Never outlive the test process.
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

    /** A Mastodon API call; returns the parsed JSON, failing on any non-2xx answer. */
    async api(method, apiPath, { token, json, form, expect = 200 } = {}) {
        const headers = { Accept: "application/json" };
        if (token) headers.Authorization = `Bearer ${token}`;
        let body;
        if (json !== undefined) {
            headers["Content-Type"] = "application/json";
            body = JSON.stringify(json);
        } else if (form !== undefined) {
            body = new URLSearchParams(form);
        }
        const response = await fetch(`${this.url}${apiPath}`, {
            method,
            headers,
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await response.text();
        assert.equal(
            response.status,
            expect,
            `${method} ${apiPath}: expected HTTP ${expect}, got ${response.status}: ${text.slice(0, 500)}`,
        );
        return text ? JSON.parse(text) : null;
    }

    /** Creates a member with the CLI and signs them in (app + password grant). */
    async createMember(username) {
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
        const app = await this.api("POST", "/api/v1/apps", {
            json: {
                client_name: "Fedify interop test",
                redirect_uris: OOB,
                scopes: SCOPES,
                website: "https://client.example.invalid/",
            },
        });
        const grant = await this.api("POST", "/oauth/token", {
            form: {
                grant_type: "password",
                client_id: app.client_id,
                client_secret: app.client_secret,
                username,
                password: PASSWORD,
                scope: SCOPES,
                redirect_uri: OOB,
            },
        });
        assert.equal(grant.token_type, "Bearer");
        const token = grant.access_token;
        const account = await this.api("GET", "/api/v1/accounts/verify_credentials", { token });
        assert.equal(account.username, username);
        return { username, email, token, account, id: account.id };
    }
}

/**
 * Starts `hamlet serve` in a fresh temporary directory with `extraEnv` on top of the test
 * defaults; on PostgreSQL, `pgSchema` gives it a schema of its own.
 */
export async function startServer({ extraEnv = {}, pgSchema, label = "hamlet" } = {}) {
    const binary = hamletBinary();
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), `hamlet-fedify-${label}-`));
    // Ours, without the caller's HAMLET_* variables (a developer's HAMLET_DATABASE_URL must
    // not point the test at a real database).
    const baseEnv = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("HAMLET_")),
    );
    let databaseUrl = (process.env.HAMLET_CLIENTS_DATABASE_URL ?? "").trim();
    if (databaseUrl && pgSchema) {
        const done = spawnSync(
            "psql",
            [databaseUrl, "-v", "ON_ERROR_STOP=1", "-qc", `CREATE SCHEMA IF NOT EXISTS ${pgSchema}`],
            { encoding: "utf8", timeout: 60_000 },
        );
        assert.equal(done.status, 0, `psql CREATE SCHEMA ${pgSchema}: ${done.stderr}`);
        databaseUrl += `${databaseUrl.includes("?") ? "&" : "?"}options=-c%20search_path%3D${pgSchema}`;
    }
    for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const env = {
            ...baseEnv,
            HAMLET_SERVER_LISTEN: `127.0.0.1:${port}`,
            HAMLET_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
            HAMLET_LOG_LEVEL: "info,hamlet_federation=debug",
            HAMLET_LIMITS_SIGN_IN_ATTEMPTS: "10000",
            HAMLET_LIMITS_TOKEN_REQUESTS: "10000",
            HAMLET_LIMITS_APP_REGISTRATIONS: "10000",
            ...extraEnv,
        };
        if (databaseUrl) env.HAMLET_DATABASE_URL = databaseUrl;
        const server = new HamletServer(binary, workdir, env, port);
        try {
            await server.start();
            return server;
        } catch (error) {
            // Another process may have taken the port between our probe and the bind.
            if (attempt >= 3 || !/in use/i.test(server.logTail())) throw error;
        }
    }
}
