// Hamlet in a real browser: Debian's Chromium, headless, driven by playwright-core, against
// a real `hamlet serve` (see harness.mjs for the checks every page goes through).
//
// The tests run in order and build on each other: the first admin is created through the
// setup page, then signs in to the OAuth consent page and, once the web interface has
// them, to /auth/sign_in, posts from /home and signs out. The web interface's tests skip
// while their route answers 404 (BROWSER_SUITE_REQUIRE_WEB=1 makes that a failure).

import assert from "node:assert/strict";
import { after, before, test as nodeTest } from "node:test";

import {
    INSTANCE_DESCRIPTION,
    INSTANCE_NAME,
    OOB,
    PASSWORD,
    cookie,
    inspectPage,
    launchBrowser,
    noteFailure,
    routeExists,
    startServer,
    stopServer,
    submit,
    uniqueWord,
    withContext,
} from "./harness.mjs";

const ADMIN = "ophelia";
const SIGN_IN_ROUTE = "/auth/sign_in";
const SIGN_IN_MISSING = "the web sign-in page (issue 6)";

let server;
let chromium;

before(async () => {
    // Started in parallel: the server and the browser do not need each other to start.
    [server, chromium] = await Promise.all([startServer(), launchBrowser()]);
});

after(async () => {
    await chromium?.close();
    await stopServer(server);
});

/** node:test's `test`, remembering failures so the server log tail is printed at the end. */
function test(name, fn) {
    return nodeTest(name, async (t) => {
        try {
            await fn(t);
        } catch (error) {
            noteFailure();
            throw error;
        }
    });
}

/** `fn(context)` in a fresh browser context, with the request and CSP checks. */
const inContext = (t, fn) => withContext(t, server, chromium.browser, fn);

/** What the run learned, for the tests after. */
const run = {
    adminCreated: false,
    session: null, // the signed-in context's hamlet_session cookie
    posts: null, // { local: {word, status}, federated: {word, status} }
};

// --- first-admin setup --------------------------------------------------------------------

/** Fills the setup form (without submitting it). */
async function fillSetup(page, username, password = PASSWORD, confirmation = password) {
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password (at least 8 characters)").fill(password);
    await page.getByLabel("Password again").fill(confirmation);
}

const setupButton = (page) => page.getByRole("button", { name: "Create admin account" });

test("1. setup page: the link printed at first start opens the form", async (t) => {
    await inContext(t, async (context) => {
        const page = await context.newPage();
        const response = await page.goto(server.setupLink);
        assert.equal(response.status(), 200, "GET of the setup link");
        await assert.doesNotReject(
            page.getByRole("heading", { name: "Create the first admin account" }).waitFor(),
            "the setup heading",
        );
        assert.match(await page.title(), new RegExp(INSTANCE_NAME), "the title names the community");
        for (const label of ["Username", "Password (at least 8 characters)", "Password again"]) {
            assert.equal(await page.getByLabel(label).count(), 1, `one field labelled ${label}`);
        }
        const csrf = await cookie(context, server, "hamlet_csrf");
        assert.ok(csrf, "the page set the hamlet_csrf cookie");
        assert.equal(csrf.httpOnly, true, "hamlet_csrf is HttpOnly");
        assert.equal(csrf.sameSite, "Strict", "hamlet_csrf is SameSite=Strict");
        assert.equal(
            await page.locator('input[type="hidden"][name="csrf_token"]').inputValue(),
            csrf.value,
            "the form's token is the cookie's (double submit)",
        );
        await inspectPage(t, page, "setup form", response);
    });
});

