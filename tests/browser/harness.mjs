// The harness of the browser end-to-end suite.
//
// One real `hamlet serve` per run, in a fresh temporary directory (its SQLite database goes
// to <dir>/data), on a free loopback port, with its output captured so that the one-time
// setup link it prints at first start can be followed. One Debian Chromium per run
// (playwright-core's launchPersistentContext on a fresh user-data-dir, with the flags the
// brief names); each test opens its own browser contexts (fresh cookie jars) through
// `withContext`, which records every request of every page of the context, aborts any that
// is not for the server, and fails the test if there was one; a context may be opened
// without JavaScript, to check that every page works as ordinary forms and links.
// `withoutNavigation` checks that what the page's script does in place loads no page.
//
// `inspectPage` is what every page visited goes through: screenshots at 390 and 1280 px
// wide into target/browser-screenshots/, axe-core (injected from node_modules, never a CDN)
// failing on serious and critical violations, a Content-Security-Policy header on the
// document, no horizontal scrolling on a phone, and a CSRF token in every POST form.
//
// Environment:
//   HAMLET_BIN                   the binary to test (default: <repo>/target/release/hamlet)
//   HAMLET_CLIENTS_DATABASE_URL  run on this (PostgreSQL) database instead of SQLite; it is
//                                passed on as HAMLET_DATABASE_URL to the server and the CLI
//   HAMLET_CHROMIUM              the Chromium binary (default /usr/bin/chromium)
//   BROWSER_SUITE_KEEP_DIR=1     keep the temporary directory (database, server log)
//   BROWSER_SUITE_REQUIRE_WEB=1  fail, instead of skipping, the tests of web pages whose
//                                route answers 404 (set it once the web interface landed)

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const SCREENSHOT_DIR = path.join(REPO, "target", "browser-screenshots");
export const PASSWORD = "correct horse battery staple";
export const OOB = "urn:ietf:wg:oauth:2.0:oob";
// Distinctive, so that the front page test knows they came from the configuration.
export const INSTANCE_NAME = "Elsinore Browser Club";
export const INSTANCE_DESCRIPTION = "A small community where a headless browser clicks every button.";

/** The flags the brief asks Chromium to start with (plus the fresh user-data-dir). */
export const CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
export const WIDTHS = [390, 1280];
const VIEWPORT_HEIGHT = 900;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;
// Every wait in the suite is for something (a selector, a response, a navigation); this
// is only how long to wait before calling it a failure.
export const ACTION_TIMEOUT_MS = 10_000;
const AXE_TIMEOUT_MS = 30_000;

const AXE_SOURCE = fs.readFileSync(
    path.join(HERE, "node_modules", "axe-core", "axe.min.js"),
    "utf8",
);
/** axe's impacts that fail a page; the others are printed as diagnostics. */
const FAILING_IMPACTS = new Set(["serious", "critical"]);

let anyFailed = false;
/** Marks the run failed (so the server log tail is printed at the end). */
export function noteFailure() {
    anyFailed = true;
}

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

class HamletServer {
    constructor(binary, workdir, env, port) {
        this.binary = binary;
        this.workdir = workdir;
        this.env = env;
        this.port = port;
        this.url = `http://127.0.0.1:${port}`;
        this.origin = new URL(this.url).origin;
        this.logPath = path.join(workdir, "server.log");
        this.output = "";
        this.setupLink = null;
        this.process = null;
        this.exit = null;
    }

