//! Prints one customer access token per user id read from standard input,
//! signed with the `JWT_SECRET` (and `STOREFRONT_JWT_ISSUER`, `_AUDIENCE`,
//! `_ACCESS_TOKEN_TTL`) a server started with the same environment accepts.
//! `bench/place_order.sh` signs in its load-test customers this way instead
//! of one login round trip each.
//!
//!     printf '12\n13\n' | JWT_SECRET=... cargo run --release --example mint_tokens

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::Parser;
use storefront::{auth::Role, cli::Cli, startup};

fn main() -> anyhow::Result<()> {
    let settings = Cli::try_parse_from(["mint_tokens"])?.serve;
    anyhow::ensure!(
        settings.auth.jwt_secret.is_some() || settings.auth.private_key_file.is_some(),
        "set JWT_SECRET (or the key files) to the server's"
    );
    let keys = startup::key_ring(&settings)?;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let id: i64 = line
            .trim()
            .parse()
            .with_context(|| format!("not a user id: {line:?}"))?;
        let token = keys
            .issue(id, Role::Customer)
            .map_err(|_| anyhow::anyhow!("could not sign a token for user {id}"))?;
        writeln!(out, "{}", token.token)?;
    }
    Ok(())
}
