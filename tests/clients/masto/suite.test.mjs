// The masto.js client-compatibility suite: `node --test` runs this file, which registers
// every group below against one `hamlet serve` (see harness.mjs), stopped when all are done.
//
// The groups are plain modules (their names do not match `node --test`'s file patterns)
// that export a function registering their tests; they are registered synchronously inside
// one suite, so that its `after` hook runs once every group is done, whatever subset of the
// tests --test-name-pattern selects.

import { after, describe } from "node:test";

import accounts from "./accounts.mjs";
import blocksMutes from "./blocks-mutes.mjs";
import conversations from "./conversations.mjs";
import filters from "./filters.mjs";
import { shutdown } from "./harness.mjs";
import instance from "./instance.mjs";
import notifications from "./notifications.mjs";
import oauth from "./oauth.mjs";
import search from "./search.mjs";
import statuses from "./statuses.mjs";
import timelines from "./timelines.mjs";

describe("masto.js against hamlet", () => {
    after(shutdown);
    instance();
    oauth();
    accounts();
    statuses();
    timelines();
    notifications();
    blocksMutes();
    conversations();
    filters();
    search();
});