test("2. setup: a form without its CSRF token is refused, and no admin is created", async (t) => {
    const intruder = "mallory";
    await inContext(t, async (context) => {
        const page = await context.newPage();
        await page.goto(server.setupLink);

        // (a) The browser sends the form with its hidden field removed (the cookie is there).
        await fillSetup(page, intruder);
        await page.locator('input[name="csrf_token"]').evaluate((input) => input.remove());
        let response = await submit(page, setupButton(page));
        assert.equal(response.status(), 403, "the form without csrf_token");
        await assert.doesNotReject(
            page.getByRole("heading", { name: "Form expired" }).waitFor(),
            "the refusal says the form expired",
        );
        await inspectPage(t, page, "setup refused without csrf token", response);

        // (b) The form with its field, but the cookie is gone (as from another site).
        await page.goto(server.setupLink);
        await fillSetup(page, intruder);
        await context.clearCookies();
        response = await submit(page, setupButton(page));
        assert.equal(response.status(), 403, "the form without the hamlet_csrf cookie");
    });

    // (c) A forged POST from outside any browser: a token, but no cookie to match.
    const token = new URL(server.setupLink).searchParams.get("token");
    const form = {
        token,
        username: intruder,
        password: PASSWORD,
        password_confirmation: PASSWORD,
        csrf_token: "A".repeat(43),
    };
    let response = await server.fetch("/setup", { method: "POST", body: new URLSearchParams(form) });
    assert.equal(response.status, 403, `fetch without the cookie: ${await response.text()}`);
    // (d) A cookie that does not match the form's token.
    response = await server.fetch("/setup", {
        method: "POST",
        body: new URLSearchParams(form),
        headers: { cookie: `hamlet_csrf=${"B".repeat(43)}` },
    });
    assert.equal(response.status, 403, `fetch with a mismatched cookie: ${await response.text()}`);

    // Nobody was created, and the link still works.
    assert.deepEqual(server.members(), [], "`hamlet admin user list` after the refused forms");
    response = await server.fetch(`/api/v1/accounts/lookup?acct=${intruder}`);
    assert.equal(response.status, 404, "no account @mallory");
    response = await server.fetch(server.setupLink);
    assert.equal(response.status, 200, "the setup link is still valid");
});

test("3. setup: the first admin is created through the page, and the link then stops working", async (t) => {
    await inContext(t, async (context) => {
        const page = await context.newPage();
        await page.goto(server.setupLink);

        // A mistake first: the page says what is wrong and keeps the username.
        await fillSetup(page, ADMIN, PASSWORD, `${PASSWORD} but different`);
        let response = await submit(page, setupButton(page));
        assert.equal(response.status(), 422, "passwords that differ");
        await assert.doesNotReject(
            page.getByRole("alert").filter({ hasText: "The two passwords differ." }).waitFor(),
            "the error is announced (role=alert)",
        );
        assert.equal(await page.getByLabel("Username").inputValue(), ADMIN, "the username is kept");
        await inspectPage(t, page, "setup error passwords differ", response);

        await fillSetup(page, ADMIN);
        response = await submit(page, setupButton(page));
        assert.equal(response.status(), 201, "the admin is created");
        await assert.doesNotReject(
            page.getByRole("heading", { name: "Admin account created" }).waitFor(),
            "the success heading",
        );
        const text = await page.locator("main").innerText();
        assert.match(text, new RegExp(`@${ADMIN} is the admin of this community`), "success message");
        assert.ok(text.includes(server.url), "the message names the server's address");
        await inspectPage(t, page, "setup done", response);
        run.adminCreated = true;

        assert.deepEqual(
            server.members(),
            [{ username: ADMIN, role: "admin", state: "active" }],
            "`hamlet admin user list`",
        );

        // The link is spent.
        response = await page.goto(server.setupLink);
        assert.equal(response.status(), 404, "the used setup link");
        await assert.doesNotReject(
            page.getByRole("heading", { name: "Link not valid" }).waitFor(),
            "the spent link says so",
        );
        await inspectPage(t, page, "setup link spent", response);
    });
});

// --- the OAuth consent page -----------------------------------------------------------------

async function registerApp(name, scopes) {
    const response = await server.fetch("/api/v1/apps", {
        method: "POST",
        body: new URLSearchParams({ client_name: name, redirect_uris: OOB, scopes }),
    });
    const app = await response.json();
    assert.equal(response.status, 200, `app registration: ${JSON.stringify(app)}`);
    return app;
}

