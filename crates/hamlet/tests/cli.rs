//! The `hamlet` binary as a shell script sees it: exit codes, messages, configuration
//! errors, admin commands, and the zero-configuration first start.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use hamlet_testkit::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_hamlet");

/// `hamlet ARGS` in `dir`, on `db`, with `env` set and `stdin` fed.
fn hamlet(
    dir: &Path,
    db: Option<&TestDb>,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("HAMLET_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(db) = db {
        command.env("HAMLET_DATABASE_URL", &db.url);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run hamlet");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("hamlet finished")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn config_check_accepts_zero_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let output = hamlet(dir.path(), None, &[], &["config", "check"], "");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("configuration is valid"), "{text}");
    assert!(text.contains("server.listen = 127.0.0.1:8080"), "{text}");
    assert!(
        text.contains("server.public_url = http://localhost:8080/"),
        "{text}"
    );
    assert!(
        text.contains("database.url = sqlite://hamlet-data/hamlet.db"),
        "{text}"
    );
}

#[test]
fn configuration_errors_name_the_key_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let output = hamlet(
        dir.path(),
        None,
        &[("HAMLET_SERVER_LISTEN", "nowhere")],
        &["config", "check"],
        "",
    );
    assert_eq!(output.status.code(), Some(78));
    let message = stderr(&output);
    assert!(message.contains("server.listen"), "{message}");
    assert!(message.contains("HAMLET_SERVER_LISTEN"), "{message}");

    let output = hamlet(
        dir.path(),
        None,
        &[("HAMLET_INSTANCE_SOURCE_URL", "")],
        &["config", "check"],
        "",
    );
    assert_eq!(output.status.code(), Some(78));
    let message = stderr(&output);
    assert!(message.contains("instance.source_url"), "{message}");

    std::fs::write(
        dir.path().join("hamlet.toml"),
        "[server]\npublic_url = \"ftp://hamlet.example\"\n",
    )
    .unwrap();
    let output = hamlet(dir.path(), None, &[], &["config", "check"], "");
    assert_eq!(output.status.code(), Some(78));
    let message = stderr(&output);
    assert!(message.contains("server.public_url"), "{message}");
    assert!(message.contains("hamlet.toml"), "{message}");

    // The environment wins over the file.
    let output = hamlet(
        dir.path(),
        None,
        &[("HAMLET_SERVER_PUBLIC_URL", "https://hamlet.example")],
        &["config", "check"],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("server.public_url = https://hamlet.example/"));

    std::fs::write(
        dir.path().join("hamlet.toml"),
        "[database]\nmax_connections = \"many\"\n",
    )
    .unwrap();
    let output = hamlet(dir.path(), None, &[], &["config", "check"], "");
    assert_eq!(output.status.code(), Some(78));
    let message = stderr(&output);
    assert!(message.contains("database.max_connections"), "{message}");
    assert!(message.contains("hamlet.toml"), "{message}");

    std::fs::write(
        dir.path().join("hamlet.toml"),
        "[server]\nlisten_on = \"x\"\n",
    )
    .unwrap();
    let output = hamlet(dir.path(), None, &[], &["config", "check"], "");
    assert_eq!(output.status.code(), Some(78));
    assert!(stderr(&output).contains("listen_on"), "{}", stderr(&output));

    std::fs::write(dir.path().join("hamlet.toml"), "[server\n").unwrap();
    let output = hamlet(dir.path(), None, &[], &["config", "check"], "");
    assert_eq!(output.status.code(), Some(78));

    let output = hamlet(
        dir.path(),
        None,
        &[],
        &["--config", "missing.toml", "config", "check"],
        "",
    );
    assert_eq!(output.status.code(), Some(78));
    assert!(stderr(&output).contains("missing.toml"));
}

