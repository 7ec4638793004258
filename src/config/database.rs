//! Where the data lives, and how many connections reach it.

use std::{fmt, time::Duration};

use clap::Args;

use super::parse;

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, for the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the URL names a PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl fmt::Display for DatabaseUrl {
    /// `scheme://user:***@host/…`: safe for logs and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str(&self.0);
        };
        match rest.split_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                write!(f, "{scheme}://{user}:***@{host}")
            }
            None => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

pub(super) fn database_url(text: &str) -> Result<DatabaseUrl, String> {
    Ok(DatabaseUrl(text.to_owned()))
}

/// The database and its connection pool; every command that touches data
/// takes these.
#[derive(Clone, Debug, Args)]
pub struct DatabaseSettings {
    /// Database to use: `sqlite://…` (embedded) or `postgres://…`.
    #[arg(
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "sqlite://storefront.db?mode=rwc",
        value_parser = database_url
    )]
    pub url: DatabaseUrl,

    /// Largest number of pooled database connections.
    #[arg(
        long = "db-max-connections",
        env = "STOREFRONT_DB_MAX_CONNECTIONS",
        default_value_t = 16
    )]
    pub max_connections: u32,

    /// How long to wait for a pooled connection (`5`, `500ms`) before
    /// failing the request; also the connect timeout.
    #[arg(
        long = "db-acquire-timeout-secs",
        env = "STOREFRONT_DB_ACQUIRE_TIMEOUT",
        default_value = "5s",
        value_parser = parse::duration
    )]
    pub acquire_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_hide_their_password_when_shown() {
        let url = DatabaseUrl::from("postgres://app:hunter2@db:5432/shop".to_owned());
        assert_eq!(url.to_string(), "postgres://app:***@db:5432/shop");
        assert!(!format!("{url:?}").contains("hunter2"));
        let plain = DatabaseUrl::from("sqlite://storefront.db?mode=rwc".to_owned());
        assert_eq!(plain.to_string(), "sqlite://storefront.db?mode=rwc");
    }
}
