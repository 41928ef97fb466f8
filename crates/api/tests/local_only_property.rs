//! A property: whatever members do, in whatever order and with whatever localities, no
//! local-only post reaches another server or an anonymous visitor.
//!
//! Each case runs a random sequence of member actions (post, reply, boost, unboost,
//! favourite, unfavourite, pin, edit, delete, follow, unfollow) on a fresh instance
//! whose members are followed by a fake remote server's actor. Afterwards, no request
//! the instance sent to the fake, and no answer it gave to anyone but its members' apps
//! (including a sweep of every post, collection and public list, anonymous and signed),
//! contains a local-only post's text or id. The model also predicts each post's
//! locality (asked for, or inherited from the post replied to or boosted), and the API
//! must agree.

use std::time::Duration;

use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::{FakeActor, FakeRemote, TestApp, spawn_app_with};
use proptest::prelude::*;
use serde_json::{Value, json};

const MEMBERS: [&str; 2] = ["alice", "bob"];
const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

#[derive(Clone, Debug)]
enum Action {
    Post {
        author: usize,
        local_only: bool,
        visibility: usize,
        /// Index (modulo the posts so far) of the post to reply to.
        reply_to: Option<usize>,
        mention_remote: bool,
    },
    Boost {
        who: usize,
        post: usize,
    },
    Unboost {
        who: usize,
        post: usize,
    },
    Favourite {
        who: usize,
        post: usize,
    },
    Unfavourite {
        who: usize,
        post: usize,
    },
    Pin {
        post: usize,
    },
    Edit {
        post: usize,
    },
    Delete {
        post: usize,
    },
    /// A member follows or unfollows the remote actor.
    Follow {
        who: usize,
        follow: bool,
    },
}

fn action() -> impl Strategy<Value = Action> {
    let who = 0..MEMBERS.len();
    let post = 0..64usize;
    prop_oneof![
        4 => (who.clone(), any::<bool>(), 0..VISIBILITIES.len(), proptest::option::of(0..64usize), any::<bool>())
            .prop_map(|(author, local_only, visibility, reply_to, mention_remote)| Action::Post {
                author, local_only, visibility, reply_to, mention_remote,
            }),
        1 => (who.clone(), post.clone()).prop_map(|(who, post)| Action::Boost { who, post }),
        1 => (who.clone(), post.clone()).prop_map(|(who, post)| Action::Unboost { who, post }),
        1 => (who.clone(), post.clone()).prop_map(|(who, post)| Action::Favourite { who, post }),
        1 => (who.clone(), post.clone()).prop_map(|(who, post)| Action::Unfavourite { who, post }),
        1 => post.clone().prop_map(|post| Action::Pin { post }),
        1 => post.clone().prop_map(|post| Action::Edit { post }),
        1 => post.prop_map(|post| Action::Delete { post }),
        1 => (who, any::<bool>()).prop_map(|(who, follow)| Action::Follow { who, follow }),
    ]
}

/// A post the model knows: who wrote it, its id, whether it is local-only, its text.
#[derive(Clone, Debug)]
struct Known {
    author: usize,
    id: String,
    local_only: bool,
    text: String,
    deleted: bool,
    /// Federated and addressed to eve (she follows every member).
    reaches_eve: bool,
}

struct World {
    app: TestApp,
    remote: FakeRemote,
    eve: FakeActor,
    tokens: Vec<String>,
    eve_ids: Vec<String>,
    posts: Vec<Known>,
    /// Boosts made, as (booster, post index, boost id, local-only).
    boosts: Vec<(usize, usize, String, bool)>,
    serial: usize,
}

impl World {
    async fn new() -> World {
        let app = spawn_app_with(|settings| {
            settings.insecure_local_federation = true;
            settings.timelines.local_public = true;
        })
        .await;
        let remote = FakeRemote::start().await;
        let eve = remote.add_actor("eve").await;
        let mut tokens = Vec::new();
        for name in MEMBERS {
            let member = app.create_member(name, Role::Member).await;
            tokens.push(app.token(&member, "read write follow").await);
            let response = remote
                .sign_and_post(
                    &eve,
                    &app.url(&format!("/users/{name}/inbox")),
                    &eve.activity("Follow", json!(app.url(&format!("/users/{name}")))),
                )
                .await;
            assert!(response.status().is_success());
        }
        let mut world = World {
            app,
            remote,
            eve,
            tokens,
            eve_ids: Vec::new(),
            posts: Vec::new(),
            boosts: Vec::new(),
            serial: 0,
        };
        // Eve as the members' instance knows her, to follow her.
        let handle = format!("eve@{}", world.remote.domain());
        for who in 0..MEMBERS.len() {
            let found = world
                .call(
                    who,
                    reqwest::Method::GET,
                    &format!("/api/v2/search?q=@{handle}&resolve=true&type=accounts"),
                    json!({}),
                )
                .await
                .expect("eve is found");
            world
                .eve_ids
                .push(found["accounts"][0]["id"].as_str().unwrap().to_owned());
        }
        world
    }

