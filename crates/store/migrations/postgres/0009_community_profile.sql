-- What admins edit about the community at run time. NULL name, description or contact
-- address means "as the configuration file says".
ALTER TABLE community_settings ADD COLUMN name TEXT;
ALTER TABLE community_settings ADD COLUMN description TEXT;
ALTER TABLE community_settings ADD COLUMN contact_email TEXT;
-- Visitors who are not signed in see only the front page and the sign-in page.
ALTER TABLE community_settings ADD COLUMN private_community BOOLEAN NOT NULL DEFAULT FALSE;
-- Whether members have a federated timeline (posts from other servers).
ALTER TABLE community_settings ADD COLUMN federated_timeline BOOLEAN NOT NULL DEFAULT TRUE;

-- The community's rules, in the order admins put them.
CREATE TABLE community_rules (
    id BIGINT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    hint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX community_rules_position_idx ON community_rules (position, id);
