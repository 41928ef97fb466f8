//! The delivery worker: sends what the outbox (`hamlet_store`'s delivery queue) holds.
//!
//! [`DeliveryWorker::run`] loops: it leases as many due deliveries as it has free slots
//! (at most `concurrency` requests in flight, one per inbox: the queue already holds one
//! row per shared inbox), signs each as its activity's author (a member, or the instance
//! actor) and POSTs it through the one outbound client, then records the outcome:
//!
//! - accepted (2xx): the delivery is done, its domain healthy;
//! - `410 Gone`: every pending delivery to that inbox is dropped;
//! - refused for good (other 4xx), or refused by the client itself (policy, address
//!   guard): dropped, logged;
//! - anything else (5xx, 408, 429, timeouts, network errors): retried with exponential
//!   backoff and jitter ([`Backoff`]) until the retry horizon (7 days by default), then
//!   dropped. A domain failing continuously for `pause_after` is paused: its deliveries
//!   wait, one of them is tried every `probe_interval`, and a success (or the domain
//!   contacting us, see `Store::record_domain_contact`) resumes it.
//!
//! When nothing is due the worker sleeps until the next delivery falls due, or until
//! [`DeliveryWaker::wake`] is called after something was enqueued. Leases make it safe
//! to kill the process at any moment: whatever was in flight is sent again (at least
//! once) when its lease expires, by this process after a restart or by another one.

mod backoff;

pub use backoff::{
    Backoff, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_RETRY_HORIZON, Retry, should_pause,
};

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hamlet_core::keys::AccountKeys;
use hamlet_core::{Id, Timestamp};
use hamlet_store::{ClaimedDelivery, Store, StoreError};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use crate::client::{DeliveryOutcome, OutboundClient, RequestSigner, RetryReason};
use crate::instance::LocalInstance;
use crate::signature::SignatureScheme;
use crate::signer::KeySigner;

/// The worker's settings. [`DeliveryConfig::default`] is what production uses.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Deliveries leased per claim at most.
    pub batch: usize,
    /// How long a claim holds a delivery. Must comfortably exceed the client's total
    /// timeout: a delivery still in flight when its lease expires may be sent twice.
    pub lease: Duration,
    /// The delay after the first failure; it doubles with each further failure.
    pub backoff_base: Duration,
    /// The longest delay between two attempts.
    pub backoff_cap: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// How long after its creation a delivery is retried before it is dropped.
    pub retry_horizon: Duration,
    /// A domain failing continuously for this long is paused.
    pub pause_after: Duration,
    /// How often a paused domain gets one delivery as a probe.
    pub probe_interval: Duration,
    /// The longest sleep when nothing is due (deliveries enqueued by another process
    /// without a wake-up are found within this).
    pub idle_poll: Duration,
    /// The wait after a database error.
    pub error_backoff: Duration,
    /// How often deliveries past the horizon (those of paused domains) are swept.
    pub sweep_interval: Duration,
    /// How long `run` waits for requests in flight when asked to stop; those still
    /// running then are abandoned to their leases.
    pub shutdown_grace: Duration,
    /// How deliveries are signed.
    pub signature_scheme: SignatureScheme,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            concurrency: 8,
            batch: 32,
            lease: Duration::from_secs(5 * 60),
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            retry_horizon: DEFAULT_RETRY_HORIZON,
            pause_after: Duration::from_secs(2 * 24 * 60 * 60),
            probe_interval: Duration::from_secs(6 * 60 * 60),
            idle_poll: Duration::from_secs(60),
            error_backoff: Duration::from_secs(5),
            sweep_interval: Duration::from_secs(60 * 60),
            shutdown_grace: Duration::from_secs(10),
            signature_scheme: SignatureScheme::Cavage,
        }
    }
}

impl DeliveryConfig {
    /// The retry schedule these settings describe.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base: self.backoff_base,
            cap: self.backoff_cap,
            horizon: self.retry_horizon,
            max_retry_after: self.max_retry_after,
        }
    }
}

/// Wakes the worker after something was enqueued. Cheap to clone; a wake-up while the
/// worker is busy is remembered, not lost.
#[derive(Clone, Debug, Default)]
pub struct DeliveryWaker {
    notify: Arc<Notify>,
}

