//! The Postgres backend, for several chat-server nodes sharing one database. What it does like SQLite
//! comes from [`super::shared`]; here are the connection, the append that serialises on the
//! conversation's row lock, and the statements only Postgres runs.

use protocol::chat::ConversationStatus;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::rows::{self, MessageRow};
use super::{Appended, DbError, NewMessage, Result};

/// chat-server's storage in Postgres.
#[derive(Debug, Clone)]
pub struct PostgresDatabase {
    pool: PgPool,
}

impl PostgresDatabase {
    /// Connects to `url` (`postgres://…`) and applies migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let db = PostgresDatabase { pool };
        db.backfill_search().await?;
        Ok(db)
    }

    /// The pool, for LISTEN/NOTIFY.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

super::shared::database_impl!(
    PostgresDatabase,
    connection: sqlx::PgConnection,
    read: pool,
    write: pool,
    // One hand-out at a time across nodes, so two never fill the same agent past capacity.
    before_assign: Some("SELECT pg_advisory_xact_lock(2061)"),
    // Events may lose their last moment in a crash (the collector already answered them), chat
    // messages may not: an event batch's commit does not wait for its WAL flush, so it never queues the
    // disk ahead of one.
    before_events: Some("SET LOCAL synchronous_commit = off"),
    after_forget: None,
    {
        async fn append_message(&self, conversation_id: &str, new: NewMessage) -> Result<Appended> {
            let mut tx = self.pool.begin().await?;
            // Writing first takes the conversation's row lock, so concurrent appends to it queue in order.
            let sql = "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, status";
            let bumped: Option<(i64, String)> =
                sqlx::query_as(sql).bind(conversation_id).fetch_optional(&mut *tx).await?;
            let Some((seq, status)) = bumped else { return Err(DbError::NotFound) };
            if let Some(client_id) = &new.client_id {
                let (kind, _) = rows::author_columns(&new.author);
                let query = sqlx::query_as(rows::EARLIER_MESSAGE).bind(conversation_id).bind(kind);
                let earlier: Option<MessageRow> = query.bind(client_id).fetch_optional(&mut *tx).await?;
                if let Some(row) = earlier {
                    tx.rollback().await?;
                    return Ok(Appended { message: row.into(), duplicate: true });
                }
            }
            if rows::status_from(&status) == ConversationStatus::Closed {
                tx.rollback().await?;
                return Err(DbError::Closed);
            }
            let message = rows::new_message(seq, new);
            Self::insert_message(&mut tx, conversation_id, &message).await?;
            tx.commit().await?;
            Ok(Appended { message, duplicate: false })
        }

        async fn backup(&self, _to: &std::path::Path) -> Result<()> {
            Err(DbError::Unsupported(
                "on Postgres, back up with pg_dump (pg_dump -Fc DATABASE_URL > chat.dump; pg_restore -d URL chat.dump)",
            ))
        }
    }
);
