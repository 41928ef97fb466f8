//! The audience rule in SQL: the form of `hamlet_core::audience::may_view` that lists of
//! posts filter with. `tests/audience.rs` holds the two against each other in every
//! combination of visibility, relation and suspension; change them together.

/// The SQL form of the audience rule for the viewer bound as `$1` (NULL: anonymous),
/// about the post aliased `s`.
macro_rules! visible_to_viewer {
    () => {
        "(s.account_id = $1 OR ( \
            NOT EXISTS (SELECT 1 FROM accounts author \
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

/// Posts by accounts the viewer (`$1`) blocks or mutes are left out of lists.
macro_rules! not_hidden_by_viewer {
    () => {
        "NOT EXISTS (SELECT 1 FROM blocks vb \
                     WHERE vb.account_id = $1 AND vb.target_account_id = s.account_id) \
         AND NOT EXISTS (SELECT 1 FROM mutes vm \
                         WHERE vm.account_id = $1 AND vm.target_account_id = s.account_id \
                           AND (vm.expires_at IS NULL OR vm.expires_at > $2))"
    };
}