    async start() {
        const log = fs.createWriteStream(this.logPath, { flags: "a" });
        this.process = spawn(this.binary, ["serve"], {
            cwd: this.workdir,
            env: this.env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        for (const stream of [this.process.stdout, this.process.stderr]) {
            stream.setEncoding("utf8");
            stream.on("data", (chunk) => {
                log.write(chunk);
                // For the setup link and the log tail; bounded, the file has it all.
                if (this.output.length > 4_000_000) this.output = this.output.slice(-1_000_000);
                this.output += chunk;
            });
        }
        this.exit = new Promise((resolve) => {
            this.process.on("exit", (code, signal) => resolve({ code, signal }));
        });
        this.process.on("close", () => log.end());
        // Never outlive the test process, whatever happens to the `after` hook.
        const child = this.process;
        process.on("exit", () => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        });
        let exited = null;
        this.exit.then((status) => (exited = status));
        const deadline = Date.now() + STARTUP_TIMEOUT_MS;
        let lastError = "no answer yet";
        for (;;) {
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
                if (response.status === 200) break;
                lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
            } catch (error) {
                lastError = String(error?.cause?.code ?? error);
            }
            if (Date.now() >= deadline) {
                await this.stop().catch(() => {});
                throw new Error(
                    `hamlet serve was not healthy within ${STARTUP_TIMEOUT_MS / 1000}s ` +
                        `(${lastError}):\n${this.logTail()}`,
                );
            }
            // Polling a port that is not open yet: there is nothing else to wait on.
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // The link is printed (line-buffered) before the server binds, so it is there now.
        const match = this.output.match(/^\s+(https?:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+)\s*$/m);
        if (!match) {
            throw new Error(
                `hamlet serve printed no setup link on its first start:\n${this.output.slice(0, 2000)}`,
            );
        }
        this.setupLink = match[1];
        assert.equal(
            new URL(this.setupLink).origin,
            this.origin,
            "the setup link is on the public URL the server was given",
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
        return this.output.split("\n").slice(-lines - 1).join("\n") || "(no server output)";
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

    /** The members as `hamlet admin user list` prints them: [{username, role, state}]. */
    members() {
        const done = this.cli(["admin", "user", "list"]);
        assert.equal(done.status, 0, `hamlet admin user list: ${done.stderr}`);
        return done.stdout
            .split("\n")
            .filter((line) => line.trim())
            .map((line) => {
                const [username, role, state] = line.split("\t");
                return { username, role, state };
            });
    }

    /** fetch against the server; `url` may be a path. */
    fetch(url, init = {}) {
        return fetch(new URL(url, this.url), {
            redirect: "manual",
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            ...init,
        });
    }
}

export async function startServer() {
    const binary = hamletBinary();
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "hamlet-browser-"));
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
            HAMLET_SERVER_DATA_DIR: path.join(workdir, "data"),
            HAMLET_INSTANCE_NAME: INSTANCE_NAME,
            HAMLET_INSTANCE_DESCRIPTION: INSTANCE_DESCRIPTION,
            HAMLET_LOG_LEVEL: "info",
            // Every form is sent from 127.0.0.1; the default allowances are for attackers.
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
            await server.stop().catch(() => {});
        }
    }
}

/** Stops the server (SIGTERM); prints the log tail if anything failed. */
export async function stopServer(server) {
    if (!server) return;
    const status = await server.stop();
    if (anyFailed || status?.code !== 0) {
        process.stderr.write(
            `\n----- last lines of the server log (${server.logPath}) -----\n` +
                `${server.logTail(80)}\n`,
        );
    }
    if (!anyFailed && status?.code === 0 && !process.env.BROWSER_SUITE_KEEP_DIR) {
        fs.rmSync(server.workdir, { recursive: true, force: true });
    }
    assert.equal(
        status?.code,
        0,
        `hamlet serve exited with ${status?.code ?? status?.signal} on SIGTERM`,
    );
}

// --- the browser -----------------------------------------------------------------------------

export async function launchBrowser() {
    const executablePath = process.env.HAMLET_CHROMIUM || "/usr/bin/chromium";
    if (!fs.existsSync(executablePath)) {
        throw new Error(
            `Chromium not found at ${executablePath}: \`apt-get install chromium\` ` +
                "(tests/browser/run.sh does) or set HAMLET_CHROMIUM",
        );
    }
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hamlet-browser-profile-"));
    const persistent = await chromium.launchPersistentContext(userDataDir, {
        executablePath,
        headless: true,
        args: CHROMIUM_FLAGS,
        timeout: 30_000,
    });
    const browser = persistent.browser();
    assert.ok(browser, "the persistent context has a browser to open more contexts in");
    process.stderr.write(`# chromium ${browser.version()} (${executablePath}), profile ${userDataDir}\n`);
    fs.rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    return {
        browser,
        async close() {
            await persistent.close();
            fs.rmSync(userDataDir, { recursive: true, force: true });
        },
    };
}

