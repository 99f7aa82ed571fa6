//! `cargo xtask bench [--quick]`: Answerdesk measured side by side with its peers in the same run (issue 6).
//!
//! Parts, each in its own file: [`build`] (kb-builder vs Pagefind), [`chat`] (chat-server under load),
//! [`query`] (query latency through kb-core), [`weight`] (widget and index bytes), [`browser`] (time to
//! first answer against Pagefind's UI and query latency, in headless Chromium), and, only when asked for,
//! [`soak`] (chat-server for 30 minutes with reconnect storms and a restart). Every part returns a
//! markdown table and a JSON value; both are printed and written to `bench/results/` (`--quick` writes to
//! `bench/results/quick/`, so a smoke run never overwrites the committed full results).
//!
//! The harness measures optimised code, so `cargo xtask bench` (a debug build) builds kb-builder,
//! chat-server and xtask itself in release and re-runs itself from there.

pub mod browser;
pub mod build;
pub mod chat;
mod events;
pub mod query;
pub mod soak;
pub mod weight;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Corpora for time to first answer, each with a first and a second question (words of article titles).
const FIRST_ANSWER: [(&str, &str, &str, &str); 4] = [
    ("sample content/", "content", "warranty", "refund"), // "How do I make a warranty claim?"
    ("sendgrid-docs", "../shared/corpora/sendgrid-docs", "verify sender domain", "spam reports"),
    ("powershell-docs", "../shared/corpora/powershell-docs", "Get-ChildItem recurse", "Start-Transcript"),
    ("azure-powershell-16.2", "../shared/corpora/azure-powershell-16.2", "Get-AzStorageAccount", "New-AzVM"),
];

/// What one part hands back.
#[derive(Debug)]
pub struct Section {
    /// File stem under bench/results (`build` → build.md, build.json).
    pub name: &'static str,
    /// Markdown: a heading, the table(s), notes.
    pub markdown: String,
    /// The same numbers, machine-readable.
    pub json: serde_json::Value,
}

/// Options every part sees.
#[derive(Debug, Clone)]
pub struct Options {
    /// The short CI smoke run.
    pub quick: bool,
    /// Release binaries (kb-builder, chat-server, xtask).
    pub bin: PathBuf,
    /// Scratch space, removed at the end.
    pub scratch: PathBuf,
}

const PARTS: [&str; 5] = ["build", "chat", "query", "weight", "browser"];
/// Parts run only when named: they take long.
const ON_REQUEST: [&str; 1] = ["soak"];

/// `cargo xtask bench [--quick] [part…]`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let parts: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with("--")).collect();
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(p) && !ON_REQUEST.contains(p)) {
        bail!("unknown bench part {unknown:?}; parts: {}, {}", PARTS.join(", "), ON_REQUEST.join(", "));
    }
    let bin = target_dir().join("release");
    if cfg!(debug_assertions) {
        // Measure release code: build the binaries the parts run, then hand over to the release xtask.
        crate::run(crate::cargo().args([
            "build",
            "--release",
            "--package",
            "kb-builder",
            "--package",
            "chat-server",
            "--package",
            "xtask",
        ]))?;
        return crate::run(Command::new(bin.join("xtask")).arg("bench").args(args));
    }
    let parts = if parts.is_empty() { PARTS.to_vec() } else { parts };
    let scratch = tempfile::Builder::new().prefix("answerdesk-bench-").tempdir()?;
    let options = Options { quick, bin, scratch: scratch.path().to_path_buf() };
    let out = crate::root().join("bench/results").join(if quick { "quick" } else { "" });
    std::fs::create_dir_all(&out)?;
    let machine = machine();
    eprintln!("bench ({}): {}", if quick { "quick" } else { "full" }, machine.line);
    for part in parts {
        let started = Instant::now();
        let section = match part {
            "build" => build::run(&options),
            "chat" => chat::run(&options),
            "query" => query::run(&options),
            "weight" => weight::run(&options),
            "soak" => soak::run(&options),
            _ => browser::run(&options),
        }
        .with_context(|| format!("bench part {part}"))?;
        let markdown = format!(
            "{}\n\n{}\nPart took {:.0} s. Command: `cargo xtask bench{}`.\n",
            section.markdown.trim_end(),
            machine.line,
            started.elapsed().as_secs_f64(),
            args.iter().map(|a| format!(" {a}")).collect::<String>()
        );
        let json = serde_json::json!({
            "machine": machine.json,
            "mode": if quick { "quick" } else { "full" },
            "seconds": started.elapsed().as_secs_f64(),
            "results": section.json,
        });
        std::fs::write(out.join(format!("{}.md", section.name)), &markdown)?;
        std::fs::write(out.join(format!("{}.json", section.name)), serde_json::to_string_pretty(&json)?)?;
        println!("{markdown}");
    }
    eprintln!("results written to {}", out.display());
    Ok(())
}

