//! Accounts: registration, password sign-in, and the refresh-token sessions
//! they open.

mod sessions;

pub use sessions::{RefreshOutcome, Session, logout, open_session, refresh};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::{
    auth::{Role, passwords},
    domain::{DisplayName, Email, Password, account::PASSWORD_MAX, clock},
    entities::users,
    error::{AppError, AppResult, DbResultExt, UniqueKey},
};

/// The unique key that makes a second account with the same email a
/// `CONFLICT`, decided by the database rather than a racy pre-check.
pub const USERS_EMAIL_KEY: UniqueKey = UniqueKey {
    name: "users_email_key",
    columns: "users.email",
};

/// A registration ready to insert: its password hashed.
pub struct NewAccount {
    email: Email,
    name: DisplayName,
    password_hash: String,
}

impl NewAccount {
    /// The email the account will have.
    pub fn email(&self) -> &str {
        self.email.as_str()
    }
}

/// Hashes the password of a registration. Runs before any transaction
/// opens: hashing is slow and must not hold the database's write lock.
pub async fn prepare_account(
    email: Email,
    name: DisplayName,
    password: Password,
) -> AppResult<NewAccount> {
    let password_hash = passwords::hash(password.into_secret()).await?;
    Ok(NewAccount {
        email,
        name,
        password_hash,
    })
}

/// Inserts the account with `role`; a taken email is `CONFLICT` on
/// `email`.
#[tracing::instrument(skip_all, fields(role = ?role))]
pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    account: NewAccount,
    role: Role,
) -> AppResult<users::Model> {
    let now = clock::now();
    users::ActiveModel {
        email: Set(account.email.into_string()),
        name: Set(account.name.into_string()),
        password_hash: Set(account.password_hash),
        role: Set(role),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .conflict_on(
        USERS_EMAIL_KEY,
        "email",
        "an account with this email already exists",
    )
}

/// The account that `email` and `password` sign in to. Every failure is
/// the same `UNAUTHENTICATED` after the same work: an unknown email (one
/// that is not even an address included, since no account can have it) is
/// checked against a dummy hash, so neither the answer nor its timing tells
/// whether the email is registered.
#[tracing::instrument(skip_all)]
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
) -> AppResult<(i64, Role)> {
    let denied = || AppError::unauthenticated("the email or password is incorrect");
    // No stored password is this long; refusing it bounds the hashing work
    // a request can cause, whatever the email.
    if password.chars().count() > PASSWORD_MAX {
        return Err(denied());
    }
    let account = match Email::parse(email) {
        Ok(email) => find_credentials(db, &email).await?,
        Err(_) => None,
    };
    let (stored, account) = match account {
        Some((id, hash, role)) => (Some(hash), Some((id, role))),
        None => (None, None),
    };
    let matches = passwords::verify(password.to_owned(), stored).await?;
    match account {
        Some(account) if matches => Ok(account),
        _ => Err(denied()),
    }
}

/// The id, password hash and role of the account with `email`.
async fn find_credentials<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> AppResult<Option<(i64, String, Role)>> {
    Ok(users::Entity::find()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::PasswordHash,
            users::Column::Role,
        ])
        .filter(users::Column::Email.eq(email.as_str()))
        .into_tuple::<(i64, String, Role)>()
        .one(db)
        .await?)
}
