//! What both backends do the same way: every [`Database`](super::Database) method whose SQL reads alike in
//! SQLite and Postgres (`$N` placeholders, which SQLite binds by number too; `ON CONFLICT`, `RETURNING`,
//! `NOT` on a boolean, `CASE`), written once.
//!
//! sqlx's pools and rows are different types per database and generic code over them needs a bound for
//! every type bound or read, so the shared methods are stamped into each backend's `impl Database` by
//! [`database_impl!`] instead. A backend gives: which pool reads and which writes (SQLite has one writer
//! connection, Postgres one pool), the few statements only it runs (Postgres's advisory lock around a
//! hand-out, SQLite's checkpoint after an erase), and the methods that really differ (SQLite commits
//! messages in groups; only SQLite backs up from inside).

/// Implements [`Database`](super::Database) for a backend from the shared methods and its own.
///
/// - `connection`: the driver's connection type, which transactions lend out;
/// - `read`/`write`: the fields holding the pools that read and that write;
/// - `before_assign`: a statement run first in the hand-out's transaction, if any;
/// - `before_events`: a statement run first in an event batch's transaction, if any;
/// - `after_forget`: a statement run after an erase commits, if any;
/// - then, in braces, the backend's own methods: `append_message` and `backup`.
macro_rules! database_impl {
    (
        $backend:ty,
        connection: $connection:ty,
        read: $read:ident,
        write: $write:ident,
        before_assign: $before_assign:expr,
        before_events: $before_events:expr,
        after_forget: $after_forget:expr,
        { $($own:tt)* }
    ) => {
        impl $backend {
            /// Stores `message` in a conversation, inside the caller's transaction.
            async fn insert_message(
                tx: &mut $connection,
                conversation_id: &str,
                message: &protocol::chat::ChatMessage,
            ) -> $crate::db::Result<()> {
                let (kind, name) = $crate::db::rows::author_columns(&message.author);
                sqlx::query($crate::db::rows::INSERT_MESSAGE)
                    .bind(conversation_id)
                    .bind(i64::try_from(message.seq).unwrap_or(i64::MAX))
                    .bind(kind)
                    .bind(name)
                    .bind(&message.client_id)
                    .bind(&message.body)
                    .bind(message.private)
                    .bind(&message.sent_at)
                    .bind($crate::db::search::stored(&message.body))
                    .execute(tx)
                    .await?;
                Ok(())
            }

            /// Folds the search text of rows written before the search existed, a batch per
            /// transaction, in key order (only the first start after the upgrade finds any). A context
            /// that does not parse gets no text of its own.
            async fn backfill_search(&self) -> $crate::db::Result<()> {
                use $crate::db::search;
                let mut after = String::new();
                loop {
                    let query = sqlx::query_as(search::CONVERSATIONS_MISSING).bind(search::BACKFILL_BATCH);
                    let rows: Vec<(String, String)> = query.bind(&after).fetch_all(&self.$write).await?;
                    let Some((last, _)) = rows.last() else { break };
                    after = last.clone();
                    let mut tx = self.$write.begin().await?;
                    for (id, context) in rows {
                        let text = serde_json::from_str::<protocol::EscalationContext>(&context)
                            .map_or_else(|_| search::stored(""), |c| search::conversation_text(&c));
                        sqlx::query(search::SET_CONVERSATION).bind(text).bind(id).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                }
                let mut after = (String::new(), 0_i64);
                loop {
                    let query = sqlx::query_as(search::MESSAGES_MISSING).bind(search::BACKFILL_BATCH);
                    let query = query.bind(&after.0).bind(after.1);
                    let rows: Vec<(String, i64, String)> = query.fetch_all(&self.$write).await?;
                    let Some((conversation, seq, _)) = rows.last() else { break };
                    after = (conversation.clone(), *seq);
                    let mut tx = self.$write.begin().await?;
                    for (conversation_id, seq, body) in rows {
                        let query = sqlx::query(search::SET_MESSAGE).bind(search::stored(&body));
                        query.bind(conversation_id).bind(seq).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::Database for $backend {
            $($own)*

            async fn create_conversation(&self, new: $crate::db::NewConversation) -> $crate::db::Result<()> {
                use $crate::db::{privacy, search};
                let identity = new.context.identity.as_ref();
                let signed_id = identity.filter(|_| new.identity_verified).map(|i| i.id.clone());
                sqlx::query(
                    "INSERT INTO conversations
                        (id, visitor_token_hash, team, context, identity_verified, identity_details_verified,
                         created_at, visitor_id, search_text, visitor_email)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&new.id)
                .bind(&new.token_hash)
                .bind(&new.team)
                .bind(serde_json::to_string(&new.context)?)
                .bind(new.identity_verified)
                .bind(new.identity_details_verified)
                .bind($crate::db::rows::now())
                .bind(signed_id)
                .bind(search::conversation_text(&new.context))
                .bind(identity.and_then(|i| i.email.as_deref()).map(privacy::stored_email))
                .execute(&self.$write)
                .await?;
                Ok(())
            }

            async fn conversation_by_token(
                &self,
                token_hash: &str,
            ) -> $crate::db::Result<$crate::db::Conversation> {
                let sql = "SELECT id FROM conversations WHERE visitor_token_hash = $1";
                let id: String = sqlx::query_scalar(sql).bind(token_hash).fetch_one(&self.$read).await?;
                self.conversation(&id).await
            }

            async fn conversation(&self, id: &str) -> $crate::db::Result<$crate::db::Conversation> {
                let row: $crate::db::rows::ConversationRow =
                    sqlx::query_as($crate::db::rows::CONVERSATION).bind(id).fetch_one(&self.$read).await?;
                Ok(row.into())
            }

            async fn messages_after(
                &self,
                conversation_id: &str,
                after_seq: u64,
                notes: $crate::db::Notes,
            ) -> $crate::db::Result<Vec<protocol::chat::ChatMessage>> {
                let rows: Vec<$crate::db::rows::MessageRow> = sqlx::query_as(
                    "SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 AND (NOT private OR $3)
                     ORDER BY seq",
                )
                .bind(conversation_id)
                .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
                .bind(notes == $crate::db::Notes::Included)
                .fetch_all(&self.$read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn mark_read(
                &self,
                conversation_id: &str,
                reader: $crate::db::Reader,
                up_to_seq: u64,
            ) -> $crate::db::Result<()> {
                // Forward only, and never past the last message: max(read, min($1, last_seq)).
                let sql = match reader {
                    $crate::db::Reader::Visitor => "UPDATE conversations
                        SET visitor_read_seq = CASE WHEN $1 < last_seq THEN $1 ELSE last_seq END
                        WHERE id = $2 AND visitor_read_seq < $1 AND visitor_read_seq < last_seq",
                    $crate::db::Reader::Agents => "UPDATE conversations
                        SET agent_read_seq = CASE WHEN $1 < last_seq THEN $1 ELSE last_seq END
                        WHERE id = $2 AND agent_read_seq < $1 AND agent_read_seq < last_seq",
                };
                sqlx::query(sql)
                    .bind(i64::try_from(up_to_seq).unwrap_or(i64::MAX))
                    .bind(conversation_id)
                    .execute(&self.$write)
                    .await?;
                Ok(())
            }

            async fn assign(
                &self,
                conversation_id: &str,
                assignee: Option<&str>,
                team: Option<&str>,
            ) -> $crate::db::Result<()> {
                let sql = "UPDATE conversations SET assignee = $1, team = COALESCE($2, team) WHERE id = $3";
                let query = sqlx::query(sql).bind(assignee).bind(team).bind(conversation_id);
                if query.execute(&self.$write).await?.rows_affected() == 0 {
                    return Err($crate::db::DbError::NotFound);
                }
                Ok(())
            }

            async fn close(&self, conversation_id: &str) -> $crate::db::Result<()> {
                let sql = "UPDATE conversations SET status = 'closed', closed_at = COALESCE(closed_at, $1)
                    WHERE id = $2";
                let query = sqlx::query(sql).bind($crate::db::rows::now()).bind(conversation_id);
                if query.execute(&self.$write).await?.rows_affected() == 0 {
                    return Err($crate::db::DbError::NotFound);
                }
                Ok(())
            }

            async fn rate(
                &self,
                conversation_id: &str,
                score: u8,
                comment: Option<&str>,
            ) -> $crate::db::Result<()> {
                let conversation = self.conversation(conversation_id).await?;
                if conversation.status != protocol::chat::ConversationStatus::Closed {
                    let refusal = "only a closed conversation can be rated";
                    return Err($crate::db::DbError::Conflict(refusal.into()));
                }
                let done = sqlx::query(
                    "INSERT INTO ratings (conversation_id, agent, score, comment, rated_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO NOTHING",
                )
                .bind(conversation_id)
                .bind(&conversation.assignee)
                .bind(i64::from(score))
                .bind(comment)
                .bind($crate::db::rows::now())
                .execute(&self.$write)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::db::DbError::Conflict("this conversation is already rated".into()));
                }
                Ok(())
            }

            async fn recommend(&self, conversation_id: &str, score: u8) -> $crate::db::Result<()> {
                let query = sqlx::query($crate::db::analytics::RECOMMEND).bind(conversation_id);
                if query.bind(i64::from(score)).execute(&self.$write).await?.rows_affected() == 0 {
                    return Err($crate::db::DbError::Conflict(
                        "rate the conversation first; the question is answered once".into(),
                    ));
                }
                Ok(())
            }

            async fn summary(
                &self,
                conversation_id: &str,
            ) -> $crate::db::Result<protocol::chat::ConversationSummary> {
                let sql = format!("{} WHERE c.id = $1", $crate::db::rows::SUMMARY_SELECT);
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conversation_id);
                let row: $crate::db::rows::SummaryRow = query.fetch_one(&self.$read).await?;
                row.try_into()
            }

            async fn open_summaries(&self) -> $crate::db::Result<Vec<protocol::chat::ConversationSummary>> {
                let sql = format!(
                    "{} WHERE c.status = 'open' ORDER BY c.created_at DESC",
                    $crate::db::rows::SUMMARY_SELECT
                );
                let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.$read).await?;
                $crate::db::rows::summaries(rows)
            }

            async fn closed_summaries(
                &self,
                limit: u32,
            ) -> $crate::db::Result<Vec<protocol::chat::ConversationSummary>> {
                let sql = format!(
                    "{} WHERE c.status = 'closed' ORDER BY c.created_at DESC LIMIT $1",
                    $crate::db::rows::SUMMARY_SELECT
                );
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit));
                $crate::db::rows::summaries(query.fetch_all(&self.$read).await?)
            }

            async fn earlier_summaries(
                &self,
                conversation_id: &str,
                limit: u32,
            ) -> $crate::db::Result<Vec<protocol::chat::ConversationSummary>> {
                let sql = format!(
                    "{} WHERE c.visitor_id = (SELECT visitor_id FROM conversations WHERE id = $1)
                     AND c.id <> $1 ORDER BY c.created_at DESC LIMIT $2",
                    $crate::db::rows::SUMMARY_SELECT
                );
                let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conversation_id);
                $crate::db::rows::summaries(query.bind(i64::from(limit)).fetch_all(&self.$read).await?)
            }

            async fn context(
                &self,
                conversation_id: &str,
            ) -> $crate::db::Result<protocol::EscalationContext> {
                let context: String = sqlx::query_scalar("SELECT context FROM conversations WHERE id = $1")
                    .bind(conversation_id)
                    .fetch_one(&self.$read)
                    .await?;
                Ok(serde_json::from_str(&context)?)
            }

            async fn upsert_agent(
                &self,
                info: &protocol::rest::AgentInfo,
                password_hash: &str,
                capacity: Option<u32>,
            ) -> $crate::db::Result<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query(
                    "INSERT INTO agents (username, display_name, password_hash, teams, created_at, capacity)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
                        password_hash = excluded.password_hash, teams = excluded.teams,
                        capacity = excluded.capacity",
                )
                .bind(&info.username)
                .bind(&info.display_name)
                .bind(password_hash)
                .bind(serde_json::to_string(&info.teams)?)
                .bind($crate::db::rows::now())
                .bind(capacity.map(i64::from))
                .execute(&mut *tx)
                .await?;
                // A new password (or the agent re-added) ends every session of the old one.
                let query = sqlx::query("DELETE FROM sessions WHERE username = $1").bind(&info.username);
                query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn agent(&self, username: &str) -> $crate::db::Result<$crate::db::AgentRecord> {
                let query = sqlx::query_as($crate::db::rows::AGENT).bind(username);
                let row: $crate::db::rows::AgentRow = query.fetch_one(&self.$read).await?;
                row.try_into()
            }

            async fn create_session(
                &self,
                token_hash: &str,
                username: &str,
                csrf: &str,
                expires_at: i64,
            ) -> $crate::db::Result<()> {
                let sql = "INSERT INTO sessions (token_hash, username, csrf, expires_at)
                    VALUES ($1, $2, $3, $4)";
                let query = sqlx::query(sql).bind(token_hash).bind(username).bind(csrf).bind(expires_at);
                query.execute(&self.$write).await?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
                now: i64,
            ) -> $crate::db::Result<(protocol::rest::AgentInfo, String)> {
                let query = sqlx::query_as($crate::db::rows::SESSION).bind(token_hash).bind(now);
                $crate::db::rows::session(query.fetch_one(&self.$read).await?)
            }

            async fn delete_session(&self, token_hash: &str) -> $crate::db::Result<()> {
                let query = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash);
                query.execute(&self.$write).await?;
                Ok(())
            }

            async fn ratings_by_agent(&self) -> $crate::db::Result<Vec<protocol::rest::AgentRatings>> {
                let rows = sqlx::query_as($crate::db::rows::RATINGS).fetch_all(&self.$read).await?;
                Ok($crate::db::rows::ratings_by_agent(rows))
            }

            async fn report_presence(
                &self,
                node: &str,
                agents: &[String],
                now: i64,
            ) -> $crate::db::Result<()> {
                let mut tx = self.$write.begin().await?;
                sqlx::query("DELETE FROM agent_presence WHERE node = $1").bind(node).execute(&mut *tx).await?;
                for username in agents {
                    let sql = "INSERT INTO agent_presence (node, username, seen_at) VALUES ($1, $2, $3)";
                    sqlx::query(sql).bind(node).bind(username).bind(now).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn agents_online(&self, since: i64) -> $crate::db::Result<Vec<String>> {
                let sql =
                    "SELECT DISTINCT username FROM agent_presence WHERE seen_at >= $1 ORDER BY username";
                Ok(sqlx::query_scalar(sql).bind(since).fetch_all(&self.$read).await?)
            }

            async fn auto_assign(
                &self,
                slots: &[$crate::assignment::plan::Slot],
            ) -> $crate::db::Result<Vec<(String, String)>> {
                use $crate::db::line;
                let mut tx = self.$write.begin().await?;
                let before: Option<&str> = $before_assign;
                if let Some(statement) = before {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                let load = sqlx::query_as(line::LOAD).fetch_all(&mut *tx).await?;
                let query = sqlx::query_as(line::WAITING).bind(line::WAITING_CONSIDERED);
                let waiting: Vec<(String, Option<String>)> = query.fetch_all(&mut *tx).await?;
                let waiting: Vec<$crate::assignment::plan::Waiting> =
                    waiting.into_iter().map(|(id, team)| $crate::assignment::plan::Waiting { id, team }).collect();
                let handed = $crate::assignment::plan::plan(slots, &line::load_from(load), &waiting);
                for (conversation, agent) in &handed {
                    sqlx::query(line::CLAIM).bind(agent).bind(conversation).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(handed)
            }

            async fn waiting_line(&self) -> $crate::db::Result<Vec<(String, Option<String>)>> {
                use $crate::db::line;
                Ok(sqlx::query_as(line::WAITING).bind(line::LINE_READ).fetch_all(&self.$read).await?)
            }

            async fn queue_position(&self, conversation_id: &str) -> $crate::db::Result<Option<u32>> {
                use $crate::db::line;
                let (status, assignee, team, created_at): (String, Option<String>, Option<String>, String) =
                    sqlx::query_as(line::PLACE).bind(conversation_id).fetch_one(&self.$read).await?;
                let ahead = if status == "open" && assignee.is_none() {
                    let query = sqlx::query_scalar(line::AHEAD).bind(&team).bind(&created_at);
                    Some(query.bind(conversation_id).fetch_one(&self.$read).await?)
                } else {
                    None
                };
                Ok(line::place_from(&status, assignee.is_some(), ahead))
            }

            async fn first_replies(&self, since: &str) -> $crate::db::Result<Vec<(String, Option<String>)>> {
                let query = sqlx::query_as($crate::db::line::FIRST_REPLIES).bind(since);
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn search(
                &self,
                query: &str,
                limit: u32,
            ) -> $crate::db::Result<Vec<protocol::chat::ConversationSummary>> {
                use $crate::db::search;
                let patterns = search::patterns(query);
                if patterns.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "{} WHERE {} ORDER BY c.created_at DESC, c.id LIMIT ${}",
                    $crate::db::rows::SUMMARY_SELECT,
                    search::condition(patterns.len()),
                    patterns.len() + 1
                );
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for pattern in &patterns {
                    query = query.bind(pattern);
                }
                $crate::db::rows::summaries(query.bind(i64::from(limit)).fetch_all(&self.$read).await?)
            }

            async fn record_events(
                &self,
                events: &[$crate::analytics::report::StoredEvent],
            ) -> $crate::db::Result<()> {
                use $crate::db::analytics;
                let mut tx = self.$write.begin().await?;
                let before: Option<&str> = $before_events;
                if let Some(statement) = before {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                for chunk in events.chunks(analytics::INSERT_ROWS) {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(analytics::insert(chunk.len())));
                    for stored in chunk {
                        let event = analytics::event_json(&stored.event)?;
                        query = query.bind(&stored.received_at).bind(&stored.page_view).bind(event);
                    }
                    query.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn events_between(
                &self,
                from: &str,
                to: &str,
            ) -> $crate::db::Result<Vec<$crate::analytics::report::StoredEvent>> {
                use $crate::db::analytics;
                let query = sqlx::query_as(analytics::BETWEEN).bind(from).bind(to);
                let rows = query.fetch_all(&self.$read).await?;
                rows.into_iter().map(analytics::stored).collect()
            }

            async fn folded_days(&self, from: &str, to: &str) -> $crate::db::Result<Vec<(String, String)>> {
                let query = sqlx::query_as($crate::db::analytics::DAYS).bind(from).bind(to);
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn fold_days(&self, days: &[(String, String)], before: &str) -> $crate::db::Result<()> {
                use $crate::db::analytics;
                let mut tx = self.$write.begin().await?;
                for (day, summary) in days {
                    sqlx::query(analytics::FOLD).bind(day).bind(summary).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                let purge = || sqlx::query(analytics::PURGE).bind(before);
                while purge().execute(&self.$write).await?.rows_affected() > 0 {}
                Ok(())
            }

            async fn conversation_facts(
                &self,
                from: &str,
                until: &str,
            ) -> $crate::db::Result<Vec<$crate::analytics::conversations::ConversationFacts>> {
                use $crate::db::analytics;
                let query = sqlx::query_as(analytics::CONVERSATIONS).bind(from).bind(until);
                let rows: Vec<analytics::ConversationRow> = query.fetch_all(&self.$read).await?;
                Ok(rows.into_iter().map(analytics::facts).collect())
            }

            async fn message_facts(
                &self,
                from: &str,
                until: &str,
            ) -> $crate::db::Result<Vec<$crate::analytics::conversations::MessageFact>> {
                let query = sqlx::query_as($crate::db::analytics::MESSAGES).bind(from).bind(until);
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn save_draft(&self, draft: &protocol::reports::SavedDraft) -> $crate::db::Result<()> {
                sqlx::query($crate::db::analytics::SAVE_DRAFT)
                    .bind(&draft.id)
                    .bind(&draft.path)
                    .bind(&draft.markdown)
                    .bind(&draft.conversation_id)
                    .bind(&draft.created_by)
                    .bind(&draft.created_at)
                    .execute(&self.$write)
                    .await?;
                Ok(())
            }

            async fn drafts(
                &self,
                limit: u32,
                pending: bool,
            ) -> $crate::db::Result<Vec<protocol::reports::SavedDraft>> {
                use $crate::db::analytics;
                let sql = if pending { analytics::PENDING_DRAFTS } else { analytics::DRAFTS };
                let rows: Vec<analytics::DraftRow> =
                    sqlx::query_as(sql).bind(i64::from(limit)).fetch_all(&self.$read).await?;
                Ok(rows.into_iter().map(analytics::draft).collect())
            }

            async fn mark_pulled(&self, id: &str, at: &str) -> $crate::db::Result<()> {
                sqlx::query($crate::db::analytics::PULLED).bind(id).bind(at).execute(&self.$write).await?;
                let query = sqlx::query_scalar("SELECT id FROM drafts WHERE id = $1").bind(id);
                let exists: Option<String> = query.fetch_optional(&self.$write).await?;
                exists.map(|_| ()).ok_or($crate::db::DbError::NotFound)
            }

            async fn count_hit(&self, key: &str, window_start: i64) -> $crate::db::Result<u64> {
                let query = sqlx::query_scalar($crate::db::limits::HIT).bind(key).bind(window_start);
                let count: i64 = query.fetch_one(&self.$write).await?;
                Ok(u64::try_from(count).unwrap_or(0))
            }

            async fn forget_counts(&self, before: i64, failures_before: i64) -> $crate::db::Result<()> {
                use $crate::db::limits;
                sqlx::query(limits::FORGET_COUNTS).bind(before).execute(&self.$write).await?;
                sqlx::query(limits::FORGET_FAILURES).bind(failures_before).execute(&self.$write).await?;
                Ok(())
            }

            async fn login_failures(&self, username: &str) -> $crate::db::Result<(u32, i64)> {
                let query = sqlx::query_as($crate::db::limits::FAILURES).bind(username);
                let row: Option<(i64, i64)> = query.fetch_optional(&self.$read).await?;
                Ok(row.map_or((0, 0), |(failures, last)| (u32::try_from(failures).unwrap_or(u32::MAX), last)))
            }

            async fn record_login_failure(
                &self,
                username: &str,
                now: i64,
                fresh_after: i64,
            ) -> $crate::db::Result<u32> {
                let query = sqlx::query_scalar($crate::db::limits::FAILED).bind(username).bind(now);
                let failures: i64 = query.bind(now - fresh_after).fetch_one(&self.$write).await?;
                Ok(u32::try_from(failures).unwrap_or(u32::MAX))
            }

            async fn clear_login_failures(&self, username: &str) -> $crate::db::Result<()> {
                sqlx::query($crate::db::limits::CLEAR).bind(username).execute(&self.$write).await?;
                Ok(())
            }

            async fn visitor_conversations(
                &self,
                visitor: &$crate::db::VisitorKey,
            ) -> $crate::db::Result<Vec<String>> {
                let (sql, key) = $crate::db::privacy::key_text(visitor);
                Ok(sqlx::query_scalar(sql).bind(key).fetch_all(&self.$read).await?)
            }

            async fn expired_conversations(
                &self,
                before: &str,
                limit: u32,
            ) -> $crate::db::Result<Vec<String>> {
                let query = sqlx::query_scalar($crate::db::privacy::EXPIRED).bind(before);
                let query = query.bind(i64::from(limit));
                Ok(query.fetch_all(&self.$read).await?)
            }

            async fn rating_details(
                &self,
                conversation_id: &str,
            ) -> $crate::db::Result<(Option<String>, Option<u8>)> {
                let query = sqlx::query_as($crate::db::privacy::RATING).bind(conversation_id);
                let row: Option<(Option<String>, Option<i64>)> = query.fetch_optional(&self.$read).await?;
                let (comment, recommend) = row.unwrap_or_default();
                Ok((comment, recommend.and_then(|r| u8::try_from(r).ok())))
            }

            async fn forget_conversations(
                &self,
                forgotten: &[(String, protocol::EscalationContext)],
                at: &str,
            ) -> $crate::db::Result<()> {
                use $crate::db::privacy;
                let mut tx = self.$write.begin().await?;
                for (id, context) in forgotten {
                    sqlx::query(privacy::FORGET_MESSAGES).bind(id).execute(&mut *tx).await?;
                    sqlx::query(privacy::FORGET_RATING).bind(id).execute(&mut *tx).await?;
                    let context = serde_json::to_string(context)?;
                    let query = sqlx::query(privacy::FORGET_CONVERSATION).bind(id).bind(context);
                    query.bind(at).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                let after: Option<&str> = $after_forget;
                if let Some(statement) = after {
                    sqlx::query(statement).execute(&self.$write).await?;
                }
                Ok(())
            }

            async fn record_audit(&self, entry: &$crate::db::AuditEntry) -> $crate::db::Result<()> {
                sqlx::query($crate::db::privacy::AUDIT)
                    .bind(&entry.at)
                    .bind(&entry.agent)
                    .bind(&entry.action)
                    .bind(&entry.conversation_id)
                    .bind(&entry.detail)
                    .execute(&self.$write)
                    .await?;
                Ok(())
            }

            async fn audit_log(
                &self,
                agent: Option<&str>,
                conversation_id: Option<&str>,
                limit: u32,
            ) -> $crate::db::Result<Vec<$crate::db::AuditEntry>> {
                use $crate::db::privacy;
                let query = sqlx::query_as(privacy::AUDIT_READ).bind(agent).bind(conversation_id);
                let rows: Vec<privacy::AuditRow> = query.bind(i64::from(limit)).fetch_all(&self.$read).await?;
                Ok(rows.into_iter().map(privacy::audit_entry).collect())
            }
        }
    };
}

pub(super) use database_impl;
