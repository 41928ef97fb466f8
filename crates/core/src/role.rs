//! What a local member may do on the server.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

// Mastodon's role permission bits, which clients read from the `role` entity.
const ADMINISTRATOR: u64 = 1 << 0;
const VIEW_AUDIT_LOG: u64 = 1 << 2;
const VIEW_DASHBOARD: u64 = 1 << 3;
const MANAGE_REPORTS: u64 = 1 << 4;
const MANAGE_TAXONOMIES: u64 = 1 << 8;
const MANAGE_APPEALS: u64 = 1 << 9;
const MANAGE_USERS: u64 = 1 << 10;
const INVITE_USERS: u64 = 1 << 16;

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Moderator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn is_staff(self) -> bool {
        self >= Role::Moderator
    }

    /// Mastodon's permission bit set for this role.
    pub fn permissions(self) -> u64 {
        match self {
            Role::Member => INVITE_USERS,
            Role::Moderator => {
                VIEW_AUDIT_LOG
                    | VIEW_DASHBOARD
                    | MANAGE_REPORTS
                    | MANAGE_TAXONOMIES
                    | MANAGE_APPEALS
                    | MANAGE_USERS
                    | INVITE_USERS
            }
            Role::Admin => ADMINISTRATOR,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?} (expected admin, moderator or member)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        match s {
            "member" => Ok(Role::Member),
            "moderator" => Ok(Role::Moderator),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}
