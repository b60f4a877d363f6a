//! The SQLite store's plumbing: its error type, JSON and time helpers, and the blocking-pool
//! call every statement runs in.

use multicloud_core::{Error, ErrorKind, Result};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::sqlite::SQLITE_BUSY_TIMEOUT;

pub(crate) fn format_time(t: OffsetDateTime) -> std::result::Result<String, StoreError> {
    t.format(&Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("unformattable time: {e}")))
}

pub(crate) fn parse_time(s: &str) -> std::result::Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|_| StoreError::Corrupt(format!("time {s:?}")))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> std::result::Result<String, StoreError> {
    serde_json::to_string(v).map_err(StoreError::Json)
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    s: &str,
) -> std::result::Result<T, StoreError> {
    serde_json::from_str(s).map_err(StoreError::Json)
}

/// Failures inside the store, mapped to the SDK's [`Error`] at the boundary.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("sqlite")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON does not decode")]
    Json(#[source] serde_json::Error),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// Another writer replaced the snapshot while a page-by-page writer was listing.
    #[error("{0}")]
    Replaced(String),
}

impl StoreError {
    /// Whether another connection held the lock past the busy timeout.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }

    /// The SDK error for a failure on `file`.
    pub(crate) fn into_error(self, file: &str) -> Error {
        if self.is_busy() {
            let waited = SQLITE_BUSY_TIMEOUT.as_millis();
            return Error::new(
                ErrorKind::Transient,
                format!(
                    "snapshot store {file} is locked by another connection (waited at most \
                     {waited} ms); the previous snapshot is kept"
                ),
            )
            .with_source(self);
        }
        if let StoreError::Replaced(why) = &self {
            return Error::new(
                ErrorKind::Transient,
                format!("snapshot store {file}: {why}"),
            );
        }
        Error::new(self.kind(), format!("snapshot store {file} failed")).with_source(self)
    }
}

impl StoreError {
    /// Core has no storage kind; this picks the one whose documented action fits best:
    /// a busy or locked database may succeed later (Transient), a file that cannot be
    /// opened or is not a database needs fixing (Config), bad stored data is Decode.
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => match f.code {
                rusqlite::ErrorCode::DatabaseBusy
                | rusqlite::ErrorCode::DatabaseLocked
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::OutOfMemory => ErrorKind::Transient,
                rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::NotADatabase
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::PermissionDenied
                | rusqlite::ErrorCode::DatabaseCorrupt => ErrorKind::Config,
                _ => ErrorKind::Transient,
            },
            StoreError::Sqlite(_) => ErrorKind::Transient,
            StoreError::Json(_) | StoreError::Corrupt(_) => ErrorKind::Decode,
            StoreError::Replaced(_) => ErrorKind::Transient,
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::new(e.kind(), "snapshot store failed").with_source(e)
    }
}

pub(crate) async fn blocking<T, F>(file: &str, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> std::result::Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(|e| e.into_error(file)),
        Err(join) => Err(Error::new(
            ErrorKind::Transient,
            "snapshot store: the database task did not finish",
        )
        .with_source(join)),
    }
}

/// JSON that serde_json wrote (so UTF-8), bound as SQL text as it is: `&str` would have to
/// be checked again first, byte by byte, for every item of every page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonText<'a>(pub(crate) &'a [u8]);

impl rusqlite::ToSql for JsonText<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(self.0),
        ))
    }
}
