//! Pictures cross between two Hamlet instances on loopback: attachments leave as
//! `Document`s with alt text, blurhash and focal point, and the receiving instance
//! serves them (and the author's avatar) from itself, copied on first request through
//! its one outbound client, and again after its copy is pruned.

use hamlet_core::Timestamp;
use hamlet_core::role::Role;
use hamlet_testkit::images::{SECRET_PLACE, contains, jpeg_with_exif, photo};
use hamlet_testkit::{TestApp, eventually, spawn_federating_app};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

async fn post_json(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let response = app
        .post(path)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "POST {path}: {body}");
    body
}

/// GETs on `app` of paths under `prefix`.
fn gets_of(app: &TestApp, prefix: &str) -> usize {
    app.traffic
        .exchanges()
        .iter()
        .filter(|e| e.method == "GET" && e.uri.starts_with(prefix))
        .count()
}

fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{url} is not on {}", app.address))
        .to_owned()
}

#[tokio::test]
async fn four_pictures_with_alt_text_reach_another_instance_and_are_served_from_it() {
    let a = spawn_federating_app().await;
    let b = spawn_federating_app().await;
    let alice = a.create_member("alice", Role::Member).await;
    let alice_token = a.token(&alice, "read write follow").await;
    let bob = b.create_member("bob", Role::Member).await;
    let bob_token = b.token(&bob, "read write follow").await;
    let b_domain = b.address.trim_start_matches("http://").to_owned();

    // Bob has an avatar.
    let avatar = Form::new().part(
        "avatar",
        Part::bytes(jpeg_with_exif(&photo(90, 90), 1)).file_name("bob.jpg"),
    );
    let updated = b
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&bob_token)
        .multipart(avatar)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);

    // Alice follows bob.
    let found = get_json(
        &a,
        &alice_token,
        &format!("/api/v2/search?q=@bob@{b_domain}&resolve=true&type=accounts"),
    )
    .await;
    let bob_id = found["accounts"][0]["id"].as_str().unwrap().to_owned();
    post_json(
        &a,
        &alice_token,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        json!({}),
    )
    .await;
    eventually("bob's server accepts", || async {
        let r = get_json(
            &a,
            &alice_token,
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        )
        .await;
        r[0]["following"] == true
    })
    .await;

    // Bob posts four pictures with alt text; the first is a phone photo with a location.
    let mut ids = Vec::new();
    let mut sent = Vec::new();
    for n in 0..4u32 {
        let form = Form::new()
            .part(
                "file",
                Part::bytes(jpeg_with_exif(&photo(40 + n, 30), 1)).file_name("p.jpg"),
            )
            .text("description", format!("Picture {n} of the pond"))
            .text("focus", "0.25,-0.5");
        let media: Value = b
            .post("/api/v2/media")
            .bearer_auth(&bob_token)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(media["id"].as_str().unwrap().to_owned());
        sent.push(media);
    }
    let post = post_json(
        &b,
        &bob_token,
        "/api/v1/statuses",
        json!({"status": "The pond this morning", "media_ids": ids}),
    )
    .await;
    let uri = post["uri"].as_str().unwrap().to_owned();
    eventually("the post reaches A", || async {
        a.store.status_by_uri(&uri).await.unwrap().is_some()
    })
    .await;

    // The Create carried Documents with alt text, blurhash, focal point and size. (The
    // exchange is recorded once its answer is sent, which may be after the post is
    // stored.)
    let delivered = |e: &hamlet_testkit::Exchange| {
        e.method == "POST"
            && e.uri.contains("inbox")
            && e.request_body.contains("The pond this morning")
    };
    eventually("the Create is recorded", || async {
        a.traffic.exchanges().iter().any(delivered)
    })
    .await;
    let create = a
        .traffic
        .exchanges()
        .into_iter()
        .find(delivered)
        .expect("the Create was delivered to A's inbox");
    let activity: Value = serde_json::from_str(&create.request_body).unwrap();
    let documents = activity["object"]["attachment"].as_array().unwrap();
    assert_eq!(documents.len(), 4);
    assert_eq!(documents[0]["type"], "Document");
    assert_eq!(documents[0]["mediaType"], "image/jpeg");
    assert_eq!(documents[0]["name"], "Picture 0 of the pond");
    assert_eq!(documents[0]["blurhash"], sent[0]["blurhash"]);
    assert_eq!(documents[0]["focalPoint"], json!([0.25, -0.5]));
    assert_eq!(documents[0]["width"], 40);

    // On A: the same descriptions and blurhashes, served from A.
    let home = get_json(&a, &alice_token, "/api/v1/timelines/home").await;
    let shown = &home[0];
    assert_eq!(shown["uri"], uri, "{home}");
    let media = shown["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 4);
    for (n, (on_a, on_b)) in media.iter().zip(&sent).enumerate() {
        assert_eq!(on_a["description"], format!("Picture {n} of the pond"));
        assert_eq!(on_a["blurhash"], on_b["blurhash"]);
        assert_eq!(on_a["remote_url"], on_b["url"]);
        assert_eq!(on_a["meta"]["focus"], json!({"x": 0.25, "y": -0.5}));
        assert!(
            on_a["url"].as_str().unwrap().starts_with(&a.address),
            "{on_a}"
        );
    }
    hamlet_testkit::openapi::assert_conforms(shown, "Status");
    // Nothing was fetched before anyone asked.
    assert_eq!(gets_of(&b, "/media/attachments/"), 0);

    let first = path_of(&a, media[0]["url"].as_str().unwrap());
    let served = a.get(&first).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let bytes = served.bytes().await.unwrap();
    assert!(!contains(&bytes, SECRET_PLACE));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 40);
    assert_eq!(gets_of(&b, "/media/attachments/"), 1, "copied once");
    let again = a.get(&first).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        gets_of(&b, "/media/attachments/"),
        1,
        "then served from the copy"
    );
    let preview = path_of(&a, media[0]["preview_url"].as_str().unwrap());
    assert_eq!(a.get(&preview).send().await.unwrap().status(), 200);
    // Copies are named at random, not by guessable ids (bob's post may have been for
    // his followers alone).
    let id = media[0]["id"].as_str().unwrap();
    assert!(!first.contains(id), "{first}");
    let guessed = a
        .get(&format!("/media/cache/{id}/original"))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 404);

    // A file B no longer has: A tries once, answers 404, and does not try again soon.
    let gone = sent[1]["url"].as_str().unwrap();
    let gone_key = path_of(&b, gone).trim_start_matches("/media/").to_owned();
    std::fs::remove_file(b.media_dir.path().join(&gone_key)).unwrap();
    let second = path_of(&a, media[1]["url"].as_str().unwrap());
    let at_b = |app: &TestApp| {
        app.traffic
            .exchanges()
            .iter()
            .filter(|e| e.uri.ends_with(&gone_key))
            .count()
    };
    for _ in 0..3 {
        assert_eq!(a.get(&second).send().await.unwrap().status(), 404);
    }
    assert_eq!(at_b(&b), 1, "one attempt, then a pause");

    // Bob's avatar, too, is served from A.
    let avatar_on_a = shown["account"]["avatar"].as_str().unwrap();
    assert!(avatar_on_a.starts_with(&a.address), "{avatar_on_a}");
    let served = a.get(&path_of(&a, avatar_on_a)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(gets_of(&b, "/media/avatars/"), 1);

    // Only copies older than the cutoff are pruned: these are fresh.
    let an_hour_ago = Timestamp::from_millis(Timestamp::now().as_millis() - 3_600_000);
    assert!(
        a.store
            .uncache_remote_media(an_hour_ago)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        a.store.media_stats().await.unwrap().cached,
        2,
        "attachment and avatar"
    );
    // Pruned copies are made again on the next request.
    let pruned = a
        .store
        .uncache_remote_media(Timestamp::from_millis(Timestamp::now().as_millis() + 1000))
        .await
        .unwrap();
    assert!(
        pruned.len() >= 3,
        "the original, its thumbnail and the avatar: {pruned:?}"
    );
    let stats = a.store.media_stats().await.unwrap();
    assert_eq!(stats.cached, 0);
    assert_eq!(stats.not_cached, 4);
    assert_eq!(a.get(&first).send().await.unwrap().status(), 200);
    assert_eq!(
        gets_of(&b, "/media/attachments/"),
        3,
        "copied again (beside the one attempt at the missing file)"
    );
    assert_eq!(a.store.media_stats().await.unwrap().cached, 1);
}
