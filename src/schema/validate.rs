//! Input rules written once: every mutation checks its input with these,
//! and every failure is `BAD_USER_INPUT` naming the field.

use crate::error::{AppError, AppResult};

/// `value` trimmed, with `min..=max` characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> AppResult<String> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if chars < min || chars > max {
        let rule = if min == 0 {
            format!("at most {max} characters")
        } else {
            format!("{min} to {max} characters")
        };
        return Err(AppError::bad_input(field, format!("must have {rule}")));
    }
    Ok(trimmed.to_owned())
}

/// `value` within `min..=max`.
pub fn in_range<T>(field: &str, value: T, min: T, max: T) -> AppResult<T>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if value < min || value > max {
        return Err(AppError::bad_input(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(text("name", "  Ada  ", 1, 3).ok(), Some("Ada".to_owned()));
        assert!(text("name", "   ", 1, 3).is_err());
        assert!(text("name", "Ädaé", 1, 3).is_err());
        assert!(in_range("q", 0, 1, 1000).is_err());
        assert_eq!(in_range("q", 1000, 1, 1000).ok(), Some(1000));
    }
}
