use hamlet_core::account::{self as core_account, AccountStats, Member};
use hamlet_core::role::Role as CoreRole;
use hamlet_core::text;
use serde::Serialize;

use crate::Settings;

#[derive(Serialize, Debug, Clone)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

/// Mastodon's `Account`.
#[derive(Serialize, Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
    pub uri: String,
    pub display_name: String,
    pub note: String,
    pub avatar: String,
    pub avatar_static: String,
    pub avatar_description: String,
    pub header: String,
    pub header_static: String,
    pub header_description: String,
    pub locked: bool,
    pub fields: Vec<Field>,
    pub emojis: Vec<serde_json::Value>,
    pub bot: bool,
    pub group: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub noindex: Option<bool>,
    pub hide_collections: Option<bool>,
    pub suspended: Option<bool>,
    pub limited: Option<bool>,
    pub memorial: Option<bool>,
    pub created_at: String,
    pub last_status_at: Option<String>,
    pub statuses_count: u64,
    pub followers_count: u64,
    pub following_count: u64,
    pub roles: Vec<serde_json::Value>,
}

/// `source` in `CredentialAccount`: the member's own plain-text profile and defaults.
#[derive(Serialize, Debug, Clone)]
pub struct Source {
    pub privacy: &'static str,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: u64,
    pub indexable: bool,
    pub discoverable: Option<bool>,
    pub hide_collections: Option<bool>,
    pub attribution_domains: Vec<String>,
    /// Hamlet: whether new posts are local-only by default (the member's own default, or
    /// the community's when they have none).
    pub local_only: bool,
    /// Hamlet: the community's default, which applies when the member has none.
    pub community_local_only: bool,
}

/// Mastodon's `Role`.
#[derive(Serialize, Debug, Clone)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub color: String,
    pub permissions: String,
    pub highlighted: bool,
}

/// Mastodon's `CredentialAccount`: an account as its owner sees it.
#[derive(Serialize, Debug, Clone)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

/// The account's profile page: ours for local accounts, the one its server names (or its
/// actor id) for remote ones.
pub fn profile_url(account: &core_account::Account, settings: &Settings) -> String {
    match &account.remote {
        None => settings.url(&format!("/@{}", account.username)),
        Some(remote) => remote.url.clone().unwrap_or_else(|| remote.uri.clone()),
    }
}

impl Account {
    pub fn new(
        account: &core_account::Account,
        stats: &AccountStats,
        settings: &Settings,
    ) -> Account {
        let acct = account.acct();
        let url = profile_url(account, settings);
        let uri = match &account.remote {
            None => settings.url(&format!("/users/{}", account.username)),
            Some(remote) => remote.uri.clone(),
        };
        let (note, fields) = if account.is_local() {
            (
                text::plain_to_html(&account.note),
                account
                    .fields
                    .iter()
                    .map(|f| Field {
                        name: text::escape(&f.name),
                        value: text::inline_to_html(&f.value),
                        verified_at: None,
                    })
                    .collect(),
            )
        } else {
            (
                account.note.clone(),
                account
                    .fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        value: f.value.clone(),
                        verified_at: None,
                    })
                    .collect(),
            )
        };
        let suspended = account.is_suspended();
        // Every picture is served from here: members' files, and copies of remote
        // accounts' pictures (made on first request), so apps never contact other servers.
        let remote = account.remote.as_ref();
        let stored = |key: &Option<String>| key.as_ref().map(|key| settings.media_url(key));
        let copied = |url: Option<&String>, which: &str| {
            url.map(|_| settings.media_url(&format!("cache/accounts/{}/{which}", account.id)))
        };
        let avatar = stored(&account.avatar_file)
            .or_else(|| copied(remote.and_then(|r| r.avatar_url.as_ref()), "avatar"))
            .unwrap_or_else(|| settings.url(crate::routes::assets::DEFAULT_AVATAR_PATH));
        let header = stored(&account.header_file)
            .or_else(|| copied(remote.and_then(|r| r.header_url.as_ref()), "header"))
            .unwrap_or_else(|| settings.url(crate::routes::assets::DEFAULT_HEADER_PATH));
        Account {
            id: account.id.to_string(),
            username: account.username.clone(),
            acct,
            url,
            uri,
            // A suspended account shows nothing of its profile, as on Mastodon.
            display_name: if suspended {
                String::new()
            } else {
                account.display_name.clone()
            },
            note: if suspended { String::new() } else { note },
            avatar: avatar.clone(),
            avatar_static: avatar,
            avatar_description: String::new(),
            header: header.clone(),
            header_static: header,
            header_description: String::new(),
            locked: account.locked,
            fields: if suspended { Vec::new() } else { fields },
            emojis: Vec::new(),
            bot: account.bot,
            group: false,
            discoverable: Some(account.discoverable),
            indexable: account.indexable,
            noindex: Some(!account.indexable),
            hide_collections: Some(false),
            suspended: suspended.then_some(true),
            limited: None,
            memorial: None,
            created_at: account.created_at.to_api_date_string(),
            last_status_at: stats.last_status_at.map(|t| t.to_api_day_string()),
            statuses_count: stats.statuses,
            followers_count: stats.followers,
            following_count: stats.following,
            roles: Vec::new(),
        }
    }
}

impl Role {
    pub fn new(role: CoreRole) -> Role {
        let (id, name, highlighted) = match role {
            CoreRole::Member => ("-99", "", false),
            CoreRole::Moderator => ("1", "Moderator", true),
            CoreRole::Admin => ("3", "Admin", true),
        };
        Role {
            id: id.into(),
            name: name.into(),
            color: String::new(),
            permissions: role.permissions().to_string(),
            highlighted,
        }
    }
}

impl CredentialAccount {
    pub fn new(
        member: &Member,
        stats: &AccountStats,
        follow_requests: u64,
        community_local_only: bool,
        settings: &Settings,
    ) -> CredentialAccount {
        let account = &member.account;
        let defaults = &member.user.defaults;
        CredentialAccount {
            account: Account::new(account, stats, settings),
            source: Source {
                privacy: defaults.privacy.as_str(),
                sensitive: defaults.sensitive,
                language: defaults.language.as_ref().map(|l| l.as_str().to_owned()),
                note: account.note.clone(),
                fields: account
                    .fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        value: f.value.clone(),
                        verified_at: None,
                    })
                    .collect(),
                follow_requests_count: follow_requests,
                indexable: account.indexable,
                discoverable: Some(account.discoverable),
                hide_collections: Some(false),
                attribution_domains: Vec::new(),
                local_only: defaults.local_only.unwrap_or(community_local_only),
                community_local_only,
            },
            role: Role::new(member.user.role),
        }
    }
}