let apiTokenPromise = null;
/** A bearer token of the admin (password grant), to read back what the pages did. */
function apiToken() {
    apiTokenPromise ??= (async () => {
        const app = await registerApp("browser suite reader", "read");
        const response = await server.fetch("/oauth/token", {
            method: "POST",
            body: new URLSearchParams({
                grant_type: "password",
                client_id: app.client_id,
                client_secret: app.client_secret,
                username: ADMIN,
                password: PASSWORD,
                scope: "read",
            }),
        });
        const body = await response.json();
        assert.equal(response.status, 200, `password grant: ${JSON.stringify(body)}`);
        return body.access_token;
    })();
    return apiTokenPromise;
}

async function api(path, token) {
    const response = await server.fetch(path, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
}

test("4. OAuth consent page: the admin signs in and authorizes an app", async (t) => {
    assert.ok(run.adminCreated, "needs the admin of test 3");
    const app = await registerApp("Browser Suite App", "read write");
    const query = new URLSearchParams({
        response_type: "code",
        client_id: app.client_id,
        redirect_uri: OOB,
        scope: "read write",
    });
    await inContext(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/oauth/authorize?${query}`);
        assert.equal(response.status(), 200, "GET /oauth/authorize");
        await assert.doesNotReject(
            page.getByRole("heading", { name: /Authorize Browser Suite App/ }).waitFor(),
            "the consent heading names the app",
        );
        await inspectPage(t, page, "oauth consent", response);

        // A wrong password first.
        await page.getByLabel("Username").fill(ADMIN);
        await page.getByLabel("Password").fill("not the password at all");
        response = await submit(page, page.getByRole("button", { name: "Authorize" }));
        assert.ok(response.status() >= 400 && response.status() < 500, `wrong password: ${response.status()}`);
        await assert.doesNotReject(page.getByRole("alert").waitFor(), "the error is announced");
        await inspectPage(t, page, "oauth consent wrong password", response);

        await page.getByLabel("Username").fill(ADMIN);
        await page.getByLabel("Password").fill(PASSWORD);
        response = await submit(page, page.getByRole("button", { name: "Authorize" }));
        assert.equal(response.status(), 200, "approved (out-of-band: the code is shown)");
        const code = (await page.locator("#code").innerText()).trim();
        assert.ok(code.length >= 16, `an authorization code is shown: ${code}`);
        await inspectPage(t, page, "oauth code", response);

        const token = await server.fetch("/oauth/token", {
            method: "POST",
            body: new URLSearchParams({
                grant_type: "authorization_code",
                code,
                client_id: app.client_id,
                client_secret: app.client_secret,
                redirect_uri: OOB,
            }),
        });
        const body = await token.json();
        assert.equal(token.status, 200, `the code is exchanged: ${JSON.stringify(body)}`);
        const me = await api("/api/v1/accounts/verify_credentials", body.access_token);
        assert.equal(me.status, 200);
        assert.equal(me.body.username, ADMIN, "the token is the admin's");
    });

    // Without the CSRF cookie, the same approval is refused and issues no code.
    const forged = await server.fetch("/oauth/authorize", {
        method: "POST",
        body: new URLSearchParams({
            ...Object.fromEntries(query),
            csrf_token: "A".repeat(43),
            username: ADMIN,
            password: PASSWORD,
            decision: "approve",
        }),
    });
    const text = await forged.text();
    assert.ok(
        forged.status >= 400 && forged.status < 500,
        `a forged approval without the cookie: HTTP ${forged.status}`,
    );
    assert.ok(!forged.headers.get("location"), "no redirect with a code");
    assert.doesNotMatch(text, /id="code"/, "no code shown");
});

// --- the web interface (issue 6) --------------------------------------------------------------

test("5. front page: the community's name, description and a Sign in link", async (t) => {
    if (!(await routeExists(t, server, "/", "the front page (issue 6)"))) return;
    await inContext(t, async (context) => {
        const page = await context.newPage();
        const response = await page.goto(`${server.url}/`);
        assert.equal(response.status(), 200, "GET /");
        const text = await page.locator("body").innerText();
        assert.ok(text.includes(INSTANCE_NAME), `the front page names the community (${INSTANCE_NAME})`);
        assert.ok(text.includes(INSTANCE_DESCRIPTION), "the front page shows the description");
        const link = page.getByRole("link", { name: /sign in/i }).first();
        await link.waitFor();
        const href = new URL(await link.getAttribute("href"), server.url);
        assert.equal(href.origin + href.pathname, `${server.url}${SIGN_IN_ROUTE}`, "Sign in links to the sign-in page");
        await inspectPage(t, page, "front page", response);
        const followed = await submit(page, link);
        assert.equal(followed.status(), 200, "the Sign in link leads to a page");
        assert.equal(new URL(page.url()).pathname, SIGN_IN_ROUTE);
    });
});

const signInForm = (page) => page.locator('form:has(input[name="password"])');
const submitButton = (form) =>
    form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();

async function fillSignIn(page, username, password) {
    const form = signInForm(page);
    await form.locator('input[name="username"]').fill(username);
    await form.locator('input[name="password"]').fill(password);
    return form;
}

test("6. sign-in: refused without the CSRF token and with a wrong password", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.adminCreated, "needs the admin of test 3");
    await inContext(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}${SIGN_IN_ROUTE}`);
        assert.equal(response.status(), 200, `GET ${SIGN_IN_ROUTE}`);
        await inspectPage(t, page, "sign in", response);

        // The hidden field removed: refused, no session.
        let form = await fillSignIn(page, ADMIN, PASSWORD);
        await form.locator('input[name="csrf_token"]').evaluate((input) => input.remove());
        response = await submit(page, submitButton(form));
        assert.ok(
            response.status() >= 400 && response.status() < 500,
            `sign-in without csrf_token: HTTP ${response.status()} at ${page.url()}`,
        );
        assert.equal(await cookie(context, server, "hamlet_session"), undefined, "no session cookie");

        // A wrong password: refused, the error is announced, no session.
        await page.goto(`${server.url}${SIGN_IN_ROUTE}`);
        form = await fillSignIn(page, ADMIN, "not the password at all");
        response = await submit(page, submitButton(form));
        assert.notEqual(new URL(page.url()).pathname, "/home", "a wrong password does not reach /home");
        assert.equal(await cookie(context, server, "hamlet_session"), undefined, "no session cookie");
        await assert.doesNotReject(page.getByRole("alert").waitFor(), "the error is announced (role=alert)");
        await inspectPage(t, page, "sign in wrong password", response);
    });

    // A forged sign-in from outside any browser: no cookie to match the token.
    const forged = await server.fetch(SIGN_IN_ROUTE, {
        method: "POST",
        body: new URLSearchParams({ username: ADMIN, password: PASSWORD, csrf_token: "A".repeat(43) }),
    });
    await forged.arrayBuffer();
    assert.ok(forged.status >= 400 && forged.status < 500, `forged sign-in: HTTP ${forged.status}`);
    assert.doesNotMatch(forged.headers.get("set-cookie") ?? "", /hamlet_session=[^;]/, "no session cookie");
});

