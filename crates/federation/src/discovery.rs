//! How other servers find us: WebFinger (RFC 7033) for `acct:` addresses, host-meta
//! (RFC 6415) for the servers that still start there, and NodeInfo 2.0/2.1 for software
//! and usage figures.

use serde_json::{Value, json};
use url::Url;

use crate::instance::LocalInstance;

pub const JRD_CONTENT_TYPE: &str = "application/jrd+json; charset=utf-8";
pub const XRD_CONTENT_TYPE: &str = "application/xrd+xml; charset=utf-8";
pub const ACTIVITY_JSON: &str = "application/activity+json";
const NODEINFO_SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/";

/// Who a WebFinger query asks about, once it is known to be about this instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A local account, by username (not yet checked to exist).
    Account(String),
    /// The instance actor.
    InstanceActor,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebfingerError {
    #[error("the resource parameter is missing")]
    Missing,
    #[error("the resource is not an acct: address or a URL of this instance")]
    NotLocal,
    #[error("the resource is not understood")]
    Malformed,
}

/// Parses `resource` (`acct:alice@hamlet.example`, `alice@hamlet.example`, or an actor or
/// profile URL of this instance). The domain is compared case-insensitively; an account
/// on another domain is not ours to describe.
pub fn parse_resource(resource: &str, local: &LocalInstance) -> Result<Subject, WebfingerError> {
    let resource = resource.trim();
    if resource.is_empty() {
        return Err(WebfingerError::Missing);
    }
    if resource.len() > 1024 {
        return Err(WebfingerError::Malformed);
    }
    if resource.starts_with("http://") || resource.starts_with("https://") {
        let url = Url::parse(resource).map_err(|_| WebfingerError::Malformed)?;
        if !local.is_local(&url) {
            return Err(WebfingerError::NotLocal);
        }
        if url.path() == crate::instance::INSTANCE_ACTOR_PATH {
            return Ok(Subject::InstanceActor);
        }
        return local
            .local_username(&url)
            .map(Subject::Account)
            .ok_or(WebfingerError::NotLocal);
    }
    let address = resource.strip_prefix("acct:").unwrap_or(resource);
    let address = address.strip_prefix('@').unwrap_or(address);
    let (user, domain) = address.rsplit_once('@').ok_or(WebfingerError::Malformed)?;
    if user.is_empty() || domain.is_empty() {
        return Err(WebfingerError::Malformed);
    }
    if !domain.eq_ignore_ascii_case(&local.domain()) {
        return Err(WebfingerError::NotLocal);
    }
    // Mastodon's instance actor answers to `acct:DOMAIN@DOMAIN`; so does ours.
    if user.eq_ignore_ascii_case(&local.domain()) {
        return Ok(Subject::InstanceActor);
    }
    Ok(Subject::Account(user.to_owned()))
}

/// The JRD for a local account, with its canonical username (as stored, not as asked).
pub fn account_jrd(username: &str, local: &LocalInstance) -> Value {
    let actor = local.actor_url(username);
    let profile = local.profile_url(username);
    json!({
        "subject": format!("acct:{username}@{}", local.domain()),
        "aliases": [profile.as_str(), actor.as_str()],
        "links": [
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": profile.as_str(),
            },
            {
                "rel": "self",
                "type": ACTIVITY_JSON,
                "href": actor.as_str(),
            },
        ],
    })
}

pub fn instance_actor_jrd(local: &LocalInstance) -> Value {
    let actor = local.instance_actor_url();
    json!({
        "subject": format!("acct:{domain}@{domain}", domain = local.domain()),
        "aliases": [actor.as_str()],
        "links": [
            {
                "rel": "self",
                "type": ACTIVITY_JSON,
                "href": actor.as_str(),
            },
        ],
    })
}

/// RFC 6415 host-meta, pointing at our WebFinger endpoint.
pub fn host_meta_xrd(local: &LocalInstance) -> String {
    let template = format!(
        "{}.well-known/webfinger?resource={{uri}}",
        local.origin().as_str()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n\
         </XRD>\n",
        xml_escape(&template)
    )
}