/** The contexts `withContext` opened with JavaScript switched off. */
const withoutJavaScript = new WeakSet();

/**
 * Runs `fn(context)` in a fresh browser context (its own cookies), recording every request
 * of its pages. Requests for any other origin than the server's are aborted (so nothing
 * leaves the machine) and fail the test, as do Content-Security-Policy violations reported
 * on the console and uncaught page errors.
 *
 * `storageState` (what `context.storageState()` returned in an earlier test) starts the
 * context with that context's cookies: the same browser, signed in, in a later test.
 * `javaScriptEnabled: false` makes it a browser without JavaScript: the pages' script does
 * not run (the suite's own `page.evaluate`, axe-core included, still does), so forms and
 * links are the ordinary ones.
 */
export async function withContext(t, server, browser, fn, { storageState, javaScriptEnabled = true } = {}) {
    const context = await browser.newContext({
        viewport: { width: WIDTHS[WIDTHS.length - 1], height: VIEWPORT_HEIGHT },
        locale: "en-GB",
        timezoneId: "UTC",
        javaScriptEnabled,
        ...(storageState ? { storageState } : {}),
    });
    if (!javaScriptEnabled) withoutJavaScript.add(context);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const requests = [];
    const foreign = [];
    const problems = [];
    const isOurs = (url) => {
        try {
            const parsed = new URL(url);
            return parsed.origin === server.origin;
        } catch {
            return false;
        }
    };
    // Not network requests: the page's own inline data.
    const isLocalData = (url) => url.startsWith("data:") || url.startsWith("blob:");
    context.on("request", (request) => {
        const url = request.url();
        requests.push(`${request.method()} ${url} (${request.resourceType()})`);
        if (!isOurs(url) && !isLocalData(url)) {
            foreign.push(`${request.method()} ${url} (${request.resourceType()}, from ${request.frame()?.url() ?? "?"})`);
        }
    });
    await context.route(
        (url) => !isOurs(url.href) && !isLocalData(url.href),
        (route) => route.abort("blockedbyclient"),
    );
    context.on("console", (message) => {
        const text = message.text();
        if (/Content.Security.Policy/i.test(text)) {
            problems.push(`CSP violation on ${message.page()?.url() ?? "?"}: ${text}`);
        }
    });
    context.on("weberror", (error) => {
        problems.push(`uncaught error on ${error.page()?.url() ?? "?"}: ${error.error()}`);
    });
    context.on("page", (page) => {
        page.on("websocket", (ws) => {
            if (!isOurs(ws.url().replace(/^ws/, "http"))) foreign.push(`WebSocket ${ws.url()}`);
        });
    });
    let failure = null;
    try {
        await fn(context);
    } catch (error) {
        failure = error;
    }
    await context.close().catch(() => {});
    fs.appendFileSync(
        path.join(SCREENSHOT_DIR, "requests.log"),
        `# ${t.name}\n${requests.join("\n")}\n\n`,
    );
    t.diagnostic(`${requests.length} requests, all recorded in target/browser-screenshots/requests.log`);
    if (failure) throw failure;
    assert.deepEqual(foreign, [], "requests to hosts other than the Hamlet server");
    assert.deepEqual(problems, [], "Content-Security-Policy violations or page errors");
}

// --- what every page goes through ------------------------------------------------------------

let shotCounter = 0;

function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
}

/**
 * Runs axe-core in the page (injected from node_modules); returns its violations.
 *
 * In a context without JavaScript, the suite's own evaluations still run but timers never
 * fire, and axe-core waits on `setTimeout(..., 0)` between rules: for the audit only,
 * short timers then run as microtasks (the long ones are axe's time-outs for frames and
 * preloads, which a page without frames does not reach), and the real timers are put back.
 */
