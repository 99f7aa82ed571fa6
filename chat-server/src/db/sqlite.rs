//! The SQLite backend: one file in WAL mode, `synchronous = FULL` so a commit survives a crash, one
//! connection that writes, and messages committed in groups so that one fsync covers every message that
//! arrived during the last one. What it does like Postgres comes from [`super::shared`].

use std::str::FromStr;
use std::time::Duration;

use protocol::chat::ConversationStatus;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

use super::rows::{self, MessageRow};
use super::{Appended, DbError, NewMessage, Result};

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
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        let (appends, pending) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(commit_in_groups(writer.clone(), pending));
        let db = SqliteDatabase { pool, writer, appends };
        db.backfill_search().await?;
        Ok(db)
    }
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
    let sql = "SELECT status FROM conversations WHERE id = $1";
    let status: Option<String> =
        sqlx::query_scalar(sql).bind(conversation_id).fetch_optional(&mut *tx).await?;
    let Some(status) = status else { return Ok(Err(DbError::NotFound)) };
    if let Some(client_id) = &new.client_id {
        let (kind, _) = rows::author_columns(&new.author);
        let query = sqlx::query_as(rows::EARLIER_MESSAGE).bind(conversation_id).bind(kind);
        let earlier: Option<MessageRow> = query.bind(client_id).fetch_optional(&mut *tx).await?;
        if let Some(row) = earlier {
            return Ok(Ok(Appended { message: row.into(), duplicate: true }));
        }
    }
    if rows::status_from(&status) == ConversationStatus::Closed {
        return Ok(Err(DbError::Closed));
    }
    let sql = "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq";
    let seq: i64 = sqlx::query_scalar(sql).bind(conversation_id).fetch_one(&mut *tx).await?;
    let message = rows::new_message(seq, new.clone());
    SqliteDatabase::insert_message(tx, conversation_id, &message).await?;
    Ok(Ok(Appended { message, duplicate: false }))
}

super::shared::database_impl!(
    SqliteDatabase,
    connection: sqlx::SqliteConnection,
    read: pool,
    write: writer,
    // Every write goes through the one writer connection, so hand-outs cannot interleave.
    before_assign: None,
    before_events: None,
    // The old page images stay in the write-ahead log until a checkpoint copies the new ones over.
    after_forget: Some("PRAGMA wal_checkpoint(TRUNCATE)"),
    {
        async fn append_message(&self, conversation_id: &str, new: NewMessage) -> Result<Appended> {
            let (done, outcome) = oneshot::channel();
            let pending = PendingAppend { conversation_id: conversation_id.to_owned(), new, done };
            // Either end closes only while the database is being dropped.
            self.appends.send(pending).await.map_err(|_| DbError::Sqlx(sqlx::Error::PoolClosed))?;
            outcome.await.map_err(|_| DbError::Sqlx(sqlx::Error::PoolClosed))?
        }

        async fn backup(&self, to: &std::path::Path) -> Result<()> {
            // VACUUM INTO writes a consistent, compact copy from one read transaction: chat goes on meanwhile.
            let to = to.to_str().ok_or(DbError::Unsupported("the backup path must be UTF-8"))?;
            sqlx::query("VACUUM INTO $1").bind(to).execute(&self.pool).await?;
            Ok(())
        }
    }
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.
    use protocol::EscalationContext;
    use protocol::chat::Author;

    use super::*;
    use crate::db::{Database, NewConversation, Notes};

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
