//! Locking that outlives a panic elsewhere.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex` even when a thread panicked while holding it. Every mutex
/// of this crate guards plain data (counters, lists, maps of handles) that
/// a panic cannot leave torn, so serving on beats failing every later
/// request.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
