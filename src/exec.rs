//! How long runs execute: progress counters and cancellation shared with another thread, and
//! thread pools of a chosen size. Written once and used by every long computation (Monte
//! Carlo projections, index uncertainty, run files) and by every front end (the CLI's progress
//! bar and Ctrl-C, the Python bindings' callbacks and `KeyboardInterrupt`).
//!
//! ```
//! use innodex::exec::{Progress, in_pool};
//! let progress = Progress::default();
//! progress.set_total(4);
//! let sum: u32 = in_pool(Some(2), || {
//!     progress.advance(4);
//!     (1..=4).sum()
//! })
//! .unwrap();
//! assert_eq!((sum, progress.done(), progress.total()), (10, 4, 4));
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use thiserror::Error;

/// Why a run could not be executed as asked.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// A thread count of zero.
    #[error("threads must be at least 1 (or None for all cores)")]
    ZeroThreads,
    /// The operating system refused the threads.
    #[error("cannot start {threads} threads: {reason}")]
    Pool {
        /// Threads asked for.
        threads: usize,
        /// The system's reason.
        reason: String,
    },
}

/// Progress of a running simulation, shared with another thread (e.g. a progress bar), and a
/// way to cancel it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    /// Chunks simulated so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }
    /// Chunks to simulate (all passes); 0 until the run has started.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }
    /// Asks the run to stop; it ends with its own "cancelled" error (e.g.
    /// [`crate::projection::ProjectionError::Cancelled`]).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed)
    }
    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
    /// Sets the number of work units to do. For other long computations (e.g. the index
    /// uncertainty analysis) that report through this same type, so that one progress bar
    /// and one cancellation path serve them all.
    pub fn set_total(&self, n: usize) {
        self.total.store(n, Ordering::Relaxed)
    }
    /// Adds `n` work units to do (a run that finds more work, e.g. an exact pass after a
    /// bracketed one).
    pub fn add_total(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts `n` more work units done (see [`Progress::set_total`]).
    pub fn advance(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    /// Sets the counters back to zero (cancellation is kept).
    pub fn reset(&self) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(0, Ordering::Relaxed);
    }
}

/// Runs `f` inside a dedicated rayon pool of `threads` threads (rayon's global pool when
/// `None`).
///
/// Why: a Dask worker, a test or any host running several computations side by side must cap
/// the native threads of each call, and rayon's global pool can be sized only once per process.
/// Every computation in innodex splits its work into fixed chunks with their own random
/// streams, so the cap changes the speed, never a number.
///
/// # Errors
/// [`ExecError::ZeroThreads`] for `Some(0)`; [`ExecError::Pool`] when the threads cannot start.
///
/// # Examples
/// ```
/// let n = innodex::exec::in_pool(Some(1), rayon::current_num_threads).unwrap();
/// assert_eq!(n, 1);
/// assert!(innodex::exec::in_pool(Some(0), || ()).is_err());
/// ```
pub fn in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, ExecError> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(ExecError::ZeroThreads),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("innodex-{i}"))
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| ExecError::Pool {
                threads: n,
                reason: e.to_string(),
            }),
    }
}

/// Maps `f` over `items` with a per-worker scratch value from `init`, in parallel on the
/// current rayon pool, or on the calling thread when there is only one item.
///
/// Why: handing one item to a rayon pool from outside it costs a thread wake-up and a wait
/// (tens of microseconds), more than a small Monte Carlo run takes; items carry their own
/// random streams, so where they run changes no number.
///
/// # Examples
/// ```
/// let squares = innodex::exec::map_chunks(vec![1u32, 2, 3], Vec::<u32>::new, |scratch, i, x| {
///     scratch.push(x);
///     (i, x * x)
/// });
/// assert_eq!(squares, vec![(0, 1), (1, 4), (2, 9)]);
/// ```
pub fn map_chunks<I: Send, S, T: Send>(
    items: Vec<I>,
    init: impl Fn() -> S + Send + Sync,
    f: impl Fn(&mut S, usize, I) -> T + Send + Sync,
) -> Vec<T> {
    let parallel = items.len() > 1;
    map_chunks_with(items, parallel, init, f)
}

/// [`map_chunks`], on the calling thread unless `parallel`: for a caller that knows its
/// whole work is small. Waking a pool's idle thread on another core costs this machine
/// 10–100 µs (most when that core has been idle), as much as a few small chunks take; the
/// numbers are the same either way.
///
/// # Examples
/// ```
/// let inline = innodex::exec::map_chunks_with(vec![1u32, 2, 3], false, || (), |_, i, x| (i, x * x));
/// let pooled = innodex::exec::map_chunks_with(vec![1u32, 2, 3], true, || (), |_, i, x| (i, x * x));
/// assert_eq!(inline, pooled);
/// ```
pub fn map_chunks_with<I: Send, S, T: Send>(
    items: Vec<I>,
    parallel: bool,
    init: impl Fn() -> S + Send + Sync,
    f: impl Fn(&mut S, usize, I) -> T + Send + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    if !parallel || items.len() <= 1 {
        let mut scratch = init();
        return items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(&mut scratch, i, x))
            .collect();
    }
    items
        .into_par_iter()
        .enumerate()
        .map_init(init, |s, (i, x)| f(s, i, x))
        .collect()
}
