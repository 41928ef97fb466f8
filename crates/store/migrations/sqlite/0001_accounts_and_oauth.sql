-- Accounts: local members and (later) remote actors. `domain` is NULL for local accounts.
-- Timestamps are milliseconds since the Unix epoch. Ids are time-ordered (see core::id).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    domain TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    indexable BOOLEAN NOT NULL DEFAULT FALSE,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    suspended_at BIGINT
);
CREATE UNIQUE INDEX accounts_username_domain_key ON accounts (lower(username), coalesce(domain, ''));

-- The sign-in side of local accounts.
CREATE TABLE users (
    account_id INTEGER PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    default_privacy TEXT NOT NULL DEFAULT 'public'
        CHECK (default_privacy IN ('public', 'unlisted', 'private', 'direct')),
    default_sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    default_language TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX users_role_idx ON users (role);

-- OAuth 2. Secrets (client secrets, codes, tokens) are stored as SHA-256 digests only.
CREATE TABLE oauth_applications (
    id INTEGER PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_digest TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_applications_client_id_key ON oauth_applications (client_id);

CREATE TABLE oauth_authorization_codes (
    code_digest TEXT PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oauth_authorization_codes_account_idx ON oauth_authorization_codes (account_id);
CREATE INDEX oauth_authorization_codes_application_idx ON oauth_authorization_codes (application_id);

CREATE TABLE oauth_access_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_digest TEXT NOT NULL,
    application_id BIGINT NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    authorization_code_digest TEXT,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_access_tokens_digest_key ON oauth_access_tokens (token_digest);
CREATE INDEX oauth_access_tokens_account_idx ON oauth_access_tokens (account_id);
CREATE INDEX oauth_access_tokens_application_idx ON oauth_access_tokens (application_id);
CREATE INDEX oauth_access_tokens_code_idx ON oauth_access_tokens (authorization_code_digest);

-- One-time links that create the first admin account.
CREATE TABLE setup_links (
    token_digest TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
