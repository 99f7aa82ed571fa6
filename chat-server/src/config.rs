//! Server settings: a TOML file, then environment variables and flags on top (see `main.rs`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use protocol::EscalationContext;
use protocol::rest::CannedReply;
use serde::Deserialize;

/// Everything chat-server can be told. Every field has a default, so an empty file is valid.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// SQLite file path or `sqlite://` URL.
    pub database_url: String,
    /// Origins (`https://shop.example`) whose pages may open the visitor socket; `*` allows any.
    /// Requests without an Origin header (non-browser clients) are let through: they can claim any origin.
    pub allowed_origins: Vec<String>,
    /// Where agents reach this server, as their browsers see it (behind any proxy):
    /// `https://chat.shop.example`. When set, only pages of exactly this origin (scheme, host and port)
    /// may open the agent socket, and the session cookie is `Secure` when it is https.
    pub public_url: Option<PublicUrl>,
    /// Mark the session cookie `Secure`; without it, the cookie follows `public_url`'s scheme.
    pub secure_cookies: Option<bool>,
    /// Proxies (addresses or networks, `10.0.0.0/8`) whose `X-Forwarded-For` / `Forwarded` names the
    /// client: behind them, limits count per visitor, not per proxy. Empty: every peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Shared secret for signed identities: the host site sends HMAC-SHA256(secret, user id) in hex.
    pub identity_secret: Option<String>,
    /// Abuse limits.
    pub limits: Limits,
    /// When people answer.
    pub hours: BusinessHours,
    /// Which team gets a conversation.
    pub routing: Routing,
    /// Who gets a conversation within its team.
    pub assignment: Assignment,
    /// Prepared answers shown in the inbox.
    pub canned: Vec<CannedReply>,
    /// Email for replies to visitors who have left.
    pub email: Email,
    /// The agent console's build (`trunk --config console/Trunk.toml build`), served at `/agent`.
    pub console_dir: Option<std::path::PathBuf>,
    /// The built help center, whose articles agents insert into replies.
    pub help_center: HelpCenter,
    /// The widget's anonymous events, for the reports.
    pub analytics: Analytics,
    /// What visitors are asked after a conversation.
    pub satisfaction: Satisfaction,
    /// How long conversations are kept.
    pub privacy: Privacy,
}

/// How long what visitors wrote is kept.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Privacy {
    /// Days a closed conversation keeps its text and its visitor's identity; then they are erased and
    /// only what the reports count stays (times, team, agent, score). Unset: kept until deleted.
    pub conversation_retention_days: Option<u32>,
}

/// What visitors are asked once an agent closes their conversation: always a rating (1–5 and a comment).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Satisfaction {
    /// Then "how likely are you to recommend us?" (0–10, skippable), for the NPS in the reports.
    pub ask_recommend: bool,
}

impl Default for Satisfaction {
    fn default() -> Self {
        Satisfaction { ask_recommend: true }
    }
}

/// The widget's anonymous events (`POST /api/events`; what they hold: `protocol::analytics`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Analytics {
    /// Take events in; when false, `/api/events` answers 404 and the reports stay empty.
    pub enabled: bool,
    /// Days raw events are kept; older days are folded into daily summaries.
    pub retention_days: u32,
    /// Batches per client IP per minute (a widget sends a few per page view).
    pub batches_per_minute: u32,
}

impl Default for Analytics {
    fn default() -> Self {
        Analytics { enabled: true, retention_days: 90, batches_per_minute: 60 }
    }
}

/// Where the help center kb-builder built is, on disk and on the web.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpCenter {
    /// kb-builder's output folder (`dist`) or its `kb` folder; without it, agents cannot insert articles.
    pub dir: Option<std::path::PathBuf>,
    /// Where it is published (`https://help.shop.example`), so inserted links work for visitors; without
    /// it, links are site-relative.
    pub url: Option<String>,
}

/// Outgoing email. Without `smtp_url`, nothing is sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Email {
    /// `smtp://host:port` of a relay the operator runs (plain SMTP; the relay handles TLS onwards).
    pub smtp_url: Option<String>,
    /// Sender address, e.g. `Sen Market <support@shop.example>`.
    pub from: String,
    /// Subject of reply emails.
    pub subject: String,
    /// A reply the visitor has not read after this many seconds is emailed even while their socket is
    /// open (they may have closed the panel), and always on several nodes, where the socket may be elsewhere.
    pub unseen_after_secs: u64,
}

