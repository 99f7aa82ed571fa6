//! Email fallback: an agent's reply to a visitor who is no longer connected goes to their address.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Email;

/// What can go wrong sending an email.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// An address does not parse.
    #[error("address: {0}")]
    Address(#[from] lettre::address::AddressError),
    /// Building the message failed.
    #[error("message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The SMTP URL is not `smtp://host[:port]`.
    #[error("email.smtp_url {0:?}: write smtp://host:port")]
    Url(String),
    /// The SMTP conversation failed.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Sends `body` to `to` with the configured sender and subject. Does nothing without an SMTP URL.
pub async fn send_reply(
    settings: &Email,
    to: &str,
    agent_name: &str,
    body: &str,
) -> Result<bool, EmailError> {
    let Some(url) = &settings.smtp_url else { return Ok(false) };
    let from: Mailbox = settings.from.parse()?;
    let message = Message::builder()
        .from(from)
        .to(to.parse()?)
        .subject(&settings.subject)
        .body(format!("{agent_name} replied:\n\n{body}\n"))?;
    let relay = url.strip_prefix("smtp://").ok_or_else(|| EmailError::Url(url.clone()))?;
    let (host, port) = match relay.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| EmailError::Url(url.clone()))?),
        None => (relay, 25),
    };
    // Plain SMTP to a relay the operator runs (localhost or a private network); the relay does TLS onwards.
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).build().send(message).await?;
    Ok(true)
}
