// Hamlet in a real browser: Debian's Chromium, headless, driven by playwright-core, against
// a real `hamlet serve` (see harness.mjs for the checks every page goes through).
//
// The tests run in order and build on each other: the first admin (@ophelia) is created
// through the setup page, then signs in to the OAuth consent page. Then the story of the
// web interface: a second member (@laertes) is created with the CLI; ophelia signs in,
// writes a local-only and a federated post from /home, opens the local-only one by its
// time link and replies in place (the reply stays in the community), follows laertes from
// his profile (in place: the page's script replaces the relation box); laertes, in his own
// browser, reads "@ophelia followed you" and fills two profile fields; ophelia mutes and
// blocks him from his profile, in place, then again in a browser without JavaScript
// (ordinary forms, redirected back), and follows him again; laertes writes 35 posts through
// the API, and "Older posts" under the 30 of his profile appends the other 5 in place (a
// plain ?max_id= link without JavaScript); ophelia favourites and bookmarks one in place,
// and boosts it without JavaScript; as the admin she renames the community, describes it,
// gives a contact address and rules (a visitor's front page shows them), makes it private
// for a while (a visitor is sent to sign in for profiles, posts and hashtags), switches the
// federated timeline off and on, signs the app of the consent page out in her settings
// (its token then answers 401) and authorizes another on the consent page with her web
// session alone; then she changes her settings (the compose box is then local-only by
// default), changes her password (her other browser and her apps are signed out, this
// browser stays signed in) and signs out; an anonymous visitor then gets 404 for the
// local-only post and reply, and sees the federated post.
// Ophelia's and laertes' browsers are carried from test to test by their cookies
// (`storageState`).
// The web interface's tests skip while their route answers 404
// (BROWSER_SUITE_REQUIRE_WEB=1 makes that a failure).

import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { after, before, test as nodeTest } from "node:test";

import {
    INSTANCE_DESCRIPTION,
    INSTANCE_NAME,
    OOB,
    PASSWORD,
    assertRedirectedFromPost,
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
    withoutNavigation,
} from "./harness.mjs";

const ADMIN = "ophelia";
/** The second member, created with `hamlet admin user create`. */
const MEMBER = "laertes";
const MEMBER_PASSWORD = "a different horse, battery and staple";
/** Ophelia's password after test 22. */
const NEW_PASSWORD = "get thee to a nunnery, battery staple";
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
    adminPassword: PASSWORD, // changed by test 22
    app: null, // the app authorized on the consent page in test 4 ({name, client_id, ...})
    appToken: null, // the token it got for ophelia (signed out in test 20)
    memberCreated: false, // @laertes, test 7
    ophelia: null, // her signed-in browser's storageState (cookies), from test 8 on
    laertes: null, // his signed-in browser's storageState, from test 11 on
    posts: null, // { local: {word, status}, federated: {word, status} }
    reply: null, // { word, status }: her local-only reply to the local-only post
    followed: false, // ophelia follows laertes (test 10, again from test 14)
    fields: null, // laertes' profile fields (test 12)
    speeches: null, // laertes' 35 posts, oldest first: [{word, status}] (test 15)
    community: null, // what ophelia made of the community in /admin (test 17)
    webAppToken: null, // a token authorized through the consent page with the web session (test 20)
    settingsSaved: false, // test 21
    passwordChanged: false, // test 22
    signedOut: false, // test 23
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

async function registerApp(name, scopes, redirectUri = OOB) {
    const response = await server.fetch("/api/v1/apps", {
        method: "POST",
        body: new URLSearchParams({ client_name: name, redirect_uris: redirectUri, scopes }),
    });
    const app = await response.json();
    assert.equal(response.status, 200, `app registration: ${JSON.stringify(app)}`);
    return app;
}

let apiTokenPromise = null;
/**
 * A bearer token of the admin (password grant), to read back what the pages did. Changing
 * the password revokes it: `forgetApiToken()` then, and the next call gets a new one.
 */
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
                password: run.adminPassword,
                scope: "read",
            }),
        });
        const body = await response.json();
        assert.equal(response.status, 200, `password grant: ${JSON.stringify(body)}`);
        return body.access_token;
    })();
    return apiTokenPromise;
}

function forgetApiToken() {
    apiTokenPromise = null;
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
    const appName = "Browser Suite App";
    const app = await registerApp(appName, "read write");
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
        run.app = { name: appName, ...app };
        run.appToken = body.access_token;
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


/** The innermost article holding `word`: the post itself, not a notification around it. */
const postArticle = (page, word) => page.locator("article:not(:has(article))", { hasText: word });
/** The link of a post's time: its own page. */
const timeLink = (page, word) => postArticle(page, word).locator("a:has(time)");
/** The reply form of a post's page. */
const replyForm = (page) => page.locator('form:has(input[name="in_reply_to_id"])');
const mainNav = (page) => page.getByRole("navigation", { name: "Main" });

/** A member's navigation: Home, Community, Notifications, Settings, and Sign out. */
async function assertMemberNav(page, where) {
    const nav = mainNav(page);
    for (const [name, href] of [
        ["Home", "/home"],
        ["Community", "/local"],
        ["Notifications", "/notifications"],
        ["Settings", "/settings"],
    ]) {
        const link = nav.getByRole("link", { name, exact: true });
        assert.equal(await link.count(), 1, `${where}: the navigation has a ${name} link`);
        assert.equal(
            new URL(await link.getAttribute("href"), server.url).pathname,
            href,
            `${where}: ${name} links to ${href}`,
        );
    }
    assert.equal(
        await nav.getByRole("button", { name: "Sign out", exact: true }).count(),
        1,
        `${where}: the navigation has a Sign out button`,
    );
}

/** Follows the navigation link `name`; the document response. */
const followNav = (page, name) => submit(page, mainNav(page).getByRole("link", { name, exact: true }));

/** Signs in through /auth/sign_in; the document response. */
async function signIn(page, username, password) {
    await page.goto(`${server.url}${SIGN_IN_ROUTE}`);
    const form = await fillSignIn(page, username, password);
    return submit(page, submitButton(form));
}

/**
 * Ophelia's signed-in browser (the cookies of test 8, renewed by test 22); with
 * `{ javaScriptEnabled: false }`, the same browser with JavaScript switched off.
 */
function asOphelia(t, fn, { javaScriptEnabled = true } = {}) {
    assert.ok(run.ophelia, "needs ophelia's signed-in browser of test 8");
    return withContext(t, server, chromium.browser, fn, { storageState: run.ophelia, javaScriptEnabled });
}

/** Laertes' signed-in browser (the cookies of test 11). */
function asLaertes(t, fn) {
    assert.ok(run.laertes, "needs laertes' signed-in browser of test 11");
    return withContext(t, server, chromium.browser, fn, { storageState: run.laertes });
}

/** The box of a profile that says how the member relates to its owner, with its buttons. */
const relationBox = (page) => page.locator("main div.relation");
const relationButton = (page, name) => relationBox(page).getByRole("button", { name, exact: true });

/** Ophelia's relationship to `acct`, as the API says. */
async function relationshipTo(acct) {
    const id = await accountId(acct);
    const relation = await api(`/api/v1/accounts/relationships?id[]=${id}`, await apiToken());
    assert.equal(relation.status, 200, "relationships");
    return relation.body[0];
}

const pathOf = (url) => new URL(url, server.url).pathname;

async function accountId(acct) {
    const found = await api(`/api/v1/accounts/lookup?acct=${acct}`);
    assert.equal(found.status, 200, `lookup of @${acct}`);
    return found.body.id;
}

test("7. a second member, @laertes, is created with `hamlet admin user create`", async (t) => {
    assert.ok(run.adminCreated, "needs the admin of test 3");
    const done = server.cli(["admin", "user", "create", MEMBER, "--password-stdin"], `${MEMBER_PASSWORD}\n`);
    assert.equal(done.status, 0, `hamlet admin user create ${MEMBER}: ${done.stdout}${done.stderr}`);
    assert.deepEqual(
        server.members().find((m) => m.username === MEMBER),
        { username: MEMBER, role: "member", state: "active" },
        "`hamlet admin user list` shows the new member",
    );
    await accountId(MEMBER);
    run.memberCreated = true;
});

test("8. ophelia signs in and posts a local-only and a federated post from /home", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.adminCreated, "needs the admin of test 3");
    const localWord = uniqueWord("yorick");
    const federatedWord = uniqueWord("horatio");
    const forgedWord = uniqueWord("claudius");
    await inContext(t, async (context) => {
        const page = await context.newPage();
        let response = await signIn(page, ADMIN, run.adminPassword);
        assert.equal(response.status(), 200, "the page after signing in");
        assert.equal(new URL(page.url()).pathname, "/home", "signing in lands on /home");
        const session = await cookie(context, server, "hamlet_session");
        assert.ok(session, "the hamlet_session cookie is set");
        assert.equal(session.httpOnly, true, "hamlet_session is HttpOnly");
        assert.ok(["Strict", "Lax"].includes(session.sameSite), `hamlet_session is SameSite (${session.sameSite})`);
        assert.ok(session.value.length >= 32, "the session cookie is a long random token");
        await composeForm(page).waitFor();
        await assertMemberNav(page, "/home");
        assert.equal(
            await composeForm(page).locator('input[type="checkbox"][name="local_only"]').isChecked(),
            false,
            "the compose box starts federated (the community's default, ophelia has none yet)",
        );
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

        // The community timeline, from the navigation: both posts, the local-only one marked.
        response = await followNav(page, "Community");
        assert.equal(response.status(), 200, "GET /local");
        assert.equal(new URL(page.url()).pathname, "/local", "Community leads to /local");
        assert.equal(await postArticle(page, localWord).count(), 1, "the local-only post is on /local");
        assert.equal(await postArticle(page, federatedWord).count(), 1, "the federated post is on /local");
        assert.equal(
            await postArticle(page, localWord).getByText("Local only", { exact: true }).count(),
            1,
            "the local-only post is marked Local only on /local",
        );
        await assertMemberNav(page, "/local");
        await inspectPage(t, page, "community timeline", response);

        // The compose form without its CSRF token: refused, nothing posted.
        await page.goto(`${server.url}/home`);
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

        // This browser stays signed in for the tests after.
        run.ophelia = await context.storageState();
    });
});

