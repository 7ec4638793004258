//! Accounts: registration, password sign-in, and the refresh-token sessions
//! they open.

mod sessions;

pub use sessions::{RefreshOutcome, Session, logout, open_session, refresh};

use email_address::{EmailAddress, Options};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::{
    auth::{Role, passwords},
    domain::clock,
    entities::users,
    error::{AppError, AppResult, DbResultExt, UniqueKey},
    schema::validate,
};

/// Longest accepted email address, in characters (the column's width).
pub const MAX_EMAIL_CHARS: usize = 255;
/// Longest accepted display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The unique key that makes a second account with the same email a
/// `CONFLICT`, decided by the database rather than a racy pre-check.
pub const USERS_EMAIL_KEY: UniqueKey = UniqueKey {
    name: "users_email_key",
    columns: "users.email",
};

/// A registration whose input passed every rule, its password hashed.
pub struct NewAccount {
    email: String,
    name: String,
    password_hash: String,
}

impl NewAccount {
    /// The normalized email the account will have.
    pub fn email(&self) -> &str {
        &self.email
    }
}

/// An email address as stored: trimmed, lower-cased, at most 255
/// characters, a plain `local@domain.tld` (no display name, no IP literal).
pub fn normalize_email(field: &str, raw: &str) -> AppResult<String> {
    let email = raw.trim().to_lowercase();
    let invalid = || {
        AppError::bad_input(
            field,
            "must be a valid email address such as name@example.com",
        )
    };
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("must have at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    let options = Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        allow_long_local_parts: false,
    };
    EmailAddress::parse_with_options(&email, options).map_err(|_| invalid())?;
    Ok(email)
}

/// Checks a registration (`input.email`, `input.name`, `input.password`, in
/// that order) and hashes its password. Runs before any transaction opens:
/// hashing is slow and must not hold the database's write lock.
pub async fn prepare_account(email: &str, name: &str, password: String) -> AppResult<NewAccount> {
    let email = normalize_email("input.email", email)?;
    let name = validate::text("input.name", name, 1, MAX_NAME_CHARS)?;
    passwords::validate(&password, "input.password")?;
    let password_hash = passwords::hash(password).await?;
    Ok(NewAccount {
        email,
        name,
        password_hash,
    })
}

/// Inserts the account with `role`; a taken email is `CONFLICT` on
/// `input.email`.
#[tracing::instrument(skip_all, fields(role = role.as_str()))]
pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    account: NewAccount,
    role: Role,
) -> AppResult<users::Model> {
    let now = clock::now();
    users::ActiveModel {
        email: Set(account.email),
        name: Set(account.name),
        password_hash: Set(account.password_hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .conflict_on(
        USERS_EMAIL_KEY,
        "input.email",
        "an account with this email already exists",
    )
}

/// The account that `email` and `password` sign in to. Every failure is
/// the same `UNAUTHENTICATED` after the same work: an unknown email is
/// checked against a dummy hash, so neither the answer nor its timing
/// tells whether the email is registered.
#[tracing::instrument(skip_all)]
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
) -> AppResult<(i64, Role)> {
    let denied = || AppError::unauthenticated("the email or password is incorrect");
    // No stored password is this long; refusing it bounds the hashing work
    // a request can cause, whatever the email.
    if password.chars().count() > passwords::MAX_PASSWORD_CHARS {
        return Err(denied());
    }
    let account = users::Entity::find()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::PasswordHash,
            users::Column::Role,
        ])
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .into_tuple::<(i64, String, String)>()
        .one(db)
        .await?;
    let (stored, account) = match account {
        Some((id, hash, role)) => (Some(hash), Some((id, role))),
        None => (None, None),
    };
    let matches = passwords::verify(password.to_owned(), stored).await?;
    match account {
        Some((id, role)) if matches => {
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("user {id} has an unknown role {role:?}"))
            })?;
            Ok((id, role))
        }
        _ => Err(denied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_need_a_domain_with_a_dot() {
        assert_eq!(
            normalize_email("e", "  Ada.Lovelace@Example.COM ").ok(),
            Some("ada.lovelace@example.com".to_owned())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "ada@[127.0.0.1]",
            "Ada <ada@example.com>",
            "ada@@example.com",
            "a da@example.com",
        ] {
            assert!(normalize_email("e", bad).is_err(), "{bad}");
        }
    }
}
