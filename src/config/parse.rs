//! Value parsers shared by the setting groups.

use std::time::Duration;

use secrecy::SecretString;

/// A duration as a bare number of seconds (`30`, the form every duration
/// setting has always accepted) or in humantime's notation (`30s`, `15m`,
/// `24h`, `500ms`).
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("`{text}` is too many seconds"));
    }
    humantime::parse_duration(text).map_err(|err| format!("`{text}` is not a duration: {err}"))
}

/// A duration (as [`duration`]) that must be above zero.
pub fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        Duration::ZERO => Err("must be above 0".to_owned()),
        duration => Ok(duration),
    }
}

/// A secret, wrapped at once so that no later `Debug` can print it.
pub fn secret(text: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_seconds_or_humantime() {
        assert_eq!(duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert_eq!(duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        for bad in ["", "-5", "ten", "5 parsecs", "99999999999999999999999"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }
}
