//! HTTP: the router, REST handlers and the agent console's files.

mod agent;
mod analytics;
mod console;
mod drafts;
mod visitor;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use protocol::chat::{ErrorCode, ErrorFrame};
use protocol::rest::AgentInfo;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::db::DbError;

pub use agent::SESSION_COOKIE;

/// Every route chat-server serves.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.config.limits.max_frame_bytes;
    // The widget runs on the host site's pages, so its REST calls are cross-origin: allowed for the
    // configured origins, without cookies. Agent routes get no CORS at all.
    let visitor_api = Router::new()
        .route("/api/availability", get(visitor::availability))
        .route("/api/conversations", post(visitor::start))
        .route("/api/conversations/{id}/messages", get(visitor::messages))
        .route("/api/tickets", post(visitor::leave_message))
        .layer(cors(&state.config.allowed_origins));
    // Beacons need no CORS answer (the browser sends them and never reads the reply).
    let events = Router::new()
        .route("/api/events", post(analytics::take))
        .layer(DefaultBodyLimit::max(analytics::EVENTS_BODY_BYTES));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(visitor_api)
        .merge(events)
        .route("/api/agent/login", post(agent::login))
        .route("/api/agent/logout", post(agent::logout))
        .route("/api/agent/session", get(agent::session))
        .route("/api/agent/ratings", get(agent::ratings))
        .route("/api/agent/canned", get(agent::canned))
        .route("/api/agent/articles", get(agent::articles))
        .route("/api/agent/conversations", get(agent::search))
        .route("/api/agent/visitor", get(agent::visitor_export).delete(agent::visitor_delete))
        .route("/api/agent/reports/help-center", get(analytics::help_center))
        .route("/api/agent/reports/conversations", get(analytics::conversations))
        .route("/api/agent/reports/gaps", get(analytics::gaps))
        .route("/api/agent/drafts", get(drafts::list).post(drafts::save))
        .route("/api/agent/drafts/propose", post(drafts::proposal))
        .route("/api/agent/drafts/{id}/pulled", post(drafts::pulled))
        .merge(console::routes())
        .route("/ws/visitor", get(crate::ws::visitor::upgrade))
        .route("/ws/agent", get(crate::ws::agent::upgrade))
        .layer(DefaultBodyLimit::max(body_limit))
        // Every answer: never sniffed into another type (a JSON error must not run as HTML), and no
        // address of ours leaks to other sites (the console page says `same-origin` itself).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(state)
}

fn cors(allowed: &[String]) -> CorsLayer {
    let allowed = allowed.to_vec();
    let origin = AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        let origin = origin.to_str().unwrap_or_default();
        allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    });
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(std::time::Duration::from_secs(3600))
}

/// The client's address behind the trusted proxies (see [`crate::net`]): what per-address limits count.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    /// As a limiter key.
    pub fn key(&self) -> String {
        self.0.to_string()
    }
}

impl axum::extract::FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |info| info.0.ip());
        Ok(ClientIp(state.config.client_ip(peer, &parts.headers)))
    }
}

/// An error answered as JSON [`ErrorFrame`] with a status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    frame: ErrorFrame,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { status, frame: ErrorFrame { code, message: message.into(), client_id: None } }
    }

    fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "log in first")
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        let (code, message) = error.told();
        let status = match code {
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Closed | ErrorCode::Invalid => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.frame)).into_response()
    }
}

/// 429 with the protocol's error.
pub fn rate_limited() -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many requests; try again later")
}

/// The value of cookie `name`, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The agent behind the session cookie, with the session's CSRF token.
pub async fn agent_session(state: &AppState, headers: &HeaderMap) -> Result<(AgentInfo, String), ApiError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
    let now = jiff::Timestamp::now().as_second();
    match state.db.session(&crate::auth::token_hash(token), now).await {
        Ok(found) => Ok(found),
        Err(DbError::NotFound) => Err(ApiError::unauthorized()),
        Err(other) => Err(other.into()),
    }
}

/// The SHA-256 of the agent session cookie, when one was sent: how the database and the hub know the
/// session.
pub fn session_hash(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE).map(crate::auth::token_hash)
}

/// Like [`agent_session`], and for requests that change something: the `X-CSRF-Token` header must match.
pub async fn agent_session_csrf(state: &AppState, headers: &HeaderMap) -> Result<AgentInfo, ApiError> {
    let (agent, csrf) = agent_session(state, headers).await?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !crate::auth::same_secret(sent, &csrf) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Unauthorized,
            "missing or wrong CSRF token",
        ));
    }
    Ok(agent)
}
