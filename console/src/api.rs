//! chat-server's agent REST endpoints (same origin; the session travels in its HttpOnly cookie).

use browser_link::answer;
use gloo_net::http::{Request, RequestBuilder};
use protocol::chat::ConversationSummary;
use protocol::reports::{
    ArticleDraft, ConversationReport, GapsReport, HelpCenterReport, ProposeDraft, SaveDraft, SavedDraft,
};
use protocol::rest::{AgentLogin, AgentRatings, AgentSession, ArticleCard, CannedReply};

fn with_csrf(request: RequestBuilder, csrf: &str) -> RequestBuilder {
    request.header("x-csrf-token", csrf)
}

/// The session the cookie carries, if the agent is logged in.
pub async fn session() -> Result<AgentSession, String> {
    answer(Request::get("/api/agent/session").send().await).await
}

/// Whether the session cookie still lets the agent in: `Some(false)` only when the server says no (401),
/// `None` when it could not be asked.
pub async fn logged_in() -> Option<bool> {
    let response = Request::get("/api/agent/session").send().await.ok()?;
    match response.status() {
        401 => Some(false),
        status => (200..300).contains(&status).then_some(true),
    }
}

/// Logs in; the server sets the session cookie.
pub async fn login(username: String, password: String) -> Result<AgentSession, String> {
    let request = Request::post("/api/agent/login").json(&AgentLogin { username, password });
    answer(request.map_err(|e| e.to_string())?.send().await).await
}

/// Ends the session (the cookie is cleared by the server).
pub async fn logout(csrf: &str) -> Result<(), String> {
    let response = with_csrf(Request::post("/api/agent/logout"), csrf).send().await;
    let response = response.map_err(|e| e.to_string())?;
    if response.ok() { Ok(()) } else { Err(format!("HTTP {}", response.status())) }
}

/// The prepared answers configured on the server.
pub async fn canned() -> Result<Vec<CannedReply>, String> {
    answer(Request::get("/api/agent/canned").send().await).await
}

/// The help center's best articles for `query`, in the conversation's language.
pub async fn articles(query: &str, lang: &str) -> Result<Vec<ArticleCard>, String> {
    answer(Request::get("/api/agent/articles").query([("q", query), ("lang", lang)]).send().await).await
}

/// Every conversation, open or closed, that `query` finds (newest first, at most 50).
pub async fn search(query: &str) -> Result<Vec<ConversationSummary>, String> {
    answer(Request::get("/api/agent/conversations").query([("q", query)]).send().await).await
}

/// Every agent's ratings.
pub async fn ratings() -> Result<Vec<AgentRatings>, String> {
    answer(Request::get("/api/agent/ratings").send().await).await
}

/// The help center's report for `from..=to` (`YYYY-MM-DD`) in `lang` (empty: all languages).
pub async fn help_center_report(from: &str, to: &str, lang: &str) -> Result<HelpCenterReport, String> {
    let query = [("from", from), ("to", to), ("lang", lang)];
    answer(Request::get("/api/agent/reports/help-center").query(query).send().await).await
}

/// The conversations' report for those started `from..=to` in `lang` (empty: all).
pub async fn conversations_report(from: &str, to: &str, lang: &str) -> Result<ConversationReport, String> {
    let query = [("from", from), ("to", to), ("lang", lang)];
    answer(Request::get("/api/agent/reports/conversations").query(query).send().await).await
}

/// The content gaps of `from..=to` in `lang` (empty: all).
pub async fn gaps_report(from: &str, to: &str, lang: &str) -> Result<GapsReport, String> {
    let query = [("from", from), ("to", to), ("lang", lang)];
    answer(Request::get("/api/agent/reports/gaps").query(query).send().await).await
}

/// Report `kind` (`help-center`, `conversations`) as a CSV download (the session cookie goes with the
/// link).
pub fn report_csv_url(kind: &str, from: &str, to: &str, lang: &str) -> String {
    let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
    format!(
        "/api/agent/reports/{kind}?from={}&to={}&lang={}&format=csv",
        encode(from),
        encode(to),
        encode(lang)
    )
}

/// A draft proposed from a conversation or the ways a gap was asked.
pub async fn propose_draft(csrf: &str, request: &ProposeDraft) -> Result<ArticleDraft, String> {
    let request = with_csrf(Request::post("/api/agent/drafts/propose"), csrf).json(request);
    answer(request.map_err(|e| e.to_string())?.send().await).await
}

/// Saves a draft for `kb-builder drafts pull`.
pub async fn save_draft(csrf: &str, request: &SaveDraft) -> Result<SavedDraft, String> {
    let request = with_csrf(Request::post("/api/agent/drafts"), csrf).json(request);
    answer(request.map_err(|e| e.to_string())?.send().await).await
}
