//! The chat load generator: visitor and agent WebSocket clients against chat-server nodes on 127.0.0.1.
//!
//! Visitors are spread over the nodes round-robin; one agent watches on the first node, so with two nodes
//! half the messages cross nodes through Postgres. Messages are offered open-loop at a fixed rate (a sender
//! does not wait for its ack), so a slow server shows up as latency and a lower achieved rate, not as a
//! politely slower client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::stream::{SplitSink, StreamExt};
use futures_util::{SinkExt, stream};
use protocol::rest::{AgentLogin, AgentSession, ConversationStarted, StartConversation};
use protocol::{EscalationContext, PROTOCOL_VERSION, agent, visitor};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The agent's password in the throwaway databases.
pub const AGENT_PASSWORD: &str = "bench agent password";
/// Longest wait for any single connect, request or drain.
const WAIT: Duration = Duration::from_secs(30);
/// Longest wait for the last acks and deliveries after a phase's last send.
const DRAIN: Duration = Duration::from_secs(10);

/// When each message (by number) was sent, acknowledged and seen by the agent.
#[derive(Debug, Default)]
struct Times {
    sent: HashMap<u64, Instant>,
    acked: HashMap<u64, Instant>,
    delivered: HashMap<u64, Instant>,
}

/// A visitor: its conversation, token, node, the sending half of its socket and the task reading the other.
#[derive(Debug)]
pub struct VisitorClient {
    /// Its conversation.
    pub conversation_id: String,
    /// The visitor token that opens it.
    pub token: String,
    /// Index of its node in [`Load`]'s list.
    pub node: usize,
    sink: SplitSink<Socket, Message>,
    reader: tokio::task::JoinHandle<()>,
    /// The highest seq it has seen (acks and messages): where it resumes after a reconnect.
    seen: Arc<std::sync::atomic::AtomicU64>,
}

/// Visitors and one agent connected to a set of nodes.
#[derive(Debug)]
pub struct Load {
    nodes: Vec<String>,
    http: reqwest::Client,
    /// The visitors connected, each to its node.
    pub visitors: Vec<VisitorClient>,
    times: Arc<Mutex<Times>>,
    next_message: u64,
    agent_alive: Arc<std::sync::atomic::AtomicBool>,
}

/// What one fixed-rate phase measured.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Messages a second offered (open loop).
    pub offered_per_s: f64,
    /// Messages sent.
    pub sent: usize,
    /// Messages acknowledged by their node.
    pub acked: usize,
    /// Messages that reached the agent.
    pub delivered: usize,
    /// Acked messages per second, first send to last ack.
    pub achieved_per_s: f64,
    /// Send to ack, per acked message.
    pub ack: Vec<Duration>,
    /// Send to the agent's socket, per delivered message.
    pub to_agent: Vec<Duration>,
    /// Whether the agent's socket stayed open through the phase.
    pub agent_socket_alive: bool,
}

