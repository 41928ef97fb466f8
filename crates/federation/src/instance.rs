//! This instance as the fediverse addresses it: every ActivityPub URL of a local account
//! or post is built here, and only here, so that what we publish and what we recognise
//! as ours can never disagree.

use url::Url;

/// The instance actor's path: it signs fetches made for the server itself.
pub const INSTANCE_ACTOR_PATH: &str = "/actor";
/// The shared inbox every remote server may deliver to.
pub const SHARED_INBOX_PATH: &str = "/inbox";

/// This instance's public origin and the addresses derived from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalInstance {
    base: Url,
    /// Where media files are published, when not under this origin's `/media/` (a CDN
    /// that pulls from it). Ends with `/`.
    media_base: Option<Url>,
}

impl LocalInstance {
    /// `public_url` is where the instance is reached (`https://hamlet.example`); any path
    /// is ignored: ActivityPub ids are origin-relative.
    pub fn new(public_url: &Url) -> LocalInstance {
        let mut base = public_url.clone();
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        LocalInstance {
            base,
            media_base: None,
        }
    }

    /// Media files published under `media_base` (a CDN whose origin is this server's
    /// `/media/`) rather than this server's own `/media/`.
    pub fn with_media_base(mut self, media_base: Option<Url>) -> LocalInstance {
        self.media_base = media_base.map(|mut url| {
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            url
        });
        self
    }

    /// Where the stored file `key` is published for other servers and apps. Keys are
    /// plain relative paths (`attachments/<random>/original.jpg`).
    pub fn media_url(&self, key: &str) -> Url {
        let base = self.media_base.as_ref().unwrap_or(&self.base);
        let path = if self.media_base.is_some() {
            key.to_owned()
        } else {
            format!("media/{key}")
        };
        base.join(&path)
            .unwrap_or_else(|_| self.url(&format!("/media/{key}")))
    }

    /// `hamlet.example`, or `127.0.0.1:8080` when the port is not the scheme's default:
    /// the domain part of `acct:` addresses.
    pub fn domain(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    pub fn origin(&self) -> &Url {
        &self.base
    }

    /// Whether `url` is on this instance (same scheme, host and port).
    pub fn is_local(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("a path joins onto the origin")
    }

    pub fn actor_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}"))
    }

    pub fn profile_url(&self, username: &str) -> Url {
        self.url(&format!("/@{username}"))
    }

    pub fn inbox_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}/inbox"))
    }

    pub fn outbox_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}/outbox"))
    }

    pub fn followers_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}/followers"))
    }

    pub fn following_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}/following"))
    }

    pub fn featured_url(&self, username: &str) -> Url {
        self.url(&format!("/users/{username}/collections/featured"))
    }

    /// The `publicKey.id` of a member: the actor URL with a fragment, as Mastodon does.
    pub fn key_id(&self, username: &str) -> Url {
        let mut url = self.actor_url(username);
        url.set_fragment(Some("main-key"));
        url
    }

    pub fn status_url(&self, username: &str, status_id: &str) -> Url {
        self.url(&format!("/users/{username}/statuses/{status_id}"))
    }

    pub fn shared_inbox_url(&self) -> Url {
        self.url(SHARED_INBOX_PATH)
    }

    pub fn instance_actor_url(&self) -> Url {
        self.url(INSTANCE_ACTOR_PATH)
    }

    pub fn instance_key_id(&self) -> Url {
        let mut url = self.instance_actor_url();
        url.set_fragment(Some("main-key"));
        url
    }

    /// The id of the local post at `url` (`/users/NAME/statuses/ID` or `/@NAME/ID`).
    pub fn local_status_id(&self, url: &Url) -> Option<hamlet_core::Id> {
        if !self.is_local(url) {
            return None;
        }
        let mut segments = url.path_segments()?;
        let id = match (segments.next()?, segments.next()?, segments.next()) {
            ("users", _, Some("statuses")) => segments.next()?,
            (user, id, None) if user.starts_with('@') => id,
            _ => return None,
        };
        if segments.next().is_some() {
            return None;
        }
        id.parse::<i64>().ok().map(hamlet_core::Id::from_i64)
    }

    /// The username behind a local actor or profile URL (`/users/NAME`, `/@NAME`), if
    /// `url` is one.
    pub fn local_username(&self, url: &Url) -> Option<String> {
        if !self.is_local(url) || url.query().is_some() {
            return None;
        }
        let path = url.path();
        let name = path
            .strip_prefix("/users/")
            .or_else(|| path.strip_prefix("/@"))?;
        if name.is_empty() || name.contains('/') {
            return None;
        }
        Some(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(url: &str) -> LocalInstance {
        LocalInstance::new(&Url::parse(url).unwrap())
    }

    #[test]
    fn addresses_derive_from_the_origin() {
        let local = instance("https://hamlet.example/ignored/path?q=1");
        assert_eq!(local.domain(), "hamlet.example");
        assert_eq!(
            local.actor_url("alice").as_str(),
            "https://hamlet.example/users/alice"
        );
        assert_eq!(
            local.key_id("alice").as_str(),
            "https://hamlet.example/users/alice#main-key"
        );
        assert_eq!(
            local.shared_inbox_url().as_str(),
            "https://hamlet.example/inbox"
        );
        assert_eq!(instance("http://127.0.0.1:8080").domain(), "127.0.0.1:8080");
    }

    #[test]
    fn recognises_only_its_own_actor_urls() {
        let local = instance("https://hamlet.example");
        let parse = |s: &str| local.local_username(&Url::parse(s).unwrap());
        assert_eq!(
            parse("https://hamlet.example/users/alice").as_deref(),
            Some("alice")
        );
        assert_eq!(
            parse("https://hamlet.example/@alice").as_deref(),
            Some("alice")
        );
        assert_eq!(parse("https://other.example/users/alice"), None);
        assert_eq!(parse("http://hamlet.example/users/alice"), None);
        assert_eq!(parse("https://hamlet.example:444/users/alice"), None);
        assert_eq!(parse("https://hamlet.example/users/alice/inbox"), None);
        assert_eq!(parse("https://hamlet.example/users/"), None);
        assert_eq!(parse("https://hamlet.example/users/alice?x=1"), None);
    }
}
