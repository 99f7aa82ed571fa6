//! A real Postgres for the tests that need one: initdb in a temp dir, started on a free port.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A throwaway Postgres cluster in a temp dir, stopped on drop. `None` (the test passes, saying it
/// skipped) when Postgres is not installed, unless `CHAT_SERVER_REQUIRE_POSTGRES` is set, as in CI.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn find_bin() -> Option<PathBuf> {
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut dirs: Vec<PathBuf> = versions.filter_map(|e| Some(e.ok()?.path().join("bin"))).collect();
    dirs.sort();
    dirs.into_iter().rev().find(|d| d.join("initdb").exists())
}

/// Runs a Postgres tool; as root through `runuser -u postgres`, since Postgres refuses to run as root.
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
    pub fn start() -> Option<Postgres> {
        let Some(bin) = find_bin() else {
            assert!(
                std::env::var_os("CHAT_SERVER_REQUIRE_POSTGRES").is_none(),
                "Postgres is required: apt-get install -y postgresql"
            );
            eprintln!("SKIPPED: no Postgres here (apt-get install -y postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        // The cluster belongs to the postgres user when we are root.
        let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        let _ = Command::new("chown").arg("postgres").arg(&data).status();
        let initdb = pg_command(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(initdb.status.success(), "initdb: {}", String::from_utf8_lossy(&initdb.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let options =
            format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off");
        let started = pg_command(&bin, "pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(data.join("server.log"))
            .args(["-o", &options, "-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(started.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&started.stderr));
        Some(Postgres { bin, data, port, _dir: dir })
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
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
