//! The delivery queue: the transactional outbox of activities to send to other servers.
//!
//! A local change that must reach other servers writes, in its own transaction, one
//! `outbound_activities` row (the JSON body and who signs it) and one `deliveries` row per
//! inbox, with `enqueue_outbound!` (or [`Store::enqueue`] when there is no other change).
//! Inboxes are resolved there, in SQL: each remote account's shared inbox when it has one,
//! else its own, once per inbox whatever the number of recipients behind it.
//!
//! Workers lease due rows ([`Store::claim_deliveries`]): a lease is a deadline, not a lock,
//! so when a worker dies (even `kill -9`) its rows become due again when the lease expires
//! and another worker sends them. Delivery is therefore at least once. While leased, a
//! row's `next_attempt_at` equals its `leased_until`, so a single ordered scan finds every
//! due row, expired leases included.
//!
//! Each remote domain has a health record. The worker pauses a domain that has failed
//! continuously for long ([`Store::pause_domain`]); a paused domain's rows are not claimed,
//! except one at a time as a probe when its `paused_until` passes
//! ([`Store::claim_probes`]). A success, or the domain contacting us
//! ([`Store::record_domain_contact`]), resumes it. An activity row is deleted with its last
//! delivery.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// Who receives an activity. Inboxes are resolved when the activity is enqueued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryTargets {
    /// The remote followers of this (local) account.
    pub followers_of: Option<Id>,
    /// Specific remote accounts: those mentioned, the account followed, ...
    pub accounts: Vec<Id>,
    /// Explicit inbox URLs.
    pub inboxes: Vec<String>,
}

/// An activity to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// The local account it is sent (and signed) as; `None` for the instance actor.
    pub signer: Option<Id>,
    /// The activity's `id`, for logs.
    pub activity_uri: String,
    /// The JSON document POSTed to every inbox.
    pub body: String,
    pub targets: DeliveryTargets,
}

/// A delivery leased by a worker: send `body` to `inbox_url`, then report the outcome
/// with the same value (its lease identifies the claim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: Id,
    pub activity_id: Id,
    pub activity_uri: String,
    pub inbox_url: String,
    /// The inbox's host (and port when not the default), lowercase.
    pub domain: String,
    pub body: String,
    /// `None`: signed as the instance actor.
    pub signer: Option<Id>,
    /// Failed attempts so far.
    pub attempts: u32,
    pub created_at: Timestamp,
    /// Until when this claim holds the row.
    pub leased_until: Timestamp,
}

/// A delivery waiting in the queue (for inspection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDelivery {
    pub id: Id,
    pub activity_id: Id,
    pub inbox_url: String,
    pub domain: String,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub leased_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

/// How a remote domain has been answering our deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainHealth {
    pub domain: String,
    /// Failed attempts since the last success.
    pub consecutive_failures: u64,
    /// The first of those failures: the domain has been failing since then.
    pub first_failure_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    /// Set while the domain is paused: when it gets its next probe.
    pub paused_until: Option<Timestamp>,
}

/// Sizes of the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryQueueStats {
    pub activities: u64,
    pub deliveries: u64,
    /// Deliveries currently leased by a worker.
    pub leased: u64,
    pub paused_domains: u64,
}

