//! `register`, `login`, `refreshToken`, `logout`: thin resolvers over
//! `services::accounts`, each write in one transaction.

use async_graphql::{Context, InputObject, Object};

use crate::{
    auth::Role,
    domain::{DisplayName, Email, Password},
    error::{AppError, AppResult},
    schema::{
        RequestContext,
        context::{data, loaders, required},
        loaders::UserId,
        scalars::Timestamp,
        types::{Row, User},
    },
    services::accounts::{self, RefreshOutcome, Session},
};

/// A new customer account.
#[derive(InputObject)]
pub struct RegisterInput {
    /// Trimmed and lower-cased; must be unique.
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    /// 1 to 100 characters, trimmed.
    pub name: String,
}

impl RegisterInput {
    /// Parses the fields, reporting the first bad one in the order email,
    /// name, password; fields are named relative to the input.
    fn parse(self) -> AppResult<(Email, DisplayName, Password)> {
        Ok((
            Email::parse(&self.email)?,
            DisplayName::parse(&self.name)?,
            Password::parse(self.password)?,
        ))
    }
}

/// Credentials of an existing account.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email (any case, surrounding spaces ignored).
    pub email: String,
    /// The account's password.
    pub password: String,
}

/// What signing in hands the client.
pub struct AuthPayload(Session);

#[Object(serial)]
impl AuthPayload {
    /// Short-lived access token: send it as `Authorization: Bearer <token>`.
    async fn access_token(&self) -> &str {
        &self.0.access.token
    }

    /// Opaque, single-use refresh token for `refreshToken` and `logout`.
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }

    /// When the access token expires.
    async fn expires_at(&self) -> Timestamp {
        self.0.access.expires_at.into()
    }

    /// When the refresh token expires unless it is used first.
    async fn refresh_token_expires_at(&self) -> Timestamp {
        self.0.refresh_expires_at.into()
    }

    /// The signed-in user (their email included).
    async fn user(&self, ctx: &Context<'_>) -> AppResult<Row<User>> {
        let row = loaders(ctx)?.load_one(UserId(self.0.user_id)).await?;
        let mut record = required(row, "signed-in user")?;
        record.just_authenticated = true;
        Ok(Row(User(record)))
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object(serial)]
impl AccountsMutation {
    /// Creates a customer account and signs it in. A taken email is
    /// `CONFLICT` on `input.email`.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> AppResult<AuthPayload> {
        let (email, name, password) = input.parse().map_err(|err| err.within("input"))?;
        let account = accounts::prepare_account(email, name, password).await?;
        let request = data::<RequestContext>(ctx)?;
        let txn = request.db.begin_write().await?;
        let user = accounts::create_user(&txn, account, Role::Customer)
            .await
            .map_err(|err| err.within("input"))?;
        let session = accounts::open_session(&txn, user.id, Role::Customer, &request.keys).await?;
        txn.commit().await?;
        Ok(AuthPayload(session))
    }

    /// Signs in with email and password. Any failure is the same
    /// `UNAUTHENTICATED`.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> AppResult<AuthPayload> {
        let request = data::<RequestContext>(ctx)?;
        let (user_id, role) =
            accounts::authenticate(&request.db, &input.email, &input.password).await?;
        let txn = request.db.begin_write().await?;
        let session = accounts::open_session(&txn, user_id, role, &request.keys).await?;
        txn.commit().await?;
        Ok(AuthPayload(session))
    }

    /// Exchanges a refresh token for a new pair; the presented token is
    /// used up. Presenting a used token again (after a short grace window)
    /// revokes every token of its sign-in.
    async fn refresh_token(&self, ctx: &Context<'_>, token: String) -> AppResult<AuthPayload> {
        let request = data::<RequestContext>(ctx)?;
        let txn = request.db.begin_write().await?;
        let outcome = accounts::refresh(&txn, &token, &request.keys).await?;
        // A refusal may have revoked a family: that must stick.
        txn.commit().await?;
        match outcome {
            RefreshOutcome::Rotated(session) => Ok(AuthPayload(session)),
            RefreshOutcome::Refused => Err(AppError::unauthenticated(
                "the refresh token is invalid, expired or revoked",
            )),
        }
    }

    /// Ends the sign-in that `refreshToken` belongs to: none of its refresh
    /// tokens work afterwards. Always `true`, so that the answer never
    /// tells whether a token exists.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> AppResult<bool> {
        let request = data::<RequestContext>(ctx)?;
        let txn = request.db.begin_write().await?;
        accounts::logout(&txn, &refresh_token).await?;
        txn.commit().await?;
        Ok(true)
    }
}
