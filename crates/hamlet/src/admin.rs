//! `hamlet admin ...`: member management from the shell. Results go to standard output,
//! one line each; errors to standard error, with the exit codes in [`crate::exit`].

use std::io::BufRead;

use hamlet_api::service::members::{self, MemberRequest};
use hamlet_core::Timestamp;
use hamlet_core::account::Member;
use hamlet_core::password::Password;
use hamlet_core::username::Username;
use hamlet_store::{MemberFilter, Store};

use crate::cli::{AdminCommand, CommunityCommand, Locality, MediaCommand, UserCommand};
use crate::config::Config;
use crate::serve::open_store;
use crate::{Failure, exit};

pub async fn run(config: Config, command: AdminCommand) -> Result<(), Failure> {
    let store = open_store(&config).await?;
    let result = match command {
        AdminCommand::User { command } => user(&store, command).await,
        AdminCommand::Community { command } => community(&store, command).await,
        AdminCommand::Media { command } => media(&config, &store, command).await,
    };
    store.close().await;
    result
}

async fn community(store: &Store, command: CommunityCommand) -> Result<(), Failure> {
    let mut settings = store.community_settings().await?;
    let change = match command {
        CommunityCommand::Show => false,
        CommunityCommand::DefaultLocality { locality } => {
            settings.default_local_only = locality == Locality::LocalOnly;
            true
        }
        CommunityCommand::PrivateCommunity { switch } => {
            settings.private_community = switch.is_on();
            true
        }
        CommunityCommand::FederatedTimeline { switch } => {
            settings.federated_timeline = switch.is_on();
            true
        }
    };
    if change {
        store
            .set_community_settings(settings.clone(), Timestamp::now())
            .await?;
    }
    let locality = if settings.default_local_only {
        "local-only"
    } else {
        "federated"
    };
    let on_off = |on: bool| if on { "on" } else { "off" };
    println!("default-locality {locality}");
    println!("private-community {}", on_off(settings.private_community));
    println!("federated-timeline {}", on_off(settings.federated_timeline));
    Ok(())
}

async fn media(config: &Config, store: &Store, command: MediaCommand) -> Result<(), Failure> {
    match command {
        MediaCommand::Stats => {}
        MediaCommand::Prune { older_than_days } => {
            let storage = crate::serve::open_media(config)?;
            let now = Timestamp::now();
            let keep = match older_than_days {
                Some(days) => std::time::Duration::from_secs(u64::from(days) * 86_400),
                None => config.remote_media_cache,
            };
            let ago = |d: std::time::Duration| {
                Timestamp::from_millis(now.as_millis() - d.as_millis() as i64)
            };
            let pruned = hamlet_api::service::media::prune(
                store,
                &storage,
                ago(keep),
                ago(std::time::Duration::from_secs(86_400)),
            )
            .await?;
            println!("removed-cached-files {}", pruned.cached_files);
            println!("removed-unattached-files {}", pruned.unattached_files);
            println!("removed-deleted-post-files {}", pruned.orphaned_files);
        }
    }
    let stats = store.media_stats().await?;
    println!("uploads {}", stats.uploads);
    println!("upload-bytes {}", stats.upload_bytes);
    println!("cached {}", stats.cached);
    println!("cached-bytes {}", stats.cached_bytes);
    println!("not-cached {}", stats.not_cached);
    Ok(())
}

/// The password to set: read from standard input, or generated and printed.
fn password(from_stdin: bool) -> Result<(Password, Option<String>), Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::new(exit::FAILURE, format!("cannot read standard input: {e}")))?;
        let line = line.trim_end_matches(['\r', '\n']);
        let password = Password::parse(line)
            .map_err(|e| Failure::new(exit::USAGE, format!("password {e}")))?;
        Ok((password, None))
    } else {
        let generated = hamlet_core::secret::generate();
        let password = Password::parse(&generated).expect("generated passwords are long enough");
        Ok((password, Some(generated)))
    }
}

async fn find(store: &Store, username: &str) -> Result<Member, Failure> {
    store
        .member_by_username(username)
        .await?
        .ok_or_else(|| Failure::new(exit::NOT_FOUND, format!("no member named {username:?}")))
}

async fn user(store: &Store, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Create {
            username,
            role,
            email,
            password_stdin,
        } => {
            let username = Username::parse(&username)
                .map_err(|e| Failure::new(exit::USAGE, format!("username {username:?} {e}")))?;
            let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
            if let Some(email) = &email
                && (!email.contains('@') || email.len() > 320)
            {
                return Err(Failure::new(
                    exit::USAGE,
                    format!("{email:?} is not an email address"),
                ));
            }
            let (password, generated) = password(password_stdin)?;
            let member = members::create_member(
                store,
                MemberRequest {
                    username,
                    password,
                    role,
                    email,
                },
            )
            .await?;
            println!(
                "created @{} ({})",
                member.account.username, member.user.role
            );
            if let Some(generated) = generated {
                println!("password: {generated}");
            }
        }
        UserCommand::List {
            role,
            suspended,
            json,
        } => {
            let members = store
                .list_members(MemberFilter {
                    role,
                    suspended: suspended.then_some(true),
                })
                .await?;
            for member in members {
                let state = if member.account.is_suspended() {
                    "suspended"
                } else {
                    "active"
                };
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "id": member.account.id.to_string(),
                            "username": member.account.username,
                            "role": member.user.role.as_str(),
                            "state": state,
                            "email": member.user.email,
                        })
                    );
                } else {
                    println!(
                        "{}\t{}\t{}",
                        member.account.username, member.user.role, state
                    );
                }
            }
        }
        UserCommand::SetRole { username, role } => {
            let member = find(store, &username).await?;
            store.set_role(member.account.id, role).await?;
            println!("@{} is now {role}", member.account.username);
        }
        UserCommand::SetPassword {
            username,
            password_stdin,
        } => {
            let member = find(store, &username).await?;
            let (password, generated) = password(password_stdin)?;
            let hash = members::hash_password(password).await;
            store.set_password(member.account.id, &hash).await?;
            println!(
                "password changed for @{}; all their sessions were signed out",
                member.account.username
            );
            if let Some(generated) = generated {
                println!("password: {generated}");
            }
        }
        UserCommand::Suspend { username } => {
            let member = find(store, &username).await?;
            if !member.account.is_suspended() {
                store
                    .set_suspended(member.account.id, Some(Timestamp::now()))
                    .await?;
            }
            println!("@{} is suspended", member.account.username);
        }
        UserCommand::Unsuspend { username } => {
            let member = find(store, &username).await?;
            store.set_suspended(member.account.id, None).await?;
            println!("@{} is no longer suspended", member.account.username);
        }
    }
    Ok(())
}
