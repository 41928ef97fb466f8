//! OAuth storage: codes are spent exactly once, replays revoke, tokens revoke per app.

use hamlet_core::keys::AccountKeys;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::scope::Scopes;
use hamlet_core::username::Username;
use hamlet_core::{Id, Timestamp, secret};
use hamlet_store::{
    Application, CodeRedemption, NewAccessToken, NewApplication, NewAuthorizationCode, NewMember,
    Store,
};
use hamlet_testkit::TestDb;

async fn setup(store: &Store) -> (Application, Id) {
    let member = store
        .insert_member(NewMember {
            username: Username::parse("alice").unwrap(),
            password_hash: Password::parse("a good password").unwrap().hash(),
            role: Role::Member,
            email: None,
            display_name: String::new(),
            keys: AccountKeys::generate(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let app = store
        .insert_application(NewApplication {
            client_id: "client".into(),
            client_secret_digest: secret::digest("secret"),
            name: "App".into(),
            website: Some("https://app.example".into()),
            redirect_uris: vec![
                "https://app.example/cb".into(),
                "urn:ietf:wg:oauth:2.0:oob".into(),
            ],
            scopes: Scopes::parse("read write").unwrap(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    (app, member.account.id)
}

async fn issue_code(store: &Store, app: &Application, account: Id, code: &str) {
    let now = Timestamp::now();
    store
        .insert_authorization_code(NewAuthorizationCode {
            code_digest: secret::digest(code),
            application_id: app.id,
            account_id: account,
            redirect_uri: "https://app.example/cb".into(),
            scopes: Scopes::parse("read").unwrap(),
            code_challenge: Some("challenge".into()),
            created_at: now,
            expires_at: now.plus(std::time::Duration::from_secs(600)),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn applications_round_trip() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, _) = setup(&store).await;
    let found = store
        .application_by_client_id("client")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, app);
    assert_eq!(found.redirect_uris.len(), 2);
    assert_eq!(store.application_by_id(app.id).await.unwrap(), Some(app));
    assert!(
        store
            .application_by_client_id("other")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_code_is_spent_once_and_a_replay_revokes_its_tokens() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, account) = setup(&store).await;
    issue_code(&store, &app, account, "the-code").await;
    let digest = secret::digest("the-code");
    let grant = match store
        .redeem_authorization_code(&digest, Timestamp::now())
        .await
        .unwrap()
    {
        CodeRedemption::Redeemed(grant) => grant,
        other => panic!("expected a redemption, got {other:?}"),
    };
    assert_eq!(grant.account_id, account);
    assert_eq!(grant.code_challenge.as_deref(), Some("challenge"));
    store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest("token"),
            application_id: app.id,
            account_id: Some(account),
            authorization_code_digest: Some(digest.clone()),
            scopes: grant.scopes,
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_authorization_code(&digest, Timestamp::now())
            .await
            .unwrap(),
        CodeRedemption::Replayed
    );
    assert!(
        store
            .access_token_by_digest(&secret::digest("token"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .redeem_authorization_code(&secret::digest("unknown"), Timestamp::now())
            .await
            .unwrap(),
        CodeRedemption::Unknown
    );
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_succeed_once() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, account) = setup(&store).await;
    issue_code(&store, &app, account, "race").await;
    let digest = secret::digest("race");
    let attempts = (0..8).map(|_| {
        let store = store.clone();
        let digest = digest.clone();
        tokio::spawn(async move {
            store
                .redeem_authorization_code(&digest, Timestamp::now())
                .await
        })
    });
    let mut redeemed = 0;
    for attempt in attempts {
        // A losing attempt may see the code as replayed or fail on a busy database; it
        // must never redeem it.
        if let Ok(CodeRedemption::Redeemed(_)) = attempt.await.unwrap() {
            redeemed += 1;
        }
    }
    assert_eq!(redeemed, 1);
}

#[tokio::test]
async fn tokens_are_revoked_only_by_their_own_app() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, account) = setup(&store).await;
    let token = store
        .insert_access_token(NewAccessToken {
            token_digest: secret::digest("token"),
            application_id: app.id,
            account_id: Some(account),
            authorization_code_digest: None,
            scopes: Scopes::parse("read").unwrap(),
            created_at: Timestamp::now(),
        })
        .await
        .unwrap();
    let found = store
        .access_token_by_digest(&secret::digest("token"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, token);
    assert!(
        !store
            .revoke_access_token(&secret::digest("token"), Id::from_i64(1))
            .await
            .unwrap()
    );
    assert!(
        store
            .revoke_access_token(&secret::digest("token"), app.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .access_token_by_digest(&secret::digest("token"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn expired_codes_are_swept() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, account) = setup(&store).await;
    issue_code(&store, &app, account, "old").await;
    let later = Timestamp::now().plus(std::time::Duration::from_secs(3600));
    assert_eq!(
        store
            .delete_expired_authorization_codes(later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .redeem_authorization_code(&secret::digest("old"), later)
            .await
            .unwrap(),
        CodeRedemption::Unknown
    );
}

#[tokio::test]
async fn suspension_and_password_changes_void_pending_codes() {
    let db = TestDb::new().await;
    let store = db.store().await;
    let (app, account) = setup(&store).await;
    issue_code(&store, &app, account, "before-suspension").await;
    store
        .set_suspended(account, Some(Timestamp::now()))
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_authorization_code(&secret::digest("before-suspension"), Timestamp::now())
            .await
            .unwrap(),
        CodeRedemption::Unknown
    );
    store.set_suspended(account, None).await.unwrap();
    issue_code(&store, &app, account, "before-new-password").await;
    let hash = Password::parse("a new password").unwrap().hash();
    store.set_password(account, &hash).await.unwrap();
    assert_eq!(
        store
            .redeem_authorization_code(&secret::digest("before-new-password"), Timestamp::now())
            .await
            .unwrap(),
        CodeRedemption::Unknown
    );
}