test("9. the local-only post's page, opened by its time link: the reply stays in the community", async (t) => {
    if (!(await routeExists(t, server, `/@${ADMIN}`, "profile and post pages (issue 6)"))) return;
    assert.ok(run.posts, "needs the posts of test 8");
    const { local, federated } = run.posts;
    const replyWord = uniqueWord("rosemary");
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        await page.goto(`${server.url}/home`);
        assert.equal(new URL(page.url()).pathname, "/home", "ophelia's browser is still signed in");

        // The federated post's page: its reply form offers the Local only checkbox.
        let response = await submit(page, timeLink(page, federated.word));
        assert.equal(response.status(), 200, "the federated post's page");
        assert.equal(
            new URL(page.url()).pathname,
            pathOf(federated.status.url),
            "the time link leads to the post's page (its url in the API)",
        );
        let reply = replyForm(page);
        await reply.waitFor();
        assert.equal(
            await reply.locator('input[type="checkbox"][name="local_only"]').count(),
            1,
            "replying to a federated post, the member chooses (a Local only checkbox)",
        );
        assert.equal(
            await page.getByText("This reply stays in the community").count(),
            0,
            "no stays-in-the-community notice under a federated post",
        );
        await assertMemberNav(page, "a post's page");
        await inspectPage(t, page, "post page federated", response);

        // The local-only post's page.
        await page.goto(`${server.url}/home`);
        response = await submit(page, timeLink(page, local.word));
        assert.equal(response.status(), 200, "the local-only post's page");
        const localPath = pathOf(local.status.url);
        assert.equal(new URL(page.url()).pathname, localPath, "the time link leads to the post's page");
        assert.equal(
            await postArticle(page, local.word).getByText("Local only", { exact: true }).count(),
            1,
            "the post is marked Local only on its page",
        );
        reply = replyForm(page);
        await reply.waitFor();
        const textarea = reply.locator('textarea[name="status"]');
        assert.equal(await textarea.inputValue(), `@${ADMIN} `, "the reply starts with the author's handle");
        assert.equal(
            await reply.locator('input[type="checkbox"][name="local_only"]').count(),
            0,
            "no Local only checkbox: a reply to a local-only post cannot leave the community",
        );
        assert.equal(
            await reply.locator('input[type="hidden"][name="local_only"]').inputValue(),
            "true",
            "the reply form carries local_only=true",
        );
        await assert.doesNotReject(
            reply.getByText("This reply stays in the community").waitFor(),
            'the notice "This reply stays in the community"',
        );
        await inspectPage(t, page, "post page local-only reply form", response);

        // Reply in place (mentioning laertes too, for his notifications).
        await textarea.fill(
            `${await textarea.inputValue()}and @${MEMBER}: there's rosemary, that's for remembrance: ${replyWord}`,
        );
        response = await submit(page, reply.getByRole("button", { name: "Reply", exact: true }));
        assert.equal(response.status(), 200, "the page after replying");
        const replyPath = new URL(page.url()).pathname;
        assert.match(replyPath, new RegExp(`^/@${ADMIN}/\\d+$`), "replying lands on a post's page of ophelia's");
        assert.notEqual(replyPath, localPath, "replying lands on the reply's own page");
        assert.equal(await postArticle(page, replyWord).count(), 1, "the reply's page shows the reply");
        assert.equal(
            await postArticle(page, replyWord).getByText("Local only", { exact: true }).count(),
            1,
            "the reply is marked Local only",
        );
        const aboveIt = await page.evaluate(
            ([parent, child]) => {
                const find = (word) =>
                    [...document.querySelectorAll("article")].find(
                        (a) => !a.querySelector("article") && a.textContent.includes(word),
                    );
                const [p, c] = [find(parent), find(child)];
                return Boolean(p && c && p.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING);
            },
            [local.word, replyWord],
        );
        assert.ok(aboveIt, "the post it answers is shown above the reply");
        await assert.doesNotReject(
            replyForm(page).getByText("This reply stays in the community").waitFor(),
            "a reply to the (local-only) reply stays in the community too",
        );
        await inspectPage(t, page, "reply page", response);

        // What the API says.
        const replyStatus = (await ownStatuses()).find((s) => s.content.includes(replyWord));
        assert.ok(replyStatus, "the reply is one of ophelia's statuses");
        assert.equal(replyStatus.in_reply_to_id, local.status.id, "it answers the local-only post");
        assert.equal(replyStatus.local_only, true, "the reply is local-only");
        assert.equal(pathOf(replyStatus.url), replyPath, "the page landed on is the reply's url");
        assert.ok(
            replyStatus.mentions.some((m) => m.username === MEMBER),
            `the reply mentions @${MEMBER}: ${JSON.stringify(replyStatus.mentions)}`,
        );
        run.reply = { word: replyWord, status: replyStatus };

        // The post's page now shows the reply below it.
        response = await page.goto(local.status.url);
        assert.equal(response.status(), 200);
        assert.equal(await postArticle(page, replyWord).count(), 1, "the reply is shown under the post");
        await inspectPage(t, page, "post page local-only with its reply", response);
    });
});

test("10. ophelia follows laertes from his profile", async (t) => {
    if (!(await routeExists(t, server, `/@${MEMBER}`, "profile pages (issue 6)"))) return;
    assert.ok(run.memberCreated && run.posts && run.reply, "needs tests 7 to 9");
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        // Her own profile first: all her posts, no button to follow herself.
        let response = await page.goto(`${server.url}/@${ADMIN}`);
        assert.equal(response.status(), 200, `GET /@${ADMIN}`);
        const own = await page.locator("main").innerText();
        for (const word of [run.posts.local.word, run.posts.federated.word, run.reply.word]) {
            assert.ok(own.includes(word), `ophelia's profile shows her post ${word} to her`);
        }
        assert.equal(
            await page.getByRole("button", { name: "Follow", exact: true }).count(),
            0,
            "no Follow button on one's own profile",
        );
        await inspectPage(t, page, "own profile", response);

        response = await page.goto(`${server.url}/@${MEMBER}`);
        assert.equal(response.status(), 200, `GET /@${MEMBER}`);
        await assert.doesNotReject(
            page.getByRole("heading", { level: 1 }).filter({ hasText: `@${MEMBER}` }).waitFor(),
            "the profile's heading names laertes",
        );
        const follow = page
            .locator(`form[action="/@${MEMBER}/follow"]`)
            .getByRole("button", { name: "Follow", exact: true });
        assert.equal(await follow.count(), 1, "a Follow button (a form to /@laertes/follow)");
        assert.equal(await page.getByText(`You follow @${MEMBER}.`).count(), 0, "not followed yet");
        await inspectPage(t, page, "profile of another member", response);

        // With JavaScript, the button acts in place: the relation box is replaced by the
        // one of the profile the server answers with, and the page stays.
        await withoutNavigation(page, "following from the profile", async () => {
            await follow.click();
            await relationBox(page).getByText(`You follow @${MEMBER}.`).waitFor();
        });
        assert.equal(
            await relationBox(page)
                .locator(`form[action="/@${MEMBER}/unfollow"]`)
                .getByRole("button", { name: "Unfollow", exact: true })
                .count(),
            1,
            "an Unfollow button, in place of Follow",
        );
        assert.equal(await page.locator("main div.relation").count(), 1, "one relation box, replaced");
        assert.equal(await page.getByText("Follows you.").count(), 0, "laertes does not follow ophelia");
        await inspectPage(t, page, "profile of another member followed in place");

        // The server has it: the profile, loaded again, says so.
        response = await page.reload();
        assert.equal(response.status(), 200, "the profile loaded again");
        await assert.doesNotReject(
            relationBox(page).getByText(`You follow @${MEMBER}.`).waitFor(),
            `the profile says "You follow @${MEMBER}."`,
        );
        assert.equal(await relationButton(page, "Unfollow").count(), 1, "an Unfollow button");
        await inspectPage(t, page, "profile of another member followed", response);
    });
    const id = await accountId(MEMBER);
    const relation = await api(`/api/v1/accounts/relationships?id[]=${id}`, await apiToken());
    assert.equal(relation.status, 200, "relationships");
    assert.equal(relation.body[0]?.following, true, `the API says ophelia follows laertes: ${JSON.stringify(relation.body)}`);
    run.followed = true;
});

