//! The widget's anonymous events: taken in over HTTP as `sendBeacon` sends them, bounded and limited,
//! stored on SQLite and Postgres, folded after the retention period, and added up into the report.

use std::sync::Arc;

use chat_server::analytics::{self, report::StoredEvent};
use chat_server::db::{Database, NewConversation, NewMessage};
use jiff::civil::date;
use protocol::analytics::{Batch, EVENTS_VERSION, Event};
use protocol::chat::Author;
use protocol::reports::{ArticleDraft, ConversationReport, GapsReport, HelpCenterReport, SavedDraft};

use crate::support::postgres;
use crate::support::{Fetch, Server, WAIT, login, start};

fn search(query: &str, results: u32, confident: bool) -> Event {
    Event::Search { query: query.into(), lang: "vi".into(), results, confident }
}

fn view(article: &str) -> Event {
    Event::View { article: article.into(), lang: "vi".into() }
}

/// Posts `events` as the widget's beacon does: a JSON string sent as `text/plain`, from `origin`.
async fn beacon(server: &Server, origin: &str, page_view: &str, events: Vec<Event>) -> reqwest::Response {
    let batch = Batch { v: EVENTS_VERSION, page_view: page_view.into(), events };
    reqwest::Client::new()
        .post(format!("{}/api/events", server.http))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", origin)
        .body(serde_json::to_string(&batch).unwrap())
        .timeout(WAIT)
        .send()
        .await
        .unwrap()
}

async fn report(server: &Server, cookie: &str, query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/api/agent/reports/help-center?{query}", server.http))
        .header("cookie", cookie)
        .timeout(WAIT)
        .send()
        .await
        .unwrap()
}

