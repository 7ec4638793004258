//! Event cursors: an outbox position, opaque to clients
//! (`base64url("Event:<position>")`), shared by every subscription.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    error::{AppError, AppResult},
    events::Resume,
};

const TAG: &str = "Event:";

/// The cursor of the event at `position`.
pub fn encode(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TAG}{position}"))
}

/// Where a subscription given `after` starts; a malformed cursor is
/// `BAD_USER_INPUT` on `after`.
pub fn resume(after: Option<&str>) -> AppResult<Resume> {
    let Some(cursor) = after else {
        return Ok(Resume::Live);
    };
    let malformed = || AppError::bad_input("after", format!("\"{cursor}\" is not an event cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let number = text.strip_prefix(TAG).ok_or_else(malformed)?;
    match number.parse::<i64>() {
        Ok(position) if position > 0 && !number.starts_with(['+', '0']) => {
            Ok(Resume::After(position))
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        assert_eq!(resume(Some(&encode(42))).ok(), Some(Resume::After(42)));
        assert_eq!(resume(None).ok(), Some(Resume::Live));
        let forged = [
            "",
            "42",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("Order:42"),
            &URL_SAFE_NO_PAD.encode("Event:-1"),
            &URL_SAFE_NO_PAD.encode("Event:042"),
            &URL_SAFE_NO_PAD.encode("Event:x"),
        ];
        for cursor in forged {
            assert!(resume(Some(cursor)).is_err(), "{cursor}");
        }
    }
}
