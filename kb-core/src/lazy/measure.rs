//! Counting what a search fetches, and in how many dependent round trips.
//!
//! [`Rounds`] is a [`ChunkSource`] that holds every request back until the search cannot go on without an
//! answer, then answers all of them at once: one round trip. So the count is exactly the number of times
//! a browser would wait for the network, whatever the latency, and it is the same on every run.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::future::BoxFuture;

use super::source::ChunkSource;

/// One round trip: the files requested together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Names of the files, in the order asked.
    pub files: Vec<String>,
    /// Their bytes.
    pub bytes: u64,
}

type Load = dyn Fn(&str) -> io::Result<Vec<u8>> + Send + Sync;

struct Request {
    name: String,
    answer: Mutex<Option<io::Result<Vec<u8>>>>,
    waker: Mutex<Option<Waker>>,
}

/// A source that answers requests one round trip at a time (see the module docs).
pub struct Rounds {
    load: Box<Load>,
    waiting: Mutex<Vec<Arc<Request>>>,
    log: Mutex<Vec<Round>>,
}

impl std::fmt::Debug for Rounds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rounds").field("rounds", &lock(&self.log).len()).finish_non_exhaustive()
    }
}

impl Rounds {
    /// Answers requests with `load` (reading a folder, say).
    pub fn new(load: impl Fn(&str) -> io::Result<Vec<u8>> + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Rounds {
            load: Box::new(load),
            waiting: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Runs `future` to its end, answering the requests it makes through this source round by round.
    ///
    /// Panics if the future waits for something other than this source (it would never finish).
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
            let waiting = std::mem::take(&mut *lock(&self.waiting));
            assert!(!waiting.is_empty(), "the search waits for something that is not this source");
            let mut round = Round::default();
            for request in waiting {
                let answer = (self.load)(&request.name);
                if let Ok(bytes) = &answer {
                    round.bytes += bytes.len() as u64;
                }
                round.files.push(request.name.clone());
                *lock(&request.answer) = Some(answer);
                if let Some(waker) = lock(&request.waker).take() {
                    waker.wake();
                }
            }
            lock(&self.log).push(round);
        }
    }

    /// The round trips since the last call, and forgets them.
    pub fn take(&self) -> Vec<Round> {
        std::mem::take(&mut *lock(&self.log))
    }
}

impl ChunkSource for Arc<Rounds> {
    fn fetch(&self, name: &str) -> BoxFuture<'static, io::Result<Vec<u8>>> {
        let request =
            Arc::new(Request { name: name.to_string(), answer: Mutex::new(None), waker: Mutex::new(None) });
        lock(&self.waiting).push(request.clone());
        Box::pin(std::future::poll_fn(move |context| match lock(&request.answer).take() {
            Some(answer) => Poll::Ready(answer),
            None => {
                *lock(&request.waker) = Some(context.waker().clone());
                Poll::Pending
            }
        }))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
