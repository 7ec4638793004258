//! The one clock that timestamps data.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision both databases keep (microseconds), so
/// that a row returned by a write equals the row read back later. Every
/// timestamp that is stored, signed or compared with stored ones comes from
/// here; elapsed-time measurements use `tokio::time::Instant` instead.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    #[test]
    fn the_clock_keeps_whole_microseconds() {
        assert_eq!(super::now().nanosecond() % 1_000, 0);
    }
}