    /// A member's API call: the entity on success, `None` otherwise (an action on a
    /// post someone may not see, or no longer exists, is refused, which is fine).
    async fn call(
        &self,
        who: usize,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Option<Value> {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.tokens[who]);
        if !body.as_object().is_some_and(|o| o.is_empty()) {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        assert!(!status.is_server_error(), "{path}: {status}");
        if status.is_success() {
            Some(response.json().await.unwrap())
        } else {
            None
        }
    }

    fn text(&mut self) -> String {
        self.serial += 1;
        format!(
            "words{}x{}",
            self.serial,
            &hamlet_core::secret::generate()[..12].replace(['-', '_'], "z")
        )
    }

    fn pick(&self, index: usize) -> Option<usize> {
        (!self.posts.is_empty()).then(|| index % self.posts.len())
    }

    async fn run(&mut self, action: &Action) {
        use reqwest::Method;
        match *action {
            Action::Post {
                author,
                local_only,
                visibility,
                reply_to,
                mention_remote,
            } => {
                let text = self.text();
                let parent = reply_to.and_then(|r| self.pick(r));
                let mut status = text.clone();
                if mention_remote {
                    status = format!("@eve@{} {status}", self.remote.domain());
                }
                let mut body = json!({
                    "status": status,
                    "visibility": VISIBILITIES[visibility],
                    "local_only": local_only,
                });
                if let Some(parent) = parent {
                    body["in_reply_to_id"] = json!(self.posts[parent].id);
                }
                let Some(entity) = self
                    .call(author, Method::POST, "/api/v1/statuses", body)
                    .await
                else {
                    // Replying to a post the author may not see (or that is gone).
                    assert!(parent.is_some(), "a plain post was refused");
                    return;
                };
                let inherited = match (parent, entity["in_reply_to_id"].as_str()) {
                    (Some(parent), Some(_)) => self.posts[parent].local_only,
                    _ => false,
                };
                assert_eq!(
                    entity["local_only"],
                    local_only || inherited,
                    "locality of {entity}"
                );
                let local_only = local_only || inherited;
                self.posts.push(Known {
                    author,
                    id: entity["id"].as_str().unwrap().to_owned(),
                    local_only,
                    text,
                    deleted: false,
                    reaches_eve: !local_only && (visibility != 3 || mention_remote),
                });
            }
            Action::Boost { who, post } => {
                let Some(post) = self.pick(post) else { return };
                let path = format!("/api/v1/statuses/{}/reblog", self.posts[post].id);
                if let Some(boost) = self.call(who, Method::POST, &path, json!({})).await {
                    assert_eq!(boost["local_only"], self.posts[post].local_only, "{boost}");
                    let id = boost["id"].as_str().unwrap().to_owned();
                    self.boosts
                        .push((who, post, id, self.posts[post].local_only));
                }
            }
            Action::Unboost { who, post } => {
                let Some(post) = self.pick(post) else { return };
                let path = format!("/api/v1/statuses/{}/unreblog", self.posts[post].id);
                self.call(who, Method::POST, &path, json!({})).await;
            }
            Action::Favourite { who, post } | Action::Unfavourite { who, post } => {
                let Some(post) = self.pick(post) else { return };
                let verb = match action {
                    Action::Favourite { .. } => "favourite",
                    _ => "unfavourite",
                };
                let path = format!("/api/v1/statuses/{}/{verb}", self.posts[post].id);
                self.call(who, Method::POST, &path, json!({})).await;
            }
            Action::Pin { post } => {
                let Some(post) = self.pick(post) else { return };
                let Known { author, ref id, .. } = self.posts[post];
                let path = format!("/api/v1/statuses/{id}/pin");
                self.call(author, Method::POST, &path, json!({})).await;
            }
            Action::Edit { post } => {
                let Some(post) = self.pick(post) else { return };
                let text = self.text();
                let Known { author, ref id, .. } = self.posts[post];
                let path = format!("/api/v1/statuses/{id}");
                // Asking to federate in an edit changes nothing.
                let body = json!({"status": text, "local_only": false});
                if let Some(edited) = self.call(author, Method::PUT, &path, body).await {
                    assert_eq!(edited["local_only"], self.posts[post].local_only);
                    // Both versions stay secret (the history keeps the first).
                    let first = std::mem::replace(&mut self.posts[post].text, text);
                    self.posts.push(Known {
                        text: first,
                        deleted: true,
                        ..self.posts[post].clone()
                    });
                }
            }
            Action::Delete { post } => {
                let Some(post) = self.pick(post) else { return };
                let Known { author, ref id, .. } = self.posts[post];
                let path = format!("/api/v1/statuses/{id}");
                if self
                    .call(author, Method::DELETE, &path, json!({}))
                    .await
                    .is_some()
                {
                    self.posts[post].deleted = true;
                }
            }
            Action::Follow { who, follow } => {
                let verb = if follow { "follow" } else { "unfollow" };
                let path = format!("/api/v1/accounts/{}/{verb}", self.eve_ids[who]);
                self.call(who, Method::POST, &path, json!({})).await;
            }
        }
    }

    /// What must not leave: local-only posts' texts and ids, and local-only boosts' ids.
    fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self
            .posts
            .iter()
            .filter(|p| p.local_only)
            .flat_map(|p| [p.text.clone(), p.id.clone()])
            .collect();
        secrets.extend(
            self.boosts
                .iter()
                .filter(|(_, _, _, local_only)| *local_only)
                .map(|(_, _, id, _)| id.clone()),
        );
        secrets
    }

