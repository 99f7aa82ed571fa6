//! `kb-builder drafts pull`: writes the article drafts agents saved in the console into the content
//! folder, as an agent (the password comes from the environment, never the command line), never over an
//! existing file, and tells chat-server which ones it wrote so the next pull skips them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use protocol::reports::{SavedDraft, draft_path_is_safe};
use protocol::rest::{AgentLogin, AgentSession};

/// Where the password is read from.
pub const PASSWORD_VAR: &str = "ANSWERDESK_AGENT_PASSWORD";

/// Arguments of `drafts`.
#[derive(Debug, clap::Args)]
pub struct DraftsArgs {
    #[command(subcommand)]
    command: DraftsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DraftsCommand {
    /// Write the drafts saved in the agent console into the content folder (each once; never over an
    /// existing file). Logs in as `--user` with the password in ANSWERDESK_AGENT_PASSWORD.
    Pull(PullArgs),
}

#[derive(Debug, clap::Args)]
struct PullArgs {
    /// chat-server's URL, e.g. https://chat.shop.example
    #[arg(long)]
    from: String,
    /// The content folder the drafts go into.
    #[arg(long, default_value = "content")]
    out: PathBuf,
    /// The agent to log in as.
    #[arg(long)]
    user: String,
}

/// Runs `drafts …`.
pub fn run(args: DraftsArgs) -> anyhow::Result<ExitCode> {
    let DraftsCommand::Pull(args) = args.command;
    let Ok(password) = std::env::var(PASSWORD_VAR) else {
        eprintln!(
            "error: set {PASSWORD_VAR} to {}'s password (it is never taken on the command line)",
            args.user
        );
        return Ok(ExitCode::from(2));
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(pull(&args, &password))
}

async fn pull(args: &PullArgs, password: &str) -> anyhow::Result<ExitCode> {
    let server = args.from.trim_end_matches('/');
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build()?;
    let login = AgentLogin { username: args.user.clone(), password: password.to_owned() };
    let response = client
        .post(format!("{server}/api/agent/login"))
        .json(&login)
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    if !response.status().is_success() {
        bail!("logging in to {server} as {} failed: HTTP {}", args.user, response.status());
    }
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("the server set no session cookie")?
        .to_owned();
    let session: AgentSession = response.json().await?;
    let (mut wrote, mut kept) = (0, 0);
    let mut seen = std::collections::HashSet::new();
    // Pages of drafts not pulled yet, oldest first; the ones left on the server (a file was there) come
    // back on every page, so a page with nothing new ends it.
    loop {
        let drafts: Vec<SavedDraft> = client
            .get(format!("{server}/api/agent/drafts?pending=true"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let fresh: Vec<&SavedDraft> = drafts.iter().filter(|d| seen.insert(d.id.clone())).collect();
        if fresh.is_empty() {
            break;
        }
        for draft in fresh {
            let Some(path) = write_new(&args.out, draft)? else {
                kept += 1;
                continue;
            };
            println!("wrote {}", path.display());
            wrote += 1;
            client
                .post(format!("{server}/api/agent/drafts/{}/pulled", draft.id))
                .header(reqwest::header::COOKIE, &cookie)
                .header("x-csrf-token", &session.csrf)
                .send()
                .await?
                .error_for_status()
                .with_context(|| format!("wrote {} but could not mark it pulled", draft.path))?;
        }
    }
    // The session ends with the command.
    let _ = client
        .post(format!("{server}/api/agent/logout"))
        .header(reqwest::header::COOKIE, &cookie)
        .header("x-csrf-token", &session.csrf)
        .send()
        .await;
    println!(
        "{wrote} draft(s) written into {}{}; each has `draft: true` until an editor publishes it",
        args.out.display(),
        if kept > 0 { format!(", {kept} left on the server (see above)") } else { String::new() }
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `draft` under `content` unless its path is unsafe or a file is there; `None` (with the reason
/// printed) when it did not.
fn write_new(content: &Path, draft: &SavedDraft) -> anyhow::Result<Option<PathBuf>> {
    if !draft_path_is_safe(&draft.path) {
        eprintln!("skipped draft {}: its path {:?} is not lang/folder/name.md", draft.id, draft.path);
        return Ok(None);
    }
    let path = content.join(&draft.path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "kept {}: a file is already there; rename the draft in the console or move the file, then pull again",
                path.display()
            );
            return Ok(None);
        }
        Err(err) => return Err(err).with_context(|| format!("cannot write {}", path.display())),
    };
    file.write_all(draft.markdown.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(path))
}
