//! Refresh-token sessions: a family per sign-in, rotation on every use,
//! reuse detection, logout.
//!
//! Rules, all enforced under a lock on the family (its first row, `SELECT …
//! FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serializes
//! every writer), so both databases behave the same under concurrency:
//!
//! - A live token (not rotated, not revoked, not expired) is claimed with a
//!   conditional `UPDATE … WHERE rotated_at IS NULL AND revoked_at IS NULL`
//!   and exchanged for a new token of the same family.
//! - A family has at most one live token. A token rotated less than the
//!   grace window ago whose successor is still unused may be exchanged again
//!   (the client never received the answer): the unused successor is
//!   revoked and a new one minted in the same family.
//! - Any other presentation of a known token (rotated after the grace
//!   window, rotated with a successor already used, revoked) revokes the
//!   whole family, its newest token included.
//! - Logout revokes the family. Access tokens already issued live on until
//!   they expire.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};

use crate::{
    auth::{IssuedToken, KeyRing, Role, refresh},
    domain::clock,
    entities::{refresh_tokens, users},
    error::{AppError, AppResult},
};

/// What a sign-in or a refresh hands the client.
pub struct Session {
    /// The signed-in user.
    pub user_id: i64,
    /// A short-lived access token.
    pub access: IssuedToken,
    /// The opaque refresh token (only its hash is stored).
    pub refresh_token: String,
    /// When the refresh token expires unless rotated first.
    pub refresh_expires_at: DateTime<Utc>,
}

/// The result of presenting a refresh token. A refusal may have revoked a
/// family: commit the transaction either way.
pub enum RefreshOutcome {
    /// A new session in the same family.
    Rotated(Session),
    /// Unknown, expired, revoked or reused: `UNAUTHENTICATED`.
    Refused,
}

fn duration(value: std::time::Duration) -> AppResult<chrono::Duration> {
    chrono::Duration::from_std(value).map_err(AppError::internal)
}

/// Opens a new family for `user_id` (a login or registration).
#[tracing::instrument(skip(db, keys))]
pub async fn open_session<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role: Role,
    keys: &KeyRing,
) -> AppResult<Session> {
    let family = uuid::Uuid::new_v4().simple().to_string();
    mint(db, user_id, role, family, None, keys).await
}

/// Exchanges `presented` for a new session (see the module rules).
#[tracing::instrument(skip_all)]
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    presented: &str,
    keys: &KeyRing,
) -> AppResult<RefreshOutcome> {
    let Some(token) = find(db, presented).await? else {
        return Ok(RefreshOutcome::Refused);
    };
    if token.expires_at <= clock::now() {
        return Ok(RefreshOutcome::Refused);
    }
    lock_family(db, &token.family_id).await?;
    // Read the clock only once the lock is held: a refresh that waited for
    // a concurrent rotation must not see itself as earlier than it.
    let now = clock::now();
    if claim(db, token.id, now).await? {
        return rotate(db, &token, keys).await;
    }
    let grace = duration(keys.policy().refresh_reuse_grace)?;
    let state = refresh_tokens::Entity::find_by_id(token.id).one(db).await?;
    let within_grace = state.is_some_and(|state| {
        state.revoked_at.is_none() && state.rotated_at.is_some_and(|at| now < at + grace)
    });
    if within_grace && supersede_successor(db, token.id, now).await? {
        tracing::info!(
            family = %token.family_id,
            "rotated refresh token presented again within the grace window"
        );
        return rotate(db, &token, keys).await;
    }
    tracing::warn!(
        family = %token.family_id,
        user_id = token.user_id,
        "refresh token reused: revoking its family"
    );
    revoke_family(db, &token.family_id, now).await?;
    Ok(RefreshOutcome::Refused)
}

/// Revokes the family of `presented`. Unknown tokens change nothing, and
/// the caller answers the same either way.
#[tracing::instrument(skip_all)]
pub async fn logout<C: ConnectionTrait>(db: &C, presented: &str) -> AppResult<()> {
    if let Some(token) = find(db, presented).await? {
        lock_family(db, &token.family_id).await?;
        revoke_family(db, &token.family_id, clock::now()).await?;
    }
    Ok(())
}

async fn find<C: ConnectionTrait>(
    db: &C,
    presented: &str,
) -> AppResult<Option<refresh_tokens::Model>> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(refresh::hash(presented)))
        .one(db)
        .await?)
}

/// Serializes every change to one family behind a row lock on its first
/// token (a no-op clause on SQLite, whose writers are already serialized).
/// Statements after it see what earlier holders committed.
async fn lock_family<C: ConnectionTrait>(db: &C, family: &str) -> AppResult<()> {
    refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::Id)
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .order_by_asc(refresh_tokens::Column::Id)
        .limit(1)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(())
}

/// Marks a live token rotated; false when it was already rotated or revoked.
async fn claim<C: ConnectionTrait>(db: &C, id: i64, now: DateTime<Utc>) -> AppResult<bool> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RotatedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes the still-unused successor of `parent`; false when it has none
/// (its successor was already used, so the parent's holder is not the
/// client that lost the answer).
async fn supersede_successor<C: ConnectionTrait>(
    db: &C,
    parent: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::ParentId.eq(parent))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

async fn revoke_family<C: ConnectionTrait>(
    db: &C,
    family: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A successor of `parent` for its user with their role as it is now: a
/// demoted admin's next access token says `CUSTOMER`; a deleted user gets
/// nothing.
async fn rotate<C: ConnectionTrait>(
    db: &C,
    parent: &refresh_tokens::Model,
    keys: &KeyRing,
) -> AppResult<RefreshOutcome> {
    let role = users::Entity::find_by_id(parent.user_id)
        .select_only()
        .column(users::Column::Role)
        .into_tuple::<Role>()
        .one(db)
        .await?;
    let Some(role) = role else {
        return Ok(RefreshOutcome::Refused);
    };
    let session = mint(
        db,
        parent.user_id,
        role,
        parent.family_id.clone(),
        Some(parent.id),
        keys,
    )
    .await?;
    Ok(RefreshOutcome::Rotated(session))
}

async fn mint<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    role: Role,
    family_id: String,
    parent_id: Option<i64>,
    keys: &KeyRing,
) -> AppResult<Session> {
    let now = clock::now();
    let refresh_expires_at = now + duration(keys.policy().refresh_ttl)?;
    let refresh::NewRefreshToken { token, hash } = refresh::generate();
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family_id),
        parent_id: Set(parent_id),
        token_hash: Set(hash),
        expires_at: Set(refresh_expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(Session {
        user_id,
        access: keys.issue(user_id, role)?,
        refresh_token: token,
        refresh_expires_at,
    })
}