test('11. laertes signs in in his own browser and reads "@ophelia followed you" in Notifications', async (t) => {
    if (!(await routeExists(t, server, "/notifications", "the notifications page (issue 6)"))) return;
    assert.ok(run.followed && run.reply, "needs tests 9 and 10");
    await inContext(t, async (context) => {
        const page = await context.newPage();
        let response = await signIn(page, MEMBER, MEMBER_PASSWORD);
        assert.equal(response.status(), 200, "the page after signing in");
        assert.equal(new URL(page.url()).pathname, "/home", "laertes lands on /home");
        await assertMemberNav(page, "laertes' /home");

        response = await followNav(page, "Notifications");
        assert.equal(response.status(), 200, "GET /notifications");
        assert.equal(new URL(page.url()).pathname, "/notifications", "Notifications leads to /notifications");
        const items = page.getByRole("listitem");
        await assert.doesNotReject(
            items.filter({ hasText: `@${ADMIN} followed you` }).first().waitFor(),
            `"@${ADMIN} followed you"`,
        );
        const mention = items.filter({ hasText: `@${ADMIN} mentioned you` });
        await assert.doesNotReject(mention.first().waitFor(), `"@${ADMIN} mentioned you"`);
        assert.ok(
            (await mention.first().innerText()).includes(run.reply.word),
            "the mention shows the (local-only) reply",
        );
        await inspectPage(t, page, "notifications", response);

        // Ophelia's profile as laertes sees it: she follows him; members see local-only posts.
        response = await page.goto(`${server.url}/@${ADMIN}`);
        assert.equal(response.status(), 200, `GET /@${ADMIN}`);
        await assert.doesNotReject(page.getByText("Follows you.").waitFor(), '"Follows you."');
        assert.equal(
            await page.getByRole("button", { name: "Follow", exact: true }).count(),
            1,
            "laertes may follow back",
        );
        const text = await page.locator("main").innerText();
        for (const word of [run.posts.local.word, run.reply.word]) {
            assert.ok(text.includes(word), `a member sees ophelia's local-only post ${word}`);
        }
        await inspectPage(t, page, "profile seen by a follower", response);

        // And the local-only post's page.
        response = await page.goto(run.posts.local.status.url);
        assert.equal(response.status(), 200, "a member opens the local-only post");
        assert.equal(await postArticle(page, run.reply.word).count(), 1, "with the reply under it");
        await assert.doesNotReject(
            replyForm(page).getByText("This reply stays in the community").waitFor(),
            "laertes' reply would stay in the community too",
        );
        await inspectPage(t, page, "local-only post seen by another member", response);
        // This browser stays signed in for the tests after.
        run.laertes = await context.storageState();
    });
});

test("12. laertes fills two profile fields in his settings; his profile shows them as a table", async (t) => {
    if (!(await routeExists(t, server, "/settings", "the settings page (issue 6)"))) return;
    const motto = uniqueWord("borrower");
    const fields = [
        ["Sister", "Ophelia of Elsinore"],
        ["Motto", `Neither a borrower nor a lender be: ${motto}`],
    ];
    await asLaertes(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/settings`);
        assert.equal(response.status(), 200, "GET /settings");
        const group = page.getByRole("group", { name: /^Profile fields/ });
        await assert.doesNotReject(group.waitFor(), 'a "Profile fields" fieldset');
        for (let row = 1; row <= 4; row++) {
            for (const label of [`Label ${row}`, `Content ${row}`]) {
                const input = group.getByLabel(label, { exact: true });
                assert.equal(await input.count(), 1, `one field labelled ${label}`);
                assert.equal(await input.inputValue(), "", `${label} is empty at first`);
            }
        }
        for (const [i, [label, content]] of fields.entries()) {
            await group.getByLabel(`Label ${i + 1}`, { exact: true }).fill(label);
            await group.getByLabel(`Content ${i + 1}`, { exact: true }).fill(content);
        }
        response = await submit(page, page.getByRole("button", { name: "Save", exact: true }));
        assert.equal(response.status(), 200, "saving the profile with its fields");
        await assert.doesNotReject(
            page.getByRole("status").filter({ hasText: "Saved." }).waitFor(),
            '"Saved." is announced (role=status)',
        );
        for (const [i, [label, content]] of fields.entries()) {
            assert.equal(await group.getByLabel(`Label ${i + 1}`, { exact: true }).inputValue(), label, `label ${i + 1} kept`);
            assert.equal(await group.getByLabel(`Content ${i + 1}`, { exact: true }).inputValue(), content, `content ${i + 1} kept`);
        }
        await inspectPage(t, page, "settings profile fields saved", response);

        response = await page.goto(`${server.url}/@${MEMBER}`);
        assert.equal(response.status(), 200, `GET /@${MEMBER}`);
        const rows = page.locator("main dl.fields > div");
        assert.equal(await rows.count(), 2, "the profile's table has the two fields, and no empty rows");
        for (const [i, [label, content]] of fields.entries()) {
            assert.equal((await rows.nth(i).locator("dt").innerText()).trim(), label, `row ${i + 1}'s label`);
            assert.equal((await rows.nth(i).locator("dd").innerText()).trim(), content, `row ${i + 1}'s content`);
        }
        await inspectPage(t, page, "own profile with fields", response);
    });
    const found = await api(`/api/v1/accounts/lookup?acct=${MEMBER}`);
    assert.deepEqual(
        found.body.fields.map((f) => f.name),
        fields.map(([label]) => label),
        `the API's fields: ${JSON.stringify(found.body.fields)}`,
    );
    assert.ok(found.body.fields[1].value.includes(motto), "the API's second field's value");
    run.fields = fields;
});

/** A `width`×`height` PNG of one colour, made here (no file on disk, no dependency). */
function pngOf(width, height, [r, g, b]) {
    const crcTable = Array.from({ length: 256 }, (_, n) => {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        return c >>> 0;
    });
    const crc32 = (bytes) => {
        let c = 0xffffffff;
        for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
        return (c ^ 0xffffffff) >>> 0;
    };
    const chunk = (kind, data) => {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(data.length, 0);
        head.write(kind, 4, "latin1");
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
        return Buffer.concat([head, data, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
    const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill([r, g, b]).flat())]);
    const pixels = deflateSync(Buffer.concat(Array(height).fill(row)));
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", header),
        chunk("IDAT", pixels),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}