const composeForm = (page) => page.locator('form:has(textarea[name="status"])');

/** Posts `text` through the compose form of /home; returns the final response. */
async function compose(page, text, { localOnly, visibility = "public" }) {
    const form = composeForm(page);
    await form.locator('textarea[name="status"]').fill(text);
    await form.locator('select[name="visibility"]').selectOption(visibility);
    await form.locator('input[type="checkbox"][name="local_only"]').setChecked(localOnly);
    return submit(page, form.getByRole("button", { name: /^post$/i }));
}

/**
 * The element of the page that holds the post with `word` and not the post with `other`
 * (the highest such ancestor of the text: the post's own box, whatever the markup), with
 * its text and whether it carries the local-only marker.
 */
async function postBox(page, word, other) {
    return page.evaluate(
        ([word, other]) => {
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            let node = null;
            while (walker.nextNode()) {
                const current = walker.currentNode;
                if (current.parentElement?.closest("textarea, form")) continue;
                if (current.nodeValue.includes(word)) {
                    node = current;
                    break;
                }
            }
            if (!node) return null;
            let box = node.parentElement;
            while (
                box.parentElement &&
                box.parentElement !== document.body &&
                !box.parentElement.textContent.includes(other)
            ) {
                box = box.parentElement;
            }
            return {
                tag: box.tagName.toLowerCase(),
                text: box.innerText,
                markedByClass: box.matches(".local-only") || box.querySelector(".local-only") !== null,
                markedByText: /local[ -]only/i.test(box.innerText),
            };
        },
        [word, other],
    );
}

