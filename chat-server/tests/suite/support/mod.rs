//! A real chat-server on 127.0.0.1 (port 0, temp SQLite file) and real HTTP/WebSocket clients for it.
#![allow(dead_code, clippy::unwrap_used)] // test helpers: a failure should panic right here

pub mod postgres;

use std::time::Duration;

use chat_server::Config;
use futures_util::{SinkExt, StreamExt};
use protocol::rest::{AgentInfo, AgentSession, ConversationStarted, StartConversation};
use protocol::{ArticleSeen, EscalationContext, PROTOCOL_VERSION, agent, visitor};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub const PASSWORD: &str = "correct horse battery";

/// A server running in this process until dropped.
pub struct Server {
    pub http: String,
    pub ws: String,
    pub db_path: std::path::PathBuf,
    /// What the server was started with: the SQLite path or the Postgres URL.
    pub database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A temp SQLite file, or with `CHAT_SERVER_TEST_POSTGRES=postgres://user@host:port` a fresh database
/// there, so the same tests check the Postgres backend.
pub async fn database_url(sqlite: &std::path::Path) -> String {
    let Ok(server) = std::env::var("CHAT_SERVER_TEST_POSTGRES") else { return sqlite.display().to_string() };
    let name = format!("test_{}", chat_server::auth::random_id());
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    format!("{server}/{name}")
}

/// Starts a server; `tweak` adjusts the settings (limits, hours, origins).
pub async fn start(tweak: impl FnOnce(&mut Config)) -> Server {
    start_with_agents(tweak, &[]).await
}

/// An agent besides lan (returns) and minh (shipping): username, teams, capacity.
pub type ExtraAgent<'a> = (&'a str, &'a [&'a str], Option<u32>);

