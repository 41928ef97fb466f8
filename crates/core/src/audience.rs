//! The audience rule: whether a viewer may see a post. Every read path (single post,
//! context, timelines, account posts, search, notifications, lists of favourites and
//! bookmarks) decides with [`may_view`] or with a store query derived from it, whose
//! equivalence is tested case by case against this function.
//!
//! Mastodon's semantics: public and unlisted posts are for everyone the author does not
//! block; followers-only posts for the author, their followers and the people mentioned;
//! direct posts for the author and the people mentioned. A suspended author's posts are
//! for nobody but the author.
//!
//! Hamlet adds locality: a local-only post is for members signed in here (within its
//! visibility) and for nobody else, on this server or any other. The same module decides
//! where a post may go: a post leaves this server only as a [`Federable`], which cannot
//! be made from a local-only post, and reaches only the [`Recipients`] its visibility
//! names. Locality is decided once, when the post is written ([`new_post_is_local_only`]),
//! and inherited by replies and boosts.

use crate::Id;
use crate::status::Status;
use crate::visibility::Visibility;

/// What the rule needs to know about a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Post {
    pub author: Id,
    pub visibility: Visibility,
    pub author_suspended: bool,
    /// For members of this community alone.
    pub local_only: bool,
}

impl Post {
    pub fn of(status: &Status, author_suspended: bool) -> Post {
        Post {
            author: status.account_id,
            visibility: status.visibility,
            author_suspended,
            local_only: status.local_only,
        }
    }
}

/// What the rule needs to know about a signed-in viewer's relation to the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Relation {
    pub follows_author: bool,
    pub mentioned: bool,
    pub blocked_by_author: bool,
}

/// Who is looking: nobody signed in (which includes every other server: what they may
/// read is what an anonymous visitor may read), or a member signed in here, with their
/// relation to the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Account { id: Id, relation: Relation },
}

pub fn may_view(post: &Post, viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Anonymous => {
            !post.author_suspended
                && !post.local_only
                && matches!(post.visibility, Visibility::Public | Visibility::Unlisted)
        }
        Viewer::Account { id, relation } => {
            if *id == post.author {
                return true;
            }
            if post.author_suspended || relation.blocked_by_author {
                return false;
            }
            match post.visibility {
                Visibility::Public | Visibility::Unlisted => true,
                Visibility::Private => relation.follows_author || relation.mentioned,
                Visibility::Direct => relation.mentioned,
            }
        }
    }
}

/// Whether a new post is for this community alone. A reply to a local-only post or a
/// boost of one (`inherits_local_only`) always is, whatever was asked; so is a post whose
/// text or content warning carried the `:local_only:` marker (`marked`). Otherwise the
/// author's choice for this post, then their default, then the community's decides.
pub fn new_post_is_local_only(
    inherits_local_only: bool,
    marked: bool,
    asked: Option<bool>,
    member_default: Option<bool>,
    community_default: bool,
) -> bool {
    inherits_local_only || marked || asked.or(member_default).unwrap_or(community_default)
}

/// A post that may leave this server. [`Federable::check`] is the only way to make one
/// and refuses local-only posts; replies to and boosts of local-only posts are local-only
/// themselves (see [`new_post_is_local_only`]). Everything that sends or serves a post
/// to another server (the ActivityStreams serializer, delivery targets) takes this type,
/// so a local-only post cannot reach it.
#[derive(Clone, Copy, Debug)]
pub struct Federable<'a> {
    status: &'a Status,
}

impl<'a> Federable<'a> {
    /// `status`, unless it is local-only (or a reply to a local-only `parent`, in case
    /// a row ever disagreed with the inheritance rule).
    pub fn check(status: &'a Status, parent: Option<&Status>) -> Option<Federable<'a>> {
        let inherited = parent.is_some_and(|p| p.local_only);
        (!status.local_only && !inherited).then_some(Federable { status })
    }

    pub fn status(&self) -> &'a Status {
        self.status
    }

    /// Who on other servers receives it: the audience rule's answer to "which inboxes
    /// may receive this post".
    pub fn recipients(&self) -> Recipients {
        match self.status.visibility {
            Visibility::Public | Visibility::Unlisted | Visibility::Private => Recipients {
                followers: true,
                mentioned: true,
                replied_to_author: true,
            },
            Visibility::Direct => Recipients {
                followers: false,
                mentioned: true,
                replied_to_author: false,
            },
        }
    }
}

