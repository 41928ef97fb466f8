-- Local-only posts: for this community alone, never sent or served to another server.
-- Fixed when a post is written; replies to and boosts of a local-only post are
-- local-only too.
ALTER TABLE statuses ADD COLUMN local_only BOOLEAN NOT NULL DEFAULT FALSE;
-- A member's own default for new posts; NULL follows the community's default.
ALTER TABLE users ADD COLUMN default_local_only BOOLEAN;
-- Settings the community's admins change at run time (one row).
CREATE TABLE community_settings (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    default_local_only BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
INSERT INTO community_settings (id, default_local_only, updated_at) VALUES (1, FALSE, 0);
