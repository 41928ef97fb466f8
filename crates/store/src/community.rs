//! Settings the community's admins change while the server runs (one row) and the
//! community's rules, as opposed to the configuration file read at start.

use hamlet_core::community::{Rule, RuleText};
use hamlet_core::{Id, Timestamp};

use crate::db::BeginWrite;
use crate::{Store, StoreError};

/// The community's run-time settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunitySettings {
    /// Whether members' new posts are local-only unless they choose otherwise.
    pub default_local_only: bool,
    /// The community's name, description and contact address; `None` keeps the
    /// configuration file's.
    pub name: Option<String>,
    pub description: Option<String>,
    pub contact_email: Option<String>,
    /// Visitors who are not signed in see only the front page and the sign-in page.
    pub private_community: bool,
    /// Whether members have a federated timeline.
    pub federated_timeline: bool,
}

impl Default for CommunitySettings {
    fn default() -> CommunitySettings {
        CommunitySettings {
            default_local_only: false,
            name: None,
            description: None,
            contact_email: None,
            private_community: false,
            federated_timeline: true,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    default_local_only: bool,
    name: Option<String>,
    description: Option<String>,
    contact_email: Option<String>,
    private_community: bool,
    federated_timeline: bool,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    text: String,
    hint: String,
}

impl Store {
    pub async fn community_settings(&self) -> Result<CommunitySettings, StoreError> {
        let row: Option<SettingsRow> = with_db!(self, db => {
            sqlx::query_as(
                "SELECT default_local_only, name, description, contact_email, \
                        private_community, federated_timeline \
                 FROM community_settings WHERE id = 1",
            )
            .fetch_optional(db)
            .await?
        });
        Ok(row
            .map(|row| CommunitySettings {
                default_local_only: row.default_local_only,
                name: row.name,
                description: row.description,
                contact_email: row.contact_email,
                private_community: row.private_community,
                federated_timeline: row.federated_timeline,
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
                "INSERT INTO community_settings \
                    (id, default_local_only, name, description, contact_email, \
                     private_community, federated_timeline, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET default_local_only = $1, name = $2, \
                    description = $3, contact_email = $4, private_community = $5, \
                    federated_timeline = $6, updated_at = $7",
            )
            .bind(settings.default_local_only)
            .bind(settings.name)
            .bind(settings.description)
            .bind(settings.contact_email)
            .bind(settings.private_community)
            .bind(settings.federated_timeline)
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The community's rules, in order.
    pub async fn community_rules(&self) -> Result<Vec<Rule>, StoreError> {
        let rows: Vec<RuleRow> = with_db!(self, db => {
            sqlx::query_as("SELECT id, text, hint FROM community_rules ORDER BY position, id")
                .fetch_all(db)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|row| Rule {
                id: Id::from_i64(row.id),
                text: row.text,
                hint: row.hint,
            })
            .collect())
    }

    /// Adds a rule after the others.
    pub async fn add_community_rule(
        &self,
        rule: RuleText,
        now: Timestamp,
    ) -> Result<Rule, StoreError> {
        let id = Id::generate(now);
        with_db!(self, db => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "INSERT INTO community_rules (id, position, text, hint, created_at, updated_at) \
                 VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM community_rules), \
                         $2, $3, $4, $4)",
            )
            .bind(id.as_i64())
            .bind(rule.text())
            .bind(rule.hint())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(Rule {
            id,
            text: rule.text().to_owned(),
            hint: rule.hint().to_owned(),
        })
    }

    /// Rewrites a rule; `NotFound` if there is no such rule.
    pub async fn update_community_rule(
        &self,
        id: Id,
        rule: RuleText,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let changed = with_db!(self, db => {
            sqlx::query(
                "UPDATE community_rules SET text = $2, hint = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id.as_i64())
            .bind(rule.text())
            .bind(rule.hint())
            .bind(now.as_millis())
            .execute(db)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Removes a rule; `NotFound` if there is no such rule.
    pub async fn delete_community_rule(&self, id: Id) -> Result<(), StoreError> {
        let changed = with_db!(self, db => {
            sqlx::query("DELETE FROM community_rules WHERE id = $1")
                .bind(id.as_i64())
                .execute(db)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
