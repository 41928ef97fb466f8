-- Posts. `local` posts were written here; remote ones carry their ActivityPub `uri`.
-- Boosts are rows with `reblog_of_id` set and no text of their own.
CREATE TABLE statuses (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    in_reply_to_id BIGINT REFERENCES statuses (id) ON DELETE SET NULL,
    in_reply_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    reblog_of_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    language TEXT,
    local BOOLEAN NOT NULL,
    -- Direct messages: the first post of their thread, which names the conversation.
    conversation_id BIGINT,
    created_at BIGINT NOT NULL,
    edited_at BIGINT
);
-- An account's posts, newest first (profiles, home timelines).
CREATE INDEX statuses_account_idx ON statuses (account_id, id);
-- Public timelines scan this partial index backwards by id.
CREATE INDEX statuses_public_idx ON statuses (local, id)
    WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX statuses_in_reply_to_idx ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog_of_idx ON statuses (reblog_of_id);
-- One boost per account and post.
CREATE UNIQUE INDEX statuses_reblog_key ON statuses (account_id, reblog_of_id)
    WHERE reblog_of_id IS NOT NULL;
CREATE UNIQUE INDEX statuses_uri_key ON statuses (uri) WHERE uri IS NOT NULL;

-- Who a post mentions: they may see it whatever its visibility.
CREATE TABLE mentions (
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account_idx ON mentions (account_id, status_id);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

CREATE TABLE status_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status_idx ON status_tags (status_id);

-- A post created with an Idempotency-Key is created once per key and author.
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_status_idx ON idempotency_keys (status_id);

-- Relationships between accounts.
CREATE TABLE follows (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follows_pair_key ON follows (account_id, target_account_id);
CREATE INDEX follows_target_idx ON follows (target_account_id, account_id);

CREATE TABLE follow_requests (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX follow_requests_pair_key ON follow_requests (account_id, target_account_id);
CREATE INDEX follow_requests_target_idx ON follow_requests (target_account_id, id);

CREATE TABLE blocks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX blocks_pair_key ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target_idx ON blocks (target_account_id, account_id);

CREATE TABLE mutes (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX mutes_pair_key ON mutes (account_id, target_account_id);
CREATE INDEX mutes_target_idx ON mutes (target_account_id);

-- What members do with posts. Each row's id orders the member's own lists.
CREATE TABLE favourites (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX favourites_pair_key ON favourites (account_id, status_id);
CREATE INDEX favourites_status_idx ON favourites (status_id, id);

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair_key ON bookmarks (account_id, status_id);
CREATE INDEX bookmarks_status_idx ON bookmarks (status_id);

CREATE TABLE status_pins (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX status_pins_pair_key ON status_pins (account_id, status_id);
CREATE INDEX status_pins_status_idx ON status_pins (status_id);

-- Notifications for local members. `status_id` is the post concerned (for a boost or a
-- favourite, the original); rows go with the post, and with the favourite, boost or
-- follow that caused them.
CREATE TABLE notifications (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL
        CHECK (type IN ('mention', 'reblog', 'favourite', 'follow', 'follow_request', 'update')),
    status_id BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id);
CREATE INDEX notifications_status_idx ON notifications (status_id);
CREATE INDEX notifications_from_idx ON notifications (from_account_id);

-- Where a member stopped reading, per timeline (Mastodon's markers).
CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- Earlier versions of edited posts, oldest first; the first row is the post as first
-- written, the last the current version.
CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY NOT NULL,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_edits_status_idx ON status_edits (status_id, id);

-- Each member's view of their direct-message conversations.
CREATE TABLE account_conversations (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    last_status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    unread BOOLEAN NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);
CREATE INDEX account_conversations_last_idx ON account_conversations (account_id, last_status_id);

-- A member's keyword and post filters (Mastodon's filters v2). `context` is a
-- comma-separated list of home, notifications, public, thread, account.
CREATE TABLE filters (
    id BIGINT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('warn', 'hide', 'blur')),
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX filters_account_idx ON filters (account_id);

CREATE TABLE filter_keywords (
    id BIGINT PRIMARY KEY NOT NULL,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BOOLEAN NOT NULL
);
CREATE INDEX filter_keywords_filter_idx ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id BIGINT PRIMARY KEY NOT NULL,
    filter_id BIGINT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX filter_statuses_pair_key ON filter_statuses (filter_id, status_id);
CREATE INDEX filter_statuses_status_idx ON filter_statuses (status_id);
