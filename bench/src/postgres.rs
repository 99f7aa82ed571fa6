//! A real Postgres for whoever needs one for a while: `initdb` in a temp folder, started on a free port,
//! stopped (immediately) when dropped. Postgres refuses to run as root, so as root its tools run as the
//! `postgres` user.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

/// How the cluster writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// As in production: every commit is flushed (what the benches measure).
    Flushed,
    /// No fsync at all: for tests, where a lost cluster costs nothing and speed does.
    Unflushed,
}

/// A throwaway Postgres cluster.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

/// The newest Postgres `bin/` folder installed from Debian's packages, if any.
pub fn installed() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .collect();
    dirs.sort();
    dirs.into_iter().rev().find(|dir| dir.join("initdb").is_file())
}

/// The installed version ("15.18"), if any.
pub fn version() -> Option<String> {
    let out = Command::new(installed()?.join("postgres")).arg("--version").output().ok()?;
    // "postgres (PostgreSQL) 15.18 (Debian …)"
    Some(String::from_utf8_lossy(&out.stdout).split_whitespace().nth(2)?.to_owned())
}

fn pg_command(bin: &Path, tool: &str) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        command
    } else {
        Command::new(bin.join(tool))
    }
}

impl Postgres {
    /// Creates and starts a cluster (user `postgres`, trusted on 127.0.0.1 only).
    pub fn start(durability: Durability) -> anyhow::Result<Postgres> {
        let bin =
            installed().context("no initdb under /usr/lib/postgresql (apt-get install -y postgresql)")?;
        let dir = tempfile::Builder::new().prefix("answerdesk-pg-").tempdir()?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data)?;
        // The cluster belongs to the postgres user when we are root.
        let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        let _ = Command::new("chown").arg("postgres").arg(&data).status();
        let mut initdb = pg_command(&bin, "initdb");
        initdb.arg("-D").arg(&data).args(["-U", "postgres", "-A", "trust", "-E", "UTF8"]);
        let mut settings = String::new();
        if durability == Durability::Unflushed {
            initdb.arg("--no-sync");
            settings.push_str(" -c fsync=off");
        }
        let init = initdb.stdout(Stdio::null()).output()?;
        anyhow::ensure!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let settings =
            format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''{settings}");
        let started = pg_command(&bin, "pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(data.join("server.log"))
            .args(["-o", &settings, "-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .output()?;
        let why = String::from_utf8_lossy(&started.stderr);
        anyhow::ensure!(started.status.success(), "pg_ctl start: {why}");
        Ok(Postgres { bin, data, port, _dir: dir })
    }

    /// The URL of `database` on this cluster (`postgres` exists from the start).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database.
    pub fn create_database(&self, name: &str) -> anyhow::Result<()> {
        let out = pg_command(&self.bin, "createdb")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", name])
            .output()?;
        anyhow::ensure!(out.status.success(), "createdb: {}", String::from_utf8_lossy(&out.stderr));
        Ok(())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg_command(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}