async function axeViolations(page, withoutTimers) {
    const loaded = await page.evaluate(() => typeof window.axe === "object");
    if (!loaded) {
        // Evaluated through the DevTools protocol, so the page's CSP (scripts of the
        // server's own only) does not apply, and nothing is fetched.
        await page.evaluate(AXE_SOURCE);
    }
    const audit = page.evaluate(async (withoutTimers) => {
        const realSetTimeout = window.setTimeout;
        const realClearTimeout = window.clearTimeout;
        if (withoutTimers) {
            let next = 1e9;
            window.setTimeout = (fn, ms, ...args) => {
                if (!(ms > 1) && typeof fn === "function") Promise.resolve().then(() => fn(...args));
                return ++next;
            };
            window.clearTimeout = (id) => {
                if (id <= 1e9) realClearTimeout(id);
            };
        }
        let results;
        try {
            results = await window.axe.run(document, {
                resultTypes: ["violations"],
            });
        } finally {
            window.setTimeout = realSetTimeout;
            window.clearTimeout = realClearTimeout;
        }
        return results.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({
                target: n.target.join(" "),
                html: n.html.slice(0, 300),
                summary: n.failureSummary,
            })),
        }));
    }, withoutTimers);
    // A page's evaluation has no time limit of its own: an audit that never ends fails.
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(
            () => reject(new Error(`axe-core did not finish within ${AXE_TIMEOUT_MS / 1000}s on ${page.url()}`)),
            AXE_TIMEOUT_MS,
        );
    });
    try {
        return await Promise.race([audit, timeout]);
    } finally {
        clearTimeout(timer);
    }
}

function describeViolation(v, width) {
    const nodes = v.nodes
        .map((n) => `      ${n.target}: ${n.html}\n        ${(n.summary ?? "").replace(/\n/g, "\n        ")}`)
        .join("\n");
    return `  [${v.impact}] ${v.id} at ${width}px: ${v.help} (${v.helpUrl})\n${nodes}`;
}

/**
 * The checks every page visited goes through. `name` names the screenshots
 * (NN-name-390px.png, NN-name-1280px.png in target/browser-screenshots/); `response` is
 * the page's document response, when the caller has it (its headers are checked).
 */
