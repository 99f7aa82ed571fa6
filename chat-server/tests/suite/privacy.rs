//! The visitor's data (SECURITY.md): export and erase (storage on SQLite and Postgres, the agent API,
//! the command line), retention, the audit log, and backup → restore.

use std::sync::Arc;

use chat_server::db::{Database, NewConversation, NewMessage, VisitorKey};
use chat_server::privacy;
use protocol::chat::{Author, ConversationStatus};
use protocol::rest::{ConversationStarted, VisitorData, VisitorDeleted};
use protocol::{EscalationContext, Identity, agent, visitor};

use crate::support::postgres;
use crate::support::*;

/// A context that names the visitor by `email` and carries `mark` in every field a visitor fills.
fn marked_context(email: &str, mark: &str) -> EscalationContext {
    let mut context = context(Some("returns"));
    context.searches = vec![format!("search {mark}")];
    context.page_url = format!("https://shop.example/orders?ref={mark}");
    context.articles[0].title = format!("title {mark}");
    context.identity = Some(Identity {
        id: format!("user-{mark}"),
        name: Some(format!("Name {mark}")),
        email: Some(email.into()),
        signature: None,
    });
    context
}

/// A conversation stored directly: a visitor message, a reply and a note, all carrying `mark`.
async fn stored_conversation(db: &dyn Database, id: &str, email: &str, mark: &str) {
    let context = marked_context(email, mark);
    let new = NewConversation {
        id: id.into(),
        token_hash: format!("token-{id}"),
        team: Some("returns".into()),
        context,
        identity_verified: false,
        identity_details_verified: false,
    };
    db.create_conversation(new).await.unwrap();
    let agent = || Author::Agent { name: "Lan".into() };
    for (author, body, private) in [
        (Author::Visitor, format!("message {mark}"), false),
        (agent(), format!("reply {mark}"), false),
        (agent(), format!("note {mark}"), true),
    ] {
        db.append_message(id, NewMessage { author, client_id: None, body, private }).await.unwrap();
    }
}

