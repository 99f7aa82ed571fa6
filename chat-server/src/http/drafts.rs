//! Article drafts for agents: proposed from a conversation or a content gap, saved, listed for
//! `kb-builder drafts pull`, and marked once pulled.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::chat::ErrorCode;
use protocol::reports::{ArticleDraft, ProposeDraft, SaveDraft, SavedDraft, draft_path_is_safe};

use super::extract::{ApiError, agent_session, agent_session_csrf};
use crate::AppState;
use crate::drafts::{Material, propose};

/// Drafts listed at most.
const LISTED: u32 = 200;
/// The largest draft, in bytes.
const DRAFT_BYTES: usize = 64 * 1024;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, message)
}

pub(super) async fn proposal(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(request): Json<ProposeDraft>,
) -> Result<Json<ArticleDraft>, ApiError> {
    agent_session_csrf(&state, &headers).await?;
    let mut material = match &request.conversation_id {
        Some(id) => {
            let conversation = state.db.conversation(id).await?;
            let context = state.db.context(id).await?;
            let messages = state.db.messages_after(id, 0, crate::db::Notes::Left).await?;
            Material::from_conversation(&context, conversation.team, &messages)
        }
        None => Material::default(),
    };
    material.asked.extend(request.asked);
    if let Some(lang) = request.lang.filter(|_| material.lang.is_empty()) {
        material.lang = lang;
    }
    if material.asked.is_empty() {
        return Err(invalid("nothing to draft from: name a conversation or the ways visitors asked"));
    }
    Ok(Json(propose(&material)))
}

pub(super) async fn save(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(request): Json<SaveDraft>,
) -> Result<Json<SavedDraft>, ApiError> {
    let agent = agent_session_csrf(&state, &headers).await?;
    if !draft_path_is_safe(&request.path) {
        return Err(invalid(format!(
            "path {:?}: write it as lang/folder/name.md, with letters, digits, '-', '_' and '.' only",
            request.path
        )));
    }
    if request.markdown.len() > DRAFT_BYTES || request.markdown.trim().is_empty() {
        return Err(invalid(format!("a draft holds 1 to {DRAFT_BYTES} bytes")));
    }
    let draft = SavedDraft {
        id: crate::auth::random_id(),
        path: request.path,
        markdown: request.markdown,
        conversation_id: request.conversation_id,
        created_by: agent.username,
        created_at: jiff::Timestamp::now().to_string(),
        pulled_at: None,
    };
    state.db.save_draft(&draft).await?;
    Ok(Json(draft))
}

/// `?pending=true`: only the drafts not pulled yet, oldest first (what `kb-builder drafts pull` asks).
#[derive(Debug, serde::Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    pending: bool,
}

pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<SavedDraft>>, ApiError> {
    agent_session(&state, &headers).await?;
    Ok(Json(state.db.drafts(LISTED, query.pending).await?))
}

pub(super) async fn pulled(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    agent_session_csrf(&state, &headers).await?;
    state.db.mark_pulled(&id, &jiff::Timestamp::now().to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}
