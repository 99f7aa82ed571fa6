//! The visitor's data: everything kept about one visitor, handed over ([`export`]) or erased
//! ([`delete`]); closed conversations erased after the retention period ([`forget_expired`]); and the
//! agents' audit log ([`audit`]).
//!
//! Erasing keeps what the reports count and nothing that says who or what: message times and authors,
//! the team, the agent, the score, the language and the ids of the articles read stay; every text the
//! visitor or an agent wrote, the visitor's identity, page, searches and rating comment go, and the
//! visitor's token stops opening the conversation.

use std::sync::Arc;
use std::time::Duration;

use protocol::rest::{VisitorConversation, VisitorData};
use protocol::{ArticleSeen, EscalationContext};
use tokio::sync::watch;

use crate::db::{AuditEntry, Database, Result, VisitorKey};

/// Conversations erased in one transaction by the retention sweep (SQLite's one writer carries chat too).
const FORGET_BATCH: u32 = 100;

/// How often the retention sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// What stays of a conversation's hand-over once it is erased: its language, and which articles were read
/// (ids, teams, categories, whether they helped), without their titles as the visitor's browser sent them.
pub fn anonymous(context: &EscalationContext) -> EscalationContext {
    EscalationContext {
        searches: Vec::new(),
        articles: context
            .articles
            .iter()
            .map(|seen| ArticleSeen { title: String::new(), ..seen.clone() })
            .collect(),
        page_url: String::new(),
        lang: context.lang.clone(),
        identity: None,
    }
}

/// Everything kept about `visitor`: each conversation as the inbox shows it, every message (notes
/// included, marked private), the rating's comment and recommendation. The audit log gets an `export`
/// entry per conversation, by `by`.
pub async fn export(db: &dyn Database, visitor: &VisitorKey, by: &str) -> Result<VisitorData> {
    let mut conversations = Vec::new();
    for id in db.visitor_conversations(visitor).await? {
        audit(db, by, "export", Some(&id), None).await;
        let (rating_comment, recommend) = db.rating_details(&id).await?;
        conversations.push(VisitorConversation {
            summary: db.summary(&id).await?,
            messages: db.messages_after(&id, 0, crate::db::Notes::Included).await?,
            rating_comment,
            recommend,
        });
    }
    Ok(VisitorData { conversations })
}

/// Erases every conversation of `visitor` (closing the open ones); returns how many. The audit log gets
/// a `delete` entry per conversation, by `by`.
pub async fn delete(db: &dyn Database, visitor: &VisitorKey, by: &str) -> Result<usize> {
    let ids = db.visitor_conversations(visitor).await?;
    forget(db, &ids).await?;
    for id in &ids {
        audit(db, by, "delete", Some(id), None).await;
    }
    Ok(ids.len())
}

/// Erases conversations `ids` in one transaction.
async fn forget(db: &dyn Database, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut forgotten = Vec::with_capacity(ids.len());
    for id in ids {
        forgotten.push((id.clone(), anonymous(&db.context(id).await?)));
    }
    db.forget_conversations(&forgotten, &jiff::Timestamp::now().to_string()).await
}

/// Erases every conversation closed more than `retention_days` before `now`, a batch at a time; returns
/// how many.
pub async fn forget_expired(db: &dyn Database, now: jiff::Timestamp, retention_days: u32) -> Result<usize> {
    // Checked at start (1 to 36,500 days), so the subtraction stays in range.
    let hours = i64::from(retention_days) * 24;
    let before = now.checked_sub(jiff::SignedDuration::from_hours(hours)).unwrap_or(jiff::Timestamp::MIN);
    let before = before.to_string();
    let mut total = 0;
    loop {
        let ids = db.expired_conversations(&before, FORGET_BATCH).await?;
        if ids.is_empty() {
            return Ok(total);
        }
        forget(db, &ids).await?;
        total += ids.len();
    }
}

/// Runs [`forget_expired`] every hour until shutdown.
pub async fn forget_regularly(
    db: Arc<dyn Database>,
    retention_days: u32,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match forget_expired(db.as_ref(), jiff::Timestamp::now(), retention_days).await {
            Ok(0) => {}
            Ok(erased) => tracing::info!(erased, "privacy: erased conversations past retention"),
            Err(err) => tracing::warn!(error = %err, "privacy: erasing old conversations failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Writes an entry to the audit log. A failure to write it is logged, and the action it records goes on:
/// an agent's reply must not fail because the log did.
pub async fn audit(
    db: &dyn Database,
    agent: &str,
    action: &str,
    conversation_id: Option<&str>,
    detail: Option<String>,
) {
    let entry = AuditEntry {
        at: jiff::Timestamp::now().to_string(),
        agent: agent.to_owned(),
        action: action.to_owned(),
        conversation_id: conversation_id.map(str::to_owned),
        detail,
    };
    if let Err(err) = db.record_audit(&entry).await {
        tracing::error!(error = %err, agent, action, "audit: the entry was not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erased_hand_over_keeps_the_language_and_the_articles_ids_only() {
        let context = EscalationContext {
            searches: vec!["đơn hàng 0912345678".into()],
            articles: vec![ArticleSeen {
                id: "return-policy".into(),
                lang: "vi".into(),
                title: "anything the browser sent".into(),
                team: Some("returns".into()),
                category: None,
                helpful: Some(false),
            }],
            page_url: "https://shop.example/orders/123?email=a@b.example".into(),
            lang: "vi".into(),
            identity: Some(protocol::Identity {
                id: "user-17".into(),
                name: Some("Lan".into()),
                email: Some("lan@example.com".into()),
                signature: None,
            }),
        };
        let kept = anonymous(&context);
        assert_eq!(kept.lang, "vi");
        assert!(kept.searches.is_empty() && kept.page_url.is_empty() && kept.identity.is_none());
        assert_eq!(kept.articles.len(), 1);
        assert_eq!((kept.articles[0].id.as_str(), kept.articles[0].title.as_str()), ("return-policy", ""));
        assert_eq!(kept.articles[0].team.as_deref(), Some("returns"));
    }
}