async function ownStatuses() {
    const token = await apiToken();
    const me = await api("/api/v1/accounts/verify_credentials", token);
    assert.equal(me.status, 200, "verify_credentials");
    const list = await api(`/api/v1/accounts/${me.body.id}/statuses?limit=40`, token);
    assert.equal(list.status, 200, "the admin's statuses");
    return list.body;
}

test("7. sign in, post a local-only and a federated post from /home, sign out", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.adminCreated, "needs the admin of test 3");
    const localWord = uniqueWord("yorick");
    const federatedWord = uniqueWord("horatio");
    const forgedWord = uniqueWord("claudius");
    await inContext(t, async (context) => {
        const page = await context.newPage();
        await page.goto(`${server.url}${SIGN_IN_ROUTE}`);
        const form = await fillSignIn(page, ADMIN, PASSWORD);
        let response = await submit(page, submitButton(form));
        assert.equal(response.status(), 200, "the page after signing in");
        assert.equal(new URL(page.url()).pathname, "/home", "signing in lands on /home");
        const session = await cookie(context, server, "hamlet_session");
        assert.ok(session, "the hamlet_session cookie is set");
        assert.equal(session.httpOnly, true, "hamlet_session is HttpOnly");
        assert.ok(["Strict", "Lax"].includes(session.sameSite), `hamlet_session is SameSite (${session.sameSite})`);
        assert.ok(session.value.length >= 32, "the session cookie is a long random token");
        await composeForm(page).waitFor();
        await inspectPage(t, page, "home signed in", response);
        assert.equal(
            await page.locator('form[action$="/auth/sign_out"]').count(),
            1,
            "/home has a sign-out form",
        );

        response = await compose(page, `To be or not to be, among ourselves: ${localWord}`, {
            localOnly: true,
        });
        assert.ok(response.status() < 400, `posting the local-only post: HTTP ${response.status()}`);
        assert.equal(new URL(page.url()).pathname, "/home", "posting returns to /home");
        response = await compose(page, `Something is rotten, tell everyone: ${federatedWord}`, {
            localOnly: false,
        });
        assert.ok(response.status() < 400, `posting the federated post: HTTP ${response.status()}`);
        assert.equal(new URL(page.url()).pathname, "/home", "posting returns to /home");

        const local = await postBox(page, localWord, federatedWord);
        const federated = await postBox(page, federatedWord, localWord);
        assert.ok(local, "the local-only post is on /home");
        assert.ok(federated, "the federated post is on /home");
        assert.ok(
            local.markedByClass || local.markedByText,
            `the local-only post is marked ("Local only" or .local-only): ${JSON.stringify(local)}`,
        );
        assert.ok(
            !federated.markedByClass && !federated.markedByText,
            `the federated post is not marked local-only: ${JSON.stringify(federated)}`,
        );
        await inspectPage(t, page, "home with two posts", response);

        // What the API says the form did.
        const statuses = await ownStatuses();
        const localStatus = statuses.find((s) => s.content.includes(localWord));
        const federatedStatus = statuses.find((s) => s.content.includes(federatedWord));
        assert.ok(localStatus && federatedStatus, "both posts are the admin's statuses");
        assert.equal(localStatus.local_only, true, "the checkbox made a local-only post");
        assert.equal(federatedStatus.local_only, false, "the unchecked box made a federated post");
        assert.equal(localStatus.visibility, "public");
        assert.equal(federatedStatus.visibility, "public");
        run.posts = {
            local: { word: localWord, status: localStatus },
            federated: { word: federatedWord, status: federatedStatus },
        };

        // The compose form without its CSRF token: refused, nothing posted.
        const forged = composeForm(page);
        await forged.locator('textarea[name="status"]').fill(`Forged: ${forgedWord}`);
        await forged.locator('input[name="csrf_token"]').evaluate((input) => input.remove());
        response = await submit(page, forged.getByRole("button", { name: /^post$/i }));
        assert.ok(
            response.status() >= 400 && response.status() < 500,
            `posting without csrf_token: HTTP ${response.status()}`,
        );
        assert.ok(
            !(await ownStatuses()).some((s) => s.content.includes(forgedWord)),
            "nothing was posted without the CSRF token",
        );

        // Sign out.
        await page.goto(`${server.url}/home`);
        run.session = session.value;
        response = await submit(
            page,
            submitButton(page.locator('form[action$="/auth/sign_out"]')),
        );
        assert.ok(response.status() < 400, `signing out: HTTP ${response.status()}`);
        assert.notEqual(new URL(page.url()).pathname, "/home", "signing out leaves /home");
        const remaining = await cookie(context, server, "hamlet_session");
        assert.ok(!remaining || remaining.value !== session.value, "the session cookie is gone");
        response = await page.goto(`${server.url}/home`);
        assert.notEqual(new URL(page.url()).pathname, "/home", "/home now sends to sign in");
        assert.ok(!(await page.content()).includes(localWord), "no local-only post after signing out");
        await inspectPage(t, page, "home after sign out", response);
    });

    // The old cookie, replayed, is dead on the server too.
    const replay = await server.fetch("/home", { headers: { cookie: `hamlet_session=${run.session}` } });
    const body = await replay.text();
    assert.ok(
        !body.includes(localWord) && !/name="status"/.test(body),
        `the signed-out session cookie still opens /home (HTTP ${replay.status})`,
    );
});

