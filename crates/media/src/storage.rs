//! Where media files live: one interface over a local directory (the default, under the
//! data directory) and, later, S3-compatible object storage, both through
//! `object_store`. Keys are opaque paths such as `attachments/<random>/original.jpg`.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

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

    /// A store of any backend (tests, S3).
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
