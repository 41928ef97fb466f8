-- The ActivityPub id of the Follow behind a follow or a request, so that an Accept or
-- Reject can name it (ours: generated; theirs: as received).
ALTER TABLE follows ADD COLUMN uri TEXT;
ALTER TABLE follow_requests ADD COLUMN uri TEXT;
CREATE INDEX follows_uri_idx ON follows (uri) WHERE uri IS NOT NULL;
CREATE INDEX follow_requests_uri_idx ON follow_requests (uri) WHERE uri IS NOT NULL;

-- Activities that took effect, by id: redeliveries change nothing. Pruned after a while.
CREATE TABLE inbound_activities (
    uri TEXT PRIMARY KEY NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX inbound_activities_received_idx ON inbound_activities (received_at);