test("12b. laertes uploads an avatar in his settings; his profile shows it, served by Hamlet", async (t) => {
    if (!(await routeExists(t, server, "/settings", "the settings page (issue 6)"))) return;
    await asLaertes(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/settings`);
        assert.equal(response.status(), 200, "GET /settings");
        const pictures = page.locator("form[action='/settings/pictures']");
        await pictures.getByLabel(/^New avatar/).setInputFiles({
            name: "laertes.png",
            mimeType: "image/png",
            buffer: pngOf(120, 80, [40, 90, 160]),
        });
        response = await submit(page, page.getByRole("button", { name: "Save pictures" }));
        assert.equal(response.status(), 200, "saving the pictures");
        await assert.doesNotReject(
            page.getByRole("status").filter({ hasText: "Pictures saved." }).waitFor(),
            '"Pictures saved." is announced (role=status)',
        );
        await inspectPage(t, page, "settings avatar saved", response);

        response = await page.goto(`${server.url}/@${MEMBER}`);
        const avatar = page.locator("main img.profile-avatar");
        const src = await avatar.getAttribute("src");
        assert.match(src, /^\/media\/avatars\/[A-Za-z0-9_-]+\/original\.jpg$/, "the avatar is a file of Hamlet's");
        const size = await avatar.evaluate((img) => [img.complete, img.naturalWidth, img.naturalHeight]);
        assert.deepEqual(size, [true, 80, 80], "the avatar loaded, cropped square");
        await inspectPage(t, page, "own profile with avatar", response);
    });
    const found = await api(`/api/v1/accounts/lookup?acct=${MEMBER}`);
    assert.ok(found.body.avatar.startsWith(`${server.url}/media/avatars/`), `the API's avatar: ${found.body.avatar}`);
});

const MUTED = `You muted @${MEMBER}: their posts and notifications are hidden from you.`;
const BLOCKED = `You blocked @${MEMBER}: neither of you sees the other's posts.`;

test("13. ophelia mutes and blocks laertes from his profile, in place (JavaScript), and undoes both", async (t) => {
    if (!(await routeExists(t, server, `/@${MEMBER}`, "profile pages (issue 6)"))) return;
    assert.ok(run.followed && run.fields, "needs tests 10 and 12");
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/@${MEMBER}`);
        assert.equal(response.status(), 200, `GET /@${MEMBER}`);
        const table = await page.locator("main dl.fields").innerText();
        for (const [label, content] of run.fields) {
            assert.ok(table.includes(label) && table.includes(content), `ophelia sees laertes' field ${label}`);
        }
        await relationBox(page).getByText(`You follow @${MEMBER}.`).waitFor();
        assert.equal(await relationButton(page, "Mute").count(), 1, "a Mute button");
        assert.equal(await relationButton(page, "Block").count(), 1, "a Block button");
        await inspectPage(t, page, "profile with fields seen by another member", response);

        // Mute, in place.
        await withoutNavigation(page, "muting", async () => {
            await relationButton(page, "Mute").click();
            await relationBox(page).getByText(MUTED).waitFor();
        });
        assert.equal(await relationButton(page, "Unmute").count(), 1, "Mute became Unmute");
        assert.equal(await relationButton(page, "Unfollow").count(), 1, "muting keeps the follow");
        await inspectPage(t, page, "profile muted in place");
        let relation = await relationshipTo(MEMBER);
        assert.equal(relation.muting, true, `the API says ophelia mutes laertes: ${JSON.stringify(relation)}`);

        await withoutNavigation(page, "unmuting", async () => {
            await relationButton(page, "Unmute").click();
            await relationButton(page, "Mute").waitFor();
        });
        assert.equal(await relationBox(page).getByText(MUTED).count(), 0, "no longer muted");
        relation = await relationshipTo(MEMBER);
        assert.equal(relation.muting, false, "the API says the mute is gone");

        // Block, in place: no follow button while blocked.
        await withoutNavigation(page, "blocking", async () => {
            await relationButton(page, "Block").click();
            await relationBox(page).getByText(BLOCKED).waitFor();
        });
        assert.equal(await relationButton(page, "Unblock").count(), 1, "Block became Unblock");
        for (const name of ["Follow", "Unfollow", "Withdraw the request"]) {
            assert.equal(await relationButton(page, name).count(), 0, `no ${name} button while blocked`);
        }
        assert.equal(await relationBox(page).getByText(`You follow @${MEMBER}.`).count(), 0, "blocking ended the follow");
        await inspectPage(t, page, "profile blocked in place");
        relation = await relationshipTo(MEMBER);
        assert.equal(relation.blocking, true, `the API says ophelia blocks laertes: ${JSON.stringify(relation)}`);
        assert.equal(relation.following, false, "a block ends the follow");

        await withoutNavigation(page, "unblocking", async () => {
            await relationButton(page, "Unblock").click();
            await relationButton(page, "Block").waitFor();
        });
        assert.equal(await relationBox(page).getByText(BLOCKED).count(), 0, "no longer blocked");
        assert.equal(await relationButton(page, "Follow").count(), 1, "the Follow button is back");
        await inspectPage(t, page, "profile unblocked in place");
        relation = await relationshipTo(MEMBER);
        assert.equal(relation.blocking, false, "the API says the block is gone");
    });
    run.followed = false;
});

test("14. without JavaScript, Mute, Block and Follow are ordinary forms that come back to the profile", async (t) => {
    if (!(await routeExists(t, server, `/@${MEMBER}`, "profile pages (issue 6)"))) return;
    assert.ok(run.fields, "needs test 12");
    const profile = `/@${MEMBER}`;
    await asOphelia(
        t,
        async (context) => {
            const page = await context.newPage();
            let response = await page.goto(`${server.url}${profile}`);
            assert.equal(response.status(), 200, `GET ${profile} without JavaScript`);
            assert.equal(await relationButton(page, "Follow").count(), 1, "not following since the block of test 13");

            response = await submit(page, relationButton(page, "Mute"));
            assert.equal(response.status(), 200, "the page after muting");
            await assertRedirectedFromPost(response, profile, "muting without JavaScript");
            await assert.doesNotReject(relationBox(page).getByText(MUTED).waitFor(), "the profile says muted");
            await inspectPage(t, page, "profile muted without javascript", response);
            response = await submit(page, relationButton(page, "Unmute"));
            await assertRedirectedFromPost(response, profile, "unmuting without JavaScript");
            await assert.doesNotReject(relationButton(page, "Mute").waitFor(), "Mute again");
            assert.equal(await relationBox(page).getByText(MUTED).count(), 0, "no longer muted");

            response = await submit(page, relationButton(page, "Block"));
            await assertRedirectedFromPost(response, profile, "blocking without JavaScript");
            await assert.doesNotReject(relationBox(page).getByText(BLOCKED).waitFor(), "the profile says blocked");
            assert.equal(await relationButton(page, "Follow").count(), 0, "no Follow button while blocked");
            await inspectPage(t, page, "profile blocked without javascript", response);
            response = await submit(page, relationButton(page, "Unblock"));
            await assertRedirectedFromPost(response, profile, "unblocking without JavaScript");
            assert.equal(await relationBox(page).getByText(BLOCKED).count(), 0, "no longer blocked");

            // And ophelia follows laertes again, the same way.
            response = await submit(page, relationButton(page, "Follow"));
            await assertRedirectedFromPost(response, profile, "following without JavaScript");
            await assert.doesNotReject(
                relationBox(page).getByText(`You follow @${MEMBER}.`).waitFor(),
                `the profile says "You follow @${MEMBER}."`,
            );
            await inspectPage(t, page, "profile followed without javascript", response);
        },
        { javaScriptEnabled: false },
    );
    const relation = await relationshipTo(MEMBER);
    assert.deepEqual(
        [relation.following, relation.muting, relation.blocking],
        [true, false, false],
        `following, not muting, not blocking: ${JSON.stringify(relation)}`,
    );
    run.followed = true;
});

/** How many posts laertes writes for test 15: more than a page (30), less than two. */
const SPEECHES = 35;
const PAGE_LENGTH = 30;
const HASHTAG = "soliloquy";

/** The posts listed in the page's feeds, by their permalinks' ids, in order. */
const feedIds = (page) =>
    page.evaluate(() =>
        [...document.querySelectorAll("main ol.feed > li")].map((li) => {
            const link = li.querySelector("article a:has(time)");
            return link ? new URL(link.href).pathname.split("/").pop() : null;
        }),
    );
const byIdDescending = (a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0);
const olderLink = (page) => page.locator("main p.more a[data-load-more]");

/** A bearer token of laertes (password grant). */
async function memberToken() {
    const app = await registerApp("Laertes' quill", "read write");
    const response = await server.fetch("/oauth/token", {
        method: "POST",
        body: new URLSearchParams({
            grant_type: "password",
            client_id: app.client_id,
            client_secret: app.client_secret,
            username: MEMBER,
            password: MEMBER_PASSWORD,
            scope: "read write",
        }),
    });
    const body = await response.json();
    assert.equal(response.status, 200, `password grant for laertes: ${JSON.stringify(body)}`);
    return body.access_token;
}

