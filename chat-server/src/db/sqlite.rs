//! The SQLite backend: one file in WAL mode, `synchronous = FULL` so a commit survives a crash, and
//! messages committed in groups so that one fsync covers every message that arrived during the last one.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use protocol::EscalationContext;
use protocol::chat::{Author, ChatMessage, ConversationStatus, ConversationSummary, Rating};
use protocol::rest::{AgentInfo, AgentRatings};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::{
    AgentRecord, Appended, Conversation, Database, DbError, NewConversation, NewMessage, Notes, Reader,
    Result,
};
use super::{AuditEntry, VisitorKey, analytics, limits, line, privacy, search};
use crate::analytics::conversations::{ConversationFacts, MessageFact};
use crate::analytics::report::StoredEvent;
use crate::assignment::{self, Slot, Waiting};

/// chat-server's storage in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteDatabase {
    /// Reads (WAL lets them run beside the writer).
    pool: SqlitePool,
    /// The only connection that writes: writers queue here in order rather than sleeping in SQLite's busy
    /// handler, which backs off for up to 100 ms at a time.
    writer: SqlitePool,
    /// Messages waiting for the group commit.
    appends: mpsc::Sender<PendingAppend>,
}

/// A message waiting to be committed, and who waits for the outcome.
#[derive(Debug)]
struct PendingAppend {
    conversation_id: String,
    new: NewMessage,
    done: oneshot::Sender<Result<Appended>>,
}

/// The most messages one commit carries.
const MAX_GROUP: usize = 256;

impl SqliteDatabase {
    /// Opens (creating if missing) the file at `url` (a path or `sqlite://path`) and applies migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Erased text is overwritten, not left in free space for a file reader to find.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        backfill_search(&writer).await?;
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        let (appends, pending) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(commit_in_groups(writer.clone(), pending));
        Ok(SqliteDatabase { pool, writer, appends })
    }
}

