//! The audience rule in SQL: the form of `hamlet_core::audience::may_view` that lists of
//! posts filter with. `tests/audience.rs` holds the two against each other in every
//! combination of visibility, relation and suspension; change them together.

/// The SQL form of the audience rule for the viewer bound as `$1` (NULL: anonymous,
/// which is also how other servers read), about the post aliased `s`. Viewers are
/// members signed in here; local-only posts are for them alone.
macro_rules! visible_to_viewer {
    () => {
        "(s.account_id = $1 OR ( \
            (NOT s.local_only OR $1 IS NOT NULL) \
            AND NOT EXISTS (SELECT 1 FROM accounts author \
                        WHERE author.id = s.account_id AND author.suspended_at IS NOT NULL) \
            AND NOT EXISTS (SELECT 1 FROM blocks b \
                            WHERE b.account_id = s.account_id AND b.target_account_id = $1) \
            AND (s.visibility IN ('public', 'unlisted') \
                 OR (s.visibility = 'private' AND EXISTS ( \
                        SELECT 1 FROM follows f \
                        WHERE f.account_id = $1 AND f.target_account_id = s.account_id)) \
                 OR (s.visibility IN ('private', 'direct') AND EXISTS ( \
                        SELECT 1 FROM mentions m \
                        WHERE m.status_id = s.id AND m.account_id = $1)))))"
    };
}

/// Whether the viewer (`$1`) blocks, or mutes (unless the mute expired by `$2`), the
/// account given as an SQL expression. Two lookups by the unique `(account_id,
/// target_account_id)` indexes.
macro_rules! hidden_by_viewer {
    ($account:literal) => {
        concat!(
            "(EXISTS (SELECT 1 FROM blocks hb \
                      WHERE hb.account_id = $1 AND hb.target_account_id = ",
            $account,
            ") OR EXISTS (SELECT 1 FROM mutes hm \
                      WHERE hm.account_id = $1 AND hm.target_account_id = ",
            $account,
            " AND (hm.expires_at IS NULL OR hm.expires_at > $2)))"
        )
    };
}

/// Posts by accounts the viewer (`$1`) blocks or mutes are left out of lists.
macro_rules! not_hidden_by_viewer {
    () => {
        concat!("NOT ", hidden_by_viewer!("s.account_id"))
    };
}

/// The home timeline's stricter form, after Mastodon's `FeedManager#filter_from_home?`:
/// besides posts by accounts the viewer (`$1`) blocks or mutes, it leaves out boosts of
/// their posts and posts (or boosts of posts) that mention them. The viewer's own posts
/// and boosts always stay.
macro_rules! not_hidden_from_home {
    () => {
        concat!(
            "(s.account_id = $1 OR (",
            not_hidden_by_viewer!(),
            " AND NOT EXISTS (SELECT 1 FROM statuses ho \
                              WHERE ho.id = s.reblog_of_id AND ",
            hidden_by_viewer!("ho.account_id"),
            ") AND NOT EXISTS (SELECT 1 FROM mentions hmn \
                               WHERE hmn.status_id IN (s.id, s.reblog_of_id) AND ",
            hidden_by_viewer!("hmn.account_id"),
            ")))"
        )
    };
}
