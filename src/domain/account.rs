//! What an account is made of: its email address and its password.

use email_address::{EmailAddress, Options};

use super::DomainError;

/// Longest accepted email address, in characters (the column's width).
pub const EMAIL_MAX: usize = 255;
/// Shortest accepted password, in characters.
pub const PASSWORD_MIN: usize = 10;
/// Longest accepted password, in characters (bounds the hashing work a
/// request can cause).
pub const PASSWORD_MAX: usize = 128;

/// An email address as stored: trimmed, lower-cased, at most 255
/// characters, a plain `local@domain.tld` (no display name, no IP literal).
/// Field `email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Normalizes `raw` and checks it.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        if email.chars().count() > EMAIL_MAX {
            return Err(DomainError::new(
                "email",
                format!("must have at most {EMAIL_MAX} characters"),
            ));
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        EmailAddress::parse_with_options(&email, options).map_err(|_| {
            DomainError::new(
                "email",
                "must be a valid email address such as name@example.com",
            )
        })?;
        Ok(Self(email))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalized address, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A new password: 10 to 128 characters, kept exactly as typed (spaces
/// included). Field `password`. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks the length of `raw`.
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&chars) {
            return Err(DomainError::new(
                "password",
                format!("the password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters"),
            ));
        }
        Ok(Self(raw))
    }

    /// The password itself, for hashing.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada.Lovelace@Example.COM ").map(Email::into_string),
            Ok("ada.lovelace@example.com".to_owned())
        );
        assert_eq!(
            Email::parse("ÄDA@BEISPIEL.DE").map(Email::into_string),
            Ok("äda@beispiel.de".to_owned())
        );
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain_with_a_dot() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "ada@[127.0.0.1]",
            "Ada <ada@example.com>",
            "ada@@example.com",
            "a da@example.com",
            "ada@example..com",
        ] {
            let err = Email::parse(bad).expect_err(bad);
            assert_eq!(err.field(), "email", "{bad:?}");
        }
    }

    #[test]
    fn emails_have_at_most_255_characters() {
        // Labels of at most 63 characters keep the domain itself valid.
        let domain = |len: usize| {
            let label = "d".repeat(60);
            let mut domain = std::iter::repeat_n(label.as_str(), len / 61 + 1)
                .collect::<Vec<_>>()
                .join(".");
            domain.truncate(len - 4);
            format!("{}.com", domain.trim_end_matches('.'))
        };
        let at_most = format!("ada@{}", domain(EMAIL_MAX - 4));
        assert_eq!(at_most.chars().count(), EMAIL_MAX);
        assert!(Email::parse(&at_most).is_ok(), "{at_most}");
        let over = format!("x{at_most}");
        let err = Email::parse(&over).expect_err("too long");
        assert_eq!(err.message(), "must have at most 255 characters");
    }

    #[test]
    fn passwords_have_10_to_128_characters_as_typed() {
        assert!(Password::parse("a".repeat(PASSWORD_MIN)).is_ok());
        assert!(Password::parse("ü".repeat(PASSWORD_MAX)).is_ok());
        assert!(
            Password::parse(" ".repeat(PASSWORD_MIN)).is_ok(),
            "not trimmed"
        );
        for bad in [
            String::new(),
            "a".repeat(PASSWORD_MIN - 1),
            "ü".repeat(PASSWORD_MAX + 1),
        ] {
            let err = Password::parse(bad).expect_err("refused");
            assert_eq!(err.field(), "password");
        }
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("correct horse battery".to_owned()).expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
    }
}
