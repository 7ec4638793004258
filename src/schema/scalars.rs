//! Our scalars: exact money (a `Decimal` string over integer minor units)
//! and points in time (`DateTime`, RFC 3339 in UTC). Both reject malformed
//! text during validation (`is_valid`), so that a bad amount or date is a
//! validation failure, never an error at execution.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use chrono::Utc;

/// Places after the decimal point in the store's currency.
const SCALE: u32 = 2;
const UNIT: i64 = 10_i64.pow(SCALE);

/// A decimal amount such as `"19.99"`, held as an integer count of hundredths
/// so that no float ever touches money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decimal(pub i64);

impl Decimal {
    /// Parses `"19"`, `"19.9"` or `"19.99"`; more places, exponents, signs
    /// other than a leading `-`, and anything out of range are rejected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("\"{text}\" is not a decimal amount such as \"19.99\"");
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(invalid());
        }
        if digits.contains('.') && fraction.is_empty() {
            return Err(invalid());
        }
        if fraction.len() > SCALE as usize {
            return Err(format!("\"{text}\" has more than {SCALE} decimal places"));
        }
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction_value: i64 = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<width$}", width = SCALE as usize);
            padded.parse().map_err(|_| invalid())?
        };
        let magnitude = whole
            .checked_mul(UNIT)
            .and_then(|w| w.checked_add(fraction_value))
            .ok_or_else(|| format!("\"{text}\" is out of range"))?;
        Ok(Self(if negative { -magnitude } else { magnitude }))
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let unit = UNIT.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            magnitude / unit,
            magnitude % unit,
            width = SCALE as usize
        )
    }
}

/// A decimal number sent as a string, e.g. `"19.99"`. Exact; never a float.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Decimal::parse(&text).map_err(InputValueError::custom),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    /// Lets validation reject a bad amount in variables, before execution.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if Decimal::parse(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// A point in time. Replaces async-graphql's chrono `DateTime` scalar,
/// which accepts any value during validation and fails only at execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub chrono::DateTime<Utc>);

impl Timestamp {
    /// Parses RFC 3339 text such as `"2026-11-23T10:00:00Z"`; any offset is
    /// accepted and converted to UTC.
    pub fn parse(text: &str) -> Result<Self, String> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|time| Self(time.with_timezone(&Utc)))
            .map_err(|err| format!("\"{text}\" is not an RFC 3339 date and time: {err}"))
    }
}

impl From<chrono::DateTime<Utc>> for Timestamp {
    fn from(time: chrono::DateTime<Utc>) -> Self {
        Self(time)
    }
}

impl From<Timestamp> for chrono::DateTime<Utc> {
    fn from(time: Timestamp) -> Self {
        time.0
    }
}

/// A point in time: an RFC 3339 string in UTC, e.g.
/// `"2026-11-23T10:00:00+00:00"`. Inputs may use any offset.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Timestamp::parse(&text).map_err(InputValueError::custom),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    /// Lets validation reject a bad date in literals and variables.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if Timestamp::parse(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// An exact amount in a currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// The amount, e.g. `"19.99"`.
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
}

impl Money {
    /// An amount in minor units of `currency`.
    pub fn from_cents(cents: i64, currency: &str) -> Self {
        Self {
            amount: Decimal(cents),
            currency: currency.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Decimal, Timestamp};

    #[test]
    fn timestamps_read_rfc3339_in_any_offset_and_print_utc() {
        let parsed = Timestamp::parse("2026-11-23T12:30:00+02:00").map(|time| time.0.to_rfc3339());
        assert_eq!(parsed.as_deref(), Ok("2026-11-23T10:30:00+00:00"));
        for text in [
            "",
            "x",
            "2026-11-23",
            "2026-02-30T00:00:00Z",
            "2026-11-23 10:00:00",
            "99999-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn decimal_round_trips_exact_amounts() {
        for (text, cents, shown) in [
            ("19.99", 1999, "19.99"),
            ("0.7", 70, "0.70"),
            ("5", 500, "5.00"),
            ("-1.05", -105, "-1.05"),
            ("0.00", 0, "0.00"),
        ] {
            let parsed = Decimal::parse(text).map_err(|e| e.to_string());
            assert_eq!(parsed, Ok(Decimal(cents)), "{text}");
            assert_eq!(Decimal(cents).to_string(), shown);
        }
    }

    #[test]
    fn decimal_rejects_inexact_or_malformed_text() {
        for text in [
            "1.999",
            "abc",
            "1e5",
            "",
            ".5",
            "5.",
            "+1",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert!(Decimal::parse(text).is_err(), "{text} should be rejected");
        }
    }
}