impl Default for Email {
    fn default() -> Self {
        Email {
            smtp_url: None,
            from: "support@localhost".into(),
            subject: "A reply to your question".into(),
            unseen_after_secs: 120,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            database_url: "chat-server.db".into(),
            allowed_origins: vec!["*".into()],
            public_url: None,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            identity_secret: None,
            limits: Limits::default(),
            hours: BusinessHours::default(),
            routing: Routing::default(),
            assignment: Assignment::default(),
            canned: Vec::new(),
            email: Email::default(),
            console_dir: None,
            help_center: HelpCenter::default(),
            analytics: Analytics::default(),
            satisfaction: Satisfaction::default(),
            privacy: Privacy::default(),
        }
    }
}

/// Abuse limits. Counts are per fixed window.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest message body, in characters.
    pub max_message_chars: usize,
    /// Largest WebSocket frame or HTTP body, in bytes; bigger frames close the socket.
    pub max_frame_bytes: usize,
    /// New conversations and messages left offline per client IP per hour.
    pub conversations_per_hour: u32,
    /// Messages per conversation per minute.
    pub messages_per_minute: u32,
    /// Login attempts per client IP per 15 minutes.
    pub logins_per_15_minutes: u32,
    /// Failed logins in a row after which an account is locked, whatever address they came from: for 30
    /// seconds, doubling with each further failure up to an hour. A good password resets the count.
    pub login_failures_before_lockout: u32,
    /// Open HTTP connections per client address (trusted proxies are not counted as clients).
    pub connections_per_ip: usize,
    /// Open WebSockets per client address (a shop's office or a mobile carrier puts many behind one).
    pub sockets_per_ip: usize,
    /// Open WebSockets in all; past it, new ones are refused with 503 until some close.
    pub max_sockets: usize,
    /// Open HTTP connections in all; past it, new ones are closed at once.
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers, and a kept-alive connection may idle.
    pub header_timeout_secs: u64,
    /// Seconds between pings on every WebSocket; a socket that answered nothing (no pong, no frame) since
    /// the last ping is closed, so a peer that vanished without closing (a phone that lost its network)
    /// frees its place within two of them.
    pub ping_secs: u64,
    /// Resident memory, in MiB, past which new sockets and conversations are refused (503) while open ones
    /// go on. Unset: no budget (the caps above still hold).
    pub max_memory_mb: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_chars: 4000,
            max_frame_bytes: 64 * 1024,
            conversations_per_hour: 20,
            messages_per_minute: 30,
            logins_per_15_minutes: 10,
            login_failures_before_lockout: 5,
            connections_per_ip: 256,
            sockets_per_ip: 200,
            max_sockets: 20_000,
            max_connections: 4_096,
            header_timeout_secs: 30,
            ping_secs: 30,
            max_memory_mb: None,
        }
    }
}

/// Opening hours. Without `days`, the desk is always within hours (then agent presence alone decides).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA time zone, such as `Asia/Ho_Chi_Minh`.
    pub timezone: String,
    /// Open days: `mon`, `tue`, … Empty means every day, all day.
    pub days: Vec<String>,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`.
    pub close: String,
    /// What visitors are told to expect when nobody is online.
    pub expected_reply: String,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            timezone: "UTC".into(),
            days: Vec::new(),
            open: "00:00".into(),
            close: "23:59".into(),
            expected_reply: "We usually reply within one business day.".into(),
        }
    }
}

/// Auto-assignment (see [`crate::assignment`]). Off by default: agents pick from the team's queue, and the
/// first to reply takes the conversation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Assignment {
    /// Hand waiting conversations to online agents of their team, fewest open conversations first.
    pub auto: bool,
    /// Open conversations an agent holds at most, unless `chat-server agent add --capacity` says otherwise.
    pub capacity: u32,
}

impl Default for Assignment {
    fn default() -> Self {
        Assignment { auto: false, capacity: 3 }
    }
}

/// Routing rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Routing {
    /// Team for conversations no article points anywhere.
    pub default_team: Option<String>,
    /// Article id → team, for articles whose front matter has no `team`.
    pub articles: BTreeMap<String, String>,
    /// Category slug → team, for articles that neither name a team nor appear in `articles`.
    pub categories: BTreeMap<String, String>,
}

impl Routing {
    /// The team for a conversation: the most recently read article that leads to one (its front matter
    /// `team`, then `articles`, then its category in `categories`), else the default team.
    pub fn team_for(&self, context: &EscalationContext) -> Option<String> {
        context
            .articles
            .iter()
            .rev()
            .find_map(|article| {
                article
                    .team
                    .clone()
                    .or_else(|| self.articles.get(&article.id).cloned())
                    .or_else(|| article.category.as_ref().and_then(|c| self.categories.get(c).cloned()))
            })
            .or_else(|| self.default_team.clone())
    }
}

/// A settings file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// Where and why (line and column included).
        source: Box<toml::de::Error>,
    },
}

impl Config {
    /// The client's address behind the trusted proxies.
    pub fn client_ip(&self, peer: std::net::IpAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        crate::net::client_ip(peer, headers, &self.trusted_proxies)
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, peer: std::net::IpAddr) -> bool {
        crate::net::is_trusted(peer, &self.trusted_proxies)
    }

    /// Whether the session cookie is marked `Secure`: as set, else when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| self.public_url.as_ref().is_some_and(PublicUrl::is_https))
    }

    /// Reads a TOML settings file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: shown, source: Box::new(source) })
    }
}

/// The public URL of the server, kept as its origin (`https://chat.shop.example`, default port left out),
/// which is what a browser sends in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicUrl {
    origin: String,
}

