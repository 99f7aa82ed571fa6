//! The binary's command line: `--help`, `agent add`, then a login with that agent.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::process::Command;

fn chat_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chat-server"))
}

#[test]
fn help_names_the_commands_and_settings() {
    let output = chat_server().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for word in ["serve", "agent", "--config", "--database-url", "DATABASE_URL", "--listen"] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
}

#[test]
fn agent_add_stores_an_argon2_hash_and_rejects_short_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let add = |password: &str| {
        chat_server()
            .args(["agent", "add", "lan", "--name", "Lan", "--teams", "returns,shipping", "--database-url"])
            .arg(&db)
            .env("CHAT_SERVER_AGENT_PASSWORD", password)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let short = add("short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    let ok = add("correct horse battery");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let db = chat_server::db::connect(&db.display().to_string()).await.unwrap();
        let record = db.agent("lan").await.unwrap();
        assert!(record.password_hash.starts_with("$argon2id$"), "{}", record.password_hash);
        assert_eq!(record.info.teams, ["returns", "shipping"]);
        assert!(chat_server::auth::verify_password("correct horse battery", &record.password_hash));
    });
}
