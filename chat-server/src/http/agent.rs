//! Agent REST: login and logout with a cookie session, ratings, canned replies, the help center, the
//! search over every conversation, and a visitor's data (export, delete).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::chat::{ConversationSummary, ErrorCode};
use protocol::rest::{
    AgentLogin, AgentRatings, AgentSession, ArticleCard, CannedReply, VisitorData, VisitorDeleted,
};

use super::extract::{ApiError, ClientIp, SESSION_COOKIE, agent_session, agent_session_csrf, session_hash};
use crate::AppState;
use crate::auth;
use crate::db::{DbError, VisitorKey};
use crate::privacy;

const SESSION_SECONDS: i64 = 12 * 3600;

/// How many conversations one search lists, newest first: more than an agent reads down a list.
const SEARCH_LISTED: u32 = 50;

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "bad cookie"))
}

pub(super) async fn login(
    State(state): State<Arc<AppState>>,
    client: ClientIp,
    Json(request): Json<AgentLogin>,
) -> Result<Response, ApiError> {
    if !state.login_limit.allow(&client.key()).await {
        tracing::warn!(ip = %client.0, "login rate limit hit");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many login attempts; wait 15 minutes",
        ));
    }
    // Usernames are short; a long one is no account's, and is not worth a row of failures.
    if request.username.chars().count() > MAX_USERNAME_CHARS {
        return Err(wrong_login());
    }
    // Failures count per submitted username, whether it exists or not, so a lock reveals nothing; and
    // per account, not per address, so an attacker behind many addresses gets as few guesses as one.
    let now = jiff::Timestamp::now().as_second();
    let threshold = state.config.limits.login_failures_before_lockout;
    let (failures, last) = state.db.login_failures(&request.username).await?;
    if let Some(left) = crate::limits::locked_for(failures, last, now, threshold) {
        tracing::warn!(username = %request.username, failures, "login refused: account locked");
        return Err(locked(left));
    }
    let record = match state.db.agent(&request.username).await {
        Ok(record) => Some(record),
        Err(DbError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    // Argon2 runs for unknown usernames too, so timing does not reveal which exist.
    let stored = record.as_ref().map_or(auth::dummy_hash(), |r| r.password_hash.as_str()).to_owned();
    let password = request.password;
    let valid =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored)).await.unwrap_or(false);
    let Some(record) = record.filter(|_| valid) else {
        let forget = crate::limits::FAILURES_FORGOTTEN_AFTER_SECS;
        let failures = state.db.record_login_failure(&request.username, now, forget).await?;
        tracing::warn!(username = %request.username, failures, "login failed");
        return Err(match crate::limits::locked_for(failures, now, now, threshold) {
            Some(left) => locked(left),
            None => wrong_login(),
        });
    };
    if failures > 0 {
        state.db.clear_login_failures(&record.info.username).await?;
    }
    let token = auth::random_token();
    let csrf = auth::random_token();
    let expires = jiff::Timestamp::now().as_second() + SESSION_SECONDS;
    state.db.create_session(&auth::token_hash(&token), &record.info.username, &csrf, expires).await?;
    tracing::info!(agent = %record.info.username, "agent logged in");
    privacy::audit(state.db.as_ref(), &record.info.username, "login", None, None).await;
    let mut response = Json(AgentSession { agent: record.info, csrf }).into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &token, SESSION_SECONDS)?);
    Ok(response)
}

/// The longest username looked up.
const MAX_USERNAME_CHARS: usize = 200;

fn wrong_login() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "wrong username or password")
}

fn locked(seconds: i64) -> ApiError {
    let wait = if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else {
        format!("{seconds} seconds")
    };
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        format!(
            "too many failed logins for this account; try again in {wait}, or ask an admin to reset the password"
        ),
    )
}

pub(super) async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let agent = agent_session_csrf(&state, &headers).await?;
    privacy::audit(state.db.as_ref(), &agent.username, "logout", None, None).await;
    if let Some(hash) = session_hash(&headers) {
        state.db.delete_session(&hash).await?;
        // Sockets opened with this session close now, not when the page is next reloaded.
        state.hub.end_session(&hash);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(response)
}

/// The current session, for the inbox page to learn its CSRF token (same-origin reads only: no CORS).
pub(super) async fn session(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<AgentSession>, ApiError> {
    let (agent, csrf) = agent_session(&state, &headers).await?;
    Ok(Json(AgentSession { agent, csrf }))
}

pub(super) async fn ratings(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<AgentRatings>>, ApiError> {
    agent_session(&state, &headers).await?;
    Ok(Json(state.db.ratings_by_agent().await?))
}

pub(super) async fn canned(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<CannedReply>>, ApiError> {
    agent_session(&state, &headers).await?;
    Ok(Json(state.config.canned.clone()))
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ArticleQuery {
    q: String,
    #[serde(default)]
    lang: Option<String>,
}

/// The help center's best articles for what the agent typed after `#` in the reply box.
pub(super) async fn articles(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<ArticleQuery>,
) -> Result<Json<Vec<ArticleCard>>, ApiError> {
    agent_session(&state, &headers).await?;
    let Some(articles) = &state.articles else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            "no help center is set up: start chat-server with --help-center-dir (the kb-builder output folder)",
        ));
    };
    // An unknown language searches them all rather than failing the agent's lookup.
    let lang = query.lang.as_deref().and_then(|code| code.parse().ok());
    articles.search(&query.q, lang).await.map(Json).map_err(|message| {
        tracing::error!(error = %message, "article search failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, message)
    })
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct SearchQuery {
    q: String,
}

/// Every conversation, open or closed, that what the agent typed in the list's search box finds: the
/// console's own filter sees only what it has loaded.
pub(super) async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<ConversationSummary>>, ApiError> {
    let (agent, _) = agent_session(&state, &headers).await?;
    let found = state.db.search(&query.q, SEARCH_LISTED).await?;
    // What was searched may be a visitor's name or e-mail: the log keeps how many were found.
    privacy::audit(
        state.db.as_ref(),
        &agent.username,
        "search",
        None,
        Some(format!("{} found", found.len())),
    )
    .await;
    Ok(Json(found))
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct VisitorQuery {
    email: Option<String>,
    user_id: Option<String>,
}

impl VisitorQuery {
    fn key(self) -> Result<VisitorKey, ApiError> {
        match (self.email, self.user_id) {
            (Some(email), None) if !email.trim().is_empty() => Ok(VisitorKey::Email(email)),
            (None, Some(id)) if !id.is_empty() => Ok(VisitorKey::UserId(id)),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::Invalid,
                "name the visitor by one of ?email= or ?user_id=",
            )),
        }
    }
}

/// Everything kept about one visitor, for their access request. Needs the CSRF token as well as the
/// session: it is personal data in bulk.
pub(super) async fn visitor_export(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<VisitorQuery>,
) -> Result<Json<VisitorData>, ApiError> {
    let agent = agent_session_csrf(&state, &headers).await?;
    Ok(Json(privacy::export(state.db.as_ref(), &query.key()?, &agent.username).await?))
}

/// Erases everything one visitor wrote and who they were.
pub(super) async fn visitor_delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<VisitorQuery>,
) -> Result<Json<VisitorDeleted>, ApiError> {
    let agent = agent_session_csrf(&state, &headers).await?;
    let conversations = privacy::delete(state.db.as_ref(), &query.key()?, &agent.username).await?;
    tracing::info!(agent = %agent.username, conversations, "visitor data erased");
    Ok(Json(VisitorDeleted { conversations }))
}
