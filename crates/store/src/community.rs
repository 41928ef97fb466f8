//! Settings the community's admins change while the server runs (one row), as opposed
//! to the configuration file read at start.

use hamlet_core::Timestamp;

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// The community's run-time settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommunitySettings {
    /// Whether members' new posts are local-only unless they choose otherwise.
    pub default_local_only: bool,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    default_local_only: bool,
}

impl Store {
    pub async fn community_settings(&self) -> Result<CommunitySettings, StoreError> {
        let row: Option<SettingsRow> = with_db!(self, db => {
            sqlx::query_as("SELECT default_local_only FROM community_settings WHERE id = 1")
                .fetch_optional(db)
                .await?
        });
        Ok(row
            .map(|row| CommunitySettings {
                default_local_only: row.default_local_only,
            })
            .unwrap_or_default())
    }

    pub async fn set_community_settings(
        &self,
        settings: CommunitySettings,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "INSERT INTO community_settings (id, default_local_only, updated_at) \
                 VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET default_local_only = $1, updated_at = $2",
            )
            .bind(settings.default_local_only)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
