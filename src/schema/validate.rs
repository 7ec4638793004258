//! Input rules written once: every mutation checks its input with these,
//! and every failure is `BAD_USER_INPUT` naming the field.

use super::scalars::Decimal;
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

/// An amount of money from zero to `max_cents`, in cents.
pub fn amount(field: &str, value: Decimal, max_cents: i64) -> AppResult<i64> {
    if !(0..=max_cents).contains(&value.0) {
        return Err(AppError::bad_input(
            field,
            format!(
                "must be between 0.00 and {}, got {value}",
                Decimal(max_cents)
            ),
        ));
    }
    Ok(value.0)
}

/// Free text that may be left out: trimmed, at most `max` characters; blank
/// counts as absent.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let trimmed = text(field, value, 0, max)?;
    Ok((!trimmed.is_empty()).then_some(trimmed))
}

/// Whether `value` is runs of `allowed` bytes joined by single dashes, with
/// no dash at either end.
fn dashed_runs(value: &str, allowed: fn(&u8) -> bool) -> bool {
    value
        .split('-')
        .all(|run| !run.is_empty() && run.bytes().all(|b| allowed(&b)))
}

/// A URL slug: trimmed, `1..=max` characters matching
/// `^[a-z0-9]+(-[a-z0-9]+)*$`.
pub fn slug(field: &str, value: &str, max: usize) -> AppResult<String> {
    let slug = text(field, value, 1, max)?;
    if !dashed_runs(&slug, |b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return Err(AppError::bad_input(
            field,
            format!(
                "\"{slug}\" is not a slug: use lower-case letters and digits separated by single dashes"
            ),
        ));
    }
    Ok(slug)
}

/// The `given` slug checked with [`slug`] or, when absent, one derived from
/// `name` (transliterated to ASCII, lower-cased, dash-separated, cut to `max`
/// characters); a name that yields no slug is an error on `field`.
pub fn slug_or_derived(
    field: &str,
    given: Option<&str>,
    name: &str,
    max: usize,
) -> AppResult<String> {
    if let Some(given) = given {
        return slug(field, given, max);
    }
    let mut derived = ::slug::slugify(name);
    derived.truncate(max);
    let derived = derived.trim_end_matches('-');
    if derived.is_empty() {
        return Err(AppError::bad_input(
            field,
            "no slug can be derived from the name; pass one",
        ));
    }
    Ok(derived.to_owned())
}

/// A stock-keeping unit: trimmed, `1..=max` characters matching
/// `^[A-Z0-9]+(-[A-Z0-9]+)*$`.
pub fn sku(field: &str, value: &str, max: usize) -> AppResult<String> {
    let sku = text(field, value, 1, max)?;
    if !dashed_runs(&sku, |b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return Err(AppError::bad_input(
            field,
            format!(
                "\"{sku}\" is not a SKU: use upper-case letters and digits separated by single dashes"
            ),
        ));
    }
    Ok(sku)
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

    #[test]
    fn slugs_and_skus_are_dash_separated_runs() {
        assert_eq!(
            slug("s", " desk-lamp-2 ", 20).ok(),
            Some("desk-lamp-2".to_owned())
        );
        for bad in [
            "",
            "Desk",
            "desk--lamp",
            "-desk",
            "desk-",
            "desk lamp",
            "déjà",
        ] {
            assert!(slug("s", bad, 20).is_err(), "{bad}");
        }
        assert!(slug("s", "abcdef", 5).is_err());
        assert_eq!(sku("s", "LAMP-01", 64).ok(), Some("LAMP-01".to_owned()));
        for bad in ["lamp-01", "LAMP_01", "LAMP--01", "-LAMP"] {
            assert!(sku("s", bad, 64).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_missing_slug_is_derived_from_the_name() {
        let derived = |name: &str, max| slug_or_derived("s", None, name, max).ok();
        assert_eq!(
            derived("Café Crème  Lamp!", 120),
            Some("cafe-creme-lamp".to_owned())
        );
        assert_eq!(derived("Desk Lamp", 5), Some("desk".to_owned()));
        assert_eq!(derived("!!!", 120), None);
        assert_eq!(
            slug_or_derived("s", Some("given"), "Desk Lamp", 120).ok(),
            Some("given".to_owned())
        );
    }

    #[test]
    fn blank_optional_text_is_absent() {
        assert_eq!(optional_text("r", Some("  "), 5).ok(), Some(None));
        assert_eq!(optional_text("r", None, 5).ok(), Some(None));
        assert!(optional_text("r", Some("too long"), 5).is_err());
    }
}
