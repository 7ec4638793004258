//! user→email address: read apart from the cached public fields, for the
//! user themselves and admins only.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::DbLoader;
use crate::{error::AppError, services::read};

/// Key: the user whose address is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EmailOf(pub i64);

impl Loader<EmailOf> for DbLoader {
    type Value = String;
    type Error = AppError;

    async fn load(&self, keys: &[EmailOf]) -> Result<HashMap<EmailOf, String>, AppError> {
        let rows = read::users::emails(&self.db, keys.iter().map(|key| key.0)).await?;
        Ok(rows
            .into_iter()
            .map(|(id, email)| (EmailOf(id), email))
            .collect())
    }
}
