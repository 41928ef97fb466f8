//! Name resolution with the SSRF guard applied at connect time.
//!
//! reqwest asks [`GuardedResolver`] for the addresses of every host it connects to (a
//! pooled connection was made through it too). The guard refuses the whole answer when
//! *any* address in it is forbidden, rather than filtering the bad ones out: an answer that
//! mixes public and internal addresses is a rebinding trick, not a real server, and
//! filtering would make the outcome depend on address order and Happy Eyeballs timing.
//!
//! IP-literal hosts never reach a resolver (hyper connects to them directly); the client
//! checks those itself before sending (see `OutboundClient`).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use super::address::AddressPolicy;

/// The future a [`HostResolver`] returns.
pub type ResolveFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses. The production implementation is
/// [`SystemResolver`]; tests inject a [`StaticResolver`] so that "evil.example resolves to
/// 127.0.0.1" needs no real DNS. Whatever it returns passes the SSRF guard afterwards.
pub trait HostResolver: Send + Sync {
    /// Resolves `host` (a lowercase domain name, never an IP literal in practice).
    fn resolve(&self, host: &str) -> ResolveFuture;
}

/// The operating system's resolver, through `tokio::net::lookup_host`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn resolve(&self, host: &str) -> ResolveFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|addr| addr.ip()).collect())
        })
    }
}

/// A fixed table of names and their addresses, for tests. Unknown names fail to resolve
/// (there is no fallback to real DNS).
#[derive(Clone, Debug, Default)]
pub struct StaticResolver {
    table: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the addresses of `host`.
    pub fn with(mut self, host: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.table
            .insert(host.to_ascii_lowercase(), addrs.into_iter().collect());
        self
    }
}

impl HostResolver for StaticResolver {
    fn resolve(&self, host: &str) -> ResolveFuture {
        let answer = self.table.get(&host.to_ascii_lowercase()).cloned();
        let host = host.to_owned();
        Box::pin(async move {
            answer.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{host} is not in the static resolver's table"),
                )
            })
        })
    }
}

/// The guard refused a host because one of its addresses is forbidden. Travels inside
/// reqwest's error chain and is turned back into `FetchError::ForbiddenAddress`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GuardRefusal {
    pub(crate) host: String,
    pub(crate) addr: IpAddr,
}

impl fmt::Display for GuardRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves to the forbidden address {}",
            self.host, self.addr
        )
    }
}

impl std::error::Error for GuardRefusal {}

/// RFC 6761: `localhost` and names under it are loopback, whatever a resolver says.
fn is_localhost_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host
            .get(host.len().saturating_sub(".localhost".len())..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
}

/// Resolves `host` with `resolver` and applies `policy` to every address.
pub(crate) async fn resolve_guarded(
    resolver: &dyn HostResolver,
    policy: AddressPolicy,
    host: &str,
) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let addrs = if is_localhost_name(host) {
        vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]
    } else {
        resolver.resolve(host).await?
    };
    if addrs.is_empty() {
        return Err(format!("{host} has no addresses").into());
    }
    if let Some(&addr) = addrs.iter().find(|&&addr| !policy.permits(addr)) {
        tracing::warn!(%host, %addr, "refused to connect: forbidden address");
        return Err(Box::new(GuardRefusal {
            host: host.to_owned(),
            addr,
        }));
    }
    Ok(addrs)
}

/// The resolver reqwest uses: [`HostResolver`] plus the SSRF guard.
pub(crate) struct GuardedResolver {
    pub(crate) inner: Arc<dyn HostResolver>,
    pub(crate) policy: AddressPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let inner = Arc::clone(&self.inner);
        let policy = self.policy;
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addrs = resolve_guarded(inner.as_ref(), policy, &host).await?;
            // Port 0: reqwest substitutes the URL's port or the scheme's default.
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn refuses_when_any_address_is_forbidden() {
        let resolver = StaticResolver::new()
            .with("mixed.example", [ip("93.184.215.14"), ip("10.0.0.1")])
            .with("public.example", [ip("93.184.215.14"), ip("2a01:4f8::1")])
            .with("empty.example", []);
        let policy = AddressPolicy::PUBLIC_ONLY;

        let err = resolve_guarded(&resolver, policy, "mixed.example")
            .await
            .unwrap_err();
        let refusal = err.downcast_ref::<GuardRefusal>().expect("a guard refusal");
        assert_eq!(refusal.addr, ip("10.0.0.1"));

        let ok = resolve_guarded(&resolver, policy, "public.example")
            .await
            .unwrap();
        assert_eq!(ok.len(), 2);

        let err = resolve_guarded(&resolver, policy, "empty.example")
            .await
            .unwrap_err();
        assert!(err.downcast_ref::<GuardRefusal>().is_none());
        assert!(
            resolve_guarded(&resolver, policy, "unknown.example")
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn localhost_names_are_loopback_whatever_the_resolver_says() {
        let resolver = StaticResolver::new().with("localhost", [ip("93.184.215.14")]);
        for host in ["localhost", "LOCALHOST.", "app.localhost", "a.b.localhost"] {
            let err = resolve_guarded(&resolver, AddressPolicy::PUBLIC_ONLY, host)
                .await
                .unwrap_err();
            assert!(err.downcast_ref::<GuardRefusal>().is_some(), "{host}");
            let ok = resolve_guarded(&resolver, AddressPolicy::PUBLIC_AND_LOOPBACK, host)
                .await
                .unwrap();
            assert!(ok.iter().all(IpAddr::is_loopback), "{host}");
        }
        assert!(!is_localhost_name("notlocalhost"));
        assert!(!is_localhost_name("localhost.example"));
    }
}