impl Load {
    /// Logs the agent in on the first node and opens its socket.
    pub async fn start(nodes: Vec<String>, agent_username: &str) -> anyhow::Result<Load> {
        let http = reqwest::Client::builder().timeout(WAIT).build()?;
        let times: Arc<Mutex<Times>> = Arc::default();
        let login = http
            .post(format!("http://{}/api/agent/login", nodes[0]))
            .json(&AgentLogin { username: agent_username.into(), password: AGENT_PASSWORD.into() })
            .send()
            .await?
            .error_for_status()
            .context("agent login")?;
        let cookie = login.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
        let session: AgentSession = login.json().await?;
        let mut request = format!("ws://{}/ws/agent", nodes[0]).into_client_request()?;
        request.headers_mut().insert("cookie", cookie.parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.context("agent socket")?;
        let hello = agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: session.csrf };
        socket.send(Message::text(serde_json::to_string(&hello)?)).await?;
        let agent_alive = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (seen, alive) = (times.clone(), agent_alive.clone());
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Message::Text(text) = frame else { continue };
                if let Ok(agent::ServerFrame::Message { message, .. }) = serde_json::from_str(text.as_str())
                    && let Some(n) = message.client_id.as_deref().and_then(number)
                {
                    seen.lock().unwrap_or_else(|e| e.into_inner()).delivered.insert(n, Instant::now());
                }
            }
            alive.store(false, std::sync::atomic::Ordering::Relaxed);
        });
        Ok(Load { nodes, http, visitors: Vec::new(), times, next_message: 0, agent_alive })
    }

    /// Connects visitors until there are `total`, `parallel` handshakes at a time.
    pub async fn connect_until(&mut self, total: usize, parallel: usize) -> anyhow::Result<()> {
        let first = self.visitors.len();
        let this = &*self;
        let connected: Vec<anyhow::Result<VisitorClient>> = stream::iter(first..total)
            .map(|i| this.connect_visitor(i % this.nodes.len()))
            .buffer_unordered(parallel)
            .collect()
            .await;
        for visitor in connected {
            self.visitors.push(visitor?);
        }
        Ok(())
    }

    async fn connect_visitor(&self, node: usize) -> anyhow::Result<VisitorClient> {
        let address = &self.nodes[node];
        let started: ConversationStarted = self
            .http
            .post(format!("http://{address}/api/conversations"))
            .json(&StartConversation { version: PROTOCOL_VERSION, context: EscalationContext::default() })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (sink, reader) = self.open_socket(node, &started.visitor_token, seen.clone()).await?;
        Ok(VisitorClient {
            conversation_id: started.conversation_id,
            token: started.visitor_token,
            node,
            sink,
            reader,
            seen,
        })
    }

    /// Opens a visitor socket on `node` with `token`, says hello from the last seq seen, waits for the
    /// welcome, and reads the rest in a task that records acks.
    async fn open_socket(
        &self,
        node: usize,
        token: &str,
        seen: Arc<std::sync::atomic::AtomicU64>,
    ) -> anyhow::Result<(SplitSink<Socket, Message>, tokio::task::JoinHandle<()>)> {
        let address = &self.nodes[node];
        let (mut socket, _) = tokio::time::timeout(
            WAIT,
            tokio_tungstenite::connect_async(format!("ws://{address}/ws/visitor")),
        )
        .await
        .context("visitor socket: timed out")??;
        let after_seq = seen.load(std::sync::atomic::Ordering::Relaxed);
        let hello =
            visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: token.to_owned(), after_seq };
        socket.send(Message::text(serde_json::to_string(&hello)?)).await?;
        match tokio::time::timeout(WAIT, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) if text.contains("welcome") => {}
            other => bail!("no welcome: {other:?}"),
        }
        let (sink, mut stream) = socket.split();
        let acked = self.times.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Message::Text(text) = frame else { continue };
                match serde_json::from_str(text.as_str()) {
                    Ok(visitor::ServerFrame::Ack(ack)) => {
                        seen.fetch_max(ack.seq, std::sync::atomic::Ordering::Relaxed);
                        if let Some(n) = number(&ack.client_id) {
                            acked.lock().unwrap_or_else(|e| e.into_inner()).acked.insert(n, Instant::now());
                        }
                    }
                    Ok(visitor::ServerFrame::Message(message)) => {
                        seen.fetch_max(message.seq, std::sync::atomic::Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        });
        Ok((sink, reader))
    }

    /// Points node `index` at a new address (a node restarted on another port).
    pub fn move_node(&mut self, index: usize, address: String) {
        self.nodes[index] = address;
    }

    /// Drops the sockets of the visitors `which` picks and opens them again at once, `parallel` handshakes
    /// at a time, each resuming from the last seq it saw (as the widget does). Returns how many.
    pub async fn reconnect(
        &mut self,
        which: impl Fn(&VisitorClient) -> bool,
        parallel: usize,
    ) -> anyhow::Result<usize> {
        let picked: Vec<usize> = (0..self.visitors.len()).filter(|&i| which(&self.visitors[i])).collect();
        for &i in &picked {
            let visitor = &mut self.visitors[i];
            visitor.reader.abort();
            let _ = visitor.sink.close().await;
        }
        let this = &*self;
        let opened: Vec<(usize, anyhow::Result<_>)> = stream::iter(picked.iter().copied())
            .map(|i| async move {
                let v = &this.visitors[i];
                (i, this.open_socket(v.node, &v.token, v.seen.clone()).await)
            })
            .buffer_unordered(parallel)
            .collect()
            .await;
        for (i, socket) in opened {
            let (sink, reader) = socket.with_context(|| format!("visitor {i} reconnecting"))?;
            self.visitors[i].sink = sink;
            self.visitors[i].reader = reader;
        }
        Ok(picked.len())
    }

    /// Offers `rate` messages per second for `duration`, round-robin over the visitors, then waits (bounded)
    /// for the acks and the agent's copies.
    pub async fn offer(&mut self, rate: u32, duration: Duration) -> anyhow::Result<Phase> {
        anyhow::ensure!(!self.visitors.is_empty() && rate > 0, "nothing to send with");
        let first = self.next_message;
        let count = (f64::from(rate) * duration.as_secs_f64()) as u64;
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
        for n in first..first + count {
            ticker.tick().await;
            let v = (n as usize) % self.visitors.len();
            let frame =
                visitor::ClientFrame::Send { client_id: format!("b{n}"), body: format!("bench message {n}") };
            let text = serde_json::to_string(&frame)?;
            self.times.lock().unwrap_or_else(|e| e.into_inner()).sent.insert(n, Instant::now());
            self.visitors[v].sink.send(Message::text(text)).await.context("a visitor socket closed")?;
        }
        self.next_message = first + count;
        let range = first..first + count;
        let drained = Instant::now() + DRAIN;
        loop {
            let done = {
                let t = self.times.lock().unwrap_or_else(|e| e.into_inner());
                let agent_alive = self.agent_alive.load(std::sync::atomic::Ordering::Relaxed);
                range
                    .clone()
                    .all(|n| t.acked.contains_key(&n) && (t.delivered.contains_key(&n) || !agent_alive))
            };
            if done || Instant::now() > drained {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let t = self.times.lock().unwrap_or_else(|e| e.into_inner());
        let since = |at: &HashMap<u64, Instant>| -> Vec<Duration> {
            let mut v: Vec<Duration> =
                range.clone().filter_map(|n| Some(*at.get(&n)? - *t.sent.get(&n)?)).collect();
            v.sort();
            v
        };
        let (ack, to_agent) = (since(&t.acked), since(&t.delivered));
        let start = range.clone().filter_map(|n| t.sent.get(&n)).min().copied();
        let end = range.clone().filter_map(|n| t.acked.get(&n)).max().copied();
        let achieved = match (start, end) {
            (Some(s), Some(e)) if e > s => ack.len() as f64 / (e - s).as_secs_f64(),
            _ => 0.0,
        };
        Ok(Phase {
            offered_per_s: f64::from(rate),
            sent: count as usize,
            acked: ack.len(),
            delivered: to_agent.len(),
            achieved_per_s: achieved,
            ack,
            to_agent,
            agent_socket_alive: self.agent_alive.load(std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Sends `per_visitor` messages on every visitor socket as fast as the sockets take them (no waiting for
    /// acks) until `stop_after` acks are in (or everything is sent); the caller kills the server then.
    /// Returns the first message number of the flood, for [`Load::acked_since`].
    pub async fn flood(&mut self, per_visitor: u64, stop_after: usize) -> anyhow::Result<u64> {
        // Numbered so that message n comes from visitor n % visitors, as in `offer`.
        let visitors = self.visitors.len() as u64;
        let first = self.next_message.div_ceil(visitors) * visitors;
        let times = self.times.clone();
        let senders = self.visitors.iter_mut().enumerate().map(|(v, visitor)| {
            let times = times.clone();
            async move {
                for m in 0..per_visitor {
                    let n = first + m * visitors + v as u64;
                    let frame =
                        visitor::ClientFrame::Send { client_id: format!("b{n}"), body: format!("flood {n}") };
                    let text = serde_json::to_string(&frame)?;
                    times.lock().unwrap_or_else(|e| e.into_inner()).sent.insert(n, Instant::now());
                    if visitor.sink.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
                anyhow::Ok(())
            }
        });
        // Only enough acks (or the deadline) ends the flood: the kill must land while writes are in flight.
        let sending = async {
            futures_util::future::join_all(senders).await;
            std::future::pending::<()>().await
        };
        let acked_enough = async {
            let deadline = Instant::now() + WAIT;
            while Instant::now() < deadline && acked_count(&times, first) < stop_after {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::select! {
            () = sending => {}
            () = acked_enough => {}
        }
        self.next_message = first + per_visitor * visitors;
        Ok(first)
    }

    /// Message numbers from `first` on that were acknowledged.
    pub fn acked_since(&self, first: u64) -> Vec<u64> {
        let t = self.times.lock().unwrap_or_else(|e| e.into_inner());
        t.acked.keys().copied().filter(|&n| n >= first).collect()
    }

    /// The client ids stored in a conversation, read back over REST from `node`.
    pub async fn stored(&self, node: &str, visitor: &VisitorClient) -> anyhow::Result<Vec<u64>> {
        let messages: Vec<protocol::chat::ChatMessage> = self
            .http
            .get(format!("http://{node}/api/conversations/{}/messages", visitor.conversation_id))
            .bearer_auth(&visitor.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(messages.iter().filter_map(|m| m.client_id.as_deref().and_then(number)).collect())
    }
}

fn acked_count(times: &Mutex<Times>, first: u64) -> usize {
    times.lock().unwrap_or_else(|e| e.into_inner()).acked.keys().filter(|&&n| n >= first).count()
}

/// "b17" → 17.
fn number(client_id: &str) -> Option<u64> {
    client_id.strip_prefix('b')?.parse().ok()
}
