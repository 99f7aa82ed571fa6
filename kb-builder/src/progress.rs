//! Stage lines and a progress bar on stderr. The bar only appears on a terminal; logs stay clean.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Reports what a long command is doing.
#[derive(Debug)]
pub struct Progress {
    quiet: bool,
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// `quiet` prints nothing at all.
    pub fn new(quiet: bool) -> Self {
        Progress { quiet, started: Instant::now(), bar: Mutex::new(None) }
    }

    /// Prints a finished stage with the time since the command started.
    pub fn stage(&self, message: &str) {
        if !self.quiet {
            eprintln!("[{:>6.2}s] {message}", self.started.elapsed().as_secs_f64());
        }
    }

    /// Starts a bar of `total` steps (terminal only).
    pub fn start(&self, label: &str, total: u64) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total).with_style(
            ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {per_sec}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        *self.bar.lock().expect("progress lock") = Some(bar);
    }

    /// Moves the bar.
    pub fn set(&self, done: u64) {
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.set_position(done);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}
