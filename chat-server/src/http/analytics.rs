//! The widget's events in (`POST /api/events`, from `navigator.sendBeacon`) and the help center's report
//! out (`GET /api/agent/reports/help-center`, for agents), and the conversations' report
//! (`GET /api/agent/reports/conversations`), as JSON or CSV.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::analytics::Batch;
use protocol::chat::ErrorCode;
use protocol::reports::{ConversationReport, DEFLECTION_FORMULA, GapsReport, HelpCenterReport};
use serde::Deserialize;

use super::extract::{ApiError, ClientIp, agent_session, origin_allowed, rate_limited};
use crate::AppState;
use crate::analytics::report::StoredEvent;

/// The largest events body: 50 events of 200-character texts fit with room to spare.
pub const EVENTS_BODY_BYTES: usize = 32 * 1024;

/// The longest range a report covers, in days.
const REPORT_DAYS: i32 = 366;

/// Takes a batch of events. The body is JSON whatever its content type says: `sendBeacon` sends a string
/// as `text/plain`, which needs no CORS preflight. The answer carries nothing (the beacon never reads it).
pub(super) async fn take(
    State(state): State<Arc<AppState>>,
    client: ClientIp,
    headers: HeaderMap,
    body: String,
) -> Result<StatusCode, ApiError> {
    let Some(collector) = &state.events else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "analytics are off"));
    };
    if !origin_allowed(&headers, &state.config.allowed_origins) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Unauthorized, "origin not allowed"));
    }
    if !state.event_limit.allow(&client.key()).await {
        return Err(rate_limited());
    }
    let batch: Batch = serde_json::from_str(&body).map_err(|err| {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Malformed, format!("events: {err}"))
    })?;
    let batch = batch
        .checked()
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, err.to_string()))?;
    let received_at = crate::analytics::timestamp(jiff::Timestamp::now());
    let events = batch
        .events
        .into_iter()
        .map(|event| StoredEvent {
            received_at: received_at.clone(),
            page_view: batch.page_view.clone(),
            event,
        })
        .collect();
    if !collector.offer(events) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::RateLimited,
            "too busy; events dropped",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD&lang=vi&format=csv`; without dates, the last 30 days to today.
#[derive(Debug, Deserialize)]
pub(super) struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
    format: Option<String>,
}

impl ReportQuery {
    /// `?lang=`, when one is asked for.
    fn lang(&self) -> Option<&str> {
        self.lang.as_deref().filter(|l| !l.is_empty())
    }
}

/// The days `?from=…&to=…` ask for: by default the last 30 days to today; at most [`REPORT_DAYS`].
fn range(query: &ReportQuery) -> Result<(jiff::civil::Date, jiff::civil::Date), ApiError> {
    let invalid = |message: String| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, message);
    let day = |name: &str, text: &str| {
        text.parse::<jiff::civil::Date>()
            .map_err(|err| invalid(format!("{name}={text}: {err}; write YYYY-MM-DD")))
    };
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let to = match &query.to {
        Some(to) => day("to", to)?,
        None => today,
    };
    let from = match &query.from {
        Some(from) => day("from", from)?,
        None => to.checked_sub(jiff::Span::new().days(29)).map_err(|err| invalid(err.to_string()))?,
    };
    if from > to {
        return Err(invalid(format!("from ({from}) is after to ({to})")));
    }
    if (to - from).get_days() >= REPORT_DAYS {
        return Err(invalid(format!("a report covers at most {REPORT_DAYS} days")));
    }
    Ok((from, to))
}

/// The report as JSON, or with `format=csv` as a CSV download named after what it is and its days.
fn json_or_csv<R: serde::Serialize>(
    query: &ReportQuery,
    (kind, from, to): (&str, jiff::civil::Date, jiff::civil::Date),
    report: R,
    csv: impl FnOnce(&R) -> String,
) -> Response {
    if query.format.as_deref() != Some("csv") {
        return Json(report).into_response();
    }
    let name = format!("attachment; filename=\"{kind}-{from}-{to}.csv\"");
    let headers =
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)];
    (headers, csv(&report)).into_response()
}

/// An agent's request for a report: the session checked, then the days and language read.
pub(super) struct Asked {
    query: ReportQuery,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
}

impl axum::extract::FromRequestParts<Arc<AppState>> for Asked {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        agent_session(state, &parts.headers).await?;
        let Query(query) = Query::<ReportQuery>::from_request_parts(parts, state)
            .await
            .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Invalid, err.body_text()))?;
        let (from, to) = range(&query)?;
        Ok(Asked { query, from, to })
    }
}

pub(super) async fn help_center(
    State(state): State<Arc<AppState>>,
    asked: Asked,
) -> Result<Response, ApiError> {
    let Asked { query, from, to } = asked;
    let report = crate::analytics::help_center(state.db.as_ref(), from, to, query.lang()).await?;
    Ok(json_or_csv(&query, ("help-center", from, to), report, csv))
}

pub(super) async fn conversations(
    State(state): State<Arc<AppState>>,
    asked: Asked,
) -> Result<Response, ApiError> {
    let Asked { query, from, to } = asked;
    let online = super::visitor::agents_online(&state).await;
    let hours = &state.config.hours;
    let report =
        crate::analytics::conversations_report(state.db.as_ref(), from, to, query.lang(), hours, online)
            .await?;
    Ok(json_or_csv(&query, ("conversations", from, to), report, conversations_csv))
}

pub(super) async fn gaps(
    State(state): State<Arc<AppState>>,
    asked: Asked,
) -> Result<Json<GapsReport>, ApiError> {
    let Asked { query, from, to } = asked;
    Ok(Json(crate::analytics::gaps_report(state.db.as_ref(), from, to, query.lang()).await?))
}

fn seconds(value: Option<u64>) -> String {
    value.map(|s| s.to_string()).unwrap_or_default()
}

/// The conversations' report as CSV: one row per group (all, each agent, each team), times in seconds.
pub fn conversations_csv(report: &ConversationReport) -> String {
    let mut out = String::from(
        "group,name,conversations,answered,closed,first response median s,first response mean s,resolution median s,resolution mean s,first response median s (business hours),resolution median s (business hours),waiting mean s,ratings,satisfied,csat,response rate,nps answers,promoters,detractors,nps\n",
    );
    let all = [("range", "", &report.totals), ("previous range", "", &report.previous)];
    let agents = report.agents.iter().map(|r| ("agent", r.name.as_str(), &r.totals));
    let teams = report.teams.iter().map(|r| ("team", r.name.as_str(), &r.totals));
    for (group, name, t) in all.into_iter().chain(agents).chain(teams) {
        out.push_str(&format!(
            "{group},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.4},{:.4},{},{},{},{}\n",
            field(name),
            t.conversations,
            t.answered,
            t.closed,
            seconds(t.first_response_median),
            seconds(t.first_response_mean),
            seconds(t.resolution_median),
            seconds(t.resolution_mean),
            seconds(t.first_response_business_median),
            seconds(t.resolution_business_median),
            seconds(t.waiting_mean),
            t.ratings,
            t.satisfied,
            t.csat,
            t.response_rate,
            t.nps_responses,
            t.promoters,
            t.detractors,
            t.nps.map(|n| format!("{n:.1}")).unwrap_or_default()
        ));
    }
    out.push_str("\nscore,comment,agent,rated at\n");
    for c in &report.comments {
        out.push_str(&format!(
            "{},{},{},{}\n",
            c.score,
            field(&c.comment),
            field(c.agent.as_deref().unwrap_or("")),
            c.rated_at
        ));
    }
    out
}

/// The report as one CSV file: the totals (with the previous range), then each list under its own header.
pub fn csv(report: &HelpCenterReport) -> String {
    let mut out = String::from("section,name,value,previous\n");
    let (t, p) = (&report.totals, &report.previous);
    let rows: [(&str, String, String); 13] = [
        ("visits", t.visits.to_string(), p.visits.to_string()),
        ("searches", t.searches.to_string(), p.searches.to_string()),
        ("failed searches", t.failed_searches.to_string(), p.failed_searches.to_string()),
        ("article views", t.views.to_string(), p.views.to_string()),
        ("found an answer", t.found_an_answer.to_string(), p.found_an_answer.to_string()),
        ("failed", t.failed.to_string(), p.failed.to_string()),
        ("contacted", t.contacted.to_string(), p.contacted.to_string()),
        ("escalations", t.escalations.to_string(), p.escalations.to_string()),
        ("chats", t.chats.to_string(), p.chats.to_string()),
        ("messages left", t.messages.to_string(), p.messages.to_string()),
        ("helpful yes", t.helpful_yes.to_string(), p.helpful_yes.to_string()),
        ("helpful no", t.helpful_no.to_string(), p.helpful_no.to_string()),
        ("deflection rate", format!("{:.4}", t.deflection_rate), format!("{:.4}", p.deflection_rate)),
    ];
    for (name, value, previous) in rows {
        out.push_str(&format!("totals,{},{value},{previous}\n", field(name)));
    }
    out.push_str(&format!("totals,deflection formula,{},\n", field(DEFLECTION_FORMULA)));
    out.push_str("\nsection,query,count,results,failed\n");
    let searches = [("top search", &report.top_searches), ("failed search", &report.failed_searches)];
    for (section, rows) in searches {
        for row in rows {
            let line =
                format!("{section},{},{},{:.2},{}\n", field(&row.query), row.count, row.results, row.failed);
            out.push_str(&line);
        }
    }
    out.push_str("\nsection,article,views,helpful yes,helpful no\n");
    for row in &report.top_articles {
        out.push_str(&format!(
            "article,{},{},{},{}\n",
            field(&row.article),
            row.views,
            row.helpful_yes,
            row.helpful_no
        ));
    }
    out.push_str("\nsection,day,visits,searches,found an answer,contacted\n");
    for day in &report.days {
        out.push_str(&format!(
            "day,{},{},{},{},{}\n",
            day.day, day.visits, day.searches, day.found_an_answer, day.contacted
        ));
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`, `@`, tab or
/// carriage return is escaped so that a spreadsheet does not run a visitor's search text as a formula.
fn field(text: &str) -> String {
    let text =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_text_cannot_break_out_of_its_csv_field_or_run_as_a_formula() {
        assert_eq!(field("doi tra"), "doi tra");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\"\nnext"), "\"say \"\"hi\"\"\nnext\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