impl DeliveryWaker {
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

/// The delivery worker. Cheap to clone; run it once per process (several processes may
/// each run one on the same database).
#[derive(Clone)]
pub struct DeliveryWorker {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    client: OutboundClient,
    local: LocalInstance,
    config: DeliveryConfig,
    backoff: Backoff,
    waker: DeliveryWaker,
    signers: Mutex<HashMap<Option<Id>, CachedSigner>>,
}

#[derive(Clone)]
struct CachedSigner {
    loaded: Instant,
    signer: Arc<KeySigner>,
}

/// Signers are re-read from the store after this long (keys are rarely rotated).
const SIGNER_CACHE_TTL: Duration = Duration::from_secs(5 * 60);
/// The shortest sleep between two claims when something seems due.
const MIN_SLEEP: Duration = Duration::from_millis(50);

/// Why a delivery has no signer.
enum SignerProblem {
    /// It never will (the account is gone or not local, the key is unusable): drop it.
    Permanent(String),
    /// The database failed: leave it to its lease.
    Transient(StoreError),
}

impl std::fmt::Debug for DeliveryWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryWorker")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl DeliveryWorker {
    /// A worker sending through `client` (the one door out) what `store` holds, signing
    /// with the keys of `local`'s accounts.
    pub fn new(
        store: Store,
        client: OutboundClient,
        local: LocalInstance,
        mut config: DeliveryConfig,
    ) -> DeliveryWorker {
        config.concurrency = config.concurrency.max(1);
        config.batch = config.batch.max(1);
        let total_timeout = client.config().total_timeout;
        if config.lease <= total_timeout {
            tracing::warn!(
                lease = ?config.lease,
                ?total_timeout,
                "the delivery lease is not longer than the client's timeout: slow \
                 deliveries may be sent twice"
            );
        }
        let backoff = config.backoff();
        DeliveryWorker {
            inner: Arc::new(Inner {
                store,
                client,
                local,
                config,
                backoff,
                waker: DeliveryWaker::default(),
                signers: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn config(&self) -> &DeliveryConfig {
        &self.inner.config
    }

    /// A handle that wakes this worker (give it to whatever enqueues deliveries).
    pub fn waker(&self) -> DeliveryWaker {
        self.inner.waker.clone()
    }

    /// Wakes the worker: something was enqueued.
    pub fn wake(&self) {
        self.inner.waker.wake();
    }

    /// Delivers until `shutdown` completes, then waits up to `shutdown_grace` for the
    /// requests in flight. Database errors are logged and retried; this never returns
    /// early.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let config = &self.inner.config;
        let slots = Arc::new(Semaphore::new(config.concurrency));
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut next_sweep = Instant::now();
        tracing::info!(concurrency = config.concurrency, "delivery worker started");
        loop {
            while let Some(done) = tasks.try_join_next() {
                log_task_end(done);
            }
            if Instant::now() >= next_sweep {
                self.sweep().await;
                next_sweep = Instant::now() + config.sweep_interval;
            }
            let free = slots.available_permits().min(config.batch);
            let sleep = if free == 0 {
                // Every slot is busy: the next finished request wakes us.
                config.idle_poll
            } else {
                match self.claim(free).await {
                    Ok(claimed) => {
                        let full = claimed.len() == free;
                        self.dispatch(claimed, &slots, &mut tasks).await;
                        if full {
                            // There may be more due right now.
                            continue;
                        }
                        self.until_next_due().await
                    }
                    Err(error) => {
                        tracing::warn!(%error, "claiming deliveries failed");
                        config.error_backoff
                    }
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = self.inner.waker.notify.notified() => {}
                () = tokio::time::sleep(sleep) => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => log_task_end(done),
            }
        }
        let in_flight = tasks.len();
        if in_flight > 0 {
            let drain = async {
                while let Some(done) = tasks.join_next().await {
                    log_task_end(done);
                }
            };
            if tokio::time::timeout(config.shutdown_grace, drain)
                .await
                .is_err()
            {
                tracing::warn!(
                    remaining = tasks.len(),
                    "stopping with deliveries in flight: they will be sent again when \
                     their leases expire"
                );
                tasks.abort_all();
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Leases up to `limit` deliveries: probes of paused domains first, then due ones.
    async fn claim(&self, limit: usize) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let inner = &self.inner;
        let now = Timestamp::now();
        let next_probe = now.plus(inner.config.probe_interval);
        let mut claimed = inner
            .store
            .claim_probes(now, limit, inner.config.lease, next_probe)
            .await?;
        for probe in &claimed {
            tracing::info!(domain = %probe.domain, "probing a paused domain");
        }
        if claimed.len() < limit {
            let due = inner
                .store
                .claim_deliveries(now, limit - claimed.len(), inner.config.lease)
                .await?;
            claimed.extend(due);
        }
        Ok(claimed)
    }

    /// Starts one task per claimed delivery, each holding a slot.
    async fn dispatch(
        &self,
        claimed: Vec<ClaimedDelivery>,
        slots: &Arc<Semaphore>,
        tasks: &mut JoinSet<()>,
    ) {
        let mut signers: HashMap<Option<Id>, Result<Arc<KeySigner>, Arc<SignerProblem>>> =
            HashMap::new();
        for delivery in claimed {
            let signer = match signers.get(&delivery.signer) {
                Some(signer) => signer.clone(),
                None => {
                    let signer = self.signer(delivery.signer).await.map_err(Arc::new);
                    signers.insert(delivery.signer, signer.clone());
                    signer
                }
            };
            let Ok(slot) = Arc::clone(slots).try_acquire_owned() else {
                // Never happens (no more are claimed than slots are free); if it did, the
                // lease brings the delivery back.
                tracing::error!("no free delivery slot for a claimed delivery");
                continue;
            };
            let inner = Arc::clone(&self.inner);
            tasks.spawn(async move {
                deliver(&inner, delivery, signer).await;
                drop(slot);
            });
        }
    }

    /// The signer of deliveries sent as `account` (`None`: the instance actor).
    async fn signer(&self, account: Option<Id>) -> Result<Arc<KeySigner>, SignerProblem> {
        let inner = &self.inner;
        if let Some(cached) = inner.signers.lock().expect("signer cache").get(&account)
            && cached.loaded.elapsed() < SIGNER_CACHE_TTL
        {
            return Ok(Arc::clone(&cached.signer));
        }
        let scheme = inner.config.signature_scheme;
        let (key_id, pem) = match account {
            Some(id) => {
                let key = inner
                    .store
                    .local_signing_key(id)
                    .await
                    .map_err(SignerProblem::Transient)?
                    .ok_or_else(|| {
                        SignerProblem::Permanent(format!("account {id} has no local signing key"))
                    })?;
                (inner.local.key_id(&key.username), key.private_key_pem)
            }
            None => {
                let keys = inner
                    .store
                    .instance_keys(AccountKeys::generate, Timestamp::now())
                    .await
                    .map_err(SignerProblem::Transient)?;
                (inner.local.instance_key_id(), keys.private_key_pem)
            }
        };
        let signer = KeySigner::from_pem(key_id, &pem, scheme)
            .map(Arc::new)
            .map_err(|error| SignerProblem::Permanent(format!("unusable private key: {error}")))?;
        inner.signers.lock().expect("signer cache").insert(
            account,
            CachedSigner {
                loaded: Instant::now(),
                signer: Arc::clone(&signer),
            },
        );
        Ok(signer)
    }

    /// How long to sleep: until the next delivery falls due, within bounds.
    async fn until_next_due(&self) -> Duration {
        let config = &self.inner.config;
        match self.inner.store.next_delivery_due().await {
            Ok(None) => config.idle_poll,
            Ok(Some(due)) => {
                let wait = due.as_millis().saturating_sub(Timestamp::now().as_millis());
                let wait = Duration::from_millis(u64::try_from(wait).unwrap_or(0));
                wait.clamp(MIN_SLEEP, config.idle_poll.max(MIN_SLEEP))
            }
            Err(error) => {
                tracing::warn!(%error, "reading the delivery queue failed");
                config.error_backoff
            }
        }
    }

    /// Drops deliveries whose retries ended long ago without a final attempt (those of
    /// domains paused until past their horizon).
    async fn sweep(&self) {
        let config = &self.inner.config;
        let now = Timestamp::now();
        let age = config.retry_horizon.saturating_add(config.backoff_cap);
        let cutoff = Timestamp::from_millis(
            now.as_millis()
                .saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX)),
        );
        match self
            .inner
            .store
            .abandon_expired_deliveries(cutoff, now)
            .await
        {
            Ok(0) => {}
            Ok(dropped) => {
                tracing::warn!(dropped, "dropped deliveries past the retry horizon");
            }
            Err(error) => tracing::warn!(%error, "sweeping expired deliveries failed"),
        }
    }
}

fn log_task_end(done: Result<(), tokio::task::JoinError>) {
    if let Err(error) = done
        && error.is_panic()
    {
        tracing::error!(%error, "a delivery task panicked; its lease will bring it back");
    }
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    hamlet_core::secret::fill_random(&mut bytes);
    u64::from_le_bytes(bytes)
}

fn retry_reason(reason: &RetryReason) -> String {
    match reason {
        RetryReason::Status(status) => format!("status {status}"),
        RetryReason::Timeout => "timed out".to_owned(),
        RetryReason::Network(message) => format!("network error: {message}"),
    }
}

/// Sends one delivery and records what happened. A failure to record is logged: the
/// lease then brings the delivery back (at least once).
async fn deliver(
    inner: &Inner,
    mut delivery: ClaimedDelivery,
    signer: Result<Arc<KeySigner>, Arc<SignerProblem>>,
) {
    let store = &inner.store;
    let recorded = async {
        let signer = match signer {
            Ok(signer) => signer,
            Err(problem) => match problem.as_ref() {
                SignerProblem::Permanent(why) => {
                    tracing::warn!(
                        activity = %delivery.activity_uri,
                        inbox = %delivery.inbox_url,
                        reason = %why,
                        "dropping a delivery that cannot be signed"
                    );
                    return store.delivery_abandoned(&delivery).await;
                }
                SignerProblem::Transient(error) => {
                    tracing::warn!(%error, "loading a signing key failed; retrying later");
                    return Ok(());
                }
            },
        };
        let Ok(inbox) = Url::parse(&delivery.inbox_url) else {
            tracing::warn!(inbox = %delivery.inbox_url, "dropping a delivery to an invalid inbox URL");
            return store.delivery_abandoned(&delivery).await;
        };
        let body = std::mem::take(&mut delivery.body).into_bytes();
        let sent = inner
            .client
            .post_activity(&inbox, body, Some(signer.as_ref() as &dyn RequestSigner))
            .await;
        let now = Timestamp::now();
        match sent {
            Ok(DeliveryOutcome::Delivered { status }) => {
                tracing::debug!(
                    activity = %delivery.activity_uri,
                    inbox = %delivery.inbox_url,
                    status,
                    "delivered"
                );
                store.delivery_succeeded(&delivery, now).await
            }
            Ok(DeliveryOutcome::Gone) => {
                let dropped = store.inbox_gone(&delivery.inbox_url).await?;
                tracing::info!(
                    inbox = %delivery.inbox_url,
                    dropped,
                    "the inbox is gone (410): dropped its deliveries"
                );
                store.domain_reachable(&delivery.domain, now).await
            }
            Ok(DeliveryOutcome::PermanentFailure { status }) => {
                tracing::warn!(
                    activity = %delivery.activity_uri,
                    inbox = %delivery.inbox_url,
                    status,
                    "the inbox refused the activity; not retrying"
                );
                store.delivery_abandoned(&delivery).await?;
                store.domain_reachable(&delivery.domain, now).await
            }
            Ok(DeliveryOutcome::Retryable {
                reason,
                retry_after,
            }) => {
                let reason = retry_reason(&reason);
                let failures = delivery.attempts.saturating_add(1);
                match inner.backoff.next_attempt(
                    delivery.created_at,
                    now,
                    failures,
                    retry_after,
                    random_u64(),
                ) {
                    Retry::At(next) => {
                        tracing::debug!(
                            inbox = %delivery.inbox_url,
                            %reason,
                            failures,
                            "delivery failed; will retry"
                        );
                        let health = store.delivery_failed(&delivery, &reason, next, now).await?;
                        if should_pause(&health, now, inner.config.pause_after) {
                            tracing::warn!(
                                domain = %delivery.domain,
                                failures = health.consecutive_failures,
                                "the domain has been failing for long: pausing deliveries to it"
                            );
                            store
                                .pause_domain(
                                    &delivery.domain,
                                    now.plus(inner.config.probe_interval),
                                )
                                .await?;
                        }
                        Ok(())
                    }
                    Retry::GiveUp => {
                        tracing::warn!(
                            activity = %delivery.activity_uri,
                            inbox = %delivery.inbox_url,
                            %reason,
                            failures,
                            "giving up a delivery after the retry horizon"
                        );
                        store.delivery_abandoned(&delivery).await
                    }
                }
            }
            Err(refused) => {
                tracing::warn!(
                    activity = %delivery.activity_uri,
                    inbox = %delivery.inbox_url,
                    error = %refused,
                    "the outbound client refused the delivery; dropping it"
                );
                store.delivery_abandoned(&delivery).await
            }
        }
    };
    if let Err(error) = recorded.await {
        tracing::warn!(
            %error,
            inbox = %delivery.inbox_url,
            "recording a delivery outcome failed; it will be retried when its lease expires"
        );
    }
}
