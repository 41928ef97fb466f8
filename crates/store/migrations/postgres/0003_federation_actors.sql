-- Remote actors live in `accounts` beside local members (`domain` set). What federation
-- needs to reach them and to verify what they send is kept here; local accounts leave it
-- all NULL (their addresses derive from the instance's public URL).
ALTER TABLE accounts ADD COLUMN uri TEXT;
ALTER TABLE accounts ADD COLUMN url TEXT;
ALTER TABLE accounts ADD COLUMN actor_type TEXT;
ALTER TABLE accounts ADD COLUMN inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN shared_inbox_url TEXT;
ALTER TABLE accounts ADD COLUMN outbox_url TEXT;
ALTER TABLE accounts ADD COLUMN followers_url TEXT;
ALTER TABLE accounts ADD COLUMN following_url TEXT;
ALTER TABLE accounts ADD COLUMN featured_url TEXT;
-- The `publicKey.id` the actor signs with; `public_key_pem` holds the key itself.
ALTER TABLE accounts ADD COLUMN key_id TEXT;
ALTER TABLE accounts ADD COLUMN avatar_remote_url TEXT;
ALTER TABLE accounts ADD COLUMN header_remote_url TEXT;
ALTER TABLE accounts ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN moved_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
-- When the actor document was last fetched: refreshes and key refetches are rate-limited.
ALTER TABLE accounts ADD COLUMN fetched_at BIGINT;
CREATE UNIQUE INDEX accounts_uri_key ON accounts (uri) WHERE uri IS NOT NULL;
CREATE INDEX accounts_key_id_idx ON accounts (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX accounts_moved_to_idx ON accounts (moved_to_account_id) WHERE moved_to_account_id IS NOT NULL;

-- The HTML address of a remote post (`url`), where it differs from its `uri`.
ALTER TABLE statuses ADD COLUMN url TEXT;

-- The instance actor's key pair (one row): it signs fetches made on behalf of the server
-- itself, for servers that answer only signed requests.
CREATE TABLE instance_keys (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
