//! Review ratings.

use super::DomainError;

/// Lowest rating.
pub const RATING_MIN: i16 = 1;
/// Highest rating.
pub const RATING_MAX: i16 = 5;

/// Stars given in a review: 1 to 5. Field `rating`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rating(i16);

impl Rating {
    /// Checks a number of stars.
    pub fn new(stars: i32) -> Result<Self, DomainError> {
        i16::try_from(stars)
            .ok()
            .filter(|stars| (RATING_MIN..=RATING_MAX).contains(stars))
            .map(Self)
            .ok_or_else(|| {
                DomainError::new(
                    "rating",
                    format!("must be between {RATING_MIN} and {RATING_MAX}, got {stars}"),
                )
            })
    }

    /// The stars.
    pub fn get(self) -> i16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_run_from_one_to_five() {
        for stars in 1..=5 {
            assert_eq!(Rating::new(stars).map(Rating::get), Ok(stars as i16));
        }
        for bad in [0, 6, -1, i32::MIN, i32::MAX, 65_537] {
            let err = Rating::new(bad).expect_err("out of range");
            assert_eq!(err.field(), "rating", "{bad}");
        }
    }
}
