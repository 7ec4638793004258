//! The shapes that several domain types share: bounded text, bounded
//! numbers and dash-separated words. Private to the domain: outside it, only
//! the types that apply these rules exist.

use super::DomainError;

/// `value` trimmed, with `min..=max` characters (Unicode scalar values, not
/// bytes).
pub(super) fn text(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, DomainError> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if chars < min || chars > max {
        let rule = if min == 0 {
            format!("at most {max} characters")
        } else {
            format!("{min} to {max} characters")
        };
        return Err(DomainError::new(field, format!("must have {rule}")));
    }
    Ok(trimmed.to_owned())
}

/// Free text that may be left blank: trimmed, at most `max` characters,
/// `None` when nothing but whitespace is left.
pub(super) fn optional_text(
    field: &str,
    value: &str,
    max: usize,
) -> Result<Option<String>, DomainError> {
    let trimmed = text(field, value, 0, max)?;
    Ok((!trimmed.is_empty()).then_some(trimmed))
}

/// `value` within `min..=max`.
pub(super) fn in_range<T>(field: &str, value: T, min: T, max: T) -> Result<T, DomainError>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if value < min || value > max {
        return Err(DomainError::new(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}

/// Whether `value` is runs of `allowed` bytes joined by single dashes, with
/// no dash at either end.
pub(super) fn dashed_runs(value: &str, allowed: fn(u8) -> bool) -> bool {
    value
        .split('-')
        .all(|run| !run.is_empty() && run.bytes().all(allowed))
}
