//! Waiting for what happens in the background (deliveries, workers).

use std::time::Duration;

/// Polls `check` every 100 ms until it holds, for at most 20 s; then fails the test,
/// saying `what` was awaited.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}
