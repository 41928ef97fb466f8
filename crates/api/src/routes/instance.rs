use axum::Json;
use axum::extract::State;
use hamlet_core::role::Role;
use hamlet_store::{MemberFilter, StatsFor};

use crate::AppState;
use crate::entities::{Account, InstanceFacts, InstanceV1, InstanceV2};
use crate::error::ApiResult;

async fn facts(state: &AppState) -> ApiResult<(u64, Option<Account>, bool)> {
    let members = state.store.count_active_members().await?;
    let admins = state
        .store
        .list_members(MemberFilter {
            role: Some(Role::Admin),
            suspended: Some(false),
        })
        .await?;
    let contact = match admins.first() {
        Some(admin) => {
            let id = admin.account.id;
            let stats = state
                .store
                .account_stats(&[id], StatsFor::Anyone)
                .await?
                .remove(&id)
                .unwrap_or_default();
            Some(Account::new(&admin.account, &stats, &state.settings))
        }
        None => None,
    };
    let community = state.store.community_settings().await?;
    Ok((members, contact, community.default_local_only))
}

/// `GET /api/v2/instance`.
pub async fn v2(State(state): State<AppState>) -> ApiResult<Json<InstanceV2>> {
    let (user_count, contact_account, default_local_only) = facts(&state).await?;
    Ok(Json(InstanceV2::new(InstanceFacts {
        settings: &state.settings,
        user_count,
        contact_account,
        default_local_only,
    })))
}

/// `GET /api/v1/instance`.
pub async fn v1(State(state): State<AppState>) -> ApiResult<Json<InstanceV1>> {
    let (user_count, contact_account, default_local_only) = facts(&state).await?;
    Ok(Json(InstanceV1::new(InstanceFacts {
        settings: &state.settings,
        user_count,
        contact_account,
        default_local_only,
    })))
}

/// `GET /api/v1/custom_emojis`: the instance's custom emoji. Hamlet has none yet, so the
/// list is empty (and apps show only standard emoji).
pub async fn custom_emojis() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}
