//! `spawn_app`: a real Hamlet instance, in process, on a random loopback port, with a
//! fresh database, reached over real HTTP.

use std::net::SocketAddr;

use axum::ServiceExt;
use axum::extract::Request;
use hamlet_api::service::members::{self, MemberRequest};
use hamlet_api::{AppState, Settings};
use hamlet_core::account::Member;
use hamlet_core::password::Password;
use hamlet_core::role::Role;
use hamlet_core::scope::Scopes;
use hamlet_core::username::Username;
use hamlet_core::{Timestamp, secret};
use hamlet_store::{NewAccessToken, NewApplication, Store};
use tokio::task::JoinHandle;

use crate::{TestDb, Traffic};

pub struct TestApp {
    /// `http://127.0.0.1:PORT`, which is also the instance's public URL.
    pub address: String,
    pub store: Store,
    /// A client that does not follow redirects, so that tests can inspect them.
    pub client: reqwest::Client,
    pub settings: Settings,
    pub db: TestDb,
    /// What the federation endpoints and services use (the outbound client, the
    /// delivery worker).
    pub federation: hamlet_federation::routes::FederationState,
    /// Every exchange the instance served, whole.
    pub traffic: Traffic,
    /// Where the instance keeps media files (removed with the test).
    pub media_dir: tempfile::TempDir,
    server: JoinHandle<()>,
    delivery: Option<JoinHandle<()>>,
}

/// A member created for a test, with the password it was given.
pub struct TestMember {
    pub member: Member,
    pub password: String,
}

impl TestMember {
    pub fn username(&self) -> &str {
        &self.member.account.username
    }

    pub fn id(&self) -> String {
        self.member.account.id.to_string()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test adjust the settings first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new().await;
    let store = db.store().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let address = format!("http://127.0.0.1:{port}");
    let mut settings = Settings::for_url(address.parse().expect("loopback URL"));
    configure(&mut settings);
    let media_dir = tempfile::tempdir().expect("a media directory");
    let media = hamlet_media::MediaStorage::local(media_dir.path()).expect("media storage");
    let state = AppState::new(store.clone(), settings.clone(), media);
    let federation = state.federation.clone();
    // Instances that federate (on loopback, for tests) send what they enqueue.
    let delivery = settings.insecure_local_federation.then(|| {
        let worker = federation.delivery.clone();
        tokio::spawn(async move { worker.run(std::future::pending()).await })
    });
    let traffic = Traffic::default();
    let app = axum::Router::new()
        .fallback_service(hamlet_api::app_with(state, hamlet_web::routes()))
        .layer(axum::middleware::from_fn_with_state(
            traffic.clone(),
            crate::traffic::record,
        ));
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
        )
        .await
        .expect("test server");
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        media_dir,
        store,
        client,
        settings,
        db,
        federation,
        traffic,
        server,
        delivery,
    }
}

/// An instance that federates with others on loopback (the development switch on) and
/// runs its delivery worker.
pub async fn spawn_federating_app() -> TestApp {
    spawn_app_with(|settings| settings.insecure_local_federation = true).await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(delivery) = &self.delivery {
            delivery.abort();
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates a member with a random password.
    pub async fn create_member(&self, username: &str, role: Role) -> TestMember {
        let password = secret::generate();
        let member = members::create_member(
            &self.store,
            MemberRequest {
                username: Username::parse(username).expect("valid test username"),
                password: Password::parse(&password).expect("valid password"),
                role,
                email: None,
            },
        )
        .await
        .expect("create test member");
        TestMember { member, password }
    }

    /// An access token for `member` with `scopes`, issued directly through the store to
    /// an app registered for the purpose (tests of OAuth itself use the endpoints).
    pub async fn token(&self, member: &TestMember, scopes: &str) -> String {
        let scopes = Scopes::parse(scopes).expect("valid scopes");
        let now = Timestamp::now();
        let app = self
            .store
            .insert_application(NewApplication {
                client_id: secret::generate(),
                client_secret_digest: secret::digest(&secret::generate()),
                name: "testkit".into(),
                website: None,
                redirect_uris: vec!["urn:ietf:wg:oauth:2.0:oob".into()],
                scopes: scopes.clone(),
                created_at: now,
            })
            .await
            .expect("register test app");
        let token = secret::generate();
        self.store
            .insert_access_token(NewAccessToken {
                token_digest: secret::digest(&token),
                application_id: app.id,
                account_id: Some(member.member.account.id),
                authorization_code_digest: None,
                scopes,
                created_at: now,
            })
            .await
            .expect("issue test token");
        token
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path))
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path))
    }

    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(self.url(path))
    }
}