#[tokio::test]
async fn admin_user_commands_have_reliable_exit_codes() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| hamlet(dir.path(), Some(&db), &[], args, stdin);

    let created = run(&["admin", "user", "create", "alice", "--role", "admin"], "");
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let text = stdout(&created);
    assert!(
        text.starts_with("created @alice (admin)\npassword: "),
        "{text}"
    );
    let generated = text
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches("password: ");
    assert!(generated.len() >= 32);

    let created = run(
        &[
            "admin",
            "user",
            "create",
            "bob",
            "--password-stdin",
            "--email",
            "bob@example.com",
        ],
        "bob's long password\n",
    );
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    assert_eq!(stdout(&created), "created @bob (member)\n");

    assert_eq!(
        run(&["admin", "user", "create", "ALICE"], "").status.code(),
        Some(4)
    );
    assert_eq!(
        run(
            &[
                "admin",
                "user",
                "create",
                "carol",
                "--email",
                "BOB@example.com"
            ],
            ""
        )
        .status
        .code(),
        Some(4)
    );
    let reserved = run(&["admin", "user", "create", "admin"], "");
    assert_eq!(reserved.status.code(), Some(2));
    assert!(
        stderr(&reserved).contains("reserved"),
        "{}",
        stderr(&reserved)
    );
    assert_eq!(
        run(&["admin", "user", "create", "no spaces"], "")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(
            &["admin", "user", "create", "dave", "--password-stdin"],
            "short\n"
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        run(&["admin", "user", "create", "dave", "--role", "king"], "")
            .status
            .code(),
        Some(2)
    );

    assert_eq!(
        run(&["admin", "user", "set-role", "bob", "moderator"], "")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["admin", "user", "suspend", "bob"], "").status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["admin", "user", "suspend", "nobody"], "")
            .status
            .code(),
        Some(3)
    );
    let listed = stdout(&run(&["admin", "user", "list"], ""));
    assert_eq!(listed, "alice\tadmin\tactive\nbob\tmoderator\tsuspended\n");
    let suspended = stdout(&run(
        &["admin", "user", "list", "--suspended", "--json"],
        "",
    ));
    let line: serde_json::Value = serde_json::from_str(suspended.trim()).unwrap();
    assert_eq!(line["username"], "bob");
    assert_eq!(line["email"], "bob@example.com");
    assert_eq!(
        run(&["admin", "user", "unsuspend", "bob"], "")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        stdout(&run(&["admin", "user", "list", "--role", "moderator"], "")),
        "bob\tmoderator\tactive\n"
    );

    let changed = run(
        &["admin", "user", "set-password", "bob", "--password-stdin"],
        "a brand new password\n",
    );
    assert_eq!(changed.status.code(), Some(0), "{}", stderr(&changed));
    let store = db.store().await;
    let (_, hash) = store.member_credentials("bob").await.unwrap().unwrap();
    assert!(hash.verify("a brand new password"));
    assert_eq!(
        run(&["admin", "user", "set-password", "nobody"], "")
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        run(&["admin", "user", "frobnicate"], "").status.code(),
        Some(2)
    );
}

