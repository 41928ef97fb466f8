//! One suite for every storage backend: the local directory always, and an
//! S3-compatible server when `HAMLET_TEST_S3_ENDPOINT` names one (`.ci/run` starts moto
//! on loopback for it).

use hamlet_media::{MediaStorage, S3Config};

/// What every backend must do.
async fn storage_suite(storage: &MediaStorage, prefix: &str) {
    let key = format!("{prefix}/attachments/a/original.jpg");
    assert_eq!(storage.get(&key).await.unwrap(), None, "missing is None");
    storage.put(&key, b"first".to_vec()).await.unwrap();
    assert_eq!(storage.get(&key).await.unwrap(), Some(b"first".to_vec()));
    storage.put(&key, b"second".to_vec()).await.unwrap();
    assert_eq!(
        storage.get(&key).await.unwrap(),
        Some(b"second".to_vec()),
        "overwritten"
    );
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let big_key = format!("{prefix}/attachments/b/original.mp4");
    storage.put(&big_key, big.clone()).await.unwrap();
    assert_eq!(
        storage.get(&big_key).await.unwrap(),
        Some(big),
        "a few MiB whole"
    );
    storage.delete(&key).await.unwrap();
    storage.delete(&key).await.unwrap();
    assert_eq!(storage.get(&key).await.unwrap(), None, "deleted");
    storage.delete(&big_key).await.unwrap();
    for bad in ["../escape", "a//b", ""] {
        assert!(storage.put(bad, b"x".to_vec()).await.is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn the_local_directory_keeps_reads_and_forgets_files() {
    let dir = tempfile::tempdir().unwrap();
    let storage = MediaStorage::local(&dir.path().join("media")).unwrap();
    storage_suite(&storage, "suite").await;
    storage
        .put("attachments/c/original.jpg", b"on disk".to_vec())
        .await
        .unwrap();
    assert!(dir.path().join("media/attachments/c/original.jpg").exists());
}

#[tokio::test]
async fn an_s3_bucket_keeps_reads_and_forgets_files() {
    let Ok(endpoint) = std::env::var("HAMLET_TEST_S3_ENDPOINT") else {
        eprintln!("HAMLET_TEST_S3_ENDPOINT is not set: the S3 backend is tested by .ci/run");
        return;
    };
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let config = S3Config {
        endpoint,
        bucket: var("HAMLET_TEST_S3_BUCKET", "hamlet-test"),
        region: var("HAMLET_TEST_S3_REGION", "us-east-1"),
        access_key_id: var("HAMLET_TEST_S3_ACCESS_KEY_ID", "test"),
        secret_access_key: var("HAMLET_TEST_S3_SECRET_ACCESS_KEY", "test"),
        path_style: true,
    };
    let storage = MediaStorage::s3(&config).unwrap();
    // Each run under its own prefix, so runs never see each other's files.
    let prefix = format!("run-{}", std::process::id());
    storage_suite(&storage, &prefix).await;
    // Wrong credentials fail loudly rather than losing files.
    let wrong = MediaStorage::s3(&S3Config {
        bucket: "no-such-bucket-here".into(),
        ..config
    })
    .unwrap();
    assert!(wrong.put("x/y.jpg", b"x".to_vec()).await.is_err());
}