test(`15. laertes writes ${SPEECHES} posts; his profile shows ${PAGE_LENGTH} and "Older posts", which appends the rest in place (and is a plain link without JavaScript)`, async (t) => {
    if (!(await routeExists(t, server, `/@${MEMBER}`, "profile pages (issue 6)"))) return;
    assert.ok(run.memberCreated && run.ophelia, "needs tests 7 and 8");
    // Written through the API, as an app would: public, federated, each with the hashtag.
    const token = await memberToken();
    const speeches = [];
    for (let i = 1; i <= SPEECHES; i++) {
        const word = uniqueWord("speech");
        const response = await server.fetch("/api/v1/statuses", {
            method: "POST",
            headers: { authorization: `Bearer ${token}` },
            body: new URLSearchParams({
                status: `Words, words, words (${i} of ${SPEECHES}): ${word} #${HASHTAG}`,
                visibility: "public",
            }),
        });
        const status = await response.json();
        assert.equal(response.status, 200, `laertes' post ${i}: ${JSON.stringify(status)}`);
        speeches.push({ word, status });
    }
    run.speeches = speeches;
    const newestFirst = speeches.map((s) => s.status.id).sort(byIdDescending);
    const firstPage = newestFirst.slice(0, PAGE_LENGTH);
    const profile = `/@${MEMBER}`;

    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        const response = await page.goto(`${server.url}${profile}`);
        assert.equal(response.status(), 200, `GET ${profile}`);
        assert.deepEqual(await feedIds(page), firstPage, `the first page: the newest ${PAGE_LENGTH} posts, newest first`);
        const link = olderLink(page);
        assert.equal(await link.count(), 1, 'an "Older posts" link under a full page');
        assert.equal((await link.innerText()).trim(), "Older posts");
        const href = new URL(await link.getAttribute("href"), server.url);
        assert.equal(href.pathname, profile, "the link continues the profile");
        assert.equal(href.searchParams.get("max_id"), firstPage.at(-1), "after the page's last post (?max_id=)");
        await inspectPage(t, page, "profile first page of thirty", response);

        await withoutNavigation(page, "Older posts", async () => {
            await link.click();
            await page.waitForFunction(
                (n) => document.querySelectorAll("main ol.feed > li").length >= n,
                SPEECHES,
            );
        });
        assert.deepEqual(await feedIds(page), newestFirst, `all ${SPEECHES} posts, in order, each once`);
        assert.equal(await page.locator("main ol.feed").count(), 1, "appended to the same list");
        assert.equal(await page.locator("main p.more").count(), 0, "no more link: the next page was not full");
        const focused = await page.evaluate(() => document.activeElement?.closest("li")?.querySelector("a:has(time)")?.href ?? null);
        assert.equal(
            focused && new URL(focused).pathname.split("/").pop(),
            newestFirst[PAGE_LENGTH],
            "the focus moved to the first post appended",
        );
        await inspectPage(t, page, "profile older posts appended in place");
    });

    await asOphelia(
        t,
        async (context) => {
            const page = await context.newPage();
            let response = await page.goto(`${server.url}${profile}`);
            assert.deepEqual(await feedIds(page), firstPage, "the same first page without JavaScript");
            response = await submit(page, olderLink(page));
            assert.equal(response.status(), 200, "the Older posts link without JavaScript");
            const url = new URL(page.url());
            assert.equal(url.pathname, profile, "the link leads to the profile ...");
            assert.equal(url.searchParams.get("max_id"), firstPage.at(-1), "... with ?max_id= of the first page's last post");
            assert.deepEqual(await feedIds(page), newestFirst.slice(PAGE_LENGTH), "the older posts, and only them");
            assert.equal(await page.locator("main p.more").count(), 0, "no more link under a page that is not full");
            await inspectPage(t, page, "profile older page without javascript", response);

            // The community timeline pages the same way.
            response = await page.goto(`${server.url}/local`);
            assert.equal(response.status(), 200, "GET /local");
            const local = await feedIds(page);
            assert.equal(local.length, PAGE_LENGTH, `/local shows ${PAGE_LENGTH} posts`);
            assert.equal(await olderLink(page).count(), 1, "/local has an Older posts link");
            response = await submit(page, olderLink(page));
            const next = new URL(page.url());
            assert.equal(next.pathname, "/local");
            assert.equal(next.searchParams.get("max_id"), local.at(-1), "/local?max_id= of its last post");
            const older = await feedIds(page);
            assert.ok(older.length > 0, "the next page of /local has posts");
            assert.ok(
                older.every((id) => BigInt(id) < BigInt(local.at(-1))),
                "the next page of /local has only older posts",
            );
            await inspectPage(t, page, "community timeline older page without javascript", response);
        },
        { javaScriptEnabled: false },
    );
});

/** The post with `word` in the page's feed (or the post page), and one of its buttons. */
const postButton = (page, word, name) => postArticle(page, word).getByRole("button", { name, exact: true });

test("16. ophelia favourites and bookmarks one of laertes' posts in place (JavaScript); without JavaScript, Boost comes back to the post", async (t) => {
    assert.ok(run.speeches, "needs the posts of test 15");
    const { word, status } = run.speeches.at(-1);
    const token = await apiToken();
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/@${MEMBER}`);
        assert.equal(response.status(), 200);
        const favourite = postButton(page, word, "Favourite");
        assert.equal(await favourite.count(), 1, "a Favourite button under the post");
        assert.equal(await favourite.getAttribute("aria-pressed"), "false", "not pressed yet");

        await withoutNavigation(page, "favouriting", async () => {
            await favourite.click();
            await postButton(page, word, "Unfavourite").waitFor();
        });
        const unfavourite = postButton(page, word, "Unfavourite");
        assert.equal(await unfavourite.getAttribute("aria-pressed"), "true", "Unfavourite is pressed (aria-pressed)");
        assert.equal(
            await postArticle(page, word).locator(`form[action$="/statuses/${status.id}/unfavourite"]`).count(),
            1,
            "the form now undoes the favourite",
        );
        await withoutNavigation(page, "bookmarking", async () => {
            await postButton(page, word, "Bookmark").click();
            await postButton(page, word, "Remove bookmark").waitFor();
        });
        assert.equal(
            await postButton(page, word, "Remove bookmark").getAttribute("aria-pressed"),
            "true",
            "Remove bookmark is pressed",
        );
        assert.equal(await page.locator("main ol.feed > li").count(), PAGE_LENGTH, "the page was not reloaded");
        await inspectPage(t, page, "post favourited and bookmarked in place");

        // The server has them.
        response = await page.reload();
        assert.equal(await postButton(page, word, "Unfavourite").getAttribute("aria-pressed"), "true", "still favourited after a reload");
        assert.equal(await postButton(page, word, "Remove bookmark").count(), 1, "still bookmarked after a reload");
        const seen = await api(`/api/v1/statuses/${status.id}`, token);
        assert.equal(seen.status, 200);
        assert.equal(seen.body.favourited, true, "the API says favourited");
        assert.equal(seen.body.bookmarked, true, "the API says bookmarked");

        // The Favourites and Bookmarks pages list it.
        for (const [name, path] of [["Favourites", "/favourites"], ["Bookmarks", "/bookmarks"]]) {
            response = await followNav(page, name);
            assert.equal(new URL(page.url()).pathname, path);
            assert.equal(await postArticle(page, word).count(), 1, `${path} lists the post`);
            await inspectPage(t, page, `${name.toLowerCase()} with laertes' post`, response);
        }
    });

    await asOphelia(
        t,
        async (context) => {
            const page = await context.newPage();
            const path = pathOf(status.url);
            let response = await page.goto(status.url);
            assert.equal(response.status(), 200, "the post's page");
            assert.equal(await postButton(page, word, "Unfavourite").count(), 1, "favourited, without JavaScript too");
            response = await submit(page, postButton(page, word, "Boost"));
            await assertRedirectedFromPost(response, path, "boosting without JavaScript");
            const unboost = postButton(page, word, "Unboost");
            assert.equal(await unboost.count(), 1, "Boost became Unboost");
            assert.equal(await unboost.getAttribute("aria-pressed"), "true", "Unboost is pressed");
            await inspectPage(t, page, "post boosted without javascript", response);
            assert.equal((await api(`/api/v1/statuses/${status.id}`, token)).body.reblogged, true, "the API says boosted");
            response = await submit(page, unboost);
            await assertRedirectedFromPost(response, path, "unboosting without JavaScript");
            assert.equal(await postButton(page, word, "Boost").getAttribute("aria-pressed"), "false", "Boost again");
        },
        { javaScriptEnabled: false },
    );
    assert.equal((await api(`/api/v1/statuses/${status.id}`, token)).body.reblogged, false, "the API says not boosted");
});

/** The admin page's community form. */
const communityForm = (page) => page.locator('form[action="/admin/community"]');
const privateBox = (page) => communityForm(page).getByRole("checkbox", { name: /^Private community: visitors who are not signed in see only the front page/ });
const federatedBox = (page) => communityForm(page).getByRole("checkbox", { name: /^Federated timeline: members can read public posts from other servers/ });

/** Saves the community form as it is filled; the document response, "Saved." checked. */
async function saveCommunity(page) {
    const response = await submit(page, communityForm(page).getByRole("button", { name: "Save", exact: true }));
    assert.equal(response.status(), 200, "saving the community");
    await assert.doesNotReject(
        page.getByRole("status").filter({ hasText: "Saved." }).waitFor(),
        '"Saved." is announced (role=status)',
    );
    return response;
}

/** Adds a rule through the "New rule" form of /admin; the document response. */
async function addRule(page, text, hint = "") {
    await page.getByLabel("New rule", { exact: true }).fill(text);
    await page.getByLabel("Explanation (optional)", { exact: true }).fill(hint);
    const response = await submit(page, page.getByRole("button", { name: "Add the rule", exact: true }));
    assert.equal(response.status(), 200, `adding the rule ${text}`);
    await assert.doesNotReject(
        page.getByRole("status").filter({ hasText: "Rule added." }).waitFor(),
        '"Rule added." is announced',
    );
    return response;
}

