//! Two Hamlet instances on loopback talk ActivityPub to each other: discovery, signed
//! fetches, signed deliveries through the durable outbox, and the inbox handlers.

use std::time::Duration;

use hamlet_core::role::Role;
use hamlet_testkit::{TestApp, spawn_federating_app};

fn domain(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Polls `check` until it holds (deliveries are asynchronous), for at most 15 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn a_member_follows_a_member_of_another_instance() {
    let a = spawn_federating_app().await;
    let b = spawn_federating_app().await;
    let alice = a.create_member("alice", Role::Member).await;
    b.create_member("bob", Role::Member).await;

    // A learns about bob through WebFinger and his actor document.
    let bob_on_a = a
        .federation
        .resolve_handle("bob", &domain(&b))
        .await
        .expect("resolve bob@b");
    assert_eq!(bob_on_a.account.acct(), format!("bob@{}", domain(&b)));
    assert_eq!(bob_on_a.uri(), format!("{}/users/bob", b.address));

    // Alice asks to follow; B accepts on bob's behalf (he is not locked).
    let alice_id = alice.member.account.id;
    a.store
        .follow(alice_id, bob_on_a.account.id, true, true, false, hamlet_core::Timestamp::now())
        .await
        .unwrap();
    a.federation
        .send_follow(&alice.member.account, &bob_on_a.account)
        .await
        .unwrap();

    eventually("B records alice as bob's follower", || async {
        let Some(alice_on_b) = b
            .store
            .remote_account_by_uri(&format!("{}/users/alice", a.address))
            .await
            .unwrap()
        else {
            return false;
        };
        let bob = b.store.member_by_username("bob").await.unwrap().unwrap();
        b.store
            .follows_or_requested(alice_on_b.account.id, bob.account.id)
            .await
            .unwrap()
            .0
    })
    .await;
    eventually("A sees the Accept: alice follows bob", || async {
        a.store
            .follows_or_requested(alice_id, bob_on_a.account.id)
            .await
            .unwrap()
            == (true, false)
    })
    .await;
}
