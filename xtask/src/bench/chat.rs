//! Part 4, live chat under load: the release chat-server binary as a child process (so its RSS can be read
//! from /proc), one node on SQLite and two on a throwaway Postgres cluster; visitors stepped up to 10,000,
//! 1,000 messages/s offered at each step; then the kill -9 check (acknowledged messages lost must be 0).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

use super::events::{self, EventsPhase};
use super::{Options, Section, bytes, ms, quantile, thousands};
use answerdesk_bench::load::{AGENT_PASSWORD, Load, Phase};
use answerdesk_bench::postgres::{self, Postgres};

/// Messages per second offered at every step (the target rate).
const RATE: u32 = 1_000;
/// Widget events per second offered beside the chat load (the reports issue's target rate).
const EVENT_RATE: u32 = 5_000;
/// Visitors chatting while events arrive.
const EVENT_VISITORS: usize = 1_000;
/// Handshakes in flight while connecting visitors.
const PARALLEL_CONNECTS: usize = 64;
pub(super) const AGENT: &str = "bench";

pub fn run(options: &Options) -> anyhow::Result<Section> {
    raise_fd_limit()?;
    let steps: &[usize] = if options.quick { &[100, 500] } else { &[1_000, 2_500, 5_000, 10_000] };
    let phase = Duration::from_secs(if options.quick { 2 } else { 5 });
    let config = options.scratch.join("chat.toml");
    std::fs::write(&config, lifted_limits())?;
    let runtime = tokio::runtime::Runtime::new()?;

    let mut md = format!(
        "## Live chat under load\n\n\
         Release `chat-server` binaries as child processes on 127.0.0.1; the load generator (this process, \
         Rust, tokio-tungstenite) shares the machine's cores with them. Visitors connected in steps \
         ({PARALLEL_CONNECTS} handshakes in flight: start a conversation over REST, open the socket, hello → \
         welcome), one agent socket on the first node sees every message. At each step {RATE} messages/s are \
         offered for {} s open-loop, round-robin over the visitors. Ack = send → committed and acknowledged; \
         to agent = visitor send → the agent's socket has it (the fan-out). Server RSS from /proc/PID/status \
         (VmRSS, summed over nodes); per 1,000 = RSS after connecting the step's new visitors − RSS just before, ÷ the visitors added \
         × 1,000 (so earlier message phases do not count). SQLite: WAL, \
         synchronous = FULL. Postgres {}: default durability (fsync on, synchronous_commit on); two nodes, \
         visitors alternate between them, the agent is on node 1, so half the messages cross nodes via \
         LISTEN/NOTIFY.\n\n\
         | database | visitors held | connect time (this step's new visitors) | server RSS | RSS per 1,000 | offered | achieved | \
         acked / delivered | ack p50 / p99 | to agent p50 / p99 |\n|---|---|---|---|---|---|---|---|---|---|\n",
        phase.as_secs(),
        postgres::version().unwrap_or_else(|| "(not installed)".into()),
    );
    let mut results = Vec::new();
    let mut kills = Vec::new();
    let mut events_rows = Vec::new();

    // SQLite: one node.
    let sqlite = options.scratch.join("chat-load.db");
    let db = sqlite.display().to_string();
    add_agent(options, &db)?;
    {
        let nodes = vec![Node::spawn(options, &config, &db, "sqlite")?];
        let rows = runtime.block_on(steps_on(&nodes, steps, phase))?;
        record("SQLite", &rows, &mut md, &mut results);
    }
    {
        // A fresh database: an agent who joins a desk of 10,000 open conversations is a different test.
        let events_db = options.scratch.join("chat-events.db").display().to_string();
        add_agent(options, &events_db)?;
        let nodes = vec![Node::spawn(options, &config, &events_db, "sqlite-events")?];
        events_rows.push(("SQLite", runtime.block_on(events_beside_chat(&nodes, phase, options.quick))?));
    }
    let kill_db = options.scratch.join("chat-kill.db").display().to_string();
    add_agent(options, &kill_db)?;
    kills.push(("SQLite", runtime.block_on(kill_check_sqlite(options, &config, &kill_db))?));

    // Postgres: two nodes on one cluster.
    match start_postgres() {
        Ok(pg) => {
            let url = pg.url("postgres");
            add_agent(options, &url)?;
            {
                let nodes = vec![
                    Node::spawn(options, &config, &url, "pg-a")?,
                    Node::spawn(options, &config, &url, "pg-b")?,
                ];
                let rows = runtime.block_on(steps_on(&nodes, steps, phase))?;
                record("Postgres ×2", &rows, &mut md, &mut results);
            }
            pg.create_database("events")?;
            let url = pg.url("events");
            add_agent(options, &url)?;
            {
                let nodes = vec![
                    Node::spawn(options, &config, &url, "pg-events-a")?,
                    Node::spawn(options, &config, &url, "pg-events-b")?,
                ];
                events_rows.push((
                    "Postgres ×2",
                    runtime.block_on(events_beside_chat(&nodes, phase, options.quick))?,
                ));
            }
            pg.create_database("killcheck")?;
            let url = pg.url("killcheck");
            add_agent(options, &url)?;
            let a = Node::spawn(options, &config, &url, "pg-kill-a")?;
            let b = Node::spawn(options, &config, &url, "pg-kill-b")?;
            kills.push((
                "Postgres ×2 (node 1 killed, read on node 2)",
                runtime.block_on(kill_check(a, &b.address))?,
            ));
        }
        Err(e) => md.push_str(&format!("| Postgres ×2 | not measured: {e:#} | | | | | | | | |\n")),
    }

    let top = *steps.last().unwrap_or(&0);
    md.push_str(&format!(
        "\nTarget: 10,000 concurrent visitors with p99 visitor→agent ≤ 20 ms at 1,000 messages/s.{}\n\n",
        if options.quick {
            " (`--quick` stops at 500 visitors: the verdict needs the full run.)"
        } else {
            ""
        }
    ));
    md.push_str("| database | at | achieved ≥ 95% of offered | all delivered | p99 to agent ≤ 20 ms | target |\n|---|---|---|---|---|---|\n");
    let mut verdicts = Vec::new();
    for (database, row) in results.iter().filter(|(_, r)| r.visitors == top) {
        let rate_ok = row.phase.achieved_per_s >= 0.95 * row.phase.offered_per_s;
        let all = row.phase.delivered == row.phase.sent && row.phase.acked == row.phase.sent;
        let p99 = quantile(&row.phase.to_agent, 0.99);
        let latency_ok = all && p99 <= Duration::from_millis(20);
        let met = top >= 10_000 && rate_ok && all && latency_ok;
        md.push_str(&format!(
            "| {database} | {} visitors | {} ({:.0}/s) | {} | {} ({}) | {} |\n",
            thousands(top as u64),
            yes(rate_ok),
            row.phase.achieved_per_s,
            yes(all),
            yes(latency_ok),
            ms(p99),
            if met { "met" } else { "**not met**" }
        ));
        verdicts.push(json!({"database": database, "visitors": top, "target_met": met}));
    }
    let events_json = events_table(&events_rows, &mut md);
    md.push_str(
        "\n### kill -9\n\nVisitors send as fast as their sockets take frames without waiting for acks; once \
         300 acks are in, the node they are on gets SIGKILL. Every conversation is then read back over REST \
         (SQLite: from a restarted node on the same file; Postgres: from the surviving node).\n\n\
         | database | visitors | acknowledged before kill -9 | stored after | acknowledged but lost | stored twice |\n\
         |---|---|---|---|---|---|\n",
    );
    let mut kill_json = Vec::new();
    for (database, k) in &kills {
        md.push_str(&format!(
            "| {database} | {} | {} | {} | **{}** | {} |\n",
            k.visitors,
            thousands(k.acked as u64),
            thousands(k.stored as u64),
            k.lost,
            k.duplicates
        ));
        kill_json.push(json!({"database": database, "visitors": k.visitors, "acked": k.acked,
            "stored": k.stored, "lost": k.lost, "duplicates": k.duplicates}));
    }
    let rows_json: Vec<_> = results.iter().map(|(d, r)| r.json(d)).collect();
    Ok(Section {
        name: "chat",
        markdown: md,
        json: json!({"rate": RATE, "phase_s": phase.as_secs(), "steps": rows_json, "targets": verdicts, "kill_9": kill_json,
            "events": events_json}),
    })
}

