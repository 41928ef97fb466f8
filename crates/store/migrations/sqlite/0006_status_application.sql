-- The OAuth application a post was written with (Mastodon's `Status#application`).
-- NULL for boosts, remote posts and posts written before this was recorded; deleting the
-- application keeps its posts and forgets only where they came from.
ALTER TABLE statuses ADD COLUMN application_id BIGINT
    REFERENCES oauth_applications (id) ON DELETE SET NULL;
-- Deleting an application finds its posts through this.
CREATE INDEX statuses_application_idx ON statuses (application_id)
    WHERE application_id IS NOT NULL;
