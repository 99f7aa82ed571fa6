//! `chat-server`: serve the live chat, or manage agents.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chat_server::Config;
use clap::{Parser, Subcommand};
use protocol::rest::AgentInfo;

/// Answerdesk live chat: visitor and agent WebSockets, REST, the agent console at /agent.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// TOML settings file (every key optional; see chat-server/README.md).
    #[arg(long, short, env = "CHAT_SERVER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// SQLite file path, sqlite:// URL or postgres:// URL; overrides the file.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Address to listen on, e.g. 0.0.0.0:8787 (port 0 picks a free port); overrides the file.
    #[arg(long, env = "CHAT_SERVER_LISTEN", global = true)]
    listen: Option<std::net::SocketAddr>,
    /// Origins allowed to open the visitor socket, comma-separated (`*` for any); overrides the file.
    #[arg(long, env = "CHAT_SERVER_ALLOWED_ORIGINS", value_delimiter = ',', global = true)]
    allowed_origins: Option<Vec<String>>,
    /// Where agents reach this server (https://chat.shop.example): the agent socket's one origin, and the
    /// session cookie's `Secure` flag; overrides the file.
    #[arg(long, env = "CHAT_SERVER_PUBLIC_URL", global = true)]
    public_url: Option<chat_server::config::PublicUrl>,
    /// The agent console's build folder, served at /agent; overrides the file.
    #[arg(long, env = "CHAT_SERVER_CONSOLE_DIR", global = true)]
    console_dir: Option<PathBuf>,
    /// kb-builder's output folder, whose articles agents insert into replies; overrides the file.
    #[arg(long, env = "CHAT_SERVER_HELP_CENTER_DIR", global = true)]
    help_center_dir: Option<PathBuf>,
    /// Where that help center is published (https://help.shop.example), for absolute links.
    #[arg(long, env = "CHAT_SERVER_HELP_CENTER_URL", global = true)]
    help_center_url: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "CHAT_SERVER_LOG_JSON", global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Manage agents.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// A visitor's data: hand it over, or erase it (SECURITY.md).
    Visitor {
        #[command(subcommand)]
        command: VisitorCommand,
    },
    /// Copy the SQLite database to a new file while the server runs (on Postgres: pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// What agents read and changed, newest first, as JSON lines.
    Audit {
        /// Only this agent's actions.
        #[arg(long)]
        agent: Option<String>,
        /// Only actions on this conversation.
        #[arg(long)]
        conversation: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum VisitorCommand {
    /// Print everything kept about a visitor as JSON: conversations, messages (notes marked private),
    /// what they sent along, ratings.
    Export(WhichVisitor),
    /// Erase everything a visitor wrote and who they were, in every conversation of theirs; what the
    /// reports count stays, anonymous.
    Delete(WhichVisitor),
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct WhichVisitor {
    /// The e-mail the visitor gave (any case; given by them or signed by the site).
    #[arg(long)]
    email: Option<String>,
    /// The user id the host site signed.
    #[arg(long)]
    user_id: Option<String>,
}

impl WhichVisitor {
    fn key(self) -> anyhow::Result<chat_server::db::VisitorKey> {
        match (self.email, self.user_id) {
            (Some(email), _) if !email.trim().is_empty() => Ok(chat_server::db::VisitorKey::Email(email)),
            (None, Some(id)) if !id.is_empty() => Ok(chat_server::db::VisitorKey::UserId(id)),
            _ => bail!("name the visitor: --email or --user-id, not empty"),
        }
    }
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Create an agent, or reset its password, name and teams. Reads the password from
    /// CHAT_SERVER_AGENT_PASSWORD or, if unset, the first line of standard input.
    Add {
        /// Login name.
        username: String,
        /// Name visitors see (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Teams whose queues the agent works, comma-separated.
        #[arg(long, value_delimiter = ',')]
        teams: Vec<String>,
        /// Most open conversations auto-assignment gives them at once (default: `[assignment] capacity`).
        #[arg(long)]
        capacity: Option<u32>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json { logs.json().init() } else { logs.init() }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    if let Some(origins) = &cli.allowed_origins {
        config.allowed_origins = origins.clone();
    }
    if let Some(url) = &cli.public_url {
        config.public_url = Some(url.clone());
    }
    if let Some(dir) = &cli.console_dir {
        config.console_dir = Some(dir.clone());
    }
    if let Some(dir) = &cli.help_center_dir {
        config.help_center.dir = Some(dir.clone());
    }
    if let Some(url) = &cli.help_center_url {
        config.help_center.url = Some(url.clone());
    }
    Ok(config)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::Agent { command: AgentCommand::Add { username, name, teams, capacity } }) => {
            add_agent(config, username, name, teams, capacity).await
        }
        Some(Command::Visitor { command }) => visitor(config, command).await,
        Some(Command::Backup { to }) => backup(config, &to).await,
        Some(Command::Audit { agent, conversation, limit }) => {
            let db = open(&config).await?;
            for entry in db.audit_log(agent.as_deref(), conversation.as_deref(), limit).await? {
                println!("{}", serde_json::to_string(&entry)?);
            }
            Ok(())
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<std::sync::Arc<dyn chat_server::db::Database>> {
    chat_server::db::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url))
}

async fn visitor(config: Config, command: VisitorCommand) -> anyhow::Result<()> {
    let db = open(&config).await?;
    match command {
        VisitorCommand::Export(which) => {
            let data = chat_server::privacy::export(db.as_ref(), &which.key()?, "cli").await?;
            println!("{}", serde_json::to_string_pretty(&data)?);
        }
        VisitorCommand::Delete(which) => {
            let erased = chat_server::privacy::delete(db.as_ref(), &which.key()?, "cli").await?;
            println!("{erased} conversation(s) erased");
        }
    }
    Ok(())
}

async fn backup(config: Config, to: &std::path::Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} exists already; give a new file name (a backup never overwrites)", to.display());
    }
    let db = open(&config).await?;
    db.backup(to).await.with_context(|| format!("backing up to {}", to.display()))?;
    println!("backed up to {}", to.display());
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}; is another server using it?", config.listen))?;
    let address = listener.local_addr()?;
    let stop = shutdown_signal()?;
    tracing::info!(%address, database = %config.database_url, "chat-server listening");
    // One line on stdout that scripts and tests can read to learn the port.
    println!("listening on http://{address}");
    chat_server::serve(config, listener, stop).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed here, before the server announces its port,
/// so a signal sent right after start-up cannot kill the process without a graceful shutdown.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn add_agent(
    config: Config,
    username: String,
    name: Option<String>,
    teams: Vec<String>,
    capacity: Option<u32>,
) -> anyhow::Result<()> {
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > 64 {
        bail!("the username must be 1 to 64 characters");
    }
    let password = match std::env::var("CHAT_SERVER_AGENT_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("password for {username} (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let db = open(&config).await?;
    let hash =
        chat_server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let teams: Vec<String> =
        teams.into_iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    let info = AgentInfo { display_name: name.unwrap_or_else(|| username.clone()), username, teams };
    db.upsert_agent(&info, &hash, capacity).await?;
    // A new password lifts a lockout: the admin has just vouched for the person.
    db.clear_login_failures(&info.username).await?;
    let capacity =
        capacity.map_or_else(|| format!("{} (the default)", config.assignment.capacity), |n| n.to_string());
    println!("agent {} saved (teams: {}; capacity: {capacity})", info.username, info.teams.join(", "));
    Ok(())
}