    /// Reads, as a visitor and signed as eve, everything that could show a post.
    async fn sweep(&self) {
        let accept = [
            ("accept", "application/activity+json"),
            ("accept", "application/json"),
        ];
        let mut paths = Vec::new();
        for name in MEMBERS {
            paths.push(format!("/users/{name}/outbox?page=true"));
            paths.push(format!("/users/{name}/collections/featured"));
        }
        for post in &self.posts {
            let name = MEMBERS[post.author];
            paths.push(format!("/users/{name}/statuses/{}", post.id));
            paths.push(format!("/users/{name}/statuses/{}/replies", post.id));
            paths.push(format!("/api/v1/statuses/{}", post.id));
            paths.push(format!("/api/v1/statuses/{}/context", post.id));
        }
        paths.push("/api/v1/timelines/public?local=true&limit=40".into());
        for path in &paths {
            for (name, value) in accept {
                let response = self.app.get(path).header(name, value).send().await.unwrap();
                assert!(!response.status().is_server_error(), "{path}");
            }
            if path.starts_with("/users/") {
                let response = reqwest::Client::new()
                    .execute(self.eve.signing().get(&self.app.url(path)))
                    .await
                    .unwrap();
                assert!(!response.status().is_server_error(), "{path}");
            }
        }
    }

    async fn drain(&self) {
        for _ in 0..200 {
            let stats = self
                .app
                .store
                .delivery_queue_stats(Timestamp::now())
                .await
                .unwrap();
            if stats.deliveries == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("deliveries did not drain");
    }

    /// Every secret found in what left, with where.
    fn leaks(&self) -> Vec<String> {
        let secrets = self.secrets();
        let mut leaks = Vec::new();
        for request in self.remote.requests() {
            let text = format!(
                "{}\n{}",
                request.uri,
                String::from_utf8_lossy(&request.body)
            );
            for secret in secrets.iter().filter(|s| text.contains(s.as_str())) {
                leaks.push(format!("sent to {}: {secret}", request.uri));
            }
        }
        for exchange in self.app.traffic.exchanges() {
            if exchange.has_bearer_token() {
                continue;
            }
            let headers: String = exchange
                .response_headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}\n"))
                .collect();
            let text = format!("{headers}\n{}", exchange.response_body);
            for secret in secrets.iter().filter(|s| text.contains(s.as_str())) {
                leaks.push(format!(
                    "answered to {} {}: {secret}",
                    exchange.method, exchange.uri
                ));
            }
        }
        leaks
    }
}

async fn check(actions: Vec<Action>) -> Result<(), TestCaseError> {
    let mut world = World::new().await;
    for action in &actions {
        world.run(action).await;
    }
    world.drain().await;
    world.sweep().await;
    let leaks = world.leaks();
    prop_assert!(
        leaks.is_empty(),
        "local-only content left:\n{}",
        leaks.join("\n")
    );
    // The check could fail: every federated post addressed to eve reached her.
    let received: String = world
        .remote
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    for post in world.posts.iter().filter(|p| p.reaches_eve) {
        prop_assert!(
            received.contains(&post.text),
            "a federated post never reached its follower: {post:?}"
        );
    }
    Ok(())
}

proptest! {
    // Each case starts an instance and a fake server; a few dozen cases cover the
    // combinations without slowing the suite (set PROPTEST_CASES for a longer search).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_sequence_of_actions_leaks_a_local_only_post(
        actions in proptest::collection::vec(action(), 1..24)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(check(actions))?;
    }
}
