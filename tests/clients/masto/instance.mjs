// Instance information, custom emojis and preferences: what Elk and Phanpy read before and
// right after sign-in.

import { assert, describe, rejectsWithStatus, test, world } from "./harness.mjs";

export default () =>
    describe("instance", () => {
        test("v1 instance, signed out: domain, title, version, limits", async () => {
            const { server } = await world();
            const instance = await server.anonymous().v1.instance.fetch();
            assert.equal(instance.uri, server.domain);
            assert.equal(instance.title, "Hamlet");
            // Clients parse the version to decide which features to use.
            assert.match(instance.version, /^4\.\d+\.\d+/);
            assert.deepEqual(instance.languages, ["en"]);
            assert.equal(typeof instance.registrations, "boolean");
            assert.equal(typeof instance.approvalRequired, "boolean");
            assert.ok(instance.stats.userCount >= 3, `user_count ${instance.stats.userCount}`);
            assert.equal(typeof instance.stats.statusCount, "number");
            assert.equal(typeof instance.stats.domainCount, "number");
            assert.equal(instance.configuration.statuses.maxCharacters, 5000);
            assert.equal(typeof instance.configuration.statuses.charactersReservedPerUrl, "number");
            assert.equal(typeof instance.urls, "object");
            assert.ok(Array.isArray(instance.rules));
        });

        test("v2 instance, signed out: domain, configuration, registrations, contact", async () => {
            const { server } = await world();
            const instance = await server.anonymous().v2.instance.fetch();
            assert.equal(instance.domain, server.domain);
            assert.equal(instance.title, "Hamlet");
            assert.match(instance.version, /^4\.\d+\.\d+/);
            assert.equal(instance.description, "A small community on the fediverse.");
            assert.deepEqual(instance.languages, ["en"]);
            assert.equal(instance.configuration.statuses.maxCharacters, 5000);
            assert.equal(typeof instance.configuration.urls, "object");
            assert.equal(typeof instance.configuration.accounts.maxFeaturedTags, "number");
            assert.equal(typeof instance.registrations.enabled, "boolean");
            assert.equal(typeof instance.registrations.approvalRequired, "boolean");
            assert.equal(typeof instance.usage.users.activeMonth, "number");
            assert.equal(typeof instance.thumbnail.url, "string");
            assert.equal(typeof instance.contact, "object");
            assert.ok(Array.isArray(instance.rules));
        });

        test("custom emojis: an empty list, signed in or out", async () => {
            const { server, alice } = await world();
            assert.deepEqual(await server.anonymous().v1.customEmojis.list(), []);
            assert.deepEqual(await alice.client.v1.customEmojis.list(), []);
        });

        test("preferences follow the posting defaults set through update_credentials", async () => {
            const { server } = await world();
            const pat = await server.createMember("pat");
            const before = await pat.client.v1.preferences.fetch();
            // masto.js keeps the `posting:default:...` keys as they are.
            assert.equal(before["posting:default:visibility"], "public");
            assert.equal(before["posting:default:sensitive"], false);
            assert.equal(before["reading:expand:media"], "default");
            assert.equal(before["reading:expand:spoilers"], false);
            assert.ok("posting:default:language" in before);

            const updated = await pat.client.v1.accounts.updateCredentials({
                source: { privacy: "unlisted", sensitive: true },
            });
            assert.equal(updated.source.privacy, "unlisted");
            assert.equal(updated.source.sensitive, true);
            const after = await pat.client.v1.preferences.fetch();
            assert.equal(after["posting:default:visibility"], "unlisted");
            assert.equal(after["posting:default:sensitive"], true);

            // A post without a visibility takes the default.
            const status = await pat.client.v1.statuses.create({ status: "default visibility" });
            assert.equal(status.visibility, "unlisted");
            assert.equal(status.sensitive, true);
        });

        test("preferences need a token", async () => {
            const { server } = await world();
            await rejectsWithStatus(server.anonymous().v1.preferences.fetch(), 401, "preferences");
        });
    });
