//! `hamlet serve` and `hamlet migrate`: opening the database and running the server.

use std::fmt::Write;
use std::net::SocketAddr;
use std::time::Duration;

use axum::ServiceExt;
use axum::extract::Request;
use hamlet_api::AppState;
use hamlet_api::service::members;
use hamlet_store::Store;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat, redact};
use crate::{Failure, exit};

fn init_logging(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Opens the database (creating the data directory for the default SQLite file) and
/// applies pending migrations.
pub async fn open_store(config: &Config) -> Result<Store, Failure> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ),
        )
    })?;
    let store = Store::connect(&config.database_url, config.max_connections)
        .await
        .map_err(|e| {
            Failure::new(
                exit::FAILURE,
                format!("cannot open database {}: {e}", redact(&config.database_url)),
            )
        })?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(store)
}

pub async fn migrate(config: Config) -> Result<(), Failure> {
    init_logging(&config);
    let store = open_store(&config).await?;
    println!("database is up to date ({:?})", store.engine());
    store.close().await;
    Ok(())
}

/// The configuration in effect, as `hamlet config check` prints it.
pub fn describe(config: &Config) -> String {
    let s = &config.settings;
    let mut out = String::new();
    let _ = writeln!(out, "configuration is valid");
    let _ = writeln!(
        out,
        "file: {}",
        config
            .file
            .as_ref()
            .map_or("(none, defaults and environment)".into(), |f| f
                .display()
                .to_string())
    );
    let _ = writeln!(out, "server.listen = {}", config.listen);
    let _ = writeln!(out, "server.public_url = {}", s.public_url);
    let _ = writeln!(out, "server.data_dir = {}", config.data_dir.display());
    let _ = writeln!(
        out,
        "server.trust_proxy_headers = {}",
        s.trust_proxy_headers
    );
    let _ = writeln!(out, "server.max_request_bytes = {}", s.max_request_bytes);
    let _ = writeln!(out, "database.url = {}", redact(&config.database_url));
    let _ = writeln!(out, "database.max_connections = {}", config.max_connections);
    let _ = writeln!(out, "instance.name = {:?}", s.instance.name);
    let _ = writeln!(
        out,
        "instance.contact_email = {:?}",
        s.instance.contact_email
    );
    let _ = writeln!(out, "instance.languages = {:?}", s.instance.languages);
    let _ = writeln!(
        out,
        "instance.max_characters = {}",
        s.instance.max_characters
    );
    match &config.media_s3 {
        None => {
            let _ = writeln!(out, "media.backend = local");
            let _ = writeln!(out, "media.directory = {}", config.media_dir.display());
        }
        Some(s3) => {
            let _ = writeln!(out, "media.backend = s3");
            let _ = writeln!(out, "media.s3_endpoint = {}", s3.endpoint);
            let _ = writeln!(out, "media.s3_bucket = {}", s3.bucket);
            let _ = writeln!(out, "media.s3_region = {}", s3.region);
            let _ = writeln!(out, "media.s3_path_style = {}", s3.path_style);
            // The credentials are never printed.
        }
    }
    let _ = writeln!(
        out,
        "media.remote_cache_days = {}",
        config.remote_media_cache.as_secs() / 86_400
    );
    let _ = writeln!(out, "log.level = {}", config.log_level);
    out
}

pub async fn run(config: Config) -> Result<(), Failure> {
    init_logging(&config);
    let store = open_store(&config).await?;
    let settings = config.settings.clone();
    if let Some(token) = members::issue_setup_link(&store)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?
    {
        let link = settings.url(&format!("/setup?token={token}"));
        println!(
            "\nNo admin account exists yet. Open this link to create one; it works once and \
             expires in 24 hours:\n\n    {link}\n"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| {
            Failure::new(
                exit::FAILURE,
                format!("cannot listen on {}: {e}", config.listen),
            )
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))?;
    tracing::info!(%address, public_url = %settings.public_url, engine = ?store.engine(), version = hamlet_core::VERSION, "Hamlet is listening");

    let media = open_media(&config)?;
    let state = AppState::new(store.clone(), settings, media);
    let sweeper = tokio::spawn(sweep_expired(state.clone(), config.remote_media_cache));
    // The delivery worker stops with the server: requests in flight get a short grace,
    // anything unsent stays in the outbox for the next start.
    let (stopping, mut stop) = tokio::sync::watch::channel(false);
    let delivery = state.federation.delivery.clone();
    let worker = tokio::spawn(async move {
        delivery
            .run(async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            })
            .await;
    });
    let app = hamlet_api::app_with(state, hamlet_web::routes());
    let served = axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    })
    .await;
    if let Err(error) = worker.await {
        tracing::warn!(%error, "the delivery worker ended abnormally");
    }
    sweeper.abort();
    store.close().await;
    tracing::info!("stopped");
    served.map_err(|e| Failure::new(exit::FAILURE, format!("server error: {e}")))
}

/// How long handled activity ids are remembered (redeliveries stop long before).
const INBOUND_ACTIVITY_MEMORY: Duration = Duration::from_secs(14 * 24 * 3600);
/// Uploads no post used are removed after a day.
const UNATTACHED_MEDIA_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// Remote actors refreshed per hour (the stalest first), so profiles stay current even
/// when their servers send no `Update`.
const ACTOR_REFRESHES_PER_HOUR: u32 = 50;

/// Once an hour: forgets expired authorization codes and old handled-activity ids, and
/// refreshes the stalest remote profiles.
/// The media storage the configuration names.
pub fn open_media(config: &Config) -> Result<hamlet_media::MediaStorage, Failure> {
    match &config.media_s3 {
        Some(s3) => hamlet_media::MediaStorage::s3(s3),
        None => hamlet_media::MediaStorage::local(&config.media_dir),
    }
    .map_err(|e| Failure::new(exit::FAILURE, e.to_string()))
}

async fn sweep_expired(state: AppState, remote_media_cache: Duration) {
    let (store, federation) = (&state.store, &state.federation);
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        let now = hamlet_core::Timestamp::now();
        if let Err(error) = store.delete_expired_authorization_codes(now).await {
            tracing::warn!(%error, "could not delete expired authorization codes");
        }
        let before = hamlet_core::Timestamp::from_millis(
            now.as_millis() - INBOUND_ACTIVITY_MEMORY.as_millis() as i64,
        );
        if let Err(error) = store.prune_inbound_activities(before).await {
            tracing::warn!(%error, "could not prune handled activity ids");
        }
        if let Err(error) = store.prune_web_sessions(now).await {
            tracing::warn!(%error, "could not forget expired web sessions");
        }
        let ago = |d: Duration| {
            hamlet_core::Timestamp::from_millis(now.as_millis() - d.as_millis() as i64)
        };
        if let Err(error) = hamlet_api::service::media::prune(
            store,
            &state.media,
            ago(remote_media_cache),
            ago(UNATTACHED_MEDIA_MEMORY),
        )
        .await
        {
            tracing::warn!(%error, "could not prune media");
        }
        if let Err(error) = federation
            .refresh_stale_actors(ACTOR_REFRESHES_PER_HOUR)
            .await
        {
            tracing::warn!(%error, "could not refresh remote profiles");
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
