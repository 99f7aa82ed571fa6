//! Answerdesk chat-server: the human side of the support widget.
//!
//! Visitors escalate from the widget over REST and a WebSocket (`/ws/visitor`); agents work an inbox
//! served at `/agent` over their own WebSocket (`/ws/agent`). Wire types live in the `protocol` crate.
//! Every message is committed to the database before it is acknowledged, and carries a per-conversation
//! sequence number that clients resume from.
//!
//! Layout: [`config`] settings, [`db`] storage seam, [`hub`] live fan-out, [`bus`] fan-out across nodes
//! (Postgres), [`publish`] telling sockets and consoles of a change, [`http`] REST and the inbox page,
//! [`ws`] the two sockets, [`auth`] secrets, [`limits`] rate limits and lockouts, [`net`] client addresses
//! and connection caps, [`hours`] business hours, [`assignment`] who gets a conversation and the visitor's
//! place in line, [`articles`] the help center's search for replies, [`analytics`] the widget's anonymous
//! events and the reports made of them, [`drafts`] articles proposed from what visitors asked, [`privacy`]
//! the visitor's data (export, delete, retention) and the agents' audit log. `chat-server/README.md`
//! draws the rooms.
#![warn(missing_docs)]

pub mod analytics;
pub mod articles;
pub mod assignment;
pub mod auth;
pub mod bus;
pub mod config;
pub mod db;
pub mod drafts;
pub mod email;
pub mod hours;
pub mod http;
pub mod hub;
pub mod limits;
pub mod net;
pub mod privacy;
pub mod publish;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod text;
pub mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::Config;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    /// Settings.
    pub config: Config,
    /// Storage.
    pub db: Arc<dyn db::Database>,
    /// Live fan-out.
    pub hub: hub::Hub,
    /// New conversations and messages left offline per IP.
    pub start_limit: limits::RateLimiter,
    /// Messages per conversation.
    pub message_limit: limits::RateLimiter,
    /// Login attempts per IP.
    pub login_limit: limits::RateLimiter,
    /// Where the widget's events go, unless analytics are off.
    pub events: Option<analytics::Collector>,
    /// Event batches per IP.
    pub event_limit: limits::RateLimiter,
    /// Open WebSockets per client address and in all.
    pub sockets: net::Caps,
    /// The memory budget new sockets and conversations must fit in.
    pub memory: net::MemoryBudget,
    /// The help center's articles, when `help_center.dir` is set.
    pub articles: Option<articles::Articles>,
    /// Every waiting conversation's place in line, for the visitor sockets ([`assignment::keep_places`]).
    pub places: watch::Sender<Arc<assignment::Places>>,
    /// The expected wait shown to visitors in line, and when it was worked out.
    pub expected_wait: std::sync::Mutex<Option<(std::time::Instant, Option<u64>)>>,
    /// Flips to true when the server shuts down, so sockets close instead of holding shutdown up.
    pub shutdown: watch::Receiver<bool>,
    /// Open sockets. Upgraded sockets outlive axum's graceful shutdown, so [`serve`] waits on this count
    /// for them to say goodbye (close 1001) before the process ends.
    pub open_sockets: watch::Sender<usize>,
}

/// Counts a socket as open until dropped.
#[derive(Debug)]
pub struct OpenSocket(watch::Sender<usize>);