/// Who on other servers receives a federable post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipients {
    /// The author's followers.
    pub followers: bool,
    /// The accounts it mentions.
    pub mentioned: bool,
    /// The author of the post it replies to.
    pub replied_to_author: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTHOR: Id = Id::from_i64(1);
    const VIEWER: Id = Id::from_i64(2);

    fn post(visibility: Visibility) -> Post {
        Post {
            author: AUTHOR,
            visibility,
            author_suspended: false,
            local_only: false,
        }
    }

    fn viewer(relation: Relation) -> Viewer {
        Viewer::Account {
            id: VIEWER,
            relation,
        }
    }

    #[test]
    fn the_author_sees_everything_of_their_own() {
        for visibility in [
            Visibility::Public,
            Visibility::Unlisted,
            Visibility::Private,
            Visibility::Direct,
        ] {
            let mut p = post(visibility);
            p.author_suspended = true;
            let author = Viewer::Account {
                id: AUTHOR,
                relation: Relation::default(),
            };
            assert!(may_view(&p, &author));
        }
    }

    #[test]
    fn matrix_of_visibility_and_relation() {
        use Visibility::*;
        let stranger = Relation::default();
        let follower = Relation {
            follows_author: true,
            ..Relation::default()
        };
        let mentioned = Relation {
            mentioned: true,
            ..Relation::default()
        };
        let blocked = Relation {
            follows_author: true,
            mentioned: true,
            blocked_by_author: true,
        };
        let cases = [
            (Public, Viewer::Anonymous, true),
            (Unlisted, Viewer::Anonymous, true),
            (Private, Viewer::Anonymous, false),
            (Direct, Viewer::Anonymous, false),
            (Public, viewer(stranger), true),
            (Unlisted, viewer(stranger), true),
            (Private, viewer(stranger), false),
            (Direct, viewer(stranger), false),
            (Private, viewer(follower), true),
            (Direct, viewer(follower), false),
            (Private, viewer(mentioned), true),
            (Direct, viewer(mentioned), true),
            (Public, viewer(blocked), false),
            (Private, viewer(blocked), false),
            (Direct, viewer(blocked), false),
        ];
        for (visibility, who, expected) in cases {
            assert_eq!(
                may_view(&post(visibility), &who),
                expected,
                "{visibility:?} for {who:?}"
            );
        }
    }

    #[test]
    fn a_suspended_authors_posts_are_hidden_from_others() {
        let mut p = post(Visibility::Public);
        p.author_suspended = true;
        assert!(!may_view(&p, &Viewer::Anonymous));
        assert!(!may_view(&p, &viewer(Relation::default())));
    }

    #[test]
    fn local_only_posts_are_for_signed_in_members_within_their_visibility() {
        use Visibility::*;
        let follower = Relation {
            follows_author: true,
            ..Relation::default()
        };
        for visibility in [Public, Unlisted, Private, Direct] {
            let p = Post {
                local_only: true,
                ..post(visibility)
            };
            assert!(!may_view(&p, &Viewer::Anonymous), "{visibility:?}");
            let federated = post(visibility);
            for relation in [Relation::default(), follower] {
                assert_eq!(
                    may_view(&p, &viewer(relation)),
                    may_view(&federated, &viewer(relation)),
                    "{visibility:?} {relation:?}"
                );
            }
        }
    }

    #[test]
    fn locality_is_inherited_then_marked_then_asked_then_defaulted() {
        // Inherited beats everything, even an explicit "federate".
        assert!(new_post_is_local_only(
            true,
            false,
            Some(false),
            Some(false),
            false
        ));
        // The marker beats an explicit "federate" too.
        assert!(new_post_is_local_only(
            false,
            true,
            Some(false),
            None,
            false
        ));
        assert!(!new_post_is_local_only(
            false,
            false,
            Some(false),
            Some(true),
            true
        ));
        assert!(new_post_is_local_only(
            false,
            false,
            Some(true),
            Some(false),
            false
        ));
        // The member's default beats the community's, either way.
        assert!(!new_post_is_local_only(
            false,
            false,
            None,
            Some(false),
            true
        ));
        assert!(new_post_is_local_only(
            false,
            false,
            None,
            Some(true),
            false
        ));
        assert!(new_post_is_local_only(false, false, None, None, true));
        assert!(!new_post_is_local_only(false, false, None, None, false));
    }

    fn status(local_only: bool, visibility: Visibility) -> Status {
        Status {
            id: Id::from_i64(10),
            account_id: AUTHOR,
            uri: None,
            url: None,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: None,
            text: String::new(),
            content: String::new(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility,
            language: None,
            local: true,
            local_only,
            created_at: crate::Timestamp::from_millis(0),
            edited_at: None,
        }
    }

    #[test]
    fn only_federated_posts_outside_a_local_only_thread_are_federable() {
        let federated = status(false, Visibility::Public);
        let local_only = status(true, Visibility::Public);
        assert!(Federable::check(&federated, None).is_some());
        assert!(Federable::check(&local_only, None).is_none());
        assert!(Federable::check(&federated, Some(&local_only)).is_none());
        assert!(Federable::check(&federated, Some(&federated)).is_some());
    }

    #[test]
    fn direct_posts_reach_only_the_people_they_mention() {
        let direct = status(false, Visibility::Direct);
        let recipients = Federable::check(&direct, None).unwrap().recipients();
        assert!(recipients.mentioned && !recipients.followers && !recipients.replied_to_author);
        let private = status(false, Visibility::Private);
        assert!(
            Federable::check(&private, None)
                .unwrap()
                .recipients()
                .followers
        );
    }
}
