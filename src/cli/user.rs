//! `storefront user create`: accounts made from the command line (the
//! first admin, typically), with the same rules as `register`.

use std::io::{IsTerminal, Read};

use anyhow::bail;
use clap::{Args, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    auth::Role,
    cache::Cache,
    config::DatabaseSettings,
    db::{CountedConnection, OperationStats},
    domain::{DisplayName, Email, Password},
    error::AppError,
    schema::ids::{self, NodeKind},
    services::accounts,
    startup::connect,
};

/// What `storefront user` does.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account (a customer unless `--admin`) and print its global ID.
    Create(CreateUserArgs),
}

/// Flags of `storefront user create`.
#[derive(Args)]
pub struct CreateUserArgs {
    /// The account's email address.
    #[arg(long)]
    pub email: String,
    /// The display name.
    #[arg(long)]
    pub name: String,
    /// Make the account an administrator.
    #[arg(long)]
    pub admin: bool,
    /// Read the password from standard input (one trailing newline is
    /// dropped) instead of prompting for it twice.
    #[arg(long)]
    pub password_stdin: bool,
    /// The database to create it in.
    #[command(flatten)]
    pub database: DatabaseSettings,
}

/// Runs a `storefront user` command.
pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create(args) => create(args).await,
    }
}

async fn create(args: CreateUserArgs) -> anyhow::Result<()> {
    let password = read_password(args.password_stdin)?;
    let explain = |err: AppError| describe(&args, err);
    let email = Email::parse(&args.email).map_err(|err| explain(err.into()))?;
    let name = DisplayName::parse(&args.name).map_err(|err| explain(err.into()))?;
    let password = Password::parse(password).map_err(|err| explain(err.into()))?;
    let account = accounts::prepare_account(email, name, password)
        .await
        .map_err(explain)?;
    let role = if args.admin {
        Role::Admin
    } else {
        Role::Customer
    };
    let db = connect(&args.database).await?;
    Migrator::up(&db, None).await?;
    // A new account changes nothing a public response shows.
    let db = CountedConnection::new(
        db,
        std::sync::Arc::new(OperationStats::default()),
        Cache::off(),
    );
    let txn = db.begin_write().await?;
    let user = accounts::create_user(&txn, account, role)
        .await
        .map_err(explain)?;
    txn.commit().await?;
    println!("{}", ids::encode(NodeKind::User, user.id).0);
    Ok(())
}

/// The password from standard input, or typed twice at a terminal prompt.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        let line = text.strip_suffix('\n').unwrap_or(&text);
        return Ok(line.strip_suffix('\r').unwrap_or(line).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "standard input is not a terminal: pass --password-stdin to read the password from it"
        );
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(first)
}

/// An error as a command-line message; input errors and conflicts name
/// the flag the value came from (`--email: …`).
fn describe(args: &CreateUserArgs, err: AppError) -> anyhow::Error {
    if let AppError::Internal(cause) = &err {
        return anyhow::anyhow!("{cause:#}");
    }
    match err.field() {
        Some(field) => anyhow::anyhow!("{}: {}", args.source_of(field), err.client_message()),
        None => anyhow::anyhow!("{}", err.client_message()),
    }
}

impl CreateUserArgs {
    /// Where the value of a domain field came from on this command line.
    fn source_of(&self, field: &str) -> String {
        match field {
            "email" => "--email".to_owned(),
            "name" => "--name".to_owned(),
            "password" if self.password_stdin => "--password-stdin".to_owned(),
            "password" => "the password".to_owned(),
            other => other.to_owned(),
        }
    }
}
