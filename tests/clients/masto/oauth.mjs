// Apps and tokens as masto.js handles them.

import { createOAuthAPIClient, createRestAPIClient } from "masto";

import { assert, describe, OOB, PASSWORD, rejectsWithStatus, SCOPES, test, world } from "./harness.mjs";

export default () =>
    describe("oauth", () => {
        test("apps.create answers client credentials; apps.verifyCredentials names the app", async () => {
            const { server, alice } = await world();
            const app = await server.registerApp("Elk-like app");
            assert.equal(app.name, "Elk-like app");
            assert.equal(typeof app.clientId, "string");
            assert.equal(typeof app.clientSecret, "string");
            assert.ok(app.clientId.length > 0 && app.clientSecret.length > 0);
            // Signed in as alice, through the app her harness token was issued to.
            const verified = await alice.client.v1.apps.verifyCredentials();
            assert.equal(verified.name, alice.app.name);
            assert.equal(verified.clientSecret, undefined, "verify_credentials must not leak the secret");
        });

        test("masto's OAuth client: password grant by username (JSON body), then revoke", async () => {
            const { server, bob } = await world();
            const app = await server.registerApp();
            const oauth = createOAuthAPIClient({ url: server.url });
            const token = await oauth.token.create({
                grantType: "password",
                clientId: app.clientId,
                clientSecret: app.clientSecret,
                redirectUri: OOB,
                username: bob.username,
                password: PASSWORD,
                scope: SCOPES,
            });
            assert.equal(token.tokenType, "Bearer");
            assert.equal(typeof token.accessToken, "string");
            assert.equal(typeof token.createdAt, "number");
            assert.deepEqual(token.scope.split(" ").sort(), SCOPES.split(" ").sort());

            const api = createRestAPIClient({ url: server.url, accessToken: token.accessToken });
            const me = await api.v1.accounts.verifyCredentials();
            assert.equal(me.id, bob.id);

            await oauth.revoke({
                clientId: app.clientId,
                clientSecret: app.clientSecret,
                token: token.accessToken,
            });
            await rejectsWithStatus(api.v1.accounts.verifyCredentials(), 401, "revoked token");
            // bob's other token is untouched.
            assert.equal((await bob.client.v1.accounts.verifyCredentials()).id, bob.id);
        });

        test("a wrong password is refused (400 invalid_grant), through masto's OAuth client", async () => {
            const { server, bob } = await world();
            const app = await server.registerApp();
            const oauth = createOAuthAPIClient({ url: server.url });
            const error = await rejectsWithStatus(
                oauth.token.create({
                    grantType: "password",
                    clientId: app.clientId,
                    clientSecret: app.clientSecret,
                    redirectUri: OOB,
                    username: bob.username,
                    password: "not the password",
                    scope: "read",
                }),
                400,
                "password grant with a wrong password",
            );
            assert.equal(error.message, "invalid_grant");
        });

        test("a read-only token reads but may not post (403)", async () => {
            const { server, bob, carol } = await world();
            const app = await server.registerApp();
            const token = await server.passwordGrant(app, bob.username, PASSWORD, "read");
            const api = createRestAPIClient({ url: server.url, accessToken: token });
            assert.equal((await api.v1.accounts.verifyCredentials()).id, bob.id);
            assert.ok(Array.isArray(await api.v1.timelines.home.list()));
            await rejectsWithStatus(api.v1.statuses.create({ status: "not allowed" }), 403, "posting with a read token");
            await rejectsWithStatus(api.v1.accounts.$select(carol.id).follow(), 403, "following with a read token");
        });
    });
