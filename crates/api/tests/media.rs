//! Uploads through the client API: what is stored and served carries no metadata, lies
//! and bombs are refused, attachments go into posts, avatars and headers into profiles.

use hamlet_core::role::Role;
use hamlet_testkit::images::{
    SECRET_PLACE, contains, encoded, jpeg_with_exif, photo, png_claiming,
};
use hamlet_testkit::openapi::assert_conforms;
use hamlet_testkit::{TestApp, spawn_app};
use image::ImageFormat;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn file_form(bytes: Vec<u8>, name: &str, declared: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(declared)
            .unwrap(),
    )
}

async fn upload(app: &TestApp, token: &str, path: &str, form: Form) -> (StatusCode, Value) {
    let response = app
        .post(path)
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The path of an absolute URL on the test instance.
fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.address)
        .expect("a URL of this instance")
        .to_owned()
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.get(&path_of(app, url)).send().await.unwrap()
}

#[tokio::test]
async fn an_uploaded_photo_is_served_without_its_location() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let phone = jpeg_with_exif(&photo(64, 48), 1);
    assert!(contains(&phone, SECRET_PLACE));

    let form = file_form(phone, "IMG_0001.JPG", "image/jpeg")
        .text("description", "  A kestrel on the shed roof  ")
        .text("focus", "0.5,-0.25");
    let (status, media) = upload(&app, &token, "/api/v2/media", form).await;
    assert_eq!(status, StatusCode::OK, "{media}");
    assert_conforms(&media, "MediaAttachment");
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "A kestrel on the shed roof");
    assert_eq!(media["meta"]["original"]["width"], 64);
    assert_eq!(media["meta"]["original"]["height"], 48);
    assert_eq!(media["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    assert!(media["blurhash"].as_str().is_some_and(|h| h.len() == 28));

    for url in [&media["url"], &media["preview_url"]] {
        let served = fetch(&app, url.as_str().unwrap()).await;
        assert_eq!(served.status(), StatusCode::OK, "{url}");
        assert_eq!(served.headers()[CONTENT_TYPE], "image/jpeg");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(
            served.headers()[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert!(
            served.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let bytes = served.bytes().await.unwrap();
        assert!(!contains(&bytes, SECRET_PLACE), "the location is gone");
        assert!(!contains(&bytes, b"Exif\0\0"), "no EXIF block at all");
        assert!(image::load_from_memory(&bytes).is_ok());
    }
    // The file on disk is the clean one too.
    let key = path_of(&app, media["url"].as_str().unwrap());
    let on_disk =
        std::fs::read(app.media_dir.path().join(key.trim_start_matches("/media/"))).unwrap();
    assert!(!contains(&on_disk, SECRET_PLACE));

    // v1 works the same way.
    let png = encoded(&photo(8, 8), ImageFormat::Png);
    let (status, v1) = upload(
        &app,
        &token,
        "/api/v1/media",
        file_form(png, "a.png", "image/png"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_conforms(&v1, "MediaAttachment");
}

#[tokio::test]
async fn lies_bombs_and_junk_are_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            "cat.jpg",
            "image/jpeg",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "x.svg",
            "image/svg+xml",
        ),
        (png_claiming(100_000, 100_000), "bomb.png", "image/png"),
        (
            b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec(),
            "broken.jpg",
            "image/jpeg",
        ),
    ];
    for (bytes, name, declared) in cases {
        let (status, answer) = upload(
            &app,
            &token,
            "/api/v2/media",
            file_form(bytes, name, declared),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| e.contains("File")),
            "{answer}"
        );
    }
    let (status, answer) = upload(
        &app,
        &token,
        "/api/v2/media",
        Form::new().text("description", "no file"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let png = encoded(&photo(8, 8), ImageFormat::Png);
    for (field, value) in [("focus", "2,0"), ("description", &"d".repeat(1501) as &str)] {
        let form = file_form(png.clone(), "a.png", "image/png").text(field, value.to_owned());
        let (status, _) = upload(&app, &token, "/api/v2/media", form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
    }
    // Nothing refused was kept.
    let kept = walk(app.media_dir.path());
    assert!(kept.is_empty(), "{kept:?}");
    // No token, no upload; a read-only token neither.
    let anonymous = app
        .post("/api/v2/media")
        .multipart(file_form(png.clone(), "a.png", "image/png"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let reader = app.token(&alice, "read").await;
    let (status, _) = upload(
        &app,
        &reader,
        "/api/v2/media",
        file_form(png, "a.png", "image/png"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only our own files, by their exact keys, are served.
    for path in [
        "/media/../hamlet.db",
        "/media/attachments/x/original.html",
        "/media/nope.jpg",
    ] {
        assert_eq!(
            app.get(path).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn posts_carry_up_to_four_of_their_authors_uploads() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let bob = app.create_member("bob", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let bobs = app.token(&bob, "read write").await;
    let mut ids = Vec::new();
    for n in 0..5u32 {
        let png = encoded(&photo(8 + n, 8), ImageFormat::Png);
        let form = file_form(png, "a.png", "image/png").text("description", format!("picture {n}"));
        let (_, media) = upload(&app, &token, "/api/v2/media", form).await;
        ids.push(media["id"].as_str().unwrap().to_owned());
    }
    // Alt text can change before the post is written, by its owner alone.
    let changed: Value = app
        .put(&format!("/api/v1/media/{}", ids[0]))
        .bearer_auth(&token)
        .json(&json!({"description": "the first picture", "focus": "0,1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["description"], "the first picture");
    let bobs_try = app
        .put(&format!("/api/v1/media/{}", ids[0]))
        .bearer_auth(&bobs)
        .json(&json!({"description": "mine now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bobs_try.status(), StatusCode::NOT_FOUND);
    let bobs_look = app
        .get(&format!("/api/v1/media/{}", ids[0]))
        .bearer_auth(&bobs)
        .send()
        .await
        .unwrap();
    assert_eq!(bobs_look.status(), StatusCode::NOT_FOUND);

    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            let response = app
                .post("/api/v1/statuses")
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, _) = post(token.clone(), json!({"status": "five", "media_ids": ids})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "at most four");
    let (status, _) = post(
        bobs.clone(),
        json!({"status": "not mine", "media_ids": [ids[0]]}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "someone else's upload"
    );
    let (status, _) = post(
        token.clone(),
        json!({"status": "twice", "media_ids": [ids[0], ids[0]]}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the same upload twice"
    );
    let (status, _) = post(token.clone(), json!({"status": "", "media_ids": ["12345"]})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown upload"
    );

    // Pictures alone make a post.
    let (status, written) =
        post(token.clone(), json!({"status": "", "media_ids": &ids[..4]})).await;
    assert_eq!(status, StatusCode::OK, "{written}");
    assert_conforms(&written, "Status");
    let attached = written["media_attachments"].as_array().unwrap();
    let order: Vec<&str> = attached.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        ids[..4].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(attached[0]["description"], "the first picture");
    assert_eq!(attached[3]["description"], "picture 3");
    // Once in a post, an upload is not used again nor changed through the media API.
    let (status, _) = post(
        token.clone(),
        json!({"status": "again", "media_ids": [ids[1]]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let late = app
        .put(&format!("/api/v1/media/{}", ids[0]))
        .bearer_auth(&token)
        .json(&json!({"description": "too late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::NOT_FOUND);
    // Timelines show them; an edit may send them back unchanged, not change them.
    let id = written["id"].as_str().unwrap();
    let shown: Value = app
        .get(&format!("/api/v1/statuses/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["media_attachments"].as_array().unwrap().len(), 4);
    let edit = |media: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.put(&format!("/api/v1/statuses/{id}"))
                .bearer_auth(token)
                .json(&json!({"status": "now with words", "media_ids": media}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(edit(json!(&ids[..4])).await, StatusCode::OK);
    assert_eq!(
        edit(json!(&ids[..2])).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Deleting the post deletes its files (at the next sweep), and only its files.
    let files_before = walk(app.media_dir.path()).len();
    assert_eq!(files_before, 10, "five originals and five thumbnails");
    let deleted = app
        .delete(&format!("/api/v1/statuses/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let storage = hamlet_media::MediaStorage::local(app.media_dir.path()).unwrap();
    let long_ago = hamlet_core::Timestamp::from_millis(0);
    let pruned = hamlet_api::service::media::prune(&app.store, &storage, long_ago, long_ago)
        .await
        .unwrap();
    assert_eq!(pruned.orphaned_files, 8);
    assert_eq!(
        pruned.unattached_files, 0,
        "the fifth upload is still young"
    );
    let left = walk(app.media_dir.path());
    assert_eq!(left.len(), 2, "the unused fifth upload: {left:?}");
    let again = hamlet_api::service::media::prune(&app.store, &storage, long_ago, long_ago)
        .await
        .unwrap();
    assert_eq!(again.orphaned_files, 0, "each file once");
}

#[tokio::test]
async fn avatars_and_headers_are_uploaded_served_federated_and_removed() {
    let app = spawn_app().await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let form = Form::new()
        .part(
            "avatar",
            Part::bytes(jpeg_with_exif(&photo(300, 200), 1)).file_name("me.jpg"),
        )
        .part(
            "header",
            Part::bytes(encoded(&photo(90, 30), ImageFormat::Png)).file_name("h.png"),
        )
        .text("display_name", "Alice");
    let response = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["display_name"], "Alice");
    let avatar = account["avatar"].as_str().unwrap().to_owned();
    assert!(avatar.contains("/media/avatars/"), "{avatar}");
    assert!(
        account["header"]
            .as_str()
            .unwrap()
            .contains("/media/headers/")
    );
    let served = fetch(&app, &avatar).await;
    assert_eq!(served.status(), StatusCode::OK);
    let bytes = served.bytes().await.unwrap();
    assert!(!contains(&bytes, SECRET_PLACE));
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (200, 200), "square");

    // Other servers see the new picture on the actor.
    let actor: Value = app
        .get("/users/alice")
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["icon"]["url"], avatar);
    assert_eq!(actor["icon"]["mediaType"], "image/jpeg");

    // A new avatar replaces the file; removing it returns to the default.
    let again = Form::new().part(
        "avatar",
        Part::bytes(encoded(&photo(50, 50), ImageFormat::Png)).file_name("new.png"),
    );
    let account: Value = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .multipart(again)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = account["avatar"].as_str().unwrap().to_owned();
    assert_ne!(second, avatar);
    assert_eq!(fetch(&app, &avatar).await.status(), StatusCode::NOT_FOUND);
    let removed: Value = app
        .delete("/api/v1/profile/avatar")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        removed["avatar"]
            .as_str()
            .unwrap()
            .ends_with("/avatars/original/missing.png")
    );
    assert_eq!(fetch(&app, &second).await.status(), StatusCode::NOT_FOUND);
    // A text file is no avatar.
    let lie = Form::new().part("avatar", Part::bytes(b"<html>".to_vec()).file_name("a.jpg"));
    let refused = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .multipart(lie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_cdn_publishes_media_to_apps_and_servers_while_pages_stay_on_this_server() {
    let app = hamlet_testkit::spawn_app_with(|settings| {
        settings.media_base_url = Some("https://cdn.example/hamlet".parse().unwrap());
    })
    .await;
    let alice = app.create_member("alice", Role::Member).await;
    let token = app.token(&alice, "read write").await;
    let png = encoded(&photo(8, 8), ImageFormat::Png);
    let (status, media) = upload(
        &app,
        &token,
        "/api/v2/media",
        file_form(png.clone(), "a.png", "image/png"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let url = media["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://cdn.example/hamlet/attachments/"),
        "{url}"
    );
    // The CDN pulls from this server's /media/: the same key is served here.
    let key = url.trim_start_matches("https://cdn.example/hamlet/");
    assert_eq!(
        app.get(&format!("/media/{key}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let avatar = Form::new().part("avatar", Part::bytes(png).file_name("a.png"));
    let account: Value = app
        .patch("/api/v1/accounts/update_credentials")
        .bearer_auth(&token)
        .multipart(avatar)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        account["avatar"]
            .as_str()
            .unwrap()
            .starts_with("https://cdn.example/hamlet/avatars/")
    );
    let actor: Value = app
        .get("/users/alice")
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["icon"]["url"], account["avatar"]);
    // The web pages load it from this server, not the CDN.
    let profile = app
        .get("/@alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("src=\"/media/avatars/"), "{profile}");
    assert!(!profile.contains("cdn.example"));
}
