//! `cargo xtask bench soak`: chat-server held under load for a long time (issue 16). Two release nodes on
//! a throwaway Postgres, 2,000 visitors chatting at a steady rate for 30 minutes (`--quick`: 300 visitors,
//! 4 minutes), every visitor's socket dropped and reopened at once twice (reconnect storms, each resuming
//! from the last seq it saw, as the widget does), and the second node restarted (SIGTERM, then started
//! again) half-way, its visitors reconnecting to it. Each node's memory is sampled every minute; at the
//! end every conversation is read back and every acknowledged message must be there, once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

use super::chat::{AGENT, Node, add_agent, lifted_limits, raise_fd_limit, start_postgres};
use super::{Options, Section, bytes, ms, quantile};
use answerdesk_bench::load::Load;

/// Messages per second offered all along, round-robin over the visitors.
const RATE: u32 = 100;
/// Handshakes in flight while connecting and in a reconnect storm.
const PARALLEL: usize = 256;

pub fn run(options: &Options) -> anyhow::Result<Section> {
    raise_fd_limit()?;
    let (visitors, minutes) = if options.quick { (300, 4) } else { (2_000, 30) };
    let config = options.scratch.join("soak.toml");
    std::fs::write(&config, lifted_limits())?;
    let pg = start_postgres().context("the soak needs Postgres")?;
    pg.create_database("soak")?;
    let url = pg.url("soak");
    add_agent(options, &url)?;
    let a = Node::spawn(options, &config, &url, "soak-a")?;
    let mut b = Node::spawn(options, &config, &url, "soak-b")?;
    let runtime = tokio::runtime::Runtime::new()?;

    let storms = [minutes / 4, 3 * minutes / 4];
    let restart = minutes / 2;
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let started = Instant::now();
    let (load, lost, duplicated, acked) = runtime.block_on(async {
        let mut load = Load::start(vec![a.address.clone(), b.address.clone()], AGENT).await?;
        let connecting = Instant::now();
        load.connect_until(visitors, PARALLEL).await?;
        events.push(format!("{visitors} visitors connected in {:.1} s", connecting.elapsed().as_secs_f64()));
        for minute in 1..=minutes {
            let phase = load.offer(RATE, Duration::from_secs(60)).await?;
            let row = json!({
                "minute": minute,
                "rss_a": a.rss()?,
                "rss_b": b.rss()?,
                "sent": phase.sent,
                "acked": phase.acked,
                "ack_p50_ms": quantile(&phase.ack, 0.5).as_secs_f64() * 1e3,
                "ack_p99_ms": quantile(&phase.ack, 0.99).as_secs_f64() * 1e3,
                "agent_socket_alive": phase.agent_socket_alive,
            });
            eprintln!("soak: {row}");
            rows.push(row);
            if storms.contains(&minute) {
                let storm = Instant::now();
                let n = load.reconnect(|_| true, PARALLEL).await?;
                events.push(format!(
                    "minute {minute}: reconnect storm, {n} sockets dropped and reopened in {:.1} s",
                    storm.elapsed().as_secs_f64()
                ));
            }
            if minute == restart {
                let down = Instant::now();
                b.stop_gracefully()?;
                b = Node::spawn(options, &config, &url, "soak-b2")?;
                load.move_node(1, b.address.clone());
                let n = load.reconnect(|v| v.node == 1, PARALLEL).await?;
                events.push(format!(
                    "minute {minute}: node 2 restarted (SIGTERM, start), {n} visitors back on it {:.1} s after the stop",
                    down.elapsed().as_secs_f64()
                ));
            }
        }
        // Every acknowledged message is stored, once.
        let acked: HashSet<u64> = load.acked_since(0).into_iter().collect();
        let mut stored = HashSet::new();
        let mut duplicated = 0;
        for visitor in &load.visitors {
            for n in load.stored(&a.address, visitor).await? {
                duplicated += usize::from(!stored.insert(n));
            }
        }
        let lost = acked.difference(&stored).count();
        anyhow::Ok((load, lost, duplicated, acked.len()))
    })?;
    drop(load);
    let wall = started.elapsed();

    // Memory: node 1 ran throughout; compare its first full minute after warm-up with the last.
    let rss = |row: &serde_json::Value, key: &str| row[key].as_u64().unwrap_or_default();
    let warm = rows.get(1).or(rows.first()).context("no minute measured")?;
    let last = rows.last().context("no minute measured")?;
    let growth = rss(last, "rss_a") as f64 / rss(warm, "rss_a").max(1) as f64 - 1.0;

    let mut md = format!(
        "## Soak: chat-server for {minutes} minutes\n\n\
         Two release nodes on Postgres {}, {visitors} visitors spread over them, one agent on node 1; {RATE} \
         messages/s offered all along (round-robin, open-loop); reconnect storms at minutes {} and {} (every \
         socket dropped and reopened at once, {PARALLEL} handshakes in flight, each resuming from its last \
         seq); node 2 stopped with SIGTERM and started again at minute {restart}, its visitors reconnecting. \
         The load generator shares the machine's cores.\n\n\
         **Acknowledged messages lost: {lost}** of {acked} (read back over REST at the end); stored twice: \
         {duplicated}. **Node 1 memory, minute 2 → minute {minutes}: {} → {} ({:+.1}%).**\n\n",
        answerdesk_bench::postgres::version().unwrap_or_else(|| "(unknown)".into()),
        storms[0],
        storms[1],
        bytes(rss(warm, "rss_a")),
        bytes(rss(last, "rss_a")),
        growth * 100.0,
    );
    for event in &events {
        md.push_str(&format!("- {event}\n"));
    }
    md.push_str("\n| minute | node 1 RSS | node 2 RSS | sent | acked | ack p50 / p99 | agent socket |\n|---|---|---|---|---|---|---|\n");
    for row in &rows {
        let opt_ms = |key: &str| ms(Duration::from_secs_f64(row[key].as_f64().unwrap_or_default() / 1e3));
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} / {} | {} |\n",
            row["minute"],
            bytes(rss(row, "rss_a")),
            bytes(rss(row, "rss_b")),
            row["sent"],
            row["acked"],
            opt_ms("ack_p50_ms"),
            opt_ms("ack_p99_ms"),
            if row["agent_socket_alive"].as_bool() == Some(true) { "up" } else { "closed" },
        ));
    }
    md.push_str(&format!("\nWall time {:.0} s.\n", wall.as_secs_f64()));
    let json = json!({
        "visitors": visitors,
        "minutes": minutes,
        "rate_per_s": RATE,
        "lost": lost,
        "duplicated": duplicated,
        "acked": acked,
        "node1_rss_growth": growth,
        "events": events,
        "minutes_measured": rows,
    });
    Ok(Section { name: "soak", markdown: md, json })
}
