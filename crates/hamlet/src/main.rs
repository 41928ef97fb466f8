//! The `hamlet` binary: command line, configuration, and wiring of the library crates
//! into a running server. Everything of substance lives in the libraries.

mod admin;
mod cli;
mod config;
mod serve;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, ConfigCommand};

/// Exit codes a shell script can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    /// Something failed at run time (database unreachable, port taken, ...).
    pub const FAILURE: u8 = 1;
    /// The command line or a value on it is invalid (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// The named user does not exist.
    pub const NOT_FOUND: u8 = 3;
    /// The user (or email) already exists.
    pub const CONFLICT: u8 = 4;
    /// The configuration is invalid (EX_CONFIG).
    pub const CONFIG: u8 = 78;
}

/// An error with the exit code it should end the process with.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<hamlet_store::StoreError> for Failure {
    fn from(error: hamlet_store::StoreError) -> Failure {
        match error {
            hamlet_store::StoreError::NotFound => Failure::new(exit::NOT_FOUND, "not found"),
            hamlet_store::StoreError::Conflict(what) => {
                Failure::new(exit::CONFLICT, format!("{what} already exists"))
            }
            other => Failure::new(exit::FAILURE, other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(exit::CONFIG);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve::run(config).await,
            Command::Migrate => serve::migrate(config).await,
            Command::Config {
                command: ConfigCommand::Check,
            } => {
                print!("{}", serve::describe(&config));
                Ok(())
            }
            Command::Admin { command } => admin::run(config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
