//! Histogram samples must not pile up in memory while nobody scrapes
//! `/metrics`. Its own test binary: the allocator counts every byte of the
//! process, so no other test may run beside it.

use std::{alloc::System, time::Duration};

use axum::http::Method;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Enough samples that keeping each one (16 bytes) would hold 8 MB.
const SAMPLES: usize = 500_000;

fn record_one_request() {
    storefront::metrics::record_http(&Method::POST, "/graphql", 200, Duration::from_micros(250));
}

#[test]
fn recording_many_samples_without_a_scrape_keeps_memory_bounded() {
    storefront::metrics::handle().expect("install the recorder");
    // Registers the metrics and sizes every lazily grown structure.
    for _ in 0..10_000 {
        record_one_request();
    }

    let region = Region::new(ALLOCATOR);
    for _ in 0..SAMPLES {
        record_one_request();
    }
    let change = region.change();

    let retained = change.bytes_allocated as isize - change.bytes_deallocated as isize
        + change.bytes_reallocated;
    assert!(
        retained < 1 << 20,
        "{retained} bytes still held after recording {SAMPLES} samples"
    );
}