test("17. ophelia edits the community in /admin (name, description, contact, rules); the front page shows it to a visitor", async (t) => {
    if (!(await routeExists(t, server, "/admin", "the administration page (issue 6)"))) return;
    assert.ok(run.ophelia, "needs ophelia's browser of test 8");
    const name = "The Elsinore Players";
    const paragraphs = [
        `We act the play within the play: ${uniqueWord("mousetrap")}.`,
        `Rehearsals are on the battlements at midnight: ${uniqueWord("battlement")}.`,
    ];
    const contact = "players@elsinore.example";
    const rules = {
        kept: { text: "Speak the speech trippingly on the tongue", hint: "As I pronounced it to you; do not mouth it, as many of your players do." },
        edited: { text: "No dumb shows", edit: "No dumb shows and no noise" },
        removed: { text: `Do not saw the air with your hand: ${uniqueWord("saw")}` },
    };
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        await page.goto(`${server.url}/home`);
        let response = await followNav(page, "Administration");
        assert.equal(response.status(), 200, "GET /admin");
        assert.equal(new URL(page.url()).pathname, "/admin", "Administration leads to /admin");
        const form = communityForm(page);
        assert.equal(await form.getByLabel("Name", { exact: true }).inputValue(), INSTANCE_NAME, "the name from the configuration");
        assert.equal(await privateBox(page).isChecked(), false, "the community is not private");
        assert.equal(await federatedBox(page).isChecked(), true, "the federated timeline is on");
        assert.equal(await page.getByText("No rules yet.").count(), 1, "no rules yet");
        await inspectPage(t, page, "admin", response);

        await form.getByLabel("Name", { exact: true }).fill(name);
        await form.getByLabel(/^Description/).fill(paragraphs.join("\n\n"));
        await form.getByLabel(/^Contact address/).fill(contact);
        response = await saveCommunity(page);
        assert.equal(await communityForm(page).getByLabel("Name", { exact: true }).inputValue(), name, "the name is kept");
        assert.equal(await communityForm(page).getByLabel(/^Description/).inputValue(), paragraphs.join("\n\n"), "the description is kept");
        assert.equal(await communityForm(page).getByLabel(/^Contact address/).inputValue(), contact, "the contact is kept");
        assert.equal((await page.locator("header.site a.name").innerText()).trim(), name, "the header names the community anew");
        assert.match(await page.title(), new RegExp(name), "so does the title");
        await inspectPage(t, page, "admin community saved", response);

        // Three rules (the first with an explanation), one edited, one removed.
        await addRule(page, rules.kept.text, rules.kept.hint);
        await addRule(page, rules.edited.text);
        response = await addRule(page, rules.removed.text);
        for (const [i, rule] of [rules.kept, rules.edited, rules.removed].entries()) {
            assert.equal(await page.getByLabel(`Rule ${i + 1}`, { exact: true }).inputValue(), rule.text, `rule ${i + 1}`);
        }
        assert.equal(
            await page.getByLabel("Explanation of rule 1", { exact: true }).inputValue(),
            rules.kept.hint,
            "rule 1's explanation",
        );
        await inspectPage(t, page, "admin three rules", response);

        await page.getByLabel("Rule 2", { exact: true }).fill(rules.edited.edit);
        response = await submit(page, page.getByRole("button", { name: "Save rule 2", exact: true }));
        assert.equal(response.status(), 200, "saving rule 2");
        await assert.doesNotReject(page.getByRole("status").filter({ hasText: "Rule saved." }).waitFor(), '"Rule saved."');
        assert.equal(await page.getByLabel("Rule 2", { exact: true }).inputValue(), rules.edited.edit, "rule 2 edited");

        response = await submit(page, page.getByRole("button", { name: "Remove rule 3", exact: true }));
        assert.equal(response.status(), 200, "removing rule 3");
        await assert.doesNotReject(page.getByRole("status").filter({ hasText: "Rule removed." }).waitFor(), '"Rule removed."');
        assert.equal(await page.getByLabel("Rule 3", { exact: true }).count(), 0, "two rules are left");
        assert.ok(!(await page.locator("main").innerText()).includes(rules.removed.text), "the removed rule is gone");
        await inspectPage(t, page, "admin rule edited and one removed", response);
    });

    // What a visitor sees on the front page.
    await inContext(t, async (context) => {
        const page = await context.newPage();
        const response = await page.goto(`${server.url}/`);
        assert.equal(response.status(), 200, "GET /");
        assert.equal((await page.getByRole("heading", { level: 1 }).innerText()).trim(), name, "the front page's heading is the new name");
        assert.deepEqual(
            (await page.locator("main p.description").allInnerTexts()).map((p) => p.trim()),
            paragraphs,
            "the description, as two paragraphs",
        );
        const text = await page.locator("main").innerText();
        assert.ok(!text.includes(INSTANCE_DESCRIPTION), "not the description of the configuration any more");
        const link = page.getByRole("link", { name: /sign in/i }).first();
        assert.equal(pathOf(await link.getAttribute("href")), SIGN_IN_ROUTE, "a Sign in link");
        const rulesSection = page.getByRole("region", { name: "Rules", exact: true });
        const items = rulesSection.locator("ol > li");
        assert.equal(await items.count(), 2, "the two rules left, in an ordered list");
        assert.equal((await items.nth(0).locator("strong").innerText()).trim(), rules.kept.text, "rule 1, in bold");
        assert.ok((await items.nth(0).innerText()).includes(rules.kept.hint), "with its explanation");
        assert.equal((await items.nth(1).locator("strong").innerText()).trim(), rules.edited.edit, "rule 2, as edited");
        assert.ok(!text.includes(rules.removed.text), "not the removed rule");
        const contactSection = page.getByRole("region", { name: "Contact", exact: true });
        const mail = contactSection.getByRole("link", { name: contact, exact: true });
        assert.equal(await mail.getAttribute("href"), `mailto:${contact}`, "a mailto link to the contact address");
        assert.match(await contactSection.innerText(), new RegExp(`Run by @${ADMIN}`), `"Run by @${ADMIN}"`);
        await inspectPage(t, page, "front page edited", response);
    });

    // The API tells apps the same.
    const instance = await api("/api/v2/instance");
    assert.equal(instance.status, 200);
    assert.equal(instance.body.title, name, "the instance's title");
    assert.equal(instance.body.contact?.email, contact, "the instance's contact address");
    assert.deepEqual(
        instance.body.rules.map((r) => r.text),
        [rules.kept.text, rules.edited.edit],
        "the instance's rules",
    );
    run.community = { name, paragraphs, contact };
});

test("18. private community: a visitor is sent to sign in for a profile, a post and a hashtag page, and still sees the front page", async (t) => {
    if (!(await routeExists(t, server, "/admin", "the administration page (issue 6)"))) return;
    assert.ok(run.community && run.speeches && run.posts, "needs tests 8, 15 and 17");
    const guarded = [`/@${MEMBER}`, pathOf(run.posts.federated.status.url), `/tags/${HASHTAG}`];
    const setPrivate = (checked) =>
        asOphelia(t, async (context) => {
            const page = await context.newPage();
            await page.goto(`${server.url}/admin`);
            await privateBox(page).setChecked(checked);
            const response = await saveCommunity(page);
            assert.equal(await privateBox(page).isChecked(), checked, `Private community ${checked ? "ticked" : "unticked"}`);
            if (checked) await inspectPage(t, page, "admin private community", response);
        });

    // Public first: the visitor reads them.
    for (const path of guarded) {
        const response = await server.fetch(path);
        await response.arrayBuffer();
        assert.equal(response.status, 200, `${path} is public before`);
    }
    await setPrivate(true);
    await inContext(t, async (context) => {
        const page = await context.newPage();
        for (const [i, path] of guarded.entries()) {
            const response = await page.goto(`${server.url}${path}`);
            assert.equal(pathOf(page.url()), SIGN_IN_ROUTE, `a visitor asking for ${path} lands on the sign-in page`);
            assert.equal(response.status(), 200, "the sign-in page");
            const redirect = response.request().redirectedFrom();
            assert.equal(redirect && pathOf(redirect.url()), path, `${path} answered with a redirect`);
            assert.equal((await redirect.response()).status(), 303, `${path}: 303 See Other`);
            await signInForm(page).waitFor();
            if (i === 0) await inspectPage(t, page, "sign in from a private profile", response);
        }
        const front = await page.goto(`${server.url}/`);
        assert.equal(front.status(), 200, "the front page still shows");
        assert.equal((await page.getByRole("heading", { level: 1 }).innerText()).trim(), run.community.name);
        assert.match(await page.locator("main").innerText(), /This community is private/, "and says the community is private");
        await inspectPage(t, page, "front page private community", front);
    });
    // Members see everything as before: the hashtag page, with its Older posts link.
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        const response = await page.goto(`${server.url}/tags/${HASHTAG}`);
        assert.equal(response.status(), 200, `a member opens /tags/${HASHTAG}`);
        assert.equal(pathOf(page.url()), `/tags/${HASHTAG}`);
        assert.equal(await page.locator("main ol.feed > li").count(), PAGE_LENGTH, `a full page of #${HASHTAG}`);
        assert.equal(await olderLink(page).count(), 1, "with an Older posts link");
        await inspectPage(t, page, "hashtag page member private community", response);
    });

    await setPrivate(false);
    for (const path of guarded) {
        const response = await server.fetch(path);
        await response.arrayBuffer();
        assert.equal(response.status, 200, `${path} is public again`);
    }
});