/// Today's report, once the collector has written `visits` visits (it writes once a second).
async fn report_with_visits(server: &Server, cookie: &str, visits: u64) -> HelpCenterReport {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let report: HelpCenterReport = report(server, cookie, "").await.json().await.unwrap();
        if report.totals.visits >= visits || tokio::time::Instant::now() > deadline {
            return report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn beacons_from_an_allowed_page_land_in_the_report_and_bad_ones_are_refused() {
    let server = start(|config| {
        config.allowed_origins = vec!["https://shop.example".into()];
        config.analytics.batches_per_minute = 5;
    })
    .await;
    let shop = "https://shop.example";
    // Three visits: found an answer, failed, contacted.
    let sent = [
        ("aaaaaaaaaaaaaaaa", vec![search("Doi tra", 3, true), view("returns")]),
        ("bbbbbbbbbbbbbbbb", vec![search("ko dc hoan tien", 0, false)]),
        ("cccccccccccccccc", vec![Event::Escalate { lang: "vi".into() }, Event::Chat { lang: "vi".into() }]),
    ];
    for (page_view, events) in sent {
        assert_eq!(beacon(&server, shop, page_view, events).await.status(), 204);
    }

    // Refused, with the reason: another site, a batch that is not one, too many events, too big a body.
    let elsewhere = beacon(&server, "https://evil.example", "dddddddddddddddd", vec![view("x")]).await;
    assert_eq!(elsewhere.status(), 403);
    let bad_id = beacon(&server, shop, "not an id", vec![view("x")]).await;
    assert_eq!(bad_id.status(), 400);
    assert!(bad_id.text().await.unwrap().contains("page_view"));
    // The limiter counts every batch from an allowed page: 3 stored + 1 malformed; the fifth passes
    // (an empty batch), the sixth is over.
    assert_eq!(beacon(&server, shop, "eeeeeeeeeeeeeeee", Vec::new()).await.status(), 204);
    let over = beacon(&server, shop, "eeeeeeeeeeeeeeee", vec![view("x")]).await;
    assert_eq!(over.status(), 429);

    let (cookie, _) = login(&server, "lan").await;
    let today = report_with_visits(&server, &cookie, 3).await;
    let t = &today.totals;
    assert_eq!((t.visits, t.found_an_answer, t.failed, t.contacted), (3, 1, 1, 1));
    assert_eq!((t.searches, t.failed_searches, t.views, t.chats), (2, 1, 1, 1));
    assert!((t.deflection_rate - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(today.top_searches.len(), 2);
    assert_eq!(today.failed_searches[0].query, "ko dc hoan tien");
    assert_eq!(today.top_articles[0].article, "returns");

    let csv = report(&server, &cookie, "format=csv").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("totals,visits,3,0\n"), "{csv}");
    assert!(csv.contains("failed search,ko dc hoan tien,1,0.00,1\n"), "{csv}");

    assert_eq!(report(&server, "answerdesk_agent=forged", "").await.status(), 401);
    let backwards = report(&server, &cookie, "from=2026-12-07&to=2026-12-01").await;
    assert_eq!(backwards.status(), 400);
    let not_a_day = report(&server, &cookie, "from=yesterday").await;
    assert!(not_a_day.text().await.unwrap().contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_analytics_can_be_turned_off() {
    let server = start(|_| {}).await;
    let huge = vec![search(&"x".repeat(1000), 1, true); 50];
    assert_eq!(beacon(&server, "https://any.example", "ffffffffffffffff", huge).await.status(), 413);
    let too_many = vec![view("a"); 51];
    assert_eq!(beacon(&server, "https://any.example", "ffffffffffffffff", too_many).await.status(), 400);

    let off = start(|config| config.analytics.enabled = false).await;
    assert_eq!(beacon(&off, "https://any.example", "ffffffffffffffff", vec![view("a")]).await.status(), 404);
}

fn at(day: &str, page_view: &str, event: Event) -> StoredEvent {
    StoredEvent { received_at: format!("{day}T09:30:00Z"), page_view: page_view.into(), event }
}

/// Stores events on three days, folds the oldest two, and checks that the report reads the same and
/// the raw rows of the folded days are gone.
async fn storage_and_folding(db: Arc<dyn Database>) {
    let events = vec![
        at("2026-09-01", "p1", search("doi tra", 2, true)),
        at("2026-09-01", "p1", view("returns")),
        at("2026-09-02", "p2", search("ko dc", 0, false)),
        at("2026-12-06", "p3", Event::Message { lang: "vi".into() }),
    ];
    db.record_events(&events).await.unwrap();
    assert_eq!(db.events_between("2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z").await.unwrap(), events[..2]);

    let (from, to) = (date(2026, 9, 1), date(2026, 12, 6));
    let before = analytics::help_center(db.as_ref(), from, to, None).await.unwrap();
    assert_eq!((before.totals.visits, before.totals.found_an_answer, before.totals.contacted), (3, 1, 1));

    // Kept 90 days before 7 Dec: from 8 Sep. The two September days fold.
    let folded = analytics::fold_old_days(db.as_ref(), date(2026, 12, 7), 90).await.unwrap();
    assert_eq!(folded, 2);
    assert!(db.events_between("", "2026-09-08T00:00:00Z").await.unwrap().is_empty(), "raw rows deleted");
    assert_eq!(db.folded_days("2026-09-01", "2026-09-30").await.unwrap().len(), 2);
    let after = analytics::help_center(db.as_ref(), from, to, None).await.unwrap();
    assert_eq!(after, before, "a folded day reads as its events did");

    // A purge cut short leaves raw rows of a folded day: the day still counts once.
    db.record_events(&events[..1]).await.unwrap();
    assert_eq!(analytics::help_center(db.as_ref(), from, to, None).await.unwrap(), before);
    db.fold_days(&[], "2026-09-08T00:00:00Z").await.unwrap();

    // Folding again finds nothing; a day folded twice (two nodes) keeps the first summary.
    assert_eq!(analytics::fold_old_days(db.as_ref(), date(2026, 12, 7), 90).await.unwrap(), 0);
    db.fold_days(&[("2026-09-01".into(), "{}".into())], "2026-09-01T00:00:00Z").await.unwrap();
    assert_eq!(analytics::help_center(db.as_ref(), from, to, None).await.unwrap(), before);
}

/// Two conversations today through the storage calls the server makes: one answered (after a private
/// note, which is no answer), closed and rated 4 with a comment; one waiting. The report counts them
/// as the definitions say.
async fn conversation_numbers(db: Arc<dyn Database>) {
    for (id, token) in [("answered", "t1"), ("waiting", "t2")] {
        let new = NewConversation {
            id: id.into(),
            token_hash: token.into(),
            team: Some("returns".into()),
            context: crate::support::context(Some("returns")),
            identity_verified: false,
            identity_details_verified: false,
        };
        db.create_conversation(new).await.unwrap();
        db.append_message(id, message(Author::Visitor, "đổi trả thế nào?", false)).await.unwrap();
    }
    let lan = || Author::Agent { name: "Lan".into() };
    db.append_message("answered", message(lan(), "ghi chú riêng", true)).await.unwrap();
    db.append_message("answered", message(lan(), "Bạn đổi trong 30 ngày", false)).await.unwrap();
    db.assign("answered", Some("lan"), None).await.unwrap();
    db.close("answered").await.unwrap();
    db.rate("answered", 4, Some("Tốt")).await.unwrap();
    assert!(db.recommend("waiting", 10).await.is_err(), "not rated: nothing to add to");
    db.recommend("answered", 6).await.unwrap();
    assert!(db.recommend("answered", 10).await.is_err(), "answered once");

    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let report = analytics::conversations_report(
        db.as_ref(),
        today,
        today,
        None,
        &Default::default(),
        vec!["lan".into()],
    )
    .await
    .unwrap();
    let t = &report.totals;
    assert_eq!((t.conversations, t.answered, t.closed, t.ratings, t.satisfied), (2, 1, 1, 1, 1));
    assert!(t.first_response_median.is_some_and(|s| s < 60), "{t:?}");
    assert!((t.csat - 1.0).abs() < 1e-12 && (t.response_rate - 1.0).abs() < 1e-12, "{t:?}");
    assert_eq!(report.distribution, [0, 0, 0, 1, 0]);
    assert_eq!((t.nps_responses, t.detractors, t.nps), (1, 1, Some(-100.0)), "a 6 is a detractor");
    assert_eq!(
        (report.comments[0].comment.as_str(), report.comments[0].agent.as_deref()),
        ("Tốt", Some("lan"))
    );
    let agents: Vec<(&str, u64)> =
        report.agents.iter().map(|r| (r.name.as_str(), r.totals.answered)).collect();
    assert_eq!(agents, [("", 0), ("lan", 1)]);
    assert_eq!(report.teams[0].name, "returns");
    assert_eq!((report.live.open, report.live.unassigned), (1, 1));
    assert!(report.live.waiting_since.is_some());
    assert_eq!(report.previous, Default::default(), "nothing yesterday");
    let english =
        analytics::conversations_report(db.as_ref(), today, today, Some("en"), &Default::default(), vec![])
            .await
            .unwrap();
    assert_eq!(english.totals.conversations, 0, "both visitors wrote in Vietnamese");
}

fn message(author: Author, body: &str, private: bool) -> NewMessage {
    NewMessage { author, client_id: None, body: body.into(), private }
}

#[tokio::test]
async fn events_and_conversations_are_stored_and_reported_alike_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = chat_server::db::connect(dir.path().join("chat.db").to_str().unwrap()).await.unwrap();
    storage_and_folding(db.clone()).await;
    conversation_numbers(db).await;
}

#[tokio::test]
async fn events_and_conversations_are_stored_and_reported_alike_on_postgres() {
    let Some(postgres) = postgres::start() else { return };
    let db = chat_server::db::connect(&postgres.url("postgres")).await.unwrap();
    storage_and_folding(db.clone()).await;
    conversation_numbers(db).await;
}

#[tokio::test]
async fn the_conversations_report_is_for_agents_and_comes_as_csv_too() {
    let server = start(|_| {}).await;
    let started = crate::support::start_conversation(&server.http).await;
    assert!(!started.conversation_id.is_empty());
    let get = |query: &'static str, cookie: String| {
        let url = format!("{}/api/agent/reports/conversations?{query}", server.http);
        async move { reqwest::Client::new().get(url).header("cookie", cookie).timeout(WAIT).send().await.unwrap() }
    };
    assert_eq!(get("", "answerdesk_agent=forged".into()).await.status(), 401);
    let (cookie, _) = login(&server, "lan").await;
    let report: ConversationReport = get("", cookie.clone()).await.json().await.unwrap();
    assert_eq!((report.totals.conversations, report.live.open, report.live.unassigned), (1, 1, 1));
    let csv = get("format=csv", cookie).await.text().await.unwrap();
    assert!(csv.starts_with("group,name,conversations,answered,closed,"), "{csv}");
    assert!(csv.contains("\nrange,,1,0,0,"), "{csv}");
}

/// The knowledge loop over HTTP: a conversation's draft is proposed in the visitor's words, saved (only
/// with a plain path and the CSRF token), listed for `kb-builder drafts pull`, and marked pulled.
#[tokio::test]
async fn drafts_are_proposed_from_a_conversation_saved_listed_and_marked_pulled() {
    let server = start(|_| {}).await;
    let started = crate::support::start_conversation(&server.http).await;
    let (cookie, session) = login(&server, "lan").await;
    let client = reqwest::Client::new();
    let post = |path: &str, csrf: &str, body: serde_json::Value| {
        client
            .post(format!("{}{path}", server.http))
            .header("cookie", &cookie)
            .header("x-csrf-token", csrf)
            .json(&body)
            .timeout(WAIT)
            .send()
    };
    let propose = serde_json::json!({ "conversation_id": started.conversation_id });
    assert_eq!(post("/api/agent/drafts/propose", "wrong", propose.clone()).await.unwrap().status(), 403);
    let draft: ArticleDraft =
        post("/api/agent/drafts/propose", &session.csrf, propose).await.unwrap().json().await.unwrap();
    // The hand-over's search is the title; the article read gave no category, the routing gave the team.
    assert_eq!(draft.path, "vi/drafts/doi-tra-hang.md");
    assert!(draft.markdown.contains("title: \"đổi trả hàng\"\n"), "{}", draft.markdown);
    assert!(draft.markdown.contains("team: \"returns\"\ndraft: true\n---\n"), "{}", draft.markdown);
    let gap =
        serde_json::json!({ "asked": ["giao hang quoc te", "Có giao hàng quốc tế không?"], "lang": "vi" });
    let from_gap: ArticleDraft =
        post("/api/agent/drafts/propose", &session.csrf, gap).await.unwrap().json().await.unwrap();
    assert_eq!(from_gap.path, "vi/drafts/co-giao-hang-quoc-te-khong.md");

    let unsafe_path = serde_json::json!({ "path": "../../etc/x.md", "markdown": "x" });
    let refused = post("/api/agent/drafts", &session.csrf, unsafe_path).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("lang/folder/name.md"));
    let save = serde_json::json!({ "path": draft.path, "markdown": draft.markdown, "conversation_id": started.conversation_id });
    let saved: SavedDraft =
        post("/api/agent/drafts", &session.csrf, save).await.unwrap().json().await.unwrap();
    assert_eq!((saved.created_by.as_str(), saved.pulled_at.as_deref()), ("lan", None));

    let list = |cookie: String| {
        let url = format!("{}/api/agent/drafts", server.http);
        async move { reqwest::Client::new().get(url).header("cookie", cookie).timeout(WAIT).send().await.unwrap() }
    };
    assert_eq!(list("answerdesk_agent=forged".into()).await.status(), 401);
    let listed: Vec<SavedDraft> = list(cookie.clone()).await.json().await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&saved));
    let pulled =
        post(&format!("/api/agent/drafts/{}/pulled", saved.id), &session.csrf, serde_json::json!({}));
    assert_eq!(pulled.await.unwrap().status(), 204);
    let listed: Vec<SavedDraft> = list(cookie.clone()).await.json().await.unwrap();
    assert!(listed[0].pulled_at.is_some());
    let pending = format!("{}/api/agent/drafts?pending=true", server.http);
    let pending: Vec<SavedDraft> =
        reqwest::Client::new().get(pending).header("cookie", &cookie).answer().await;
    assert!(pending.is_empty(), "a pulled draft is not pulled again");
    let unknown = post("/api/agent/drafts/nope/pulled", &session.csrf, serde_json::json!({}));
    assert_eq!(unknown.await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_gaps_report_groups_failed_searches_with_and_without_tone_marks() {
    let server = start(|_| {}).await;
    let shop = "https://shop.example";
    beacon(&server, shop, "gggggggggggggggg", vec![search("doi tra hang", 0, false)]).await;
    beacon(&server, shop, "hhhhhhhhhhhhhhhh", vec![search("Đổi trả hàng", 1, false)]).await;
    let (cookie, _) = login(&server, "lan").await;
    let url = format!("{}/api/agent/reports/gaps", server.http);
    let deadline = tokio::time::Instant::now() + WAIT;
    let report: GapsReport = loop {
        let report: GapsReport = reqwest::Client::new().get(&url).header("cookie", &cookie).answer().await;
        if report.gaps.first().is_some_and(|g| g.failed_searches == 2)
            || tokio::time::Instant::now() > deadline
        {
            break report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(report.gaps.len(), 1, "{report:?}");
    assert_eq!(report.gaps[0].failed_searches, 2);
    assert_eq!(report.gaps[0].examples.len(), 2);
}

/// Every batch answered 204 is stored by a graceful stop, even the ones still waiting for their second.
#[tokio::test]
async fn a_graceful_stop_writes_every_queued_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = chat_server::db::connect(dir.path().join("chat.db").to_str().unwrap()).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let collector = analytics::Collector::start(db.clone(), stopped);
    for n in 0..300 {
        let batch = (0..10).map(|_| at("2026-12-01", &format!("pv{n}"), view("returns"))).collect();
        assert!(collector.offer(batch));
    }
    stop.send(true).unwrap();
    collector.finish(std::time::Duration::from_secs(10)).await;
    assert_eq!(db.events_between("", "9999").await.unwrap().len(), 3000);
}
