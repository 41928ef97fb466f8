//! Where media files live: one interface over a local directory (the default, under the
//! data directory) and S3-compatible object storage, both through `object_store`. Keys
//! are opaque paths such as `attachments/<random>/original.jpg`.
//!
//! The S3 client makes its own HTTP requests, to the one endpoint the admin configured:
//! infrastructure, not federation, so it does not pass through the federation's
//! outbound client (no URL from another server ever reaches it).

use std::path::Path;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Where an S3-compatible bucket is and how to sign in to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`, ...
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, Garage, moto).
    pub path_style: bool,
}

/// A storage operation failed (disk full, permissions, network to the object store).
#[derive(Debug, thiserror::Error)]
#[error("media storage: {0}")]
pub struct StorageError(String);

impl From<object_store::Error> for StorageError {
    fn from(error: object_store::Error) -> StorageError {
        StorageError(error.to_string())
    }
}

/// The media store of this instance.
#[derive(Clone, Debug)]
pub struct MediaStorage {
    store: Arc<dyn ObjectStore>,
}

impl MediaStorage {
    /// Files under `directory`, which is created if missing.
    pub fn local(directory: &Path) -> Result<MediaStorage, StorageError> {
        std::fs::create_dir_all(directory)
            .map_err(|e| StorageError(format!("cannot create {}: {e}", directory.display())))?;
        let store = LocalFileSystem::new_with_prefix(directory)?;
        Ok(MediaStorage {
            store: Arc::new(store),
        })
    }

    /// An S3-compatible bucket.
    pub fn s3(config: &S3Config) -> Result<MediaStorage, StorageError> {
        let store = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(!config.path_style)
            .with_allow_http(config.endpoint.starts_with("http://"))
            .build()?;
        Ok(MediaStorage {
            store: Arc::new(store),
        })
    }

    /// A store of any backend (tests).
    pub fn from_store(store: Arc<dyn ObjectStore>) -> MediaStorage {
        MediaStorage { store }
    }

    fn path(key: &str) -> Result<ObjectPath, StorageError> {
        ObjectPath::parse(key).map_err(|e| StorageError(format!("bad key {key:?}: {e}")))
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store
            .put(&Self::path(key)?, PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The file's bytes, or `None` if there is no such file.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match self.store.get(&Self::path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Removes a file; removing a missing file is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }
}