/// The settings every bench node runs with. The bench comes from one IP at rates no visitor reaches:
/// lift the abuse limits, nothing else.
pub(super) fn lifted_limits() -> &'static str {
    "[limits]\nconversations_per_hour = 4000000000\nmessages_per_minute = 4000000000\n\
     logins_per_15_minutes = 1000\nsockets_per_ip = 1000000\nmax_sockets = 1000000\n\
     connections_per_ip = 1000000\nmax_connections = 1000000\n\
     [analytics]\nbatches_per_minute = 4000000000\n"
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

/// One step's numbers.
#[derive(Debug)]
struct Step {
    visitors: usize,
    connect: Duration,
    rss: u64,
    rss_per_1000: f64,
    phase: Phase,
}

impl Step {
    fn json(&self, database: &str) -> serde_json::Value {
        let us = |q: f64, v: &[Duration]| quantile(v, q).as_secs_f64() * 1e6;
        json!({
            "database": database, "visitors": self.visitors, "connect_s": self.connect.as_secs_f64(),
            "server_rss_bytes": self.rss, "rss_per_1000_bytes": self.rss_per_1000,
            "offered_per_s": self.phase.offered_per_s, "achieved_per_s": self.phase.achieved_per_s,
            "sent": self.phase.sent, "acked": self.phase.acked, "delivered": self.phase.delivered,
            "ack_p50_us": us(0.5, &self.phase.ack), "ack_p99_us": us(0.99, &self.phase.ack),
            "to_agent_p50_us": us(0.5, &self.phase.to_agent), "to_agent_p99_us": us(0.99, &self.phase.to_agent),
            "agent_socket_alive": self.phase.agent_socket_alive,
        })
    }
}