test("8. anonymous visitor: the local-only post is neither on the front page nor at its URL", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.posts, "needs the posts of test 7");
    const { local, federated } = run.posts;
    await inContext(t, async (context) => {
        const page = await context.newPage();
        const front = await page.goto(`${server.url}/`);
        if (front.status() !== 404) {
            assert.equal(front.status(), 200, "GET /");
            assert.ok(!(await page.content()).includes(local.word), "the front page does not show the local-only post");
        }
        // Its web address: 404, as for a post that does not exist.
        let response = await page.goto(local.status.url);
        assert.equal(response.status(), 404, `the local-only post's ${local.status.url} answers 404 to a visitor`);
        assert.ok(!(await page.content()).includes(local.word), `${local.status.url} does not show the post`);
        await inspectPage(t, page, "local-only post anonymous", response);
        // Its ActivityPub id, opened in the browser: refused too, whatever the status.
        if (local.status.uri && local.status.uri !== local.status.url) {
            response = await page.goto(local.status.uri);
            assert.ok(response.status() >= 400, `the local-only post's ${local.status.uri}: HTTP ${response.status()}`);
            assert.ok(!(await page.content()).includes(local.word), `${local.status.uri} does not show the post`);
        }
        // For comparison (not required): whether the federated post's page is served.
        response = await page.goto(federated.status.url);
        const shown = (await page.content()).includes(federated.word);
        t.diagnostic(`the federated post's ${federated.status.url}: HTTP ${response.status()}, ${shown ? "shows" : "does not show"} the post`);
    });
});