test("19. federated timeline switched off: no Federated link, /federated is not found; switched on again", async (t) => {
    if (!(await routeExists(t, server, "/admin", "the administration page (issue 6)"))) return;
    assert.ok(run.ophelia && run.speeches, "needs tests 8 and 15");
    const token = await apiToken();
    const federatedLink = (page) => mainNav(page).getByRole("link", { name: "Federated", exact: true });
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/federated`);
        assert.equal(response.status(), 200, "GET /federated while it is on");
        assert.equal(await federatedLink(page).count(), 1, "a Federated link in the navigation");

        await page.goto(`${server.url}/admin`);
        await federatedBox(page).setChecked(false);
        response = await saveCommunity(page);
        assert.equal(await federatedBox(page).isChecked(), false, "Federated timeline unticked");
        assert.equal(await federatedLink(page).count(), 0, "no Federated link on the admin page any more");
        await inspectPage(t, page, "admin federated timeline off", response);

        response = await page.goto(`${server.url}/home`);
        assert.equal(await federatedLink(page).count(), 0, "no Federated link on /home");
        response = await page.goto(`${server.url}/federated`);
        assert.equal(response.status(), 404, "/federated answers 404");
        await assert.doesNotReject(
            page.getByRole("heading", { name: "Not found", level: 1 }).waitFor(),
            "the not-found page",
        );
        await inspectPage(t, page, "federated timeline not found", response);

        const timeline = await api("/api/v1/timelines/public?limit=40", token);
        assert.equal(timeline.status, 200, "the API's public timeline");
        assert.ok(timeline.body.length > 0, "lists posts");
        assert.ok(
            timeline.body.every((s) => !s.account.acct.includes("@")),
            `only local posts: ${timeline.body.map((s) => s.account.acct).join(", ")}`,
        );

        await page.goto(`${server.url}/admin`);
        await federatedBox(page).setChecked(true);
        await saveCommunity(page);
        assert.equal(await federatedBox(page).isChecked(), true, "Federated timeline ticked again");
        assert.equal(await federatedLink(page).count(), 1, "the Federated link is back");
        response = await submit(page, federatedLink(page));
        assert.equal(response.status(), 200, "/federated answers again");
        assert.equal(pathOf(page.url()), "/federated");
        await inspectPage(t, page, "federated timeline on again", response);
    });
});

test("20. apps: the app of test 4 is listed in ophelia's settings and signed out; the consent page, signed in, needs no password", async (t) => {
    if (!(await routeExists(t, server, "/settings", "the settings page (issue 6)"))) return;
    assert.ok(run.app && run.appToken && run.ophelia, "needs tests 4 and 8");
    await apiToken(); // the suite's own app ("browser suite reader") is signed in too
    const before = await api("/api/v1/accounts/verify_credentials", run.appToken);
    assert.equal(before.status, 200, "the token of test 4 works before");
    const callback = `${server.url}/oauth-callback`;
    const callbackApp = await registerApp("Browser Suite Callback", "read", callback);
    const state = uniqueWord("state");
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/settings`);
        assert.equal(response.status(), 200, "GET /settings");
        const apps = page.getByRole("region", { name: "Apps", exact: true });
        const item = apps.getByRole("listitem").filter({ hasText: run.app.name });
        assert.equal(await item.count(), 1, `the app of test 4 (${run.app.name}) is listed`);
        assert.match(await item.innerText(), /Signed in .+; may read write/, "when it was signed in and what it may do");
        assert.equal(
            await apps.getByRole("listitem").filter({ hasText: "browser suite reader" }).count(),
            1,
            "the suite's password-grant app is listed too",
        );
        await inspectPage(t, page, "settings apps", response);

        response = await submit(page, item.getByRole("button", { name: `Sign ${run.app.name} out`, exact: true }));
        assert.equal(response.status(), 200, "signing the app out");
        await assert.doesNotReject(
            page.getByRole("status").filter({ hasText: "The app is signed out." }).waitFor(),
            '"The app is signed out." is announced',
        );
        const appsAfter = page.getByRole("region", { name: "Apps", exact: true });
        assert.equal(await appsAfter.getByRole("listitem").filter({ hasText: run.app.name }).count(), 0, "the app is no longer listed");
        assert.equal(
            await appsAfter.getByRole("listitem").filter({ hasText: "browser suite reader" }).count(),
            1,
            "the other app stays",
        );
        await inspectPage(t, page, "settings app signed out", response);
        const revoked = await api("/api/v1/accounts/verify_credentials", run.appToken);
        assert.equal(revoked.status, 401, "the signed-out app's token answers 401");
        const reader = await api("/api/v1/accounts/verify_credentials", await apiToken());
        assert.equal(reader.status, 200, "the other app's token still works");

        // The consent page in the signed-in browser: no password asked.
        const query = new URLSearchParams({
            response_type: "code",
            client_id: callbackApp.client_id,
            redirect_uri: callback,
            scope: "read",
            state,
        });
        response = await page.goto(`${server.url}/oauth/authorize?${query}`);
        assert.equal(response.status(), 200, "GET /oauth/authorize signed in");
        await assert.doesNotReject(
            page.getByRole("heading", { name: /Authorize Browser Suite Callback/ }).waitFor(),
            "the consent heading names the app",
        );
        await assert.doesNotReject(
            page.getByText(`You are signed in as @${ADMIN}.`).waitFor(),
            `"You are signed in as @${ADMIN}."`,
        );
        assert.equal(await page.locator('input[name="username"], input[name="password"]').count(), 0, "no username or password field");
        await inspectPage(t, page, "oauth consent signed in", response);
        response = await submit(page, page.getByRole("button", { name: "Authorize", exact: true }));
        const landed = new URL(page.url());
        assert.equal(landed.origin + landed.pathname, callback, "approved: redirected to the app's redirect URI");
        assert.equal(landed.searchParams.get("state"), state, "with the app's state");
        const code = landed.searchParams.get("code") ?? "";
        assert.ok(code.length >= 16, `with an authorization code: ${landed}`);
        const redirect = response.request().redirectedFrom();
        assert.equal(redirect?.method(), "POST", "the redirect answers the consent form");

        const exchanged = await server.fetch("/oauth/token", {
            method: "POST",
            body: new URLSearchParams({
                grant_type: "authorization_code",
                code,
                client_id: callbackApp.client_id,
                client_secret: callbackApp.client_secret,
                redirect_uri: callback,
            }),
        });
        const body = await exchanged.json();
        assert.equal(exchanged.status, 200, `the code is exchanged: ${JSON.stringify(body)}`);
        const me = await api("/api/v1/accounts/verify_credentials", body.access_token);
        assert.equal(me.status, 200);
        assert.equal(me.body.username, ADMIN, "the token is ophelia's");
        run.webAppToken = body.access_token;

        // The new app is listed in the settings now.
        response = await page.goto(`${server.url}/settings`);
        assert.equal(
            await page.getByRole("region", { name: "Apps", exact: true }).getByRole("listitem").filter({ hasText: "Browser Suite Callback" }).count(),
            1,
            "the app authorized with the browser's session is listed",
        );
    });
});

test("21. ophelia changes her settings (name, bio, local-only by default) and sees Saved.", async (t) => {
    if (!(await routeExists(t, server, "/settings", "the settings page (issue 6)"))) return;
    assert.ok(run.posts, "needs test 8");
    const name = "Ophelia of Elsinore";
    const bioWord = uniqueWord("pansies");
    const bio = `Mad with grief, fond of flowers: ${bioWord}`;
    const defaultWord = uniqueWord("violets");
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        await page.goto(`${server.url}/home`);
        let response = await followNav(page, "Settings");
        assert.equal(response.status(), 200, "GET /settings");
        assert.equal(new URL(page.url()).pathname, "/settings", "Settings leads to /settings");
        const locality = page.getByLabel("New posts go");
        assert.equal(await locality.inputValue(), "community", "new posts go as the community decides, at first");
        await assertMemberNav(page, "/settings");
        await inspectPage(t, page, "settings", response);

        await page.getByLabel("Display name", { exact: true }).fill(name);
        await page.getByLabel("Bio", { exact: true }).fill(bio);
        await locality.selectOption("local_only");
        response = await submit(page, page.getByRole("button", { name: "Save", exact: true }));
        assert.equal(response.status(), 200, "saving the settings");
        await assert.doesNotReject(
            page.getByRole("status").filter({ hasText: "Saved." }).waitFor(),
            '"Saved." is announced (role=status)',
        );
        assert.equal(await page.getByLabel("Display name", { exact: true }).inputValue(), name, "the name is kept");
        assert.equal(await page.getByLabel("Bio", { exact: true }).inputValue(), bio, "the bio is kept");
        assert.equal(await locality.inputValue(), "local_only", "new posts go local-only now");
        await inspectPage(t, page, "settings saved", response);

        // The compose box is now ticked by default, and a post with the defaults stays home.
        response = await followNav(page, "Home");
        assert.equal(new URL(page.url()).pathname, "/home");
        const box = composeForm(page).locator('input[type="checkbox"][name="local_only"]');
        assert.equal(await box.isChecked(), true, "the compose box is ticked Local only by default");
        await inspectPage(t, page, "home local-only by default", response);
        await composeForm(page).locator('textarea[name="status"]').fill(`With the defaults: ${defaultWord}`);
        response = await submit(page, composeForm(page).getByRole("button", { name: /^post$/i }));
        assert.ok(response.status() < 400, `posting with the defaults: HTTP ${response.status()}`);
        assert.equal(
            await postArticle(page, defaultWord).getByText("Local only", { exact: true }).count(),
            1,
            "the post written with the defaults is marked Local only",
        );

        // The profile shows the new name and bio.
        response = await page.goto(`${server.url}/@${ADMIN}`);
        assert.equal(response.status(), 200);
        assert.ok(
            (await page.getByRole("heading", { level: 1 }).innerText()).includes(name),
            "the profile's heading is the new display name",
        );
        assert.ok((await page.locator("main").innerText()).includes(bioWord), "the profile shows the new bio");
        await inspectPage(t, page, "own profile renamed", response);
    });
    const token = await apiToken();
    const me = await api("/api/v1/accounts/verify_credentials", token);
    assert.equal(me.body.display_name, name, "the API's display_name");
    assert.ok(me.body.note.includes(bioWord), `the API's note: ${me.body.note}`);
    const post = (await ownStatuses()).find((s) => s.content.includes(defaultWord));
    assert.equal(post?.local_only, true, "the post written with the defaults is local-only in the API");
    run.posts.defaults = { word: defaultWord, status: post };
    run.settingsSaved = true;
});