/// Hidden helper: `xtask bench-exec OUT PROGRAM ARGS…` runs PROGRAM as its only child and writes its wall
/// time, exit code and peak RSS to OUT. The peak comes from getrusage(RUSAGE_CHILDREN), which is exact only
/// in a process with a single child — hence a process of its own.
pub fn exec_measured(args: &[String]) -> anyhow::Result<()> {
    let [out, program, rest @ ..] = args else { bail!("usage: xtask bench-exec OUT PROGRAM [ARGS…]") };
    let started = Instant::now();
    let status =
        Command::new(program).args(rest).status().with_context(|| format!("cannot run {program}"))?;
    let wall = started.elapsed();
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    let result = serde_json::json!({
        "wall_s": wall.as_secs_f64(),
        "peak_rss_kib": usage.max_rss(), // kilobytes on Linux
        "code": status.code(),
    });
    std::fs::write(out, result.to_string())?;
    Ok(())
}

/// One measured run of a child process.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock time.
    pub wall: Duration,
    /// Peak resident set size, bytes.
    pub peak_rss: u64,
}

/// Runs `command` (stdout and stderr discarded) through `bench-exec` and returns its time and peak memory.
/// Exit codes other than 0 fail unless listed in `ok_codes`.
pub fn measure(options: &Options, command: &Command, ok_codes: &[i32]) -> anyhow::Result<Measured> {
    let report = tempfile::NamedTempFile::new_in(&options.scratch)?;
    let mut wrapper = Command::new(options.bin.join("xtask"));
    wrapper.arg("bench-exec").arg(report.path()).arg(command.get_program()).args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapper.current_dir(dir);
    }
    let line = format!("{command:?}");
    let output = wrapper.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    if !output.status.success() {
        bail!("{line}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(report.path())?)?;
    let code = result["code"].as_i64().unwrap_or(-1) as i32;
    if code != 0 && !ok_codes.contains(&code) {
        bail!("{line} exited with {code}");
    }
    Ok(Measured {
        wall: Duration::from_secs_f64(result["wall_s"].as_f64().unwrap_or_default()),
        peak_rss: result["peak_rss_kib"].as_u64().unwrap_or_default() * 1024,
    })
}

/// Cargo's target folder (CARGO_TARGET_DIR when set).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| crate::root().join("target"))
}

/// The machine, as a line for the tables and as JSON.
struct Machine {
    line: String,
    json: serde_json::Value,
}

fn machine() -> Machine {
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(crate::root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let line = format!(
        "Machine: {cores} cores ({cpu}), {memory_gib:.0} GiB RAM, shared with other engineers' builds while \
         measuring, so expect noise; compare ratios within a run. Commit {commit}, {date}."
    );
    let json = serde_json::json!({
        "cores": cores, "cpu": cpu, "memory_gib": memory_gib, "commit": commit, "date": date,
        "shared": true,
    });
    Machine { line, json }
}

/// The `q`-quantile (0..=1) of sorted samples, nearest rank.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The median of a few runs.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Bytes of every file under `dir` whose path (relative to `dir`) passes `keep`.
pub fn dir_bytes(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> u64 {
    fn walk(base: &Path, dir: &Path, keep: &dyn Fn(&Path) -> bool, total: &mut u64) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(base, &path, keep, total),
                Ok(t) if t.is_file() && keep(path.strip_prefix(base).unwrap_or(&path)) => {
                    *total += entry.metadata().map(|m| m.len()).unwrap_or(0);
                }
                _ => {}
            }
        }
    }
    let mut total = 0;
    walk(dir, dir, keep, &mut total);
    total
}

/// "1.4 MB", "730 KB", "512 B" (decimal units, as in bench/results/build-corpora.md).
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.2} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

/// "1,234".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with a precision that suits the value.
pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&samples, 0.5), Duration::from_millis(50));
        assert_eq!(quantile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&samples, 1.0), Duration::from_millis(100));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn medians_and_formatting() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(thousands(8714), "8,714");
        assert_eq!(thousands(100), "100");
        assert_eq!(bytes(1_420_000), "1.4 MB");
    }
}