pub fn host_meta_jrd(local: &LocalInstance) -> Value {
    json!({
        "links": [{
            "rel": "lrdd",
            "template": format!("{}.well-known/webfinger?resource={{uri}}", local.origin().as_str()),
        }],
    })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `/.well-known/nodeinfo`: where the NodeInfo documents are.
pub fn nodeinfo_links(local: &LocalInstance) -> Value {
    json!({
        "links": NodeInfoVersion::ALL.iter().map(|version| json!({
            "rel": format!("{NODEINFO_SCHEMA}{}", version.as_str()),
            "href": local.url(&format!("/nodeinfo/{}", version.as_str())).as_str(),
        })).collect::<Vec<_>>(),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeInfoVersion {
    V2_0,
    V2_1,
}

impl NodeInfoVersion {
    pub const ALL: [NodeInfoVersion; 2] = [NodeInfoVersion::V2_0, NodeInfoVersion::V2_1];

    pub fn parse(version: &str) -> Option<NodeInfoVersion> {
        match version {
            "2.0" | "2.0.json" => Some(NodeInfoVersion::V2_0),
            "2.1" | "2.1.json" => Some(NodeInfoVersion::V2_1),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeInfoVersion::V2_0 => "2.0",
            NodeInfoVersion::V2_1 => "2.1",
        }
    }

    pub fn content_type(self) -> String {
        format!(
            "application/json; profile=\"{NODEINFO_SCHEMA}{}#\"",
            self.as_str()
        )
    }
}

/// What NodeInfo reports about this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    pub name: String,
    pub description: String,
    pub open_registrations: bool,
    pub users_total: u64,
    pub users_active_month: u64,
    pub users_active_halfyear: u64,
    pub local_posts: u64,
}

pub fn nodeinfo(version: NodeInfoVersion, facts: &NodeFacts) -> Value {
    let mut software = json!({
        "name": "hamlet",
        "version": env!("CARGO_PKG_VERSION"),
    });
    if version == NodeInfoVersion::V2_1 {
        software["repository"] = json!(env!("CARGO_PKG_REPOSITORY"));
        software["homepage"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    json!({
        "version": version.as_str(),
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": facts.open_registrations,
        "usage": {
            "users": {
                "total": facts.users_total,
                "activeMonth": facts.users_active_month,
                "activeHalfyear": facts.users_active_halfyear,
            },
            "localPosts": facts.local_posts,
        },
        "metadata": {
            "nodeName": facts.name,
            "nodeDescription": facts.description,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> LocalInstance {
        LocalInstance::new(&Url::parse("https://hamlet.example").unwrap())
    }

    #[test]
    fn resources_of_this_instance_are_understood() {
        let local = local();
        let account = |name: &str| Ok(Subject::Account(name.to_owned()));
        assert_eq!(
            parse_resource("acct:alice@hamlet.example", &local),
            account("alice")
        );
        assert_eq!(
            parse_resource("acct:Alice@HAMLET.example", &local),
            account("Alice")
        );
        assert_eq!(
            parse_resource("alice@hamlet.example", &local),
            account("alice")
        );
        assert_eq!(
            parse_resource("@alice@hamlet.example", &local),
            account("alice")
        );
        assert_eq!(
            parse_resource("https://hamlet.example/users/alice", &local),
            account("alice")
        );
        assert_eq!(
            parse_resource("https://hamlet.example/@alice", &local),
            account("alice")
        );
        assert_eq!(
            parse_resource("acct:hamlet.example@hamlet.example", &local),
            Ok(Subject::InstanceActor)
        );
        assert_eq!(
            parse_resource("https://hamlet.example/actor", &local),
            Ok(Subject::InstanceActor)
        );
    }

    #[test]
    fn other_resources_are_refused() {
        let local = local();
        for (resource, error) in [
            ("", WebfingerError::Missing),
            ("acct:alice@other.example", WebfingerError::NotLocal),
            ("acct:alice@hamlet.example.evil", WebfingerError::NotLocal),
            (
                "https://other.example/users/alice",
                WebfingerError::NotLocal,
            ),
            ("https://hamlet.example/about", WebfingerError::NotLocal),
            ("acct:alice", WebfingerError::Malformed),
            ("acct:@hamlet.example", WebfingerError::Malformed),
            ("mailto:alice@other.example", WebfingerError::NotLocal),
        ] {
            assert_eq!(parse_resource(resource, &local), Err(error), "{resource}");
        }
    }

    #[test]
    fn jrd_links_the_actor_and_the_profile() {
        let jrd = account_jrd("alice", &local());
        assert_eq!(jrd["subject"], "acct:alice@hamlet.example");
        let links = jrd["links"].as_array().unwrap();
        let own = links.iter().find(|l| l["rel"] == "self").unwrap();
        assert_eq!(own["type"], ACTIVITY_JSON);
        assert_eq!(own["href"], "https://hamlet.example/users/alice");
    }

    #[test]
    fn host_meta_points_at_webfinger() {
        let xrd = host_meta_xrd(&local());
        assert!(
            xrd.contains(
                "template=\"https://hamlet.example/.well-known/webfinger?resource={uri}\""
            )
        );
    }

    #[test]
    fn nodeinfo_names_the_software() {
        let facts = NodeFacts {
            name: "Hamlet".into(),
            description: "d".into(),
            open_registrations: false,
            users_total: 3,
            users_active_month: 2,
            users_active_halfyear: 3,
            local_posts: 10,
        };
        let v20 = nodeinfo(NodeInfoVersion::V2_0, &facts);
        assert_eq!(v20["software"]["name"], "hamlet");
        assert!(v20["software"].get("repository").is_none());
        assert_eq!(v20["usage"]["users"]["activeMonth"], 2);
        let v21 = nodeinfo(NodeInfoVersion::V2_1, &facts);
        assert_eq!(v21["version"], "2.1");
        assert!(v21["software"]["repository"].is_string());
        let links = nodeinfo_links(&local());
        assert_eq!(
            links["links"][1]["href"],
            "https://hamlet.example/nodeinfo/2.1"
        );
    }
}
