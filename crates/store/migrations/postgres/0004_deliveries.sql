-- The transactional outbox. An activity to send to other servers is written in the same
-- transaction as the local change that causes it, together with one delivery row per
-- inbox; workers lease due rows, send them and delete them when done. A row leased by a
-- worker that died becomes due again when its lease expires, so nothing is lost.

-- One activity as sent (the JSON body, signed at send time). `signer_account_id` is the
-- local member it is sent as; NULL means the instance actor.
CREATE TABLE outbound_activities (
    id BIGINT PRIMARY KEY NOT NULL,
    signer_account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    activity_uri TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbound_activities_signer_idx ON outbound_activities (signer_account_id);

-- One pending POST of an activity to an inbox (a shared inbox where the server has one).
-- `domain` is the inbox's host (with its port when not the default): the unit of
-- `domain_health`. While leased, `next_attempt_at` equals `leased_until`, so that one
-- index range scan finds every due row, expired leases included.
CREATE TABLE deliveries (
    id BIGINT PRIMARY KEY NOT NULL,
    activity_id BIGINT NOT NULL REFERENCES outbound_activities (id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    domain TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    leased_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX deliveries_activity_inbox_key ON deliveries (activity_id, inbox_url);
-- Claiming: due rows in order.
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at);
-- A 410 drops every pending delivery to the inbox; probes pick one row of a domain.
CREATE INDEX deliveries_inbox_idx ON deliveries (inbox_url);
CREATE INDEX deliveries_domain_idx ON deliveries (domain, next_attempt_at);
-- The sweep of deliveries past the retry horizon.
CREATE INDEX deliveries_created_idx ON deliveries (created_at);

-- How each remote domain has been answering our deliveries. A domain failing
-- continuously for long is paused: `paused_until` is set while paused and is the time of
-- the next probe (one delivery attempt); a success or an inbound contact resumes it.
CREATE TABLE domain_health (
    domain TEXT PRIMARY KEY NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    first_failure_at BIGINT,
    last_failure_at BIGINT,
    last_success_at BIGINT,
    paused_until BIGINT
);
CREATE INDEX domain_health_paused_idx ON domain_health (paused_until)
    WHERE paused_until IS NOT NULL;