impl PublicUrl {
    /// `scheme://host[:port]`, lower case, as browsers serialize an origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether it is served over TLS.
    pub fn is_https(&self) -> bool {
        self.origin.starts_with("https://")
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let fix = "write it like https://chat.shop.example";
        let url = url::Url::parse(text.trim()).map_err(|err| format!("public_url {text:?}: {err}; {fix}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!("public_url {text:?} is not an http(s) address with a host; {fix}"));
        }
        Ok(PublicUrl { origin: url.origin().ascii_serialization() })
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ArticleSeen;

    #[test]
    fn the_public_url_is_kept_as_the_origin_browsers_send() {
        let url: PublicUrl = "HTTPS://Chat.Shop.Example:443/agent/".parse().unwrap();
        assert_eq!(url.origin(), "https://chat.shop.example");
        assert!(url.is_https());
        let url: PublicUrl = "http://127.0.0.1:8787".parse().unwrap();
        assert_eq!(url.origin(), "http://127.0.0.1:8787");
        for wrong in ["chat.shop.example", "ftp://chat.shop.example", "https://", "mailto:a@b.example"] {
            let err = wrong.parse::<PublicUrl>().unwrap_err();
            assert!(err.contains("https://chat.shop.example"), "{wrong}: {err}");
        }
        let err = toml::from_str::<Config>("public_url = \"chat.shop.example\"").unwrap_err().to_string();
        assert!(err.contains("public_url") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn the_session_cookie_is_secure_when_the_public_url_is_https_unless_told() {
        let config = |text: &str| toml::from_str::<Config>(text).unwrap();
        assert!(!config("").secure_cookies(), "no public URL: plain HTTP is assumed (the demo)");
        assert!(config("public_url = \"https://chat.shop.example\"").secure_cookies());
        assert!(!config("public_url = \"http://127.0.0.1:8787\"").secure_cookies());
        assert!(!config("public_url = \"https://a.example\"\nsecure_cookies = false").secure_cookies());
        assert!(config("secure_cookies = true").secure_cookies());
    }

    fn read(id: &str, team: Option<&str>, category: Option<&str>) -> ArticleSeen {
        ArticleSeen {
            id: id.into(),
            lang: "vi".into(),
            title: id.into(),
            team: team.map(str::to_owned),
            category: category.map(str::to_owned),
            helpful: None,
        }
    }

    fn context(articles: Vec<ArticleSeen>) -> EscalationContext {
        EscalationContext { articles, lang: "vi".into(), ..Default::default() }
    }

    #[test]
    fn the_last_article_read_that_leads_to_a_team_routes_the_conversation() {
        let routing: Routing = toml::from_str(
            "default_team = \"front-desk\"
             [articles]
             warranty = \"repairs\"
             [categories]
             shipping = \"logistics\"",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let team = |articles| routing.team_for(&context(articles));
        assert_eq!(team(vec![]).as_deref(), Some("front-desk"));
        assert_eq!(team(vec![read("a", None, Some("shipping"))]).as_deref(), Some("logistics"));
        assert_eq!(team(vec![read("warranty", None, Some("shipping"))]).as_deref(), Some("repairs"));
        assert_eq!(team(vec![read("a", Some("returns"), Some("shipping"))]).as_deref(), Some("returns"));
        // The latest article wins; one that leads nowhere is skipped.
        let journey = vec![
            read("a", Some("returns"), None),
            read("b", None, Some("shipping")),
            read("c", None, Some("unmapped")),
        ];
        assert_eq!(team(journey).as_deref(), Some("logistics"));
        assert_eq!(team(vec![read("c", None, Some("unmapped"))]).as_deref(), Some("front-desk"));
    }
}