/// Like [`start`], with more agents.
pub async fn start_with_agents(tweak: impl FnOnce(&mut Config), extra: &[ExtraAgent<'_>]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("chat.db");
    let mut config = Config { database_url: database_url(&db_path).await, ..Config::default() };
    tweak(&mut config);
    // Agents are created through the same storage code `chat-server agent add` uses.
    let db = chat_server::db::connect(&config.database_url).await.unwrap();
    let hash = chat_server::auth::hash_password(PASSWORD).unwrap();
    let agents = [("lan", &["returns"][..], None), ("minh", &["shipping"][..], None)];
    for &(username, teams, capacity) in agents.iter().chain(extra) {
        let teams = teams.iter().map(|t| t.to_string()).collect();
        let mut display_name = username.to_owned();
        display_name[..1].make_ascii_uppercase();
        let info = AgentInfo { username: username.into(), display_name, teams };
        db.upsert_agent(&info, &hash, capacity).await.unwrap();
    }
    drop(db);
    let database_url = config.database_url.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        chat_server::serve(config, listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Server {
        http: format!("http://{address}"),
        ws: format!("ws://{address}"),
        db_path,
        database_url,
        stop: Some(stop),
        _dir: dir,
    }
}

/// A request whose answer must be JSON: what most tests want of the REST API.
pub trait Fetch {
    /// Sends the request and parses its JSON answer, failing the test on any error.
    fn answer<T: serde::de::DeserializeOwned>(self) -> impl std::future::Future<Output = T>;
}

impl Fetch for reqwest::RequestBuilder {
    async fn answer<T: serde::de::DeserializeOwned>(self) -> T {
        self.send().await.unwrap().json().await.unwrap()
    }
}

/// The real `chat-server` binary running as a child process, killed and reaped when dropped, so a test that
/// fails half-way leaves no server behind.
pub struct Process(pub std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real `chat-server` binary on a free port with `args` (logging warnings only); returns the
/// process and the address from the one line it prints, `listening on http://ADDR`.
pub fn spawn_chat_server(args: &[&std::ffi::OsStr]) -> (Process, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address =
        line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    (Process(child), address)
}

pub fn context(team: Option<&str>) -> EscalationContext {
    EscalationContext {
        searches: vec!["đổi trả hàng".into()],
        articles: vec![ArticleSeen {
            id: "return-policy".into(),
            lang: "vi".into(),
            title: "Chính sách đổi trả là gì?".into(),
            team: team.map(str::to_owned),
            category: None,
            helpful: Some(false),
        }],
        page_url: "https://shop.example/orders/42".into(),
        lang: "vi".into(),
        identity: None,
    }
}

pub async fn start_conversation_raw(http: &str, context: EscalationContext) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{http}/api/conversations"))
        .json(&StartConversation { version: PROTOCOL_VERSION, context })
        .timeout(WAIT)
        .send()
        .await
        .unwrap()
}

pub async fn start_conversation(http: &str) -> ConversationStarted {
    let response = start_conversation_raw(http, context(Some("returns"))).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A JSON-speaking WebSocket client.
pub struct Client<In, Out> {
    pub socket: Socket,
    _types: std::marker::PhantomData<(In, Out)>,
}

impl<In: DeserializeOwned + std::fmt::Debug, Out: Serialize> Client<In, Out> {
    pub async fn connect(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            request.headers_mut().insert(name, HeaderValue::from_str(value).unwrap());
        }
        let (socket, _) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request)).await.unwrap()?;
        Ok(Client { socket, _types: std::marker::PhantomData })
    }

    pub async fn send(&mut self, frame: &Out) {
        self.send_raw(Message::text(serde_json::to_string(frame).unwrap())).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        tokio::time::timeout(WAIT, self.socket.send(message)).await.unwrap().unwrap();
    }

    /// The next protocol frame; panics on close or timeout.
    pub async fn recv(&mut self) -> In {
        match self.recv_or_close().await {
            Some(frame) => frame,
            None => panic!("socket closed while a frame was expected"),
        }
    }

    /// The next protocol frame, or `None` once the server closes the socket.
    pub async fn recv_or_close(&mut self) -> Option<In> {
        loop {
            let next =
                tokio::time::timeout(WAIT, self.socket.next()).await.expect("no frame within the wait");
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Some(
                        serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("{e}: {text}")),
                    );
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(other)) => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Skips frames until `pick` returns something.
    pub async fn until<T>(&mut self, mut pick: impl FnMut(In) -> Option<T>) -> T {
        loop {
            if let Some(found) = pick(self.recv().await) {
                return found;
            }
        }
    }
}

pub type Visitor = Client<visitor::ServerFrame, visitor::ClientFrame>;
pub type Agent = Client<agent::ServerFrame, agent::ClientFrame>;

/// Connects a visitor and says hello; returns the client and the welcome.
pub async fn visitor(server: &Server, token: &str, after_seq: u64) -> (Visitor, visitor::ServerFrame) {
    let mut client = Visitor::connect(&format!("{}/ws/visitor", server.ws), &[]).await.unwrap();
    client
        .send(&visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: token.into(), after_seq })
        .await;
    let welcome = client.recv().await;
    (client, welcome)
}

/// Logs in over REST; returns the cookie header value and the session.
pub async fn login(server: &Server, username: &str) -> (String, AgentSession) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/agent/login", server.http))
        .json(&protocol::rest::AgentLogin { username: username.into(), password: PASSWORD.into() })
        .timeout(WAIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (cookie, response.json().await.unwrap())
}

/// Logs in and opens the agent socket; returns the client and the inbox frame.
pub async fn agent(server: &Server, username: &str) -> (Agent, agent::ServerFrame, String) {
    let (cookie, session) = login(server, username).await;
    let mut client =
        Agent::connect(&format!("{}/ws/agent", server.ws), &[("cookie", &cookie)]).await.unwrap();
    client.send(&agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: session.csrf.clone() }).await;
    let inbox = client.recv().await;
    (client, inbox, cookie)
}