/// Export, retention and delete through storage: what is erased, what the reports keep.
async fn erasing(db: Arc<dyn Database>) {
    let db = db.as_ref();
    stored_conversation(db, "a", " Lan@Example.com", "marka").await;
    stored_conversation(db, "b", "other@example.com", "markb").await;
    stored_conversation(db, "c", "lan@example.com", "markc").await;
    db.close("a").await.unwrap();
    db.rate("a", 4, Some("comment marka")).await.unwrap();
    db.recommend("a", 9).await.unwrap();
    db.close("b").await.unwrap();

    // The e-mail finds both of lan's conversations whatever its case and spaces, with everything in them.
    let lan = VisitorKey::Email("LAN@example.com ".into());
    let exported = privacy::export(db, &lan, "test").await.unwrap();
    let ids: Vec<&str> = exported.conversations.iter().map(|c| c.summary.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    let first = &exported.conversations[0];
    assert_eq!(first.messages.iter().map(|m| m.private).collect::<Vec<_>>(), [false, false, true]);
    assert_eq!((first.rating_comment.as_deref(), first.recommend), (Some("comment marka"), Some(9)));
    assert_eq!(first.summary.context.searches, ["search marka"]);
    let user = VisitorKey::UserId("user-marka".into());
    assert!(
        privacy::export(db, &user, "test").await.unwrap().conversations.is_empty(),
        "an unsigned id finds nothing"
    );

    let facts_before = db.conversation_facts("2000-01-01", "2999-01-01").await.unwrap();
    let messages_before = db.message_facts("2000-01-01", "2999-01-01").await.unwrap();

    // Thirty days of retention, 31 days on: the closed ones are erased, the open one is not.
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(31 * 24)).unwrap();
    assert_eq!(
        privacy::forget_expired(db, jiff::Timestamp::now(), 30).await.unwrap(),
        0,
        "nothing is old yet"
    );
    assert_eq!(privacy::forget_expired(db, later, 30).await.unwrap(), 2);
    assert_eq!(privacy::forget_expired(db, later, 30).await.unwrap(), 0, "each is erased once");
    let left = privacy::export(db, &lan, "test").await.unwrap();
    assert_eq!(left.conversations.iter().map(|c| c.summary.id.as_str()).collect::<Vec<_>>(), ["c"]);
    for id in ["a", "b"] {
        let summary = db.summary(id).await.unwrap();
        let mut articles = context(Some("returns")).articles;
        articles[0].title = String::new();
        let kept = EscalationContext { lang: "vi".into(), articles, ..EscalationContext::default() };
        assert_eq!(summary.context, kept, "{id}: only the language and the articles' ids stay");
        assert!(summary.preview.unwrap_or_default().is_empty(), "{id}: the preview is gone");
        let messages = db.messages_after(id, 0, chat_server::db::Notes::Included).await.unwrap();
        assert!(messages.iter().all(|m| m.body.is_empty()), "{id}: {messages:?}");
        assert_eq!(messages.len(), 3, "{id}: the messages stay, as times and authors");
    }
    assert_eq!(db.rating_details("a").await.unwrap(), (None, Some(9)));
    assert!(db.conversation_by_token("token-a").await.is_err(), "the visitor's token opens nothing");

    // The reports count the same conversations, times, scores and replies; the texts are gone.
    let facts_after = db.conversation_facts("2000-01-01", "2999-01-01").await.unwrap();
    let counted = |facts: &[chat_server::analytics::conversations::ConversationFacts]| -> Vec<_> {
        facts
            .iter()
            .map(|f| {
                (
                    f.id.clone(),
                    f.created_at.clone(),
                    f.closed_at.clone(),
                    f.team.clone(),
                    f.rating.as_ref().map(|r| r.0),
                )
            })
            .collect()
    };
    assert_eq!(counted(&facts_after), counted(&facts_before));
    assert_eq!(db.message_facts("2000-01-01", "2999-01-01").await.unwrap(), messages_before);
    for mark in ["marka", "markb"] {
        assert!(db.search(mark, 10).await.unwrap().is_empty(), "{mark} is still found");
    }

    // Delete: the open one too, closed and erased.
    assert_eq!(privacy::delete(db, &lan, "test").await.unwrap(), 1);
    assert!(privacy::export(db, &lan, "test").await.unwrap().conversations.is_empty());
    let c = db.summary("c").await.unwrap();
    assert_eq!((c.status, c.context.identity), (ConversationStatus::Closed, None));
    assert!(db.search("markc", 10).await.unwrap().is_empty());
    let audit = db.audit_log(Some("test"), Some("c"), 10).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete", "export", "export"]);
}

#[tokio::test]
async fn export_retention_and_delete_erase_the_visitor_and_keep_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = chat_server::db::connect(&dir.path().join("chat.db").display().to_string()).await.unwrap();
    erasing(db).await;
}

#[tokio::test]
async fn export_retention_and_delete_erase_the_visitor_and_keep_the_numbers_on_postgres() {
    let Some(postgres) = postgres::start() else { return };
    let db = chat_server::db::connect(&postgres.url("postgres")).await.unwrap();
    erasing(db.clone()).await;
    let refused = db.backup(std::path::Path::new("/tmp/never-written")).await.unwrap_err();
    assert!(refused.to_string().contains("pg_dump"), "{refused}");
}

/// Everything in the SQLite files, as bytes: the database and its write-ahead log.
fn on_disk(db_path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db_path).unwrap();
    bytes.extend(std::fs::read(db_path.with_extension("db-wal")).unwrap_or_default());
    bytes
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|window| window == text.as_bytes())
}

