//! A progress bar for loads that take more than a moment.
//!
//! The loaders count the bytes they read; a watcher thread shows them
//! against the files' total size on standard error, but only on a terminal
//! and only once half a second has passed, so quick loads stay quiet.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How long a load runs before its progress shows.
const QUIET_FOR: Duration = Duration::from_millis(500);
/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// A load being watched.
pub(crate) struct Progress {
    counter: Option<Arc<AtomicU64>>,
    done: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl Progress {
    /// Watches a load of `total` bytes.
    pub(crate) fn start(total: u64) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() || total == 0 {
            return Progress { counter: None, done, watcher: None };
        }
        let counter = Arc::new(AtomicU64::new(0));
        let watcher = {
            let (counter, done) = (counter.clone(), done.clone());
            std::thread::spawn(move || watch(total, &counter, &done))
        };
        Progress { counter: Some(counter), done, watcher: Some(watcher) }
    }

    /// The counter the loaders add to, when progress is shown.
    pub(crate) fn counter(&self) -> Option<Arc<AtomicU64>> {
        self.counter.clone()
    }

    /// Ends the watch and clears the bar.
    pub(crate) fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(watcher) = self.watcher.take() {
            // A watcher that panicked has nothing left to clear.
            let _ = watcher.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn watch(total: u64, counter: &AtomicU64, done: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < QUIET_FOR {
        if done.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(TICK);
    }
    let bar = ProgressBar::new(total).with_message("loading");
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style);
    }
    while !done.load(Ordering::Relaxed) {
        bar.set_position(counter.load(Ordering::Relaxed).min(total));
        std::thread::sleep(TICK);
    }
    bar.finish_and_clear();
}

/// The total size of the files, for the bar's length.
pub(crate) fn total_size<'a>(files: impl Iterator<Item = &'a std::path::PathBuf>) -> u64 {
    files.filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_off_a_terminal_and_sized_by_the_files() {
        // Under the test harness standard error is not a terminal: no bar,
        // no counter for the loaders to feed.
        let progress = Progress::start(1 << 30);
        assert!(progress.counter().is_none());
        progress.finish();

        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, [0u8; 10]).unwrap();
        std::fs::write(&b, [0u8; 32]).unwrap();
        let missing = dir.path().join("missing");
        assert_eq!(total_size([a, b, missing].iter()), 42);
    }
}