fn record(database: &str, rows: &[Step], md: &mut String, results: &mut Vec<(String, Step)>) {
    for r in rows {
        let p = &r.phase;
        md.push_str(&format!(
            "| {database} | {} | {:.1} s | {} | {} | {:.0}/s | {:.0}/s | {} / {}{} | {} / {} | {} / {} |\n",
            thousands(r.visitors as u64),
            r.connect.as_secs_f64(),
            bytes(r.rss),
            bytes(r.rss_per_1000 as u64),
            p.offered_per_s,
            p.achieved_per_s,
            thousands(p.acked as u64),
            thousands(p.delivered as u64),
            if p.agent_socket_alive { "" } else { " (agent socket closed by the server: lagging)" },
            ms(quantile(&p.ack, 0.5)),
            ms(quantile(&p.ack, 0.99)),
            ms(quantile(&p.to_agent, 0.5)),
            ms(quantile(&p.to_agent, 0.99)),
        ));
    }
    results.extend(rows.iter().map(|r| {
        (
            database.to_string(),
            Step {
                visitors: r.visitors,
                connect: r.connect,
                rss: r.rss,
                rss_per_1000: r.rss_per_1000,
                phase: r.phase.clone(),
            },
        )
    }));
}

/// Steps visitors up on `nodes`, offering the fixed rate at each step.
async fn steps_on(nodes: &[Node], steps: &[usize], phase: Duration) -> anyhow::Result<Vec<Step>> {
    let mut load = Load::start(nodes.iter().map(|n| n.address.clone()).collect(), AGENT).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = || nodes.iter().map(Node::rss).sum::<anyhow::Result<u64>>();
    let mut held = 0;
    let mut rows = Vec::new();
    for &visitors in steps {
        eprintln!("chat: connecting {visitors} visitors to {} node(s)", nodes.len());
        let before = rss()?;
        let started = Instant::now();
        load.connect_until(visitors, PARALLEL_CONNECTS).await?;
        let connect = started.elapsed();
        // A short pause so the server's memory reflects the held sockets, not the handshake burst.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss()?;
        eprintln!("chat: offering {RATE} msg/s for {phase:?} over {visitors} visitors");
        let measured = load.offer(RATE, phase).await?;
        rows.push(Step {
            visitors,
            connect,
            rss: after,
            rss_per_1000: after.saturating_sub(before) as f64 / (visitors - held) as f64 * 1000.0,
            phase: measured,
        });
        held = visitors;
    }
    Ok(rows)
}