export async function inspectPage(t, page, name, response = null) {
    await page.waitForLoadState("load");
    const type = response?.headers()["content-type"] ?? "text/html";
    if (!type.startsWith("text/html")) {
        // Not a page (an API error, say): screenshots for the record, nothing to audit.
        shotCounter += 1;
        const prefix = `${String(shotCounter).padStart(2, "0")}-${slug(name)}`;
        for (const width of WIDTHS) {
            await page.setViewportSize({ width, height: VIEWPORT_HEIGHT });
            await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${prefix}-${width}px.png`), fullPage: true });
        }
        await page.setViewportSize({ width: WIDTHS[WIDTHS.length - 1], height: VIEWPORT_HEIGHT });
        t.diagnostic(`${name}: ${response.url()} is ${type}, not a page: screenshots only`);
        return;
    }
    if (response) {
        const csp = response.headers()["content-security-policy"] ?? "";
        assert.match(
            csp,
            /default-src/,
            `${name}: the document ${response.url()} carries a Content-Security-Policy`,
        );
    }
    shotCounter += 1;
    const prefix = `${String(shotCounter).padStart(2, "0")}-${slug(name)}`;
    const failing = [];
    const minor = new Map();
    for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: VIEWPORT_HEIGHT });
        await page.screenshot({
            path: path.join(SCREENSHOT_DIR, `${prefix}-${width}px.png`),
            fullPage: true,
            animations: "disabled",
        });
        if (width <= 400) {
            const [scrollWidth, innerWidth] = await page.evaluate(() => [
                document.documentElement.scrollWidth,
                window.innerWidth,
            ]);
            assert.ok(
                scrollWidth <= innerWidth,
                `${name}: at ${width}px the page scrolls sideways (${scrollWidth}px of content)`,
            );
        }
        for (const v of await axeViolations(page, withoutJavaScript.has(page.context()))) {
            if (FAILING_IMPACTS.has(v.impact)) failing.push(describeViolation(v, width));
            else minor.set(v.id, `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target).join(", ")}`);
        }
    }
    await page.setViewportSize({ width: WIDTHS[WIDTHS.length - 1], height: VIEWPORT_HEIGHT });
    for (const line of minor.values()) t.diagnostic(`${name}: axe (not failing): ${line}`);
    assert.equal(
        failing.length,
        0,
        `${name} (${page.url()}): serious or critical accessibility violations:\n${failing.join("\n")}`,
    );
    // Every form that changes something carries the double-submit token.
    const forms = await page.evaluate(() =>
        [...document.forms]
            .filter((form) => (form.getAttribute("method") ?? "get").toLowerCase() === "post")
            .map((form) => ({
                action: form.getAttribute("action"),
                csrf: form.querySelector('input[type="hidden"][name="csrf_token"]')?.value ?? "",
            })),
    );
    for (const form of forms) {
        assert.ok(
            form.csrf.length >= 16,
            `${name}: the POST form to ${form.action} has no csrf_token field`,
        );
    }
    t.diagnostic(`${name}: screenshots ${prefix}-{${WIDTHS.join(",")}}px.png`);
}

/**
 * Clicks `clickable` (a submit button) and waits for the navigation it causes; returns
 * the final document response (after redirects). The page is loaded when it returns.
 */
export async function submit(page, clickable) {
    const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: "load" }),
        clickable.click(),
    ]);
    assert.ok(response, "the form submission loaded a document");
    return response;
}

/**
 * Runs `act` (clicks that the page's script handles in place) and checks that the page
 * did not navigate: the same URL, no navigation of its main frame, and the same document
 * (a mark left on its window before is still there).
 */
export async function withoutNavigation(page, what, act) {
    const before = page.url();
    const navigations = [];
    const onNavigation = (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
    };
    await page.evaluate(() => {
        window.hamletSuiteMark = "still the same document";
    });
    page.on("framenavigated", onNavigation);
    try {
        await act();
    } finally {
        page.off("framenavigated", onNavigation);
    }
    assert.equal(page.url(), before, `${what}: the address did not change`);
    assert.deepEqual(navigations, [], `${what}: the page did not navigate`);
    assert.equal(
        await page.evaluate(() => window.hamletSuiteMark),
        "still the same document",
        `${what}: the same document (no page load)`,
    );
}

/**
 * That `response` (a document loaded by a form) came from a POST answered by a redirect
 * (303 See Other) to `pathname`, which the browser then loaded.
 */
export async function assertRedirectedFromPost(response, pathname, what) {
    const first = response.request().redirectedFrom();
    assert.ok(first, `${what}: the form's answer is a redirect`);
    assert.equal(first.method(), "POST", `${what}: the form was posted`);
    assert.equal((await first.response())?.status(), 303, `${what}: the form is answered 303 See Other`);
    assert.equal(new URL(response.url()).pathname, pathname, `${what}: redirected to ${pathname}`);
    assert.equal(response.request().method(), "GET", `${what}: the page redirected to is loaded with GET`);
}

/** The cookie `name` of `context` for the server, or undefined. */
export async function cookie(context, server, name) {
    return (await context.cookies(server.url)).find((c) => c.name === name);
}

/**
 * Whether `path` exists on the server (anything but 404). When it does not, `t` is skipped
 * (or failed, with BROWSER_SUITE_REQUIRE_WEB=1) with a reason naming the route.
 */
export async function routeExists(t, server, route, what) {
    const response = await server.fetch(route);
    await response.arrayBuffer();
    if (response.status !== 404) return true;
    const reason = `GET ${route} answers 404: ${what} has not landed yet`;
    if (process.env.BROWSER_SUITE_REQUIRE_WEB) assert.fail(`${reason} (BROWSER_SUITE_REQUIRE_WEB is set)`);
    t.skip(reason);
    return false;
}

let words = 0;
/** A word no other text of this run contains: the prefix and four letters. */
export function uniqueWord(prefix) {
    words += 1;
    let n = words;
    let letters = "";
    for (let i = 0; i < 4; i++) {
        letters = String.fromCharCode(97 + (n % 26)) + letters;
        n = Math.floor(n / 26);
    }
    return `${prefix}${letters}`;
}