#[tokio::test]
async fn admin_community_sets_the_default_locality() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| hamlet(dir.path(), Some(&db), &[], args, "");

    let shown = run(&["admin", "community", "show"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    assert_eq!(
        stdout(&shown),
        "default-locality federated\nprivate-community off\nfederated-timeline on\n"
    );
    let set = run(&["admin", "community", "default-locality", "local-only"]);
    assert_eq!(set.status.code(), Some(0), "{}", stderr(&set));
    assert!(stdout(&set).starts_with("default-locality local-only\n"));
    let store = db.store().await;
    assert!(store.community_settings().await.unwrap().default_local_only);
    assert_eq!(
        run(&["admin", "community", "default-locality", "nowhere"])
            .status
            .code(),
        Some(2)
    );
    let back = run(&["admin", "community", "default-locality", "federated"]);
    assert!(stdout(&back).starts_with("default-locality federated\n"));

    let private = run(&["admin", "community", "private-community", "on"]);
    assert_eq!(private.status.code(), Some(0), "{}", stderr(&private));
    let timeline = run(&["admin", "community", "federated-timeline", "off"]);
    assert_eq!(
        stdout(&timeline),
        "default-locality federated\nprivate-community on\nfederated-timeline off\n"
    );
    let stored = store.community_settings().await.unwrap();
    assert!(stored.private_community && !stored.federated_timeline);
    assert_eq!(
        run(&["admin", "community", "private-community", "maybe"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn an_unreachable_database_is_a_runtime_failure() {
    let dir = tempfile::tempdir().unwrap();
    let output = hamlet(
        dir.path(),
        None,
        &[(
            "HAMLET_DATABASE_URL",
            "postgres://nobody:secret@127.0.0.1:1/none",
        )],
        &["migrate"],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("cannot open database"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password leaked: {message}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `hamlet serve` and returns it with the setup link it printed, if any.
fn start_server(dir: &Path, db: &TestDb, port: u16) -> (std::process::Child, Option<String>) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_remove("HAMLET_CONFIG")
        .env("HAMLET_DATABASE_URL", &db.url)
        .env("HAMLET_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "HAMLET_SERVER_PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hamlet serve");
    // Logs go to stderr; keep draining it so that the server never blocks on a full pipe,
    // and note when it listens. The banner goes to stdout before that.
    let (listening_tx, listening_rx) = std::sync::mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("Hamlet is listening") {
                let _ = listening_tx.send(());
            }
        }
    });
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    listening_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server did not start listening");
    // The banner was written before the server listened, but the reader thread may not
    // have passed it on yet: give it a moment (a server with an admin prints none).
    let mut link = None;
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_millis(1500)) {
        let line = line.trim();
        if line.starts_with("http") {
            link = Some(line.to_owned());
            break;
        }
    }
    (child, link)
}

#[tokio::test]
async fn zero_configuration_start_prints_a_one_time_link_that_creates_the_admin() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut server, link) = start_server(dir.path(), &db, port);
    let link = link.expect("a setup link on first start");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/setup?token=")),
        "{link}"
    );
    assert!(
        dir.path().join("hamlet-data").is_dir(),
        "the data directory was not created"
    );

    let client = reqwest::Client::new();
    let page = client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let token = link.split("token=").nth(1).unwrap();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("token", token),
        ("username", "founder"),
        ("password", "the founder's password"),
        ("password_confirmation", "the founder's password"),
    ];
    let created = client
        .post(format!("http://127.0.0.1:{port}/setup"))
        .header("Cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let again = client
        .post(format!("http://127.0.0.1:{port}/setup"))
        .header("Cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "the link must work once");
    assert_eq!(client.get(&link).send().await.unwrap().status(), 404);

    // SIGTERM ends the server cleanly.
    let status = Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.wait().unwrap().code(), Some(0));

    let store = db.store().await;
    let founder = store.member_by_username("founder").await.unwrap().unwrap();
    assert_eq!(founder.user.role, hamlet_core::role::Role::Admin);

    // With an admin in place, a restart prints no link.
    let (mut server, link) = start_server(dir.path(), &db, free_port());
    assert_eq!(link, None);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn admin_media_shows_and_reclaims_space() {
    use hamlet_core::Timestamp;
    use hamlet_core::media::{Focus, MediaKind};
    use hamlet_store::NewMedia;

    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| hamlet(dir.path(), Some(&db), &[], args, "");
    let created = run(&["admin", "user", "create", "alice"]);
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let shown = run(&["admin", "media", "stats"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    assert_eq!(
        stdout(&shown),
        "uploads 0\nupload-bytes 0\ncached 0\ncached-bytes 0\nnot-cached 0\n"
    );

    // Two uploads no post used: one two days old, one fresh. Only the old one goes.
    let store = db.store().await;
    let alice = store.member_by_username("alice").await.unwrap().unwrap();
    let media_dir = dir.path().join("hamlet-data/media");
    let two_days_ago = Timestamp::from_millis(Timestamp::now().as_millis() - 2 * 86_400_000);
    for (name, at) in [("old", two_days_ago), ("new", Timestamp::now())] {
        let key = format!("attachments/{name}/original.jpg");
        std::fs::create_dir_all(media_dir.join(format!("attachments/{name}"))).unwrap();
        std::fs::write(media_dir.join(&key), b"jpeg bytes").unwrap();
        store
            .insert_media(NewMedia {
                account_id: alice.account.id,
                kind: MediaKind::Image,
                file_key: key,
                content_type: "image/jpeg".into(),
                file_size: 10,
                size: Some((1, 1)),
                thumbnail_key: None,
                thumbnail_size: None,
                description: String::new(),
                focus: Focus::default(),
                blurhash: None,
                created_at: at,
            })
            .await
            .unwrap();
    }
    let pruned = run(&["admin", "media", "prune", "--older-than-days", "3"]);
    assert_eq!(pruned.status.code(), Some(0), "{}", stderr(&pruned));
    assert!(
        stdout(&pruned).starts_with(
            "removed-cached-files 0\nremoved-unattached-files 1\nremoved-deleted-post-files 0\n\
             uploads 1\nupload-bytes 10\n"
        ),
        "{}",
        stdout(&pruned)
    );
    assert!(!media_dir.join("attachments/old/original.jpg").exists());
    assert!(media_dir.join("attachments/new/original.jpg").exists());
    assert_eq!(
        run(&["admin", "media", "prune", "--older-than-days", "x"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn media_can_live_in_an_s3_bucket_whose_secret_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = [
        ("HAMLET_MEDIA_BACKEND", "s3"),
        ("HAMLET_MEDIA_S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("HAMLET_MEDIA_S3_BUCKET", "hamlet-media"),
        ("HAMLET_MEDIA_S3_ACCESS_KEY_ID", "hamlet"),
        ("HAMLET_MEDIA_S3_SECRET_ACCESS_KEY", "very-secret-key"),
        ("HAMLET_MEDIA_S3_PATH_STYLE", "true"),
    ];
    let checked = hamlet(dir.path(), None, &s3, &["config", "check"], "");
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    let shown = stdout(&checked);
    assert!(shown.contains("media.backend = s3"), "{shown}");
    assert!(shown.contains("media.s3_bucket = hamlet-media"), "{shown}");
    assert!(!shown.contains("very-secret-key"), "{shown}");

    let without_bucket: Vec<(&str, &str)> = s3
        .iter()
        .copied()
        .filter(|(k, _)| *k != "HAMLET_MEDIA_S3_BUCKET")
        .collect();
    let refused = hamlet(dir.path(), None, &without_bucket, &["config", "check"], "");
    assert_eq!(refused.status.code(), Some(78));
    assert!(
        stderr(&refused).contains("media.s3_bucket"),
        "{}",
        stderr(&refused)
    );
    let unknown = hamlet(
        dir.path(),
        None,
        &[("HAMLET_MEDIA_BACKEND", "floppy")],
        &["config", "check"],
        "",
    );
    assert_eq!(unknown.status.code(), Some(78));
    assert!(stderr(&unknown).contains("media.backend"));
}
