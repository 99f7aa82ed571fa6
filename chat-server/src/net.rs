//! Who is on the other end, and how many of them: the client's address behind the proxies the operator
//! trusts, and the caps on open connections and sockets per address and in all.
//!
//! Behind the HTTPS proxy every deployment needs, every request comes from the proxy's address. The
//! client's own is then the right-most address in `X-Forwarded-For` (or RFC 7239 `Forwarded`) that is
//! not a trusted proxy: entries further left were written by the client and prove nothing. From any
//! other peer the headers are ignored, so nobody picks their own address to dodge a limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address: `peer` itself, unless `peer` is a trusted proxy that says whom it forwards.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| is_trusted(*ip, trusted);
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for(headers);
    // Right to left: the nearest hop first. Stop at the first address no trusted proxy vouches for.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // An unreadable or hidden ("unknown", "_obfuscated") hop: nothing further left can be trusted.
            None => break,
        }
    }
    canonical(client)
}

/// Whether `ip` is in one of the `trusted` networks.
pub fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&canonical(ip)))
}

/// The `for` addresses of `X-Forwarded-For`, else of `Forwarded`, left to right; `None` for one that is
/// not an IP address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    };
    let x_forwarded = values("x-forwarded-for");
    if !x_forwarded.is_empty() {
        return x_forwarded.iter().flat_map(|v| v.split(',')).map(|hop| parse_hop(hop.trim())).collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| parse_hop(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `203.0.113.7`, `203.0.113.7:443`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    hop.rsplit_once(':')?.0.parse().ok()
}

/// IPv4 mapped into IPv6 (`::ffff:10.0.0.1`, as a dual-stack listener reports) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Counts what is open per address and in all, refusing past the caps. Each admitted connection or
/// socket holds a [`Held`] that gives its place back when dropped.
#[derive(Debug, Clone)]
pub struct Caps {
    inner: Arc<CapsInner>,
}

#[derive(Debug)]
struct CapsInner {
    per_ip: usize,
    total: usize,
    open: Mutex<(HashMap<IpAddr, usize>, usize)>,
}

/// One admitted connection or socket.
#[derive(Debug)]
pub struct Held {
    caps: Arc<CapsInner>,
    ip: Option<IpAddr>,
}

impl Caps {
    /// At most `per_ip` per address and `total` in all.
    pub fn new(per_ip: usize, total: usize) -> Self {
        Caps { inner: Arc::new(CapsInner { per_ip, total, open: Mutex::new((HashMap::new(), 0)) }) }
    }

    /// Admits one more for `ip` (`None`: count it in the total only, as for a trusted proxy), or says
    /// why not.
    pub fn admit(&self, ip: Option<IpAddr>) -> Result<Held, Refused> {
        let mut open = self.inner.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (per_ip, total) = &mut *open;
        if *total >= self.inner.total {
            return Err(Refused::Full);
        }
        if let Some(ip) = ip {
            let count = per_ip.entry(ip).or_insert(0);
            if *count >= self.inner.per_ip {
                return Err(Refused::TooManyFromAddress);
            }
            *count += 1;
        }
        *total += 1;
        Ok(Held { caps: self.inner.clone(), ip })
    }

    /// How many are open in all.
    pub fn open(&self) -> usize {
        self.inner.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).1
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (per_ip, total) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(ip) = self.ip
            && let Some(count) = per_ip.get_mut(&ip)
        {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&ip);
            }
        }
    }
}

/// Why a connection or socket was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The server holds as many as it may.
    #[error("the server is full; try again in a minute")]
    Full,
    /// The server is past its memory budget.
    #[error("the server is short of memory; try again in a minute")]
    LowOnMemory,
    /// This address holds as many as one address may.
    #[error("too many open connections from your address")]
    TooManyFromAddress,
}

