//! What a request brings and how a refusal is answered, for the REST handlers and the sockets alike: the
//! client's address, the page it comes from (`Origin`), the agent's session, and errors as the
//! protocol's JSON [`ErrorFrame`] with a status.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::chat::{ErrorCode, ErrorFrame};
use protocol::rest::AgentInfo;

use crate::AppState;
use crate::db::DbError;

/// Name of the HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "answerdesk_agent";

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

/// Whether the page that opened the socket is allowed. No Origin header means a non-browser client,
/// which could claim any origin anyway; the token or session still has to be valid.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else { return true };
    allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// For the agent socket: the page must come from this very server: exactly its public URL's origin when
/// that is set (so an http page cannot reach an https server), else the same host (the scheme is not
/// known behind a proxy).
pub fn same_origin(headers: &HeaderMap, public: Option<&crate::config::PublicUrl>) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else { return true };
    if let Some(public) = public {
        return origin.trim_end_matches('/').eq_ignore_ascii_case(public.origin());
    }
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(origin: &str, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(origin).expect("a header value"));
        headers.insert("host", HeaderValue::from_str(host).expect("a header value"));
        headers
    }

    /// Regression (issue 16): the agent socket compared hosts only, so a page served over plain HTTP on
    /// the same host name could open the socket of a server agents reach over HTTPS.
    #[test]
    fn the_agent_socket_takes_only_its_public_origin_scheme_included() {
        let public: crate::config::PublicUrl = "https://chat.shop.example".parse().expect("a URL");
        let page = |origin: &str| same_origin(&headers(origin, "chat.shop.example"), Some(&public));
        assert!(page("https://chat.shop.example"));
        assert!(page("HTTPS://Chat.Shop.Example"));
        assert!(!page("http://chat.shop.example"), "the scheme counts");
        assert!(!page("https://chat.shop.example:8443"), "so does the port");
        assert!(!page("https://evil.example"));
        // Without a public URL, the host is all that is known (a proxy may terminate TLS).
        assert!(same_origin(&headers("http://127.0.0.1:8787", "127.0.0.1:8787"), None));
        assert!(!same_origin(&headers("http://evil.example", "127.0.0.1:8787"), None));
    }
}