#[tokio::test]
async fn an_agent_exports_then_erases_a_visitor_and_nothing_of_them_is_left_in_the_files() {
    let server = start(|_| {}).await;
    let (mut lan, _, _) = agent(&server, "lan").await;
    let mark = "zqxwvmark";
    let started: ConversationStarted =
        start_conversation_raw(&server.http, marked_context("lan@example.com", mark))
            .await
            .json()
            .await
            .unwrap();
    let id = started.conversation_id.clone();
    let (mut visiting, _) = crate::support::visitor(&server, &started.visitor_token, 0).await;
    visiting
        .send(&visitor::ClientFrame::Send { client_id: "v1".into(), body: format!("message {mark}") })
        .await;
    visiting.until(|f| matches!(f, visitor::ServerFrame::Ack(_)).then_some(())).await;
    let reply = agent::ClientFrame::Reply {
        conversation_id: id.clone(),
        client_id: "r1".into(),
        body: format!("reply {mark}"),
    };
    lan.send(&reply).await;
    lan.until(|f| matches!(f, agent::ServerFrame::Ack(_)).then_some(())).await;
    lan.send(&agent::ClientFrame::Close { conversation_id: id.clone() }).await;
    visiting.until(|f| matches!(f, visitor::ServerFrame::Closed).then_some(())).await;
    visiting.send(&visitor::ClientFrame::Rate { score: 2, comment: Some(format!("comment {mark}")) }).await;
    visiting.until(|f| matches!(f, visitor::ServerFrame::Rated).then_some(())).await;
    let other = start_conversation(&server.http).await;

    let http = reqwest::Client::new();
    let (cookie, session) = login(&server, "lan").await;
    let url = format!("{}/api/agent/visitor?email=Lan%40Example.com", server.http);
    let without_csrf = http.get(&url).header("cookie", &cookie).timeout(WAIT).send().await.unwrap();
    assert_eq!(without_csrf.status(), 403, "personal data in bulk needs the CSRF token");
    let nobody = http
        .get(format!("{}/api/agent/visitor", server.http))
        .header("cookie", &cookie)
        .header("x-csrf-token", &session.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 400, "a request that names nobody");
    let export = |cookie: String, csrf: String| {
        let request = http.get(&url).header("cookie", cookie).header("x-csrf-token", csrf).timeout(WAIT);
        async move { request.send().await.unwrap().json::<VisitorData>().await.unwrap() }
    };
    let exported = export(cookie.clone(), session.csrf.clone()).await;
    assert_eq!(exported.conversations.len(), 1);
    assert_eq!(exported.conversations[0].rating_comment, Some(format!("comment {mark}")));
    assert!(holds(&on_disk(&server.db_path), mark), "the mark is on disk before: the check below can fail");

    let deleted: VisitorDeleted = http
        .delete(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", &session.csrf)
        .timeout(WAIT)
        .answer()
        .await;
    assert_eq!(deleted.conversations, 1);
    assert!(export(cookie, session.csrf).await.conversations.is_empty());
    let bytes = on_disk(&server.db_path);
    assert!(!holds(&bytes, mark), "the visitor's text is still in the database files");
    assert!(!holds(&bytes, "lan@example.com"), "the visitor's e-mail is still in the database files");

    // Their token opens nothing; another visitor's conversation is untouched.
    let (_, welcome) = crate::support::visitor(&server, &started.visitor_token, 0).await;
    assert!(matches!(welcome, visitor::ServerFrame::Error(_)), "{welcome:?}");
    let (_, welcome) = crate::support::visitor(&server, &other.visitor_token, 0).await;
    assert!(matches!(welcome, visitor::ServerFrame::Welcome { .. }), "{welcome:?}");

    // The audit log says who read and changed what, and holds none of the visitor's text.
    let db = chat_server::db::connect(&server.database_url).await.unwrap();
    let entries = db.audit_log(Some("lan"), None, 50).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> =
        entries.iter().map(|e| (e.action.as_str(), e.conversation_id.as_deref())).collect();
    for expected in [
        ("delete", Some(id.as_str())),
        ("export", Some(id.as_str())),
        ("close", Some(id.as_str())),
        ("login", None),
    ] {
        assert!(actions.contains(&expected), "{expected:?} not in {actions:?}");
    }
    assert!(entries.iter().all(|e| !format!("{e:?}").contains(mark)));
}

fn chat_server_binary(database: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(args)
        .arg("--database-url")
        .arg(database)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_identical_and_the_cli_exports_and_erases() {
    let server = start(|_| {}).await;
    let (mut lan, _, _) = agent(&server, "lan").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let started: ConversationStarted =
            start_conversation_raw(&server.http, marked_context("vy@example.com", &format!("mark{n}")))
                .await
                .json()
                .await
                .unwrap();
        let (mut visiting, _) = crate::support::visitor(&server, &started.visitor_token, 0).await;
        visiting
            .send(&visitor::ClientFrame::Send { client_id: "v1".into(), body: format!("hello {n}") })
            .await;
        visiting.until(|f| matches!(f, visitor::ServerFrame::Ack(_)).then_some(())).await;
        ids.push(started.conversation_id);
    }
    lan.send(&agent::ClientFrame::Close { conversation_id: ids[0].clone() }).await;
    lan.until(|f| {
        matches!(f, agent::ServerFrame::Updated(s) if s.status == ConversationStatus::Closed).then_some(())
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let backup = chat_server_binary(&server.db_path, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    let again = chat_server_binary(&server.db_path, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // The copy holds what the live database holds.
    let live = chat_server::db::connect(&server.database_url).await.unwrap();
    let restored = chat_server::db::connect(copy.to_str().unwrap()).await.unwrap();
    let vy = VisitorKey::Email("vy@example.com".into());
    let from_live = privacy::export(live.as_ref(), &vy, "test").await.unwrap();
    assert_eq!(from_live.conversations.len(), 3);
    assert_eq!(privacy::export(restored.as_ref(), &vy, "test").await.unwrap(), from_live);
    assert_eq!(
        restored.agent("lan").await.unwrap().password_hash,
        live.agent("lan").await.unwrap().password_hash
    );
    drop(restored);

    // The command line on the copy: export prints the same data, delete erases it, audit shows both.
    let printed = chat_server_binary(&copy, &["visitor", "export", "--email", "VY@example.com"]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert_eq!(serde_json::from_slice::<VisitorData>(&printed.stdout).unwrap(), from_live);
    let erased = chat_server_binary(&copy, &["visitor", "delete", "--email", "vy@example.com"]);
    assert_eq!(String::from_utf8_lossy(&erased.stdout).trim(), "3 conversation(s) erased");
    let printed = chat_server_binary(&copy, &["visitor", "export", "--email", "vy@example.com"]);
    assert!(serde_json::from_slice::<VisitorData>(&printed.stdout).unwrap().conversations.is_empty());
    let audit = chat_server_binary(&copy, &["audit", "--agent", "cli"]);
    let lines = String::from_utf8(audit.stdout).unwrap();
    assert_eq!(lines.lines().filter(|l| l.contains(r#""action":"delete""#)).count(), 3, "{lines}");
    assert_eq!(lines.lines().filter(|l| l.contains(r#""action":"export""#)).count(), 3, "{lines}");
    let neither = chat_server_binary(&copy, &["visitor", "delete"]);
    assert!(!neither.status.success(), "a delete that names nobody is refused");
    let blank = chat_server_binary(&copy, &["visitor", "delete", "--email", " "]);
    assert!(!blank.status.success(), "a blank e-mail names nobody");
    assert!(String::from_utf8_lossy(&blank.stderr).contains("not empty"));

    // The live database did not change.
    assert_eq!(privacy::export(live.as_ref(), &vy, "test").await.unwrap(), from_live);
}
