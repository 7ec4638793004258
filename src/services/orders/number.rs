//! Human-readable order numbers: `SF-20261201-K7QD2XMA`, the UTC date of the
//! order and 40 random bits in base32 (no 0/1/8/9 to misread as O/I/B/g).
//! Seeded orders are numbered `SF-00000001`, a shape these never take; the
//! `orders_number_key` unique index settles the rare random repeat, and the
//! insert then retries with a fresh number.

use chrono::{DateTime, Utc};
use data_encoding::BASE32_NOPAD;

/// A fresh candidate number for an order placed at `at`.
pub fn generate(at: DateTime<Utc>) -> String {
    let random: [u8; 5] = rand::random();
    format!(
        "SF-{}-{}",
        at.format("%Y%m%d"),
        BASE32_NOPAD.encode(&random)
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn numbers_carry_the_date_and_eight_random_characters() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 23, 59, 0).single();
        let number = at.map(generate).unwrap_or_default();
        let (date, random) = number
            .strip_prefix("SF-")
            .and_then(|rest| rest.split_once('-'))
            .unwrap_or_default();
        assert_eq!(date, "20261201");
        assert_eq!(random.len(), 8);
        assert!(
            random
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
    }
}