/// A memory budget (`limits.max_memory_mb`): past it, new sockets and conversations are refused while
/// what is open goes on, so a flood ends in clean refusals instead of the kernel's OOM killer.
#[derive(Debug)]
pub struct MemoryBudget {
    limit_bytes: Option<u64>,
    /// When resident memory was last read, and what it was.
    last: Mutex<Option<(std::time::Instant, u64)>>,
}

/// How stale a memory reading may be: reading /proc on every admission would cost more than it saves.
const MEMORY_READ_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl MemoryBudget {
    /// A budget of `limit_bytes`, or none.
    pub fn new(limit_bytes: Option<u64>) -> Self {
        MemoryBudget { limit_bytes, last: Mutex::new(None) }
    }

    /// Admits one more unless the process is past its budget.
    pub fn admit(&self) -> Result<(), Refused> {
        let Some(limit) = self.limit_bytes else { return Ok(()) };
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let resident = match *last {
            Some((at, bytes)) if at.elapsed() < MEMORY_READ_EVERY => bytes,
            _ => {
                let bytes = resident_bytes().unwrap_or(0);
                *last = Some((std::time::Instant::now(), bytes));
                bytes
            }
        };
        if resident > limit { Err(Refused::LowOnMemory) } else { Ok(()) }
    }
}

/// This process's resident memory: `VmRSS` of /proc/self/status on Linux; `None` where there is none (the
/// budget then admits everything).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let xff = |value: &str| headers(&[("x-forwarded-for", value)]);
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(client_ip(ip("198.51.100.9"), &xff("1.2.3.4"), &trusted), ip("198.51.100.9"));
        // Through our proxy.
        assert_eq!(client_ip(ip("10.0.0.2"), &xff("203.0.113.7"), &trusted), ip("203.0.113.7"));
        // The client wrote a fake first hop; the proxy appended the real one.
        assert_eq!(client_ip(ip("10.0.0.2"), &xff("1.2.3.4, 203.0.113.7"), &trusted), ip("203.0.113.7"));
        // Two proxies of ours, header split over two lines.
        let two = headers(&[("x-forwarded-for", "203.0.113.7"), ("x-forwarded-for", "10.0.0.5")]);
        assert_eq!(client_ip(ip("127.0.0.1"), &two, &trusted), ip("203.0.113.7"));
        // A trusted proxy that says nothing is the client (a health check from the proxy itself).
        assert_eq!(client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted), ip("10.0.0.2"));
        // Garbage stops the walk at the last address we could read.
        assert_eq!(client_ip(ip("10.0.0.2"), &xff("1.2.3.4, nonsense"), &trusted), ip("10.0.0.2"));
        // RFC 7239, with ports and IPv6 brackets.
        let forwarded = headers(&[("forwarded", r#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https"#)]);
        assert_eq!(client_ip(ip("10.1.2.3"), &forwarded, &trusted), ip("2001:db8::7"));
        assert_eq!(client_ip(ip("10.0.0.2"), &xff("203.0.113.7:51000"), &trusted), ip("203.0.113.7"));
        // A dual-stack listener reports IPv4 peers mapped into IPv6.
        assert_eq!(client_ip(ip("::ffff:10.0.0.2"), &xff("203.0.113.7"), &trusted), ip("203.0.113.7"));
        // Nothing trusted: headers never count.
        assert_eq!(client_ip(ip("10.0.0.2"), &xff("203.0.113.7"), &[]), ip("10.0.0.2"));
    }

    #[test]
    fn caps_per_address_and_in_all_and_places_come_back() {
        let caps = Caps::new(2, 3);
        let a = ip("203.0.113.1");
        let first = caps.admit(Some(a)).unwrap();
        let _second = caps.admit(Some(a)).unwrap();
        assert_eq!(caps.admit(Some(a)).unwrap_err(), Refused::TooManyFromAddress);
        let _other = caps.admit(Some(ip("203.0.113.2"))).unwrap();
        assert_eq!(caps.admit(None).unwrap_err(), Refused::Full);
        drop(first);
        assert_eq!(caps.open(), 2);
        let _again = caps.admit(Some(a)).unwrap();
    }
}
