use hamlet_core::account::{
    MAX_DISPLAY_NAME_CHARS, MAX_FIELD_NAME_CHARS, MAX_FIELD_VALUE_CHARS, MAX_FIELDS, MAX_NOTE_CHARS,
};
use hamlet_core::limits;
use serde::Serialize;

use crate::Settings;
use crate::entities::Account;
use crate::service::community::Community;

/// What both instance entities are built from: the settings plus live figures.
pub struct InstanceFacts<'a> {
    pub settings: &'a Settings,
    /// The community as admins set it (name, description, contact, defaults).
    pub community: &'a Community,
    pub rules: Vec<Rule>,
    pub user_count: u64,
    pub contact_account: Option<Account>,
}

/// Mastodon's `Rule`.
#[derive(Serialize, Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
}

impl Rule {
    pub fn new(rule: &hamlet_core::community::Rule) -> Rule {
        Rule {
            id: rule.id.to_string(),
            text: rule.text.clone(),
            hint: rule.hint.clone(),
        }
    }
}

#[derive(Serialize, Debug)]
pub struct StatusLimits {
    pub max_characters: u32,
    pub max_media_attachments: u32,
    pub characters_reserved_per_url: u32,
    /// Hamlet: posts can be local-only (`local_only` on the post).
    pub local_only: bool,
    /// Hamlet: the community's default for new posts.
    pub default_local_only: bool,
}

#[derive(Serialize, Debug)]
pub struct MediaLimits {
    pub supported_mime_types: Vec<&'static str>,
    pub image_size_limit: u64,
    pub image_matrix_limit: u64,
    pub video_size_limit: u64,
    pub video_frame_rate_limit: u32,
    pub video_matrix_limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_limit: Option<u32>,
}

#[derive(Serialize, Debug)]
pub struct PollLimits {
    pub max_options: u32,
    pub max_characters_per_option: u32,
    pub min_expiration: u64,
    pub max_expiration: u64,
}

fn status_limits(facts: &InstanceFacts<'_>) -> StatusLimits {
    StatusLimits {
        max_characters: facts.settings.instance.max_characters,
        max_media_attachments: limits::MAX_MEDIA_ATTACHMENTS,
        characters_reserved_per_url: limits::CHARACTERS_RESERVED_PER_URL,
        local_only: true,
        default_local_only: facts.community.default_local_only,
    }
}

fn media_limits(with_description: bool) -> MediaLimits {
    MediaLimits {
        supported_mime_types: limits::SUPPORTED_MIME_TYPES.to_vec(),
        image_size_limit: limits::IMAGE_SIZE_LIMIT,
        image_matrix_limit: limits::IMAGE_MATRIX_LIMIT,
        video_size_limit: limits::VIDEO_SIZE_LIMIT,
        video_frame_rate_limit: limits::VIDEO_FRAME_RATE_LIMIT,
        video_matrix_limit: limits::VIDEO_MATRIX_LIMIT,
        description_limit: with_description.then_some(limits::MEDIA_DESCRIPTION_LIMIT),
    }
}

fn poll_limits() -> PollLimits {
    PollLimits {
        max_options: limits::POLL_MAX_OPTIONS,
        max_characters_per_option: limits::POLL_MAX_CHARACTERS_PER_OPTION,
        min_expiration: limits::POLL_MIN_EXPIRATION_SECS,
        max_expiration: limits::POLL_MAX_EXPIRATION_SECS,
    }
}

fn thumbnail_url(settings: &Settings) -> String {
    settings.url(crate::routes::assets::THUMBNAIL_PATH)
}

/// Mastodon's `Instance` (`GET /api/v2/instance`).
#[derive(Serialize, Debug)]
pub struct InstanceV2 {
    pub domain: String,
    pub title: String,
    pub version: String,
    pub source_url: String,
    pub description: String,
    pub usage: Usage,
    pub thumbnail: Thumbnail,
    pub icon: Vec<serde_json::Value>,
    pub languages: Vec<String>,
    pub configuration: ConfigurationV2,
    pub registrations: Registrations,
    pub api_versions: ApiVersions,
    pub contact: Contact,
    pub rules: Vec<Rule>,
}

#[derive(Serialize, Debug)]
pub struct Usage {
    pub users: UsageUsers,
}

#[derive(Serialize, Debug)]
pub struct UsageUsers {
    pub active_month: u64,
}

#[derive(Serialize, Debug)]
pub struct Thumbnail {
    pub url: String,
    pub blurhash: Option<String>,
    pub versions: serde_json::Value,
}

#[derive(Serialize, Debug)]
pub struct ConfigurationV2 {
    pub urls: Urls,
    pub accounts: AccountLimits,
    pub statuses: StatusLimits,
    pub media_attachments: MediaLimits,
    pub polls: PollLimits,
    pub translation: Translation,
    pub limited_federation: bool,
    pub timelines_access: TimelinesAccess,
}

#[derive(Serialize, Debug)]
pub struct TimelinesAccess {
    pub live_feeds: FeedAccess,
}

#[derive(Serialize, Debug)]
pub struct FeedAccess {
    pub local: &'static str,
    pub remote: &'static str,
}

fn access(public: bool) -> &'static str {
    if public { "public" } else { "authenticated" }
}

