//! A real Postgres for the tests that need one (the throwaway cluster of `answerdesk-bench`, without
//! fsync). Without Postgres installed the test passes saying it skipped, unless
//! `CHAT_SERVER_REQUIRE_POSTGRES` is set, as `cargo xtask test` does.

pub use answerdesk_bench::postgres::Postgres;
use answerdesk_bench::postgres::{Durability, installed};

/// A started cluster, or `None` (skip) when Postgres is not installed and not required.
pub fn start() -> Option<Postgres> {
    if installed().is_none() {
        assert!(
            std::env::var_os("CHAT_SERVER_REQUIRE_POSTGRES").is_none(),
            "Postgres is required: apt-get install -y postgresql"
        );
        eprintln!("SKIPPED: no Postgres here (apt-get install -y postgresql)");
        return None;
    }
    Some(Postgres::start(Durability::Unflushed).unwrap_or_else(|e| panic!("{e:#}")))
}
