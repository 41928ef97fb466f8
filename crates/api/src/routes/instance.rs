use axum::Json;
use axum::extract::State;
use hamlet_core::role::Role;
use hamlet_store::{MemberFilter, StatsFor};

use crate::AppState;
use crate::entities::{Account, InstanceFacts, InstanceV1, InstanceV2, Rule};
use crate::error::ApiResult;
use crate::service::community::{self, Community};

/// What the instance entities show besides the settings.
struct Facts {
    community: Community,
    rules: Vec<Rule>,
    members: u64,
    contact: Option<Account>,
}

async fn facts(state: &AppState) -> ApiResult<Facts> {
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
    Ok(Facts {
        community: community::current(state).await?,
        rules: rules(state).await?,
        members,
        contact,
    })
}

async fn rules(state: &AppState) -> ApiResult<Vec<Rule>> {
    Ok(state
        .store
        .community_rules()
        .await?
        .iter()
        .map(Rule::new)
        .collect())
}

/// `GET /api/v1/instance/rules`: the community's rules, in order.
pub async fn rules_list(State(state): State<AppState>) -> ApiResult<Json<Vec<Rule>>> {
    Ok(Json(rules(&state).await?))
}

/// `GET /api/v2/instance`.
pub async fn v2(State(state): State<AppState>) -> ApiResult<Json<InstanceV2>> {
    let facts = facts(&state).await?;
    Ok(Json(InstanceV2::new(InstanceFacts {
        settings: &state.settings,
        community: &facts.community,
        rules: facts.rules,
        user_count: facts.members,
        contact_account: facts.contact,
    })))
}

/// `GET /api/v1/instance`.
pub async fn v1(State(state): State<AppState>) -> ApiResult<Json<InstanceV1>> {
    let facts = facts(&state).await?;
    Ok(Json(InstanceV1::new(InstanceFacts {
        settings: &state.settings,
        community: &facts.community,
        rules: facts.rules,
        user_count: facts.members,
        contact_account: facts.contact,
    })))
}

/// `GET /api/v1/custom_emojis`: the instance's custom emoji. Hamlet has none yet, so the
/// list is empty (and apps show only standard emoji).
pub async fn custom_emojis() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}