#[derive(Serialize, Debug)]
pub struct Urls {
    pub streaming: Option<String>,
    pub status: Option<String>,
    pub about: Option<String>,
    pub privacy_policy: Option<String>,
    pub terms_of_service: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct AccountLimits {
    pub max_featured_tags: u32,
    pub max_pinned_statuses: u32,
    pub max_display_name_length: usize,
    pub max_note_length: usize,
    pub max_profile_fields: usize,
    pub profile_field_name_limit: usize,
    pub profile_field_value_limit: usize,
}

#[derive(Serialize, Debug)]
pub struct Translation {
    pub enabled: bool,
}

#[derive(Serialize, Debug)]
pub struct Registrations {
    pub enabled: bool,
    pub approval_required: bool,
    pub reason_required: bool,
    pub message: Option<String>,
    pub url: Option<String>,
    pub min_age: Option<u32>,
}

#[derive(Serialize, Debug)]
pub struct ApiVersions {
    pub mastodon: u32,
}

#[derive(Serialize, Debug)]
pub struct Contact {
    pub email: String,
    pub account: Option<Account>,
}

/// The Mastodon API version number that goes with the 4.3.0 compatibility claim.
const MASTODON_API_VERSION: u32 = 2;

impl InstanceV2 {
    pub fn new(facts: InstanceFacts<'_>) -> InstanceV2 {
        let settings = facts.settings;
        InstanceV2 {
            domain: settings.domain(),
            title: facts.community.name.clone(),
            version: hamlet_core::version_string(),
            source_url: settings.instance.source_url.clone(),
            description: facts.community.description.clone(),
            usage: Usage {
                users: UsageUsers {
                    active_month: facts.user_count,
                },
            },
            thumbnail: Thumbnail {
                url: thumbnail_url(settings),
                blurhash: None,
                versions: serde_json::json!({}),
            },
            icon: Vec::new(),
            languages: settings.instance.languages.clone(),
            configuration: ConfigurationV2 {
                urls: Urls {
                    streaming: None,
                    status: None,
                    about: None,
                    privacy_policy: None,
                    terms_of_service: None,
                },
                accounts: AccountLimits {
                    max_featured_tags: limits::MAX_FEATURED_TAGS,
                    max_pinned_statuses: limits::MAX_PINNED_STATUSES,
                    max_display_name_length: MAX_DISPLAY_NAME_CHARS,
                    max_note_length: MAX_NOTE_CHARS,
                    max_profile_fields: MAX_FIELDS,
                    profile_field_name_limit: MAX_FIELD_NAME_CHARS,
                    profile_field_value_limit: MAX_FIELD_VALUE_CHARS,
                },
                statuses: status_limits(&facts),
                media_attachments: media_limits(true),
                polls: poll_limits(),
                translation: Translation { enabled: false },
                limited_federation: false,
                timelines_access: TimelinesAccess {
                    live_feeds: FeedAccess {
                        local: access(settings.timelines.local_public),
                        remote: if facts.community.federated_timeline {
                            access(settings.timelines.remote_public)
                        } else {
                            "disabled"
                        },
                    },
                },
            },
            // Sign-up arrives with the membership issue; until then members are created
            // by an admin.
            registrations: Registrations {
                enabled: false,
                approval_required: false,
                reason_required: false,
                message: None,
                url: None,
                min_age: None,
            },
            api_versions: ApiVersions {
                mastodon: MASTODON_API_VERSION,
            },
            contact: Contact {
                email: facts.community.contact_email.clone(),
                account: facts.contact_account,
            },
            rules: facts.rules,
        }
    }
}

/// Mastodon's `V1Instance` (`GET /api/v1/instance`), still read by many clients.
#[derive(Serialize, Debug)]
pub struct InstanceV1 {
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    pub version: String,
    pub urls: UrlsV1,
    pub stats: Stats,
    pub thumbnail: Option<String>,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub configuration: ConfigurationV1,
    pub contact_account: Option<Account>,
    pub rules: Vec<Rule>,
}

#[derive(Serialize, Debug)]
pub struct UrlsV1 {
    pub streaming_api: String,
}

#[derive(Serialize, Debug)]
pub struct Stats {
    pub user_count: u64,
    pub status_count: u64,
    pub domain_count: u64,
}

#[derive(Serialize, Debug)]
pub struct ConfigurationV1 {
    pub accounts: AccountLimitsV1,
    pub statuses: StatusLimits,
    pub media_attachments: MediaLimits,
    pub polls: PollLimits,
}

#[derive(Serialize, Debug)]
pub struct AccountLimitsV1 {
    pub max_featured_tags: u32,
}

impl InstanceV1 {
    pub fn new(facts: InstanceFacts<'_>) -> InstanceV1 {
        let settings = facts.settings;
        let description = facts.community.description.clone();
        let mut streaming = settings.public_url.clone();
        let _ = streaming.set_scheme(if settings.is_https() { "wss" } else { "ws" });
        InstanceV1 {
            uri: settings.domain(),
            title: facts.community.name.clone(),
            short_description: description.clone(),
            description,
            email: facts.community.contact_email.clone(),
            version: hamlet_core::version_string(),
            urls: UrlsV1 {
                streaming_api: streaming.as_str().trim_end_matches('/').to_owned(),
            },
            stats: Stats {
                user_count: facts.user_count,
                status_count: 0,
                domain_count: 0,
            },
            thumbnail: Some(thumbnail_url(settings)),
            languages: settings.instance.languages.clone(),
            registrations: false,
            approval_required: false,
            invites_enabled: false,
            configuration: ConfigurationV1 {
                accounts: AccountLimitsV1 {
                    max_featured_tags: limits::MAX_FEATURED_TAGS,
                },
                statuses: status_limits(&facts),
                media_attachments: media_limits(false),
                polls: poll_limits(),
            },
            contact_account: facts.contact_account,
            rules: facts.rules,
        }
    }
}
