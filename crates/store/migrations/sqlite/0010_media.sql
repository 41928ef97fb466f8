-- Media: files members upload (attachments, avatars, headers) and copies of other
-- servers' files (attachments of their posts, their members' avatars and headers),
-- stored under random keys in the media storage. A key is the path under /media/ where
-- the file is served.
ALTER TABLE accounts ADD COLUMN avatar_file TEXT;
ALTER TABLE accounts ADD COLUMN header_file TEXT;

CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY NOT NULL,
    -- Who uploaded it (or wrote the remote post it belongs to, or wears it).
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- attachment, avatar (remote accounts) or header (remote accounts)
    purpose TEXT NOT NULL DEFAULT 'attachment',
    -- NULL until a post is written with it.
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    -- image, video or audio
    kind TEXT NOT NULL,
    -- NULL for another server's file not (or no longer) copied here.
    file_key TEXT,
    content_type TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    width INTEGER,
    height INTEGER,
    thumbnail_key TEXT,
    thumbnail_width INTEGER,
    thumbnail_height INTEGER,
    description TEXT NOT NULL DEFAULT '',
    -- The focal point in thousandths, -1000 to 1000 (Mastodon's -1.0 to 1.0).
    focus_x INTEGER NOT NULL DEFAULT 0,
    focus_y INTEGER NOT NULL DEFAULT 0,
    blurhash TEXT,
    -- Where another server's file lives; NULL for uploads.
    remote_url TEXT,
    -- When the copy of another server's file was made; NULL while there is none.
    cached_at BIGINT,
    -- The random name of another server's attachment in /media/cache/ (ids are
    -- guessable; attachments of followers-only posts must not be).
    cache_token TEXT,
    -- When copying it last failed: it is not tried again for a while, so that no one
    -- can make this server hammer another.
    failed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX media_attachments_file_key ON media_attachments (file_key);
CREATE UNIQUE INDEX media_attachments_cache_token ON media_attachments (cache_token);
CREATE INDEX media_attachments_status_idx ON media_attachments (status_id, position);
CREATE INDEX media_attachments_account_idx ON media_attachments (account_id, id);
-- Uploads never attached to a post are removed after a while.
CREATE INDEX media_attachments_unattached_idx ON media_attachments (created_at)
    WHERE status_id IS NULL AND remote_url IS NULL;
-- Copies of other servers' files are removed when old (and made again when asked for).
CREATE INDEX media_attachments_cached_idx ON media_attachments (cached_at)
    WHERE cached_at IS NOT NULL;
CREATE INDEX media_attachments_pictures_idx ON media_attachments (account_id, purpose)
    WHERE purpose <> 'attachment';

-- Files whose rows are gone (their post was deleted): written in the transaction that
-- deletes, removed from the storage by the sweep, so no file outlives its post.
CREATE TABLE media_orphans (
    file_key TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);
