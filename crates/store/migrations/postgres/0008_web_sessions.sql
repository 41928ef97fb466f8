-- Signed-in browsers of the web interface. Only the SHA-256 digest of the cookie's
-- random token is stored; deleting the row signs the browser out on its next request.
CREATE TABLE web_sessions (
    id BIGINT PRIMARY KEY NOT NULL,
    token_digest TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX web_sessions_token_key ON web_sessions (token_digest);
CREATE INDEX web_sessions_account_idx ON web_sessions (account_id);
