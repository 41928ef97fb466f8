//! The audience rule: whether a viewer may see a post. Every read path (single post,
//! context, timelines, account posts, search, notifications, lists of favourites and
//! bookmarks) decides with [`may_view`] or with a store query derived from it, whose
//! equivalence is tested case by case against this function.
//!
//! Mastodon's semantics: public and unlisted posts are for everyone the author does not
//! block; followers-only posts for the author, their followers and the people mentioned;
//! direct posts for the author and the people mentioned. A suspended author's posts are
//! for nobody but the author.

use crate::Id;
use crate::visibility::Visibility;

/// What the rule needs to know about a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Post {
    pub author: Id,
    pub visibility: Visibility,
    pub author_suspended: bool,
}

/// What the rule needs to know about a signed-in viewer's relation to the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Relation {
    pub follows_author: bool,
    pub mentioned: bool,
    pub blocked_by_author: bool,
}

/// Who is looking: nobody signed in, or an account with its relation to the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Account { id: Id, relation: Relation },
}

pub fn may_view(post: &Post, viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Anonymous => {
            !post.author_suspended
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
}