/// Chat alone, chat with events beside it, and the events.
type EventsRow = (usize, Phase, Phase, EventsPhase);

/// [`EVENT_VISITORS`] visitors chatting at [`RATE`] on `nodes` (on a fresh database), first alone, then
/// with [`EVENT_RATE`] widget events per second posted to the first node at the same time.
async fn events_beside_chat(nodes: &[Node], phase: Duration, quick: bool) -> anyhow::Result<EventsRow> {
    let visitors = if quick { 200 } else { EVENT_VISITORS };
    let mut load = Load::start(nodes.iter().map(|n| n.address.clone()).collect(), AGENT).await?;
    load.connect_until(visitors, PARALLEL_CONNECTS).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    eprintln!("chat: {RATE} msg/s over {visitors} visitors, alone");
    let alone = load.offer(RATE, phase).await?;
    eprintln!("chat: {RATE} msg/s over {visitors} visitors, with {EVENT_RATE} events/s beside");
    let node = nodes[0].address.clone();
    let posting = tokio::spawn(async move { events::offer(&node, EVENT_RATE, phase).await });
    let with = load.offer(RATE, phase).await?;
    let events = posting.await??;
    Ok((visitors, alone, with, events))
}

/// The events table and its verdict; returns the JSON rows.
fn events_table(rows: &[(&str, EventsRow)], md: &mut String) -> Vec<serde_json::Value> {
    md.push_str(&format!(
        "\n### Widget events beside the chat\n\nThe chat load above at {RATE} messages/s, first alone, then \
         with {EVENT_RATE} widget events/s posted open-loop to `/api/events` on node 1 at the same time \
         (batches of {} events, as `sendBeacon` sends them; the server queues a batch, answers 204, and writes \
         what arrived each second in one transaction). Target: ≥ 5,000 events/s with p99 ≤ 50 ms per POST, \
         and the chat's p99 visitor→agent still ≤ 20 ms.\n\n\
         | database | visitors | chat alone: to agent p99 | with events: to agent p99 | events offered | \
         accepted | refused | POST p50 / p99 | target |\n|---|---|---|---|---|---|---|---|---|\n",
        events::BATCH
    ));
    let mut json_rows = Vec::new();
    for (database, (visitors, alone, with, events)) in rows {
        let post_p99 = quantile(&events.latency, 0.99);
        let chat_p99 = quantile(&with.to_agent, 0.99);
        let delivered = with.delivered == with.sent && alone.delivered == alone.sent;
        let met = events.accepted_per_s >= 0.95 * events.offered_per_s
            && events.refused == 0
            && post_p99 <= Duration::from_millis(50)
            && delivered
            && chat_p99 <= Duration::from_millis(20);
        md.push_str(&format!(
            "| {database} | {} | {} | {}{} | {:.0}/s | {:.0}/s | {} of {} | {} / {} | {} |\n",
            thousands(*visitors as u64),
            ms(quantile(&alone.to_agent, 0.99)),
            ms(chat_p99),
            match (delivered, alone.agent_socket_alive && with.agent_socket_alive) {
                (true, _) => "",
                (false, true) => " (not all delivered)",
                (false, false) => " (agent socket closed by the server: lagging)",
            },
            events.offered_per_s,
            events.accepted_per_s,
            events.refused,
            thousands(events.sent as u64),
            ms(quantile(&events.latency, 0.5)),
            ms(post_p99),
            if met { "met" } else { "**not met**" }
        ));
        json_rows.push(json!({"database": database, "events_offered_per_s": events.offered_per_s,
            "events_accepted_per_s": events.accepted_per_s, "refused": events.refused,
            "post_p50_ms": quantile(&events.latency, 0.5).as_secs_f64() * 1000.0,
            "post_p99_ms": post_p99.as_secs_f64() * 1000.0,
            "chat_alone_p99_ms": quantile(&alone.to_agent, 0.99).as_secs_f64() * 1000.0,
            "chat_with_events_p99_ms": chat_p99.as_secs_f64() * 1000.0, "target_met": met}));
    }
    json_rows
}

