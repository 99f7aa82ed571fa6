//! HTTP: the router, REST handlers and the agent console's files.

mod agent;
mod analytics;
mod console;
mod drafts;
pub mod extract;
mod visitor;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

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