/// What a local account signs with.
#[derive(Clone)]
pub struct LocalSigningKey {
    pub username: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for LocalSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSigningKey")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 500;
/// Rows inserted per statement (6 parameters each: far below both engines' limits).
pub(crate) const INSERT_CHUNK: usize = 200;

/// The domain of an inbox URL: its host, lowercase, with the port when it is not the
/// scheme's default. `None` for anything but an absolute http(s) URL with a host.
pub(crate) fn inbox_domain(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    if host.is_empty() || host.starts_with(':') || host.contains(char::is_whitespace) {
        return None;
    }
    Some(host.to_owned())
}

/// The inboxes to deliver to, each once, with their domains: `resolved` (from accounts)
/// first, then the explicit ones. Unusable URLs are left out (and logged).
pub(crate) fn plan_inboxes(resolved: Vec<String>, explicit: &[String]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut plan = Vec::new();
    for inbox in resolved.into_iter().chain(explicit.iter().cloned()) {
        if seen.contains(&inbox) {
            continue;
        }
        match inbox_domain(&inbox) {
            Some(domain) => {
                seen.insert(inbox.clone());
                plan.push((inbox, domain));
            }
            None => tracing::warn!(inbox = %inbox, "not delivering to an unusable inbox URL"),
        }
    }
    plan
}

fn truncate_error(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((end, _)) => format!("{}…", &error[..end]),
        None => error.to_owned(),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Enqueues `$outbound` (`&Outbound`) inside the open transaction `$tx` of the change that
/// causes it: the change and its deliveries are committed together, or not at all.
/// Evaluates to the number of deliveries created (`usize`); with no inbox to deliver to,
/// nothing is written and it is 0.
///
/// Remote accounts among the targets (and the remote followers of `followers_of`) are
/// resolved to their shared inbox, else their inbox; suspended accounts, local accounts
/// and accounts without an inbox are skipped. Each inbox gets one delivery.
macro_rules! enqueue_outbound {
    ($tx:expr, $outbound:expr, $now:expr) => {{
        let outbound: &$crate::Outbound = $outbound;
        let now: hamlet_core::Timestamp = $now;
        let targets = &outbound.targets;
        let mut resolved: Vec<String> = Vec::new();
        if targets.followers_of.is_some() || !targets.accounts.is_empty() {
            let mut builder = sqlx::QueryBuilder::new(
                "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM accounts a \
                 WHERE a.domain IS NOT NULL AND a.suspended_at IS NULL \
                 AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL \
                 AND (a.id IN (SELECT f.account_id FROM follows f WHERE f.target_account_id = ",
            );
            builder.push_bind(targets.followers_of.map(hamlet_core::Id::as_i64));
            builder.push(") OR a.id IN (");
            if targets.accounts.is_empty() {
                builder.push("NULL");
            } else {
                let mut list = builder.separated(", ");
                for id in &targets.accounts {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push("))");
            resolved = builder
                .build_query_scalar::<String>()
                .fetch_all(&mut *$tx)
                .await?;
            // DISTINCT leaves the order to the engine; keep it stable.
            resolved.sort();
        }
        let plan = $crate::deliveries::plan_inboxes(resolved, &targets.inboxes);
        let mut created: u64 = 0;
        if !plan.is_empty() {
            let activity_id = hamlet_core::Id::generate(now).as_i64();
            sqlx::query(
                "INSERT INTO outbound_activities (id, signer_account_id, activity_uri, body, \
                 created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(activity_id)
            .bind(outbound.signer.map(hamlet_core::Id::as_i64))
            .bind(outbound.activity_uri.as_str())
            .bind(outbound.body.as_str())
            .bind(now.as_millis())
            .execute(&mut *$tx)
            .await?;
            for chunk in plan.chunks($crate::deliveries::INSERT_CHUNK) {
                let mut builder = sqlx::QueryBuilder::new(
                    "INSERT INTO deliveries (id, activity_id, inbox_url, domain, \
                     next_attempt_at, created_at) ",
                );
                builder.push_values(chunk, |mut row, (inbox, domain)| {
                    row.push_bind(hamlet_core::Id::generate(now).as_i64())
                        .push_bind(activity_id)
                        .push_bind(inbox.clone())
                        .push_bind(domain.clone())
                        .push_bind(now.as_millis())
                        .push_bind(now.as_millis());
                });
                builder.push(" ON CONFLICT (activity_id, inbox_url) DO NOTHING");
                created += builder.build().execute(&mut *$tx).await?.rows_affected();
            }
        }
        usize::try_from(created).unwrap_or(usize::MAX)
    }};
}

/// Marks `$domain` as answering, inside `$tx`: failures forgotten, pause lifted. When it
/// was paused, its waiting deliveries become due at once.
macro_rules! domain_answered {
    ($tx:expr, $domain:expr, $now:expr) => {{
        let domain: &str = $domain;
        let now: i64 = $now;
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $2 \
             WHERE domain = $1 AND next_attempt_at > $2 AND leased_until IS NULL \
             AND EXISTS (SELECT 1 FROM domain_health h \
                 WHERE h.domain = $1 AND h.paused_until IS NOT NULL)",
        )
        .bind(domain)
        .bind(now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO domain_health (domain, consecutive_failures, last_success_at) \
             VALUES ($1, 0, $2) ON CONFLICT (domain) DO UPDATE SET consecutive_failures = 0, \
             first_failure_at = NULL, paused_until = NULL, last_success_at = excluded.last_success_at",
        )
        .bind(domain)
        .bind(now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Claims due deliveries. `$lock` is `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that
/// concurrent claimers skip each other's rows; SQLite has a single writer.
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE deliveries SET leased_until = $2, next_attempt_at = $2 \
             WHERE (leased_until IS NULL OR leased_until <= $1) AND id IN ( \
                 SELECT d.id FROM deliveries d WHERE d.next_attempt_at <= $1 \
                 AND (d.leased_until IS NULL OR d.leased_until <= $1) \
                 AND NOT EXISTS (SELECT 1 FROM domain_health h \
                     WHERE h.domain = d.domain AND h.paused_until IS NOT NULL) \
                 ORDER BY d.next_attempt_at, d.id LIMIT $3",
            $lock,
            ") RETURNING id, activity_id, inbox_url, domain, attempts, created_at, leased_until"
        )
    };
}

/// Claims the oldest claimable delivery of domain `$3`, whether due or not (a probe).
macro_rules! claim_probe_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE deliveries SET leased_until = $2, next_attempt_at = $2 \
             WHERE (leased_until IS NULL OR leased_until <= $1) AND id IN ( \
                 SELECT d.id FROM deliveries d WHERE d.domain = $3 \
                 AND (d.leased_until IS NULL OR d.leased_until <= $1) \
                 ORDER BY d.next_attempt_at, d.id LIMIT 1",
            $lock,
            ") RETURNING id, activity_id, inbox_url, domain, attempts, created_at, leased_until"
        )
    };
}

/// Takes the probe of paused domains whose probe time has come, moving it to `$2`.
macro_rules! take_probes_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE domain_health SET paused_until = $2 \
             WHERE paused_until IS NOT NULL AND paused_until <= $1 AND domain IN ( \
                 SELECT h.domain FROM domain_health h \
                 WHERE h.paused_until IS NOT NULL AND h.paused_until <= $1 \
                 ORDER BY h.paused_until LIMIT $3",
            $lock,
            ") RETURNING domain"
        )
    };
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    activity_id: i64,
    inbox_url: String,
    domain: String,
    attempts: i64,
    created_at: i64,
    leased_until: i64,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    signer_account_id: Option<i64>,
    activity_uri: String,
    body: String,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    activity_id: i64,
    inbox_url: String,
    domain: String,
    attempts: i64,
    next_attempt_at: i64,
    leased_until: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct HealthRow {
    domain: String,
    consecutive_failures: i64,
    first_failure_at: Option<i64>,
    last_failure_at: Option<i64>,
    last_success_at: Option<i64>,
    paused_until: Option<i64>,
}

impl HealthRow {
    fn into_health(self) -> DomainHealth {
        DomainHealth {
            domain: self.domain,
            consecutive_failures: count(self.consecutive_failures),
            first_failure_at: self.first_failure_at.map(Timestamp::from_millis),
            last_failure_at: self.last_failure_at.map(Timestamp::from_millis),
            last_success_at: self.last_success_at.map(Timestamp::from_millis),
            paused_until: self.paused_until.map(Timestamp::from_millis),
        }
    }
}

fn attempts(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Enqueues one activity on its own (see `enqueue_outbound!` to enqueue inside the
    /// transaction of a change). Returns how many deliveries were created.
    pub async fn enqueue(&self, outbound: &Outbound, now: Timestamp) -> Result<usize, StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            let created = enqueue_outbound!(tx, outbound, now);
            tx.commit().await?;
            Ok(created)
        })
    }

    /// Leases up to `limit` due deliveries for `lease`, oldest due first, skipping paused
    /// domains. Two claimers never get the same row while its lease holds; once a lease
    /// has expired (its worker died), the row is claimable again.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = now.plus(lease).as_millis();
        macro_rules! claim {
            ($db:ident, $lock:literal) => {
                sqlx::query_as::<_, ClaimRow>(claim_sql!($lock))
                    .bind(now.as_millis())
                    .bind(until)
                    .bind(limit)
                    .fetch_all($db)
                    .await?
            };
        }
        let rows = match &self.pool {
            crate::db::Pool::Sqlite(db) => claim!(db, ""),
            crate::db::Pool::Postgres(db) => claim!(db, " FOR UPDATE SKIP LOCKED"),
        };
        self.with_activities(rows).await
    }

    /// Takes the probe of up to `limit` paused domains whose probe is due: each gets its
    /// next probe time set to `next_probe`, and one of its deliveries (the first due) is
    /// leased for `lease` and returned. A due domain with nothing to deliver just has its
    /// probe moved.
    pub async fn claim_probes(
        &self,
        now: Timestamp,
        limit: usize,
        lease: Duration,
        next_probe: Timestamp,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = now.plus(lease).as_millis();
        macro_rules! probe {
            ($db:ident, $lock:literal) => {{
                let domains: Vec<String> = sqlx::query_scalar(take_probes_sql!($lock))
                    .bind(now.as_millis())
                    .bind(next_probe.as_millis())
                    .bind(limit)
                    .fetch_all($db)
                    .await?;
                let mut rows = Vec::new();
                for domain in domains {
                    let row: Option<ClaimRow> = sqlx::query_as(claim_probe_sql!($lock))
                        .bind(now.as_millis())
                        .bind(until)
                        .bind(domain.as_str())
                        .fetch_optional($db)
                        .await?;
                    rows.extend(row);
                }
                rows
            }};
        }
        let rows = match &self.pool {
            crate::db::Pool::Sqlite(db) => probe!(db, ""),
            crate::db::Pool::Postgres(db) => probe!(db, " FOR UPDATE SKIP LOCKED"),
        };
        self.with_activities(rows).await
    }

    /// Completes claimed rows with their activity's body and signer.
    async fn with_activities(
        &self,
        rows: Vec<ClaimRow>,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut wanted: Vec<i64> = rows.iter().map(|r| r.activity_id).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let activities: Vec<ActivityRow> = with_db!(self, db => {
            let mut builder = sqlx::QueryBuilder::new(
                "SELECT id, signer_account_id, activity_uri, body FROM outbound_activities \
                 WHERE id IN (",
            );
            {
                let mut list = builder.separated(", ");
                for id in &wanted {
                    list.push_bind(*id);
                }
            }
            builder.push(")");
            builder.build_query_as::<ActivityRow>().fetch_all(db).await?
        });
        let activities: HashMap<i64, ActivityRow> =
            activities.into_iter().map(|a| (a.id, a)).collect();
        let mut claimed: Vec<ClaimedDelivery> = rows
            .into_iter()
            .filter_map(|row| {
                // Gone only if the activity was deleted meanwhile, taking the row along.
                let activity = activities.get(&row.activity_id)?;
                Some(ClaimedDelivery {
                    id: Id::from_i64(row.id),
                    activity_id: Id::from_i64(row.activity_id),
                    activity_uri: activity.activity_uri.clone(),
                    inbox_url: row.inbox_url,
                    domain: row.domain,
                    body: activity.body.clone(),
                    signer: activity.signer_account_id.map(Id::from_i64),
                    attempts: attempts(row.attempts),
                    created_at: Timestamp::from_millis(row.created_at),
                    leased_until: Timestamp::from_millis(row.leased_until),
                })
            })
            .collect();
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// The delivery was accepted: it is removed (its activity too when it was the last
    /// one) and its domain is healthy again.
    pub async fn delivery_succeeded(
        &self,
        delivery: &ClaimedDelivery,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query("DELETE FROM deliveries WHERE id = $1")
                .bind(delivery.id.as_i64())
                .execute(&mut *tx)
                .await?;
            domain_answered!(tx, delivery.domain.as_str(), now.as_millis());
            tx.commit().await?;
        });
        self.drop_finished_activities(&[delivery.activity_id]).await
    }

    /// The attempt failed and will be retried at `next_attempt_at`: the attempt is
    /// counted, the lease released, and the failure recorded against the domain, whose
    /// health is returned (the caller decides whether to pause it). A claim whose lease
    /// was lost meanwhile (taken over after expiry) leaves the row alone.
    pub async fn delivery_failed(
        &self,
        delivery: &ClaimedDelivery,
        error: &str,
        next_attempt_at: Timestamp,
        now: Timestamp,
    ) -> Result<DomainHealth, StoreError> {
        let error = truncate_error(error);
        let health: HealthRow = with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $3, \
                 leased_until = NULL, last_error = $4 WHERE id = $1 AND leased_until = $2",
            )
            .bind(delivery.id.as_i64())
            .bind(delivery.leased_until.as_millis())
            .bind(next_attempt_at.as_millis())
            .bind(error.as_str())
            .execute(&mut *tx)
            .await?;
            let health = sqlx::query_as(
                "INSERT INTO domain_health (domain, consecutive_failures, first_failure_at, \
                 last_failure_at) VALUES ($1, 1, $2, $2) ON CONFLICT (domain) DO UPDATE SET \
                 consecutive_failures = domain_health.consecutive_failures + 1, \
                 first_failure_at = COALESCE(domain_health.first_failure_at, excluded.first_failure_at), \
                 last_failure_at = excluded.last_failure_at \
                 RETURNING domain, consecutive_failures, first_failure_at, last_failure_at, \
                 last_success_at, paused_until",
            )
            .bind(delivery.domain.as_str())
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            health
        });
        Ok(health.into_health())
    }

    /// The delivery will never succeed (refused for good, or past the retry horizon): it
    /// is removed, and its activity when it was the last one.
    pub async fn delivery_abandoned(&self, delivery: &ClaimedDelivery) -> Result<(), StoreError> {
        with_db!(self, db => {
            sqlx::query("DELETE FROM deliveries WHERE id = $1")
                .bind(delivery.id.as_i64())
                .execute(db)
                .await?;
        });
        self.drop_finished_activities(&[delivery.activity_id]).await
    }

    /// The inbox answered `410 Gone`: every pending delivery to it is removed. Returns how
    /// many.
    pub async fn inbox_gone(&self, inbox_url: &str) -> Result<usize, StoreError> {
        let activities: Vec<i64> = with_db!(self, db => {
            sqlx::query_scalar("DELETE FROM deliveries WHERE inbox_url = $1 RETURNING activity_id")
                .bind(inbox_url)
                .fetch_all(db)
                .await?
        });
        let removed = activities.len();
        let mut ids: Vec<Id> = activities.into_iter().map(Id::from_i64).collect();
        ids.sort_unstable();
        ids.dedup();
        self.drop_finished_activities(&ids).await?;
        Ok(removed)
    }

    /// Deletes those of `activities` that have no delivery left. Runs after the
    /// transaction that removed a delivery has committed, so that of two workers finishing
    /// the last two deliveries of one activity at once, the later one sees both gone.
    async fn drop_finished_activities(&self, activities: &[Id]) -> Result<(), StoreError> {
        if activities.is_empty() {
            return Ok(());
        }
        with_db!(self, db => {
            let mut builder = sqlx::QueryBuilder::new(
                "DELETE FROM outbound_activities WHERE NOT EXISTS ( \
                 SELECT 1 FROM deliveries d WHERE d.activity_id = outbound_activities.id) \
                 AND id IN (",
            );
            {
                let mut list = builder.separated(", ");
                for id in activities {
                    list.push_bind(id.as_i64());
                }
            }
            builder.push(")");
            builder.build().execute(db).await?;
        });
        Ok(())
    }

    /// The domain answered a delivery (even with a refusal): its failures are forgotten
    /// and a pause is lifted.
    pub async fn domain_reachable(&self, domain: &str, now: Timestamp) -> Result<(), StoreError> {
        let domain = domain.to_ascii_lowercase();
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            domain_answered!(tx, domain.as_str(), now.as_millis());
            tx.commit().await?;
        });
        Ok(())
    }

    /// The domain contacted us (a verified inbound request): if it was paused, the pause
    /// is lifted and its deliveries are due at once. Its failure record is kept, so that
    /// a domain still unable to take deliveries is paused again at its next failure.
    /// Returns whether it was paused. Cheap when it was not (one indexed update).
    pub async fn record_domain_contact(
        &self,
        domain: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let domain = domain.to_ascii_lowercase();
        let resumed = with_db!(self, db => {
            let resumed = sqlx::query(
                "UPDATE domain_health SET paused_until = NULL \
                 WHERE domain = $1 AND paused_until IS NOT NULL",
            )
            .bind(domain.as_str())
            .execute(db)
            .await?
            .rows_affected()
                > 0;
            if resumed {
                sqlx::query(
                    "UPDATE deliveries SET next_attempt_at = $2 \
                     WHERE domain = $1 AND next_attempt_at > $2 AND leased_until IS NULL",
                )
                .bind(domain.as_str())
                .bind(now.as_millis())
                .execute(db)
                .await?;
            }
            resumed
        });
        Ok(resumed)
    }

    /// Pauses deliveries to `domain` until `until`, when one delivery is tried as a probe.
    pub async fn pause_domain(&self, domain: &str, until: Timestamp) -> Result<(), StoreError> {
        let domain = domain.to_ascii_lowercase();
        with_db!(self, db => {
            sqlx::query(
                "INSERT INTO domain_health (domain, paused_until) VALUES ($1, $2) \
                 ON CONFLICT (domain) DO UPDATE SET paused_until = excluded.paused_until",
            )
            .bind(domain.as_str())
            .bind(until.as_millis())
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// Paused domains whose probe is due, earliest first.
    pub async fn domains_due_for_probe(&self, now: Timestamp) -> Result<Vec<String>, StoreError> {
        let domains = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT domain FROM domain_health \
                 WHERE paused_until IS NOT NULL AND paused_until <= $1 \
                 ORDER BY paused_until, domain",
            )
            .bind(now.as_millis())
            .fetch_all(db)
            .await?
        });
        Ok(domains)
    }

    pub async fn domain_health(&self, domain: &str) -> Result<Option<DomainHealth>, StoreError> {
        let domain = domain.to_ascii_lowercase();
        let row: Option<HealthRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT domain, consecutive_failures, first_failure_at, last_failure_at, \
                 last_success_at, paused_until FROM domain_health WHERE domain = $1",
            )
            .bind(domain.as_str())
            .fetch_optional(db)
            .await?
        });
        Ok(row.map(HealthRow::into_health))
    }

    /// Removes deliveries created before `created_before` (past the retry horizon) that no
    /// live lease holds, and activities left without deliveries. Returns how many
    /// deliveries were removed. Paused domains' deliveries end here.
    pub async fn abandon_expired_deliveries(
        &self,
        created_before: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let removed = with_db!(self, db => {
            let removed = sqlx::query(
                "DELETE FROM deliveries WHERE created_at < $1 \
                 AND (leased_until IS NULL OR leased_until <= $2)",
            )
            .bind(created_before.as_millis())
            .bind(now.as_millis())
            .execute(db)
            .await?
            .rows_affected();
            // Activities are committed with at least one delivery, so one without any is
            // finished (an interrupted clean-up, or the deletions above).
            sqlx::query(
                "DELETE FROM outbound_activities WHERE NOT EXISTS ( \
                 SELECT 1 FROM deliveries d WHERE d.activity_id = outbound_activities.id)",
            )
            .execute(db)
            .await?;
            removed
        });
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// When the next delivery may be claimed: the earliest due time (or lease expiry) of
    /// a delivery to a domain that is not paused, or the earliest probe of a paused
    /// domain with deliveries waiting. `None` when the queue is empty.
    pub async fn next_delivery_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = with_db!(self, db => {
            sqlx::query_scalar(
                "SELECT MIN(due.t) FROM ( \
                   SELECT MIN(d.next_attempt_at) AS t FROM deliveries d \
                   WHERE NOT EXISTS (SELECT 1 FROM domain_health h \
                       WHERE h.domain = d.domain AND h.paused_until IS NOT NULL) \
                   UNION ALL \
                   SELECT MIN(h.paused_until) AS t FROM domain_health h \
                   WHERE h.paused_until IS NOT NULL \
                   AND EXISTS (SELECT 1 FROM deliveries d WHERE d.domain = h.domain) \
                 ) due",
            )
            .fetch_one(db)
            .await?
        });
        Ok(due.map(Timestamp::from_millis))
    }

    /// The deliveries waiting, oldest first, at most `limit`.
    pub async fn pending_deliveries(
        &self,
        limit: usize,
    ) -> Result<Vec<PendingDelivery>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<PendingRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT id, activity_id, inbox_url, domain, attempts, next_attempt_at, \
                 leased_until, last_error, created_at FROM deliveries ORDER BY id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(db)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|row| PendingDelivery {
                id: Id::from_i64(row.id),
                activity_id: Id::from_i64(row.activity_id),
                inbox_url: row.inbox_url,
                domain: row.domain,
                attempts: attempts(row.attempts),
                next_attempt_at: Timestamp::from_millis(row.next_attempt_at),
                leased_until: row.leased_until.map(Timestamp::from_millis),
                last_error: row.last_error,
                created_at: Timestamp::from_millis(row.created_at),
            })
            .collect())
    }

    pub async fn delivery_queue_stats(
        &self,
        now: Timestamp,
    ) -> Result<DeliveryQueueStats, StoreError> {
        let (activities, deliveries, leased, paused): (i64, i64, i64, i64) = with_db!(self, db => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM outbound_activities), \
                   (SELECT COUNT(*) FROM deliveries), \
                   (SELECT COUNT(*) FROM deliveries WHERE leased_until > $1), \
                   (SELECT COUNT(*) FROM domain_health WHERE paused_until IS NOT NULL)",
            )
            .bind(now.as_millis())
            .fetch_one(db)
            .await?
        });
        Ok(DeliveryQueueStats {
            activities: count(activities),
            deliveries: count(deliveries),
            leased: count(leased),
            paused_domains: count(paused),
        })
    }

    /// The username and private key a local account signs deliveries with; `None` for
    /// remote or unknown accounts.
    pub async fn local_signing_key(
        &self,
        account_id: Id,
    ) -> Result<Option<LocalSigningKey>, StoreError> {
        let row: Option<(String, Option<String>)> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT username, private_key_pem FROM accounts WHERE id = $1 AND domain IS NULL",
            )
            .bind(account_id.as_i64())
            .fetch_optional(db)
            .await?
        });
        Ok(row.and_then(|(username, key)| {
            key.map(|private_key_pem| LocalSigningKey {
                username,
                private_key_pem,
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_domains() {
        let cases = [
            ("https://A.Example/inbox", Some("a.example")),
            ("https://a.example:443/inbox", Some("a.example")),
            ("https://a.example:8443/inbox", Some("a.example:8443")),
            (
                "http://127.0.0.1:4000/users/x/inbox",
                Some("127.0.0.1:4000"),
            ),
            ("http://127.0.0.1:80/inbox", Some("127.0.0.1")),
            ("https://user@a.example/inbox", Some("a.example")),
            ("https://a.example?x=1", Some("a.example")),
            ("https://[::1]:4000/inbox", Some("[::1]:4000")),
            ("ftp://a.example/inbox", None),
            ("https:///inbox", None),
            ("/inbox", None),
            ("https://:443/", None),
        ];
        for (url, expected) in cases {
            assert_eq!(inbox_domain(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn plans_each_inbox_once() {
        let plan = plan_inboxes(
            vec![
                "https://a.example/inbox".into(),
                "https://b.example/inbox".into(),
            ],
            &[
                "https://a.example/inbox".into(),
                "not a url".into(),
                "https://c.example/users/x/inbox".into(),
                "https://c.example/users/x/inbox".into(),
            ],
        );
        assert_eq!(
            plan,
            vec![
                ("https://a.example/inbox".to_owned(), "a.example".to_owned()),
                ("https://b.example/inbox".to_owned(), "b.example".to_owned()),
                (
                    "https://c.example/users/x/inbox".to_owned(),
                    "c.example".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn errors_are_truncated_on_a_char_boundary() {
        assert_eq!(truncate_error("short"), "short");
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        let cut = truncate_error(&long);
        assert_eq!(cut.chars().count(), MAX_ERROR_CHARS + 1);
    }
}
