//! The PostgreSQL schema's versioned migrations, and how database failures become SDK errors.
//!
//! Migrations are `multicloud-sync/migrations/N_*.sql`, embedded at build time and applied by
//! sqlx's migrator, which records them in `multicloud._sqlx_migrations` (see `sqlx.toml`)
//! under an advisory lock, so workers starting together apply each one once.
//!
//! - 1: snapshots, items, diffs, regions, accounts (the SQLite store's schema version 2).
//! - 2: the event outbox.
//! - 3: worker mode: accounts with their policies, and scheduled runs.

use std::fmt;

use multicloud_core::{Error, ErrorKind, Result};
use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgConnectOptions, PgPool};

/// The database as `host:port/database`: what errors and `Debug` name, never the password.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Target(String);

impl Target {
    pub(crate) fn of(options: &PgConnectOptions) -> Self {
        Target(format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        ))
    }

    /// For a URL that did not parse: nothing of it is repeated.
    pub(crate) fn unparsed() -> Self {
        Target("(unparsable database URL)".to_owned())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Applies the migrations this build knows; refuses a database a newer build migrated.
pub(crate) async fn migrate(pool: &PgPool, target: &Target) -> Result<()> {
    match sqlx::migrate!("./migrations").run(pool).await {
        Ok(()) => Ok(()),
        Err(MigrateError::VersionMissing(version)) => Err(Error::config(format!(
            "snapshot store {target}: the database has schema migration {version}, applied by \
             a newer multicloud; this build knows migrations up to {}",
            sqlx::migrate!("./migrations")
                .iter()
                .map(|m| m.version)
                .max()
                .unwrap_or(0)
        ))),
        Err(MigrateError::Execute(e)) => Err(db_error(target, "migrate the schema", e)),
        Err(e) => Err(Error::new(
            ErrorKind::Config,
            format!("snapshot store {target}: the schema cannot be migrated"),
        )
        .with_source(e)),
    }
}

/// The SDK error for `e`, met while trying to `doing` on `target`.
pub(crate) fn db_error(target: &Target, doing: &str, e: sqlx::Error) -> Error {
    let kind = kind_of(&e);
    let what = match kind {
        ErrorKind::Transient => "is unreachable or busy",
        ErrorKind::Config => "refused the request",
        _ => "returned data that does not decode",
    };
    Error::new(
        kind,
        format!("snapshot store {target} {what} (while trying to {doing})"),
    )
    .with_source(e)
}

/// Core has no storage kind; as for SQLite, the one whose documented action fits: try later
/// (Transient: connection lost, server shutting down, pool exhausted, serialization or
/// deadlock), fix the settings (Config: authentication, unknown database, permissions,
/// schema), or bad stored data (Decode).
pub(crate) fn kind_of(e: &sqlx::Error) -> ErrorKind {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            match code.get(..2).unwrap_or_default() {
                // connection exception, insufficient resources, operator intervention,
                // system error, transaction rollback (serialization failure, deadlock)
                "08" | "53" | "57" | "58" | "40" => ErrorKind::Transient,
                // authorization, invalid catalog (database does not exist), privileges,
                // syntax or undefined object
                "28" | "3D" | "42" | "3F" => ErrorKind::Config,
                "22" => ErrorKind::Decode,
                _ => ErrorKind::Transient,
            }
        }
        sqlx::Error::Configuration(_) | sqlx::Error::Tls(_) => ErrorKind::Config,
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. } => ErrorKind::Decode,
        _ => ErrorKind::Transient,
    }
}
