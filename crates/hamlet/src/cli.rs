use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "hamlet",
    version,
    about = "A Mastodon-compatible social network server for small communities"
)]
pub struct Cli {
    /// Configuration file (default: hamlet.toml in the working directory, if present).
    #[arg(long, global = true, env = "HAMLET_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (applies pending database migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Administer the community from the shell.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the configuration and print the values in effect.
    Check,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Manage members.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The community's settings that change at run time.
    Community {
        #[command(subcommand)]
        command: CommunityCommand,
    },
    /// Media files: what they take, and reclaiming space.
    Media {
        #[command(subcommand)]
        command: MediaCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum MediaCommand {
    /// Print counts and sizes, one `name value` per line.
    Stats,
    /// Remove copies of other servers' media older than the configured days (or
    /// `--older-than-days`), and uploads no post used after a day. Copies are made
    /// again when someone asks for them.
    Prune {
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=3650))]
        older_than_days: Option<u32>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CommunityCommand {
    /// Print the settings, one `name value` per line.
    Show,
    /// Whether members' new posts are local-only (for this community alone) or
    /// federated unless a member chooses otherwise.
    DefaultLocality {
        #[arg(value_enum)]
        locality: Locality,
    },
    /// Whether visitors who are not signed in see only the front page and sign-in.
    PrivateCommunity {
        #[arg(value_enum)]
        switch: Switch,
    },
    /// Whether members have a federated timeline (posts from other servers).
    FederatedTimeline {
        #[arg(value_enum)]
        switch: Switch,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    pub fn is_on(self) -> bool {
        self == Switch::On
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locality {
    Federated,
    LocalOnly,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a member. Without --password-stdin a random password is generated and
    /// printed once.
    Create {
        username: String,
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: hamlet_core::role::Role,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List members, one per line: username, role, state.
    List {
        #[arg(long, value_parser = parse_role)]
        role: Option<hamlet_core::role::Role>,
        /// Only suspended members.
        #[arg(long)]
        suspended: bool,
        /// One JSON object per line instead of columns.
        #[arg(long)]
        json: bool,
    },
    /// Change a member's role (admin, moderator, member).
    SetRole {
        username: String,
        #[arg(value_parser = parse_role)]
        role: hamlet_core::role::Role,
    },
    /// Set a new password and sign the member out everywhere. Without --password-stdin a
    /// random password is generated and printed once.
    SetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Suspend a member: they are signed out and cannot sign in.
    Suspend { username: String },
    /// Lift a suspension.
    Unsuspend { username: String },
}

fn parse_role(value: &str) -> Result<hamlet_core::role::Role, String> {
    value
        .parse()
        .map_err(|e: hamlet_core::role::UnknownRole| e.to_string())
}