/// What the kill -9 check found.
#[derive(Debug)]
struct Killed {
    visitors: usize,
    acked: usize,
    stored: usize,
    lost: usize,
    duplicates: usize,
}

async fn kill_check_sqlite(options: &Options, config: &Path, db: &str) -> anyhow::Result<Killed> {
    let node = Node::spawn(options, config, db, "sqlite-kill")?;
    let mut load = Load::start(vec![node.address.clone()], AGENT).await?;
    load.connect_until(20, 20).await?;
    let first = load.flood(500, 300).await?;
    drop(node); // SIGKILL
    let restarted = Node::spawn(options, config, db, "sqlite-restarted")?;
    compare(&load, first, &restarted.address).await
}

/// Floods visitors on `victim`, kills it with SIGKILL, reads every conversation back through `survivor`.
async fn kill_check(victim: Node, survivor: &str) -> anyhow::Result<Killed> {
    let mut load = Load::start(vec![victim.address.clone()], AGENT).await?;
    load.connect_until(20, 20).await?;
    let first = load.flood(500, 300).await?;
    drop(victim);
    compare(&load, first, survivor).await
}

async fn compare(load: &Load, first: u64, reader: &str) -> anyhow::Result<Killed> {
    // Acks already on the wire when the process died are still read by the visitor tasks.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let acked = load.acked_since(first);
    let mut stored = Vec::new();
    for visitor in &load.visitors {
        stored.extend(load.stored(reader, visitor).await?.into_iter().filter(|&n| n >= first));
    }
    let unique: std::collections::HashSet<u64> = stored.iter().copied().collect();
    let lost = acked.iter().filter(|n| !unique.contains(n)).count();
    Ok(Killed {
        visitors: load.visitors.len(),
        acked: acked.len(),
        stored: stored.len(),
        lost,
        duplicates: stored.len() - unique.len(),
    })
}

/// A chat-server child process; SIGKILLed when dropped (the kill -9 check relies on that).
#[derive(Debug)]
pub(super) struct Node {
    child: Child,
    pub(super) address: String,
}

impl Node {
    pub(super) fn spawn(
        options: &Options,
        config: &Path,
        database_url: &str,
        name: &str,
    ) -> anyhow::Result<Node> {
        let log = std::fs::File::create(options.scratch.join(format!("{name}.log")))?;
        let mut child = Command::new(options.bin.join("chat-server"))
            .arg("--config")
            .arg(config)
            .args(["--database-url", database_url, "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("cannot start chat-server")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let Some(address) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            bail!("chat-server did not start (see {name}.log): {line:?}");
        };
        Ok(Node { address: address.to_owned(), child })
    }

    /// Stops the node as a deploy would (SIGTERM: sockets told to reconnect, queued writes finished) and
    /// waits for it to exit.
    pub(super) fn stop_gracefully(&mut self) -> anyhow::Result<()> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id())?);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
        let status = self.child.wait()?;
        anyhow::ensure!(status.success(), "chat-server exited with {status} after SIGTERM");
        Ok(())
    }

    /// Resident memory now (VmRSS).
    pub(super) fn rss(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .context("no VmRSS")?;
        Ok(kib * 1024)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn add_agent(options: &Options, database_url: &str) -> anyhow::Result<()> {
    let output = Command::new(options.bin.join("chat-server"))
        .args(["agent", "add", AGENT, "--database-url", database_url])
        .env("CHAT_SERVER_AGENT_PASSWORD", AGENT_PASSWORD)
        .env("RUST_LOG", "warn")
        .output()?;
    anyhow::ensure!(output.status.success(), "agent add: {}", String::from_utf8_lossy(&output.stderr));
    Ok(())
}

/// Visitors and the server each hold a socket per connection: lift the soft fd limit to the hard one.
/// Child processes inherit it.
pub(super) fn raise_fd_limit() -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    anyhow::ensure!(hard >= 10_200, "the hard fd limit is {hard}; 10,000 visitors need more (ulimit -Hn)");
    Ok(())
}

/// A throwaway Postgres cluster with production durability, installed first if missing.
pub(super) fn start_postgres() -> anyhow::Result<Postgres> {
    crate::tools::ensure_postgres()?;
    Postgres::start(postgres::Durability::Flushed)
}