test("22. ophelia changes her password: this browser stays signed in, her other one is signed out", async (t) => {
    if (!(await routeExists(t, server, "/settings", "the settings page (issue 6)"))) return;
    assert.ok(run.ophelia, "needs ophelia's browser of test 8");
    const oldToken = await apiToken();
    const oldSession = run.ophelia.cookies.find((c) => c.name === "hamlet_session")?.value;
    assert.ok(oldSession, "the browser of test 8 has a session cookie");
    await inContext(t, async (other) => {
        // Her second browser: a session of its own.
        const otherPage = await other.newPage();
        let response = await signIn(otherPage, ADMIN, run.adminPassword);
        assert.equal(new URL(otherPage.url()).pathname, "/home", "the second browser signs in");
        const otherSession = (await cookie(other, server, "hamlet_session"))?.value;
        assert.ok(otherSession && otherSession !== oldSession, "the second browser has its own session");

        await asOphelia(t, async (context) => {
            const page = await context.newPage();
            await page.goto(`${server.url}/settings`);
            const form = page.locator('form[action="/settings/password"]');
            const fill = async (current) => {
                await form.getByLabel("Current password", { exact: true }).fill(current);
                await form.getByLabel("New password (at least 8 characters)", { exact: true }).fill(NEW_PASSWORD);
                await form.getByLabel("New password again", { exact: true }).fill(NEW_PASSWORD);
            };
            const change = form.getByRole("button", { name: "Change password", exact: true });

            // A wrong current password first.
            await fill("not the password at all");
            response = await submit(page, change);
            assert.equal(response.status(), 422, "a wrong current password");
            await assert.doesNotReject(
                page.getByRole("alert").filter({ hasText: "The current password is not right." }).waitFor(),
                "the error is announced (role=alert)",
            );
            await inspectPage(t, page, "settings wrong current password", response);

            await fill(run.adminPassword);
            response = await submit(page, change);
            assert.equal(response.status(), 200, "the page after changing the password");
            assert.equal(new URL(page.url()).pathname, "/settings", "back on /settings");
            run.adminPassword = NEW_PASSWORD;
            forgetApiToken();
            await assert.doesNotReject(
                page.getByRole("heading", { name: "Settings", level: 1 }).waitFor(),
                "still signed in: the settings page",
            );
            await assertMemberNav(page, "/settings after the password change");
            const renewed = (await cookie(context, server, "hamlet_session"))?.value;
            assert.ok(renewed && renewed !== oldSession, "this browser has a new session");
            await inspectPage(t, page, "settings after password change", response);
            response = await page.goto(`${server.url}/home`);
            assert.equal(new URL(page.url()).pathname, "/home", "this browser still opens /home");
            run.ophelia = await context.storageState();
        });

        // The second browser is signed out.
        response = await otherPage.goto(`${server.url}/home`);
        assert.equal(
            new URL(otherPage.url()).pathname,
            SIGN_IN_ROUTE,
            "the second browser is sent to sign in",
        );
        // The old password no longer signs in; the new one does.
        response = await signIn(otherPage, ADMIN, PASSWORD);
        assert.notEqual(new URL(otherPage.url()).pathname, "/home", "the old password is refused");
        await assert.doesNotReject(otherPage.getByRole("alert").waitFor(), "the refusal is announced");
        response = await signIn(otherPage, ADMIN, NEW_PASSWORD);
        assert.equal(new URL(otherPage.url()).pathname, "/home", "the new password signs in");
    });

    // The old session cookie and the old API token are dead on the server.
    const replay = await server.fetch("/home", { headers: { cookie: `hamlet_session=${oldSession}` } });
    const body = await replay.text();
    assert.ok(
        !/name="status"/.test(body) && replay.status >= 300,
        `the session of before the change still opens /home (HTTP ${replay.status})`,
    );
    const revoked = await api("/api/v1/accounts/verify_credentials", oldToken);
    assert.equal(revoked.status, 401, "the API token of before the change is revoked");
    if (run.webAppToken) {
        const app = await api("/api/v1/accounts/verify_credentials", run.webAppToken);
        assert.equal(app.status, 401, "the app authorized in test 20 is signed out too (every browser and app)");
    }
    const fresh = await api("/api/v1/accounts/verify_credentials", await apiToken());
    assert.equal(fresh.status, 200, "a token with the new password works");
    run.passwordChanged = true;
});

test("23. ophelia signs out", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.posts, "needs the posts of test 8");
    const { local } = run.posts;
    let session;
    await asOphelia(t, async (context) => {
        const page = await context.newPage();
        let response = await page.goto(`${server.url}/home`);
        assert.equal(new URL(page.url()).pathname, "/home", "signed in before signing out");
        session = await cookie(context, server, "hamlet_session");
        assert.ok(session, "a session cookie");
        response = await submit(page, mainNav(page).getByRole("button", { name: "Sign out", exact: true }));
        assert.ok(response.status() < 400, `signing out: HTTP ${response.status()}`);
        assert.notEqual(new URL(page.url()).pathname, "/home", "signing out leaves /home");
        const remaining = await cookie(context, server, "hamlet_session");
        assert.ok(!remaining || remaining.value !== session.value, "the session cookie is gone");
        await inspectPage(t, page, "signed out", response);
        response = await page.goto(`${server.url}/home`);
        assert.notEqual(new URL(page.url()).pathname, "/home", "/home now sends to sign in");
        assert.ok(!(await page.content()).includes(local.word), "no local-only post after signing out");
        await inspectPage(t, page, "home after sign out", response);
    });
    run.ophelia = null;

    // The old cookie, replayed, is dead on the server too.
    const replay = await server.fetch("/home", { headers: { cookie: `hamlet_session=${session.value}` } });
    const body = await replay.text();
    assert.ok(
        !body.includes(local.word) && !/name="status"/.test(body),
        `the signed-out session cookie still opens /home (HTTP ${replay.status})`,
    );
    run.signedOut = true;
});

test("24. anonymous visitor: the local-only post and reply answer 404, the federated post is shown", async (t) => {
    if (!(await routeExists(t, server, SIGN_IN_ROUTE, SIGN_IN_MISSING))) return;
    assert.ok(run.posts, "needs the posts of test 8");
    const { local, federated } = run.posts;
    await inContext(t, async (context) => {
        const page = await context.newPage();
        const front = await page.goto(`${server.url}/`);
        assert.equal(front.status(), 200, "GET /");
        assert.ok(!(await page.content()).includes(local.word), "the front page does not show the local-only post");
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
        // The local-only reply: 404 as well.
        if (run.reply) {
            response = await page.goto(run.reply.status.url);
            assert.equal(response.status(), 404, `the local-only reply's ${run.reply.status.url} answers 404 to a visitor`);
            const html = await page.content();
            assert.ok(
                !html.includes(run.reply.word) && !html.includes(local.word),
                `${run.reply.status.url} shows neither the reply nor the post it answers`,
            );
        }
        // The federated post's page is public.
        response = await page.goto(federated.status.url);
        assert.equal(response.status(), 200, `the federated post's ${federated.status.url} is shown to a visitor`);
        assert.equal(await postArticle(page, federated.word).count(), 1, "the page shows the federated post");
        assert.equal(await replyForm(page).count(), 0, "no reply form for a visitor");
        assert.equal(await mainNav(page).getByRole("link", { name: "Home", exact: true }).count(), 0, "no member navigation");
        await inspectPage(t, page, "federated post anonymous", response);
        // Ophelia's profile: the federated post only.
        response = await page.goto(`${server.url}/@${ADMIN}`);
        assert.equal(response.status(), 200, `GET /@${ADMIN} as a visitor`);
        const text = await page.locator("main").innerText();
        assert.ok(text.includes(federated.word), "the profile shows the federated post");
        for (const word of [local.word, run.reply?.word, run.posts.defaults?.word].filter(Boolean)) {
            assert.ok(!text.includes(word), `the profile does not show the local-only post ${word} to a visitor`);
        }
        await inspectPage(t, page, "profile anonymous", response);
    });
});