impl AppState {
    /// Counts a socket as open while the returned guard lives.
    pub fn socket_opened(&self) -> OpenSocket {
        self.open_sockets.send_modify(|n| *n += 1);
        OpenSocket(self.open_sockets.clone())
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How long a shutdown waits for open sockets to close.
const SOCKETS_CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// A setting is wrong.
    #[error("configuration: {0}")]
    Config(String),
}

/// Opens the database and builds the shared state.
pub async fn state(config: Config, shutdown: watch::Receiver<bool>) -> Result<Arc<AppState>, StartError> {
    hours::check(&config.hours).map_err(StartError::Config)?;
    if !(1..=36_500).contains(&config.analytics.retention_days) {
        return Err(StartError::Config(format!(
            "analytics.retention_days = {}: keep raw events 1 to 36500 days",
            config.analytics.retention_days
        )));
    }
    if let Some(days) = config.privacy.conversation_retention_days
        && !(1..=36_500).contains(&days)
    {
        return Err(StartError::Config(format!(
            "privacy.conversation_retention_days = {days}: keep closed conversations 1 to 36500 days, or leave it unset to keep them"
        )));
    }
    let articles = match &config.help_center.dir {
        Some(dir) => Some(
            articles::Articles::open(dir, config.help_center.url.clone())
                .map_err(|e| StartError::Config(format!("help_center.dir {}: {e}", dir.display())))?,
        ),
        None => None,
    };
    let (db, bus) = db::connect_with_bus(&config.database_url).await?;
    let limits = &config.limits;
    // Several nodes (Postgres) count through the database, so N nodes do not allow N times a limit.
    let limiter = |name, max, window| {
        let limiter = limits::RateLimiter::new(name, max, window);
        if bus.is_some() { limiter.shared(db.clone()) } else { limiter }
    };
    let state = Arc::new(AppState {
        start_limit: limiter("start", limits.conversations_per_hour, Duration::from_secs(3600)),
        message_limit: limiter("message", limits.messages_per_minute, Duration::from_secs(60)),
        login_limit: limiter("login", limits.logins_per_15_minutes, Duration::from_secs(900)),
        event_limit: limiter("events", config.analytics.batches_per_minute, Duration::from_secs(60)),
        sockets: net::Caps::new(limits.sockets_per_ip, limits.max_sockets),
        memory: net::MemoryBudget::new(limits.max_memory_mb.map(|mb| mb.saturating_mul(1024 * 1024))),
        events: config.analytics.enabled.then(|| analytics::Collector::start(db.clone(), shutdown.clone())),
        hub: hub::Hub::default(),
        expected_wait: std::sync::Mutex::new(None),
        places: watch::channel(Arc::default()).0,
        articles,
        db,
        config,
        shutdown,
        open_sockets: watch::channel(0).0,
    });
    if let Some(pool) = bus {
        bus::start(state.clone(), pool).await?;
    }
    tokio::spawn(limits::forget_regularly(state.db.clone(), state.shutdown.clone()));
    if state.config.analytics.enabled {
        let retention = state.config.analytics.retention_days;
        tokio::spawn(analytics::fold_regularly(state.db.clone(), retention, state.shutdown.clone()));
    }
    if let Some(days) = state.config.privacy.conversation_retention_days {
        tokio::spawn(privacy::forget_regularly(state.db.clone(), days, state.shutdown.clone()));
    }
    if state.config.assignment.auto {
        tokio::spawn(sweep(state.clone()));
    }
    tokio::spawn(assignment::keep_places(state.clone()));
    Ok(state)
}

/// Hands out waiting conversations every [`assignment::SWEEP_EVERY`] until shutdown, for what no event
/// announced (an agent who freed up on a node that crashed before handing out).
async fn sweep(state: Arc<AppState>) {
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(assignment::SWEEP_EVERY) => assignment::balance(&state).await,
            _ = shutdown.changed() => return,
        }
    }
}

/// How long one HTTP request may take to be answered, its body included (sockets are exempt once
/// upgraded): a body sent a byte at a time ends here.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Serves on `listener` until `stop` completes, then closes sockets and drains requests.
///
/// The accept loop is chat-server's own (hyper's, with a timer) rather than `axum::serve`, which sets no
/// header timeout and no cap: here each client address may hold `limits.connections_per_ip` connections
/// and the server `limits.max_connections` (past them a connection is closed at once), and headers and
/// idle keep-alive connections time out after `limits.header_timeout_secs`: a connection that trickles
/// its headers (slowloris) holds nothing for longer.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;

    let (tell, shutdown) = watch::channel(false);
    let state = state(config, shutdown).await?;
    let router = http::router(state.clone()).layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    let limits = &state.config.limits;
    let connections = net::Caps::new(limits.connections_per_ip, limits.max_connections);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_timeout_secs.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // A trusted proxy carries many clients: it counts in the total only.
        let address = (!state.config.is_trusted_proxy(peer.ip())).then_some(peer.ip());
        let held = match connections.admit(address) {
            Ok(held) => held,
            Err(refused) => {
                tracing::warn!(%peer, %refused, "connection refused");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(move |mut request: axum::http::Request<_>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
            drop(held);
        });
    }
    tracing::info!("shutting down: closing sockets");
    let _ = tell.send(true);
    if tokio::time::timeout(SOCKETS_CLOSE_WITHIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running at shutdown; leaving them");
    }
    // A socket busy with the database when the signal came sends its close frame once that returns.
    let mut open = state.open_sockets.subscribe();
    if tokio::time::timeout(SOCKETS_CLOSE_WITHIN, open.wait_for(|n| *n == 0)).await.is_err() {
        tracing::warn!(open = *open.borrow(), "sockets still open at shutdown; closing them unannounced");
    }
    // Events answered 204 are stored before the process ends.
    if let Some(events) = &state.events {
        events.finish(SOCKETS_CLOSE_WITHIN).await;
    }
    Ok(())
}

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Start-up failed.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The listener failed.
    #[error("serving: {0}")]
    Io(std::io::Error),
}