/// Folds the search text of rows written before the search existed, a batch per transaction, in key
/// order (only the first start after the upgrade finds any). A context that does not parse gets no text
/// of its own.
async fn backfill_search(pool: &SqlitePool) -> Result<()> {
    let mut after = String::new();
    loop {
        let query = sqlx::query_as(search::CONVERSATIONS_MISSING).bind(search::BACKFILL_BATCH).bind(&after);
        let rows: Vec<(String, String)> = query.fetch_all(pool).await?;
        let Some((last, _)) = rows.last() else { break };
        after = last.clone();
        let mut tx = pool.begin().await?;
        for (id, context) in rows {
            let text = serde_json::from_str::<EscalationContext>(&context)
                .map_or_else(|_| search::stored(""), |context| search::conversation_text(&context));
            sqlx::query(search::SET_CONVERSATION).bind(text).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    let mut after = (String::new(), 0_i64);
    loop {
        let query = sqlx::query_as(search::MESSAGES_MISSING).bind(search::BACKFILL_BATCH);
        let rows: Vec<(String, i64, String)> = query.bind(&after.0).bind(after.1).fetch_all(pool).await?;
        let Some((conversation, seq, _)) = rows.last() else { break };
        after = (conversation.clone(), *seq);
        let mut tx = pool.begin().await?;
        for (conversation_id, seq, body) in rows {
            let query = sqlx::query(search::SET_MESSAGE).bind(search::stored(&body));
            query.bind(conversation_id).bind(seq).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Commits messages in groups: every message that arrived while the previous commit waited for its fsync
/// goes into the next transaction, so one fsync covers them all. Each is acknowledged only after its commit.
async fn commit_in_groups(writer: SqlitePool, mut pending: mpsc::Receiver<PendingAppend>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while pending.recv_many(&mut group, MAX_GROUP).await > 0 {
        match append_group(&writer, &group).await {
            Ok(outcomes) => {
                for (append, outcome) in group.drain(..).zip(outcomes) {
                    let _ = append.done.send(outcome);
                }
            }
            // The group failed as a whole; commit each alone so only the one at fault gets the error.
            Err(_) => {
                for append in group.drain(..) {
                    let outcome = match append_group(&writer, std::slice::from_ref(&append)).await {
                        Ok(mut outcomes) => outcomes.pop().unwrap_or(Err(DbError::NotFound)),
                        Err(e) => Err(e),
                    };
                    let _ = append.done.send(outcome);
                }
            }
        }
    }
}

/// Appends every message of `group` in one transaction. The outer error means nothing was committed; an
/// inner one (unknown or closed conversation) means that message wrote nothing.
async fn append_group(writer: &SqlitePool, group: &[PendingAppend]) -> Result<Vec<Result<Appended>>> {
    let mut tx = writer.begin().await?;
    let mut outcomes = Vec::with_capacity(group.len());
    for append in group {
        outcomes.push(append_one(&mut tx, &append.conversation_id, &append.new).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One message inside a group's transaction: the stored one for a known client id, else the next seq.
async fn append_one(
    tx: &mut sqlx::SqliteConnection,
    conversation_id: &str,
    new: &NewMessage,
) -> Result<Result<Appended>> {
    let (kind, name) = author_columns(&new.author);
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM conversations WHERE id = ?")
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(status) = status else { return Ok(Err(DbError::NotFound)) };
    if let Some(client_id) = &new.client_id {
        let earlier = sqlx::query(
            "SELECT * FROM messages WHERE conversation_id = ? AND author_kind = ? AND client_id = ?",
        )
        .bind(conversation_id)
        .bind(kind)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = earlier {
            return Ok(Ok(Appended { message: message_from(&row)?, duplicate: true }));
        }
    }
    if status_from(&status) == ConversationStatus::Closed {
        return Ok(Err(DbError::Closed));
    }
    let seq: i64 = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
    )
    .bind(conversation_id)
    .fetch_one(&mut *tx)
    .await?;
    let message = ChatMessage {
        seq: seq as u64,
        client_id: new.client_id.clone(),
        author: new.author.clone(),
        body: new.body.clone(),
        private: new.private,
        sent_at: now(),
    };
    sqlx::query(
        "INSERT INTO messages
            (conversation_id, seq, author_kind, author_name, client_id, body, private, sent_at, search_text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(conversation_id)
    .bind(seq)
    .bind(kind)
    .bind(name)
    .bind(&message.client_id)
    .bind(&message.body)
    .bind(message.private)
    .bind(&message.sent_at)
    .bind(search::stored(&message.body))
    .execute(&mut *tx)
    .await?;
    Ok(Ok(Appended { message, duplicate: false }))
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn status_from(text: &str) -> ConversationStatus {
    if text == "closed" { ConversationStatus::Closed } else { ConversationStatus::Open }
}

fn message_from(row: &SqliteRow) -> Result<ChatMessage> {
    let kind: String = row.try_get("author_kind")?;
    let author = match kind.as_str() {
        "visitor" => Author::Visitor,
        "agent" => {
            Author::Agent { name: row.try_get::<Option<String>, _>("author_name")?.unwrap_or_default() }
        }
        _ => Author::System,
    };
    Ok(ChatMessage {
        seq: row.try_get::<i64, _>("seq")? as u64,
        client_id: row.try_get("client_id")?,
        author,
        body: row.try_get("body")?,
        private: row.try_get("private")?,
        sent_at: row.try_get("sent_at")?,
    })
}

fn author_columns(author: &Author) -> (&'static str, Option<&str>) {
    match author {
        Author::Visitor => ("visitor", None),
        Author::Agent { name } => ("agent", Some(name.as_str())),
        Author::System => ("system", None),
    }
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.status, c.team, c.assignee, c.last_seq, c.created_at, c.context,
        c.identity_verified, c.identity_details_verified,
        (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor'
            AND m.seq > c.agent_read_seq) AS unread,
        (SELECT substr(m.body, 1, 120) FROM messages m WHERE m.conversation_id = c.id AND m.private = 0
            ORDER BY m.seq DESC LIMIT 1) AS preview,
        (SELECT r.score FROM ratings r WHERE r.conversation_id = c.id) AS rating
    FROM conversations c";

fn summary_from(row: &SqliteRow) -> Result<ConversationSummary> {
    let context: String = row.try_get("context")?;
    Ok(ConversationSummary {
        id: row.try_get("id")?,
        status: status_from(&row.try_get::<String, _>("status")?),
        team: row.try_get("team")?,
        assignee: row.try_get("assignee")?,
        unread: row.try_get::<i64, _>("unread")? as u64,
        last_seq: row.try_get::<i64, _>("last_seq")? as u64,
        preview: row.try_get("preview")?,
        started_at: row.try_get("created_at")?,
        context: serde_json::from_str(&context)?,
        identity_verified: row.try_get("identity_verified")?,
        identity_details_verified: row.try_get("identity_details_verified")?,
        rating: row.try_get::<Option<i64>, _>("rating")?.map(|score| score as u8),
    })
}

fn agent_from(row: &SqliteRow) -> Result<AgentInfo> {
    let teams: String = row.try_get("teams")?;
    Ok(AgentInfo {
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        teams: serde_json::from_str(&teams)?,
    })
}

#[async_trait]
impl Database for SqliteDatabase {
    async fn create_conversation(&self, new: NewConversation) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversations
                (id, visitor_token_hash, team, context, identity_verified, identity_details_verified,
                 created_at, visitor_id, search_text, visitor_email)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&new.id)
        .bind(&new.token_hash)
        .bind(&new.team)
        .bind(serde_json::to_string(&new.context)?)
        .bind(new.identity_verified)
        .bind(new.identity_details_verified)
        .bind(now())
        .bind(new.identity_verified.then(|| new.context.identity.as_ref().map(|i| i.id.clone())).flatten())
        .bind(search::conversation_text(&new.context))
        .bind(new.context.identity.as_ref().and_then(|i| i.email.as_deref()).map(privacy::stored_email))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn conversation_by_token(&self, token_hash: &str) -> Result<Conversation> {
        let id: String = sqlx::query_scalar("SELECT id FROM conversations WHERE visitor_token_hash = ?")
            .bind(token_hash)
            .fetch_one(&self.pool)
            .await?;
        self.conversation(&id).await
    }

    async fn conversation(&self, id: &str) -> Result<Conversation> {
        let row = sqlx::query(
            "SELECT id, status, team, assignee, last_seq, visitor_read_seq,
                EXISTS (SELECT 1 FROM ratings r WHERE r.conversation_id = c.id) AS rated
             FROM conversations c WHERE id = ?",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Conversation {
            id: row.try_get("id")?,
            status: status_from(&row.try_get::<String, _>("status")?),
            team: row.try_get("team")?,
            assignee: row.try_get("assignee")?,
            last_seq: row.try_get::<i64, _>("last_seq")? as u64,
            visitor_read_seq: row.try_get::<i64, _>("visitor_read_seq")? as u64,
            rated: row.try_get("rated")?,
        })
    }

    async fn append_message(&self, conversation_id: &str, new: NewMessage) -> Result<Appended> {
        let (done, outcome) = oneshot::channel();
        let pending = PendingAppend { conversation_id: conversation_id.to_owned(), new, done };
        // Either end closes only while the database is being dropped.
        self.appends.send(pending).await.map_err(|_| DbError::Sqlx(sqlx::Error::PoolClosed))?;
        outcome.await.map_err(|_| DbError::Sqlx(sqlx::Error::PoolClosed))?
    }

    async fn messages_after(
        &self,
        conversation_id: &str,
        after_seq: u64,
        notes: Notes,
    ) -> Result<Vec<ChatMessage>> {
        let rows = sqlx::query(
            "SELECT * FROM messages WHERE conversation_id = ? AND seq > ? AND (private = 0 OR ?)
             ORDER BY seq",
        )
        .bind(conversation_id)
        .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
        .bind(notes == Notes::Included)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from).collect()
    }

    async fn mark_read(&self, conversation_id: &str, reader: Reader, up_to_seq: u64) -> Result<()> {
        let sql = if reader == Reader::Visitor {
            "UPDATE conversations SET visitor_read_seq = MAX(visitor_read_seq, MIN(?, last_seq)) WHERE id = ?"
        } else {
            "UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, MIN(?, last_seq)) WHERE id = ?"
        };
        sqlx::query(sql)
            .bind(i64::try_from(up_to_seq).unwrap_or(i64::MAX))
            .bind(conversation_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn assign(&self, conversation_id: &str, assignee: Option<&str>, team: Option<&str>) -> Result<()> {
        let done =
            sqlx::query("UPDATE conversations SET assignee = ?, team = COALESCE(?, team) WHERE id = ?")
                .bind(assignee)
                .bind(team)
                .bind(conversation_id)
                .execute(&self.writer)
                .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    async fn close(&self, conversation_id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE conversations SET status = 'closed', closed_at = COALESCE(closed_at, ?) WHERE id = ?",
        )
        .bind(now())
        .bind(conversation_id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    async fn rate(&self, conversation_id: &str, score: u8, comment: Option<&str>) -> Result<()> {
        let conversation = self.conversation(conversation_id).await?;
        if conversation.status != ConversationStatus::Closed {
            return Err(DbError::Conflict("only a closed conversation can be rated".into()));
        }
        let done = sqlx::query(
            "INSERT INTO ratings (conversation_id, agent, score, comment, rated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (conversation_id) DO NOTHING",
        )
        .bind(conversation_id)
        .bind(&conversation.assignee)
        .bind(i64::from(score))
        .bind(comment)
        .bind(now())
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::Conflict("this conversation is already rated".into()));
        }
        Ok(())
    }

    async fn recommend(&self, conversation_id: &str, score: u8) -> Result<()> {
        let done = sqlx::query(analytics::RECOMMEND)
            .bind(conversation_id)
            .bind(i64::from(score))
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::Conflict(
                "rate the conversation first; the question is answered once".into(),
            ));
        }
        Ok(())
    }

    async fn summary(&self, conversation_id: &str) -> Result<ConversationSummary> {
        let sql = format!("{SUMMARY_SELECT} WHERE c.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(conversation_id).fetch_one(&self.pool).await?;
        summary_from(&row)
    }

    async fn open_summaries(&self) -> Result<Vec<ConversationSummary>> {
        let sql = format!("{SUMMARY_SELECT} WHERE c.status = 'open' ORDER BY c.created_at DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(summary_from).collect()
    }

    async fn closed_summaries(&self, limit: u32) -> Result<Vec<ConversationSummary>> {
        let sql = format!("{SUMMARY_SELECT} WHERE c.status = 'closed' ORDER BY c.created_at DESC LIMIT ?");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter().map(summary_from).collect()
    }

    async fn earlier_summaries(&self, conversation_id: &str, limit: u32) -> Result<Vec<ConversationSummary>> {
        let sql = format!(
            "{SUMMARY_SELECT} WHERE c.visitor_id = (SELECT visitor_id FROM conversations WHERE id = ?)
             AND c.id <> ? ORDER BY c.created_at DESC LIMIT ?"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(conversation_id).bind(conversation_id);
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter().map(summary_from).collect()
    }

    async fn context(&self, conversation_id: &str) -> Result<EscalationContext> {
        let context: String = sqlx::query_scalar("SELECT context FROM conversations WHERE id = ?")
            .bind(conversation_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(serde_json::from_str(&context)?)
    }

    async fn upsert_agent(&self, info: &AgentInfo, password_hash: &str, capacity: Option<u32>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO agents (username, display_name, password_hash, teams, created_at, capacity)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
                password_hash = excluded.password_hash, teams = excluded.teams, capacity = excluded.capacity",
        )
        .bind(&info.username)
        .bind(&info.display_name)
        .bind(password_hash)
        .bind(serde_json::to_string(&info.teams)?)
        .bind(now())
        .bind(capacity.map(i64::from))
        .execute(&mut *tx)
        .await?;
        // A new password (or the agent re-added) ends every session of the old one.
        sqlx::query("DELETE FROM sessions WHERE username = $1")
            .bind(&info.username)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn agent(&self, username: &str) -> Result<AgentRecord> {
        let row = sqlx::query("SELECT * FROM agents WHERE username = ?")
            .bind(username)
            .fetch_one(&self.pool)
            .await?;
        let capacity = row.try_get::<Option<i64>, _>("capacity")?.map(|n| u32::try_from(n).unwrap_or(0));
        Ok(AgentRecord { info: agent_from(&row)?, password_hash: row.try_get("password_hash")?, capacity })
    }

    async fn create_session(
        &self,
        token_hash: &str,
        username: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, username, csrf, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(username)
            .bind(csrf)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<(AgentInfo, String)> {
        let row = sqlx::query(
            "SELECT a.*, s.csrf FROM sessions s JOIN agents a ON a.username = s.username
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok((agent_from(&row)?, row.try_get("csrf")?))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn ratings_by_agent(&self) -> Result<Vec<AgentRatings>> {
        let rows = sqlx::query(
            "SELECT COALESCE(agent, '') AS agent, conversation_id, score, comment, rated_at FROM ratings
             ORDER BY agent, rated_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut grouped: Vec<AgentRatings> = Vec::new();
        for row in &rows {
            let agent: String = row.try_get("agent")?;
            let rating = Rating {
                conversation_id: row.try_get("conversation_id")?,
                score: row.try_get::<i64, _>("score")? as u8,
                comment: row.try_get("comment")?,
                rated_at: row.try_get("rated_at")?,
            };
            match grouped.last_mut() {
                Some(group) if group.agent == agent => group.ratings.push(rating),
                _ => grouped.push(AgentRatings { agent, average: 0.0, ratings: vec![rating] }),
            }
        }
        for group in &mut grouped {
            let total: u32 = group.ratings.iter().map(|r| u32::from(r.score)).sum();
            group.average = f64::from(total) / group.ratings.len() as f64;
        }
        Ok(grouped)
    }

    async fn report_presence(&self, node: &str, agents: &[String], now: i64) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM agent_presence WHERE node = ?").bind(node).execute(&mut *tx).await?;
        for username in agents {
            sqlx::query("INSERT INTO agent_presence (node, username, seen_at) VALUES (?, ?, ?)")
                .bind(node)
                .bind(username)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn agents_online(&self, since: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT username FROM agent_presence WHERE seen_at >= ? ORDER BY username",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn auto_assign(&self, slots: &[Slot]) -> Result<Vec<(String, String)>> {
        let mut tx = self.writer.begin().await?;
        // Every write goes through the one writer connection, so hand-outs cannot interleave.
        let load = sqlx::query_as(line::LOAD).fetch_all(&mut *tx).await?;
        let waiting: Vec<(String, Option<String>)> =
            sqlx::query_as(line::WAITING).bind(super::WAITING_CONSIDERED).fetch_all(&mut *tx).await?;
        let waiting: Vec<Waiting> = waiting.into_iter().map(|(id, team)| Waiting { id, team }).collect();
        let handed = assignment::plan(slots, &super::load_from(load), &waiting);
        for (conversation, agent) in &handed {
            sqlx::query(line::CLAIM).bind(agent).bind(conversation).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(handed)
    }

    async fn waiting_line(&self) -> Result<Vec<(String, Option<String>)>> {
        Ok(sqlx::query_as(line::WAITING).bind(super::LINE_READ).fetch_all(&self.pool).await?)
    }

    async fn queue_position(&self, conversation_id: &str) -> Result<Option<u32>> {
        let (status, assignee, team, created_at): (String, Option<String>, Option<String>, String) =
            sqlx::query_as(line::PLACE).bind(conversation_id).fetch_one(&self.pool).await?;
        let ahead = if status == "open" && assignee.is_none() {
            let query = sqlx::query_scalar(line::AHEAD).bind(&team).bind(&created_at).bind(conversation_id);
            Some(query.fetch_one(&self.pool).await?)
        } else {
            None
        };
        Ok(super::place_from(&status, assignee.is_some(), ahead))
    }

    async fn first_replies(&self, since: &str) -> Result<Vec<(String, Option<String>)>> {
        Ok(sqlx::query_as(line::FIRST_REPLIES).bind(since).fetch_all(&self.pool).await?)
    }

    async fn search(&self, query: &str, limit: u32) -> Result<Vec<ConversationSummary>> {
        let patterns = search::patterns(query);
        if patterns.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SUMMARY_SELECT} WHERE {} ORDER BY c.created_at DESC, c.id LIMIT ${}",
            search::condition(patterns.len()),
            patterns.len() + 1
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for pattern in &patterns {
            query = query.bind(pattern);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter().map(summary_from).collect()
    }
    async fn record_events(&self, events: &[StoredEvent]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        for chunk in events.chunks(analytics::INSERT_ROWS) {
            let sql = analytics::insert(chunk.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for stored in chunk {
                query = query
                    .bind(&stored.received_at)
                    .bind(&stored.page_view)
                    .bind(analytics::event_json(&stored.event)?);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn events_between(&self, from: &str, to: &str) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query_as(analytics::BETWEEN).bind(from).bind(to).fetch_all(&self.pool).await?;
        rows.into_iter().map(analytics::stored).collect()
    }

    async fn folded_days(&self, from: &str, to: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(analytics::DAYS).bind(from).bind(to).fetch_all(&self.pool).await?)
    }

    async fn fold_days(&self, days: &[(String, String)], before: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        for (day, summary) in days {
            sqlx::query(analytics::FOLD).bind(day).bind(summary).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        while sqlx::query(analytics::PURGE).bind(before).execute(&self.writer).await?.rows_affected() > 0 {}
        Ok(())
    }

    async fn conversation_facts(&self, from: &str, until: &str) -> Result<Vec<ConversationFacts>> {
        let query = sqlx::query_as(analytics::CONVERSATIONS).bind(from).bind(until);
        let rows: Vec<analytics::ConversationRow> = query.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(analytics::facts).collect())
    }

    async fn message_facts(&self, from: &str, until: &str) -> Result<Vec<MessageFact>> {
        Ok(sqlx::query_as(analytics::MESSAGES).bind(from).bind(until).fetch_all(&self.pool).await?)
    }

    async fn save_draft(&self, draft: &protocol::reports::SavedDraft) -> Result<()> {
        sqlx::query(analytics::SAVE_DRAFT)
            .bind(&draft.id)
            .bind(&draft.path)
            .bind(&draft.markdown)
            .bind(&draft.conversation_id)
            .bind(&draft.created_by)
            .bind(&draft.created_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn drafts(&self, limit: u32, pending: bool) -> Result<Vec<protocol::reports::SavedDraft>> {
        let sql = if pending { analytics::PENDING_DRAFTS } else { analytics::DRAFTS };
        let rows: Vec<analytics::DraftRow> =
            sqlx::query_as(sql).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(analytics::draft).collect())
    }

    async fn mark_pulled(&self, id: &str, at: &str) -> Result<()> {
        sqlx::query(analytics::PULLED).bind(id).bind(at).execute(&self.writer).await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM drafts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        exists.map(|_| ()).ok_or(DbError::NotFound)
    }

    async fn count_hit(&self, key: &str, window_start: i64) -> Result<u64> {
        let count: i64 =
            sqlx::query_scalar(limits::HIT).bind(key).bind(window_start).fetch_one(&self.writer).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn forget_counts(&self, before: i64, failures_before: i64) -> Result<()> {
        sqlx::query(limits::FORGET_COUNTS).bind(before).execute(&self.writer).await?;
        sqlx::query(limits::FORGET_FAILURES).bind(failures_before).execute(&self.writer).await?;
        Ok(())
    }

    async fn login_failures(&self, username: &str) -> Result<(u32, i64)> {
        let row: Option<(i64, i64)> =
            sqlx::query_as(limits::FAILURES).bind(username).fetch_optional(&self.pool).await?;
        Ok(row.map_or((0, 0), |(failures, last)| (u32::try_from(failures).unwrap_or(u32::MAX), last)))
    }

    async fn record_login_failure(&self, username: &str, now: i64, fresh_after: i64) -> Result<u32> {
        let failures: i64 = sqlx::query_scalar(limits::FAILED)
            .bind(username)
            .bind(now)
            .bind(now - fresh_after)
            .fetch_one(&self.writer)
            .await?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    async fn clear_login_failures(&self, username: &str) -> Result<()> {
        sqlx::query(limits::CLEAR).bind(username).execute(&self.writer).await?;
        Ok(())
    }

    async fn visitor_conversations(&self, visitor: &VisitorKey) -> Result<Vec<String>> {
        let (sql, key) = privacy::key_text(visitor);
        Ok(sqlx::query_scalar(sql).bind(key).fetch_all(&self.pool).await?)
    }

    async fn expired_conversations(&self, before: &str, limit: u32) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(privacy::EXPIRED)
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn rating_details(&self, conversation_id: &str) -> Result<(Option<String>, Option<u8>)> {
        let row: Option<(Option<String>, Option<i64>)> =
            sqlx::query_as(privacy::RATING).bind(conversation_id).fetch_optional(&self.pool).await?;
        let (comment, recommend) = row.unwrap_or_default();
        Ok((comment, recommend.and_then(|r| u8::try_from(r).ok())))
    }

    async fn forget_conversations(&self, forgotten: &[(String, EscalationContext)], at: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        for (id, context) in forgotten {
            sqlx::query(privacy::FORGET_MESSAGES).bind(id).execute(&mut *tx).await?;
            sqlx::query(privacy::FORGET_RATING).bind(id).execute(&mut *tx).await?;
            let context = serde_json::to_string(context)?;
            sqlx::query(privacy::FORGET_CONVERSATION)
                .bind(id)
                .bind(context)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // The old page images stay in the write-ahead log until a checkpoint copies the new ones over.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await?;
        Ok(())
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query(privacy::AUDIT)
            .bind(&entry.at)
            .bind(&entry.agent)
            .bind(&entry.action)
            .bind(&entry.conversation_id)
            .bind(&entry.detail)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        agent: Option<&str>,
        conversation_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let query =
            sqlx::query_as(privacy::AUDIT_READ).bind(agent).bind(conversation_id).bind(i64::from(limit));
        let rows: Vec<privacy::AuditRow> = query.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(privacy::audit_entry).collect())
    }

    async fn backup(&self, to: &std::path::Path) -> Result<()> {
        // VACUUM INTO writes a consistent, compact copy from one read transaction: chat goes on meanwhile.
        let to = to.to_str().ok_or(DbError::Unsupported("the backup path must be UTF-8"))?;
        sqlx::query("VACUUM INTO $1").bind(to).execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
    use super::*;

    #[tokio::test]
    async fn concurrent_appends_get_gapless_seqs_and_each_its_own_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDatabase::open(dir.path().join("chat.db").to_str().unwrap()).await.unwrap();
        for id in ["open", "closed"] {
            let new = NewConversation {
                id: id.into(),
                token_hash: format!("hash-{id}"),
                team: None,
                context: EscalationContext::default(),
                identity_verified: false,
                identity_details_verified: false,
            };
            db.create_conversation(new).await.unwrap();
        }
        db.close("closed").await.unwrap();

        // 300 sends at once, every client id sent twice, plus sends to a closed and an unknown conversation:
        // they land in shared groups, and each still gets its own outcome.
        let send = |conversation: &'static str, n: usize| {
            let db = db.clone();
            let new = NewMessage {
                author: Author::Visitor,
                client_id: Some(format!("c{n}")),
                body: format!("message {n}"),
                private: false,
            };
            tokio::spawn(async move { db.append_message(conversation, new).await })
        };
        let sends: Vec<_> = (0..300).map(|n| send("open", n % 150)).collect();
        let refused = [send("closed", 0), send("missing", 0)];
        let mut seqs = std::collections::BTreeMap::new();
        for (n, sent) in sends.into_iter().enumerate() {
            let appended = sent.await.unwrap().unwrap();
            let first = *seqs.entry(n % 150).or_insert(appended.message.seq);
            assert_eq!(appended.message.seq, first, "a resend of c{} got another seq", n % 150);
        }
        let [closed, missing] = refused;
        assert!(matches!(closed.await.unwrap(), Err(DbError::Closed)));
        assert!(matches!(missing.await.unwrap(), Err(DbError::NotFound)));

        let stored = db.messages_after("open", 0, Notes::Left).await.unwrap();
        let stored_seqs: Vec<u64> = stored.iter().map(|m| m.seq).collect();
        assert_eq!(stored_seqs, (1..=150).collect::<Vec<u64>>(), "each client id stored once, no gaps");
        assert_eq!(db.conversation("open").await.unwrap().last_seq, 150);
        assert!(db.messages_after("closed", 0, Notes::Left).await.unwrap().is_empty());
    }
}
