//! The SQLite schema's versions, and the upgrade of older files in place.
//!
//! - 1: snapshots keyed by (region, feature): `host`, or `cspm` holding every product.
//! - 2: snapshots keyed by (region, resource kind), so a denied kind keeps its own snapshot.
//! - 3: adds `audit_checkpoint` (consumed audit-log objects); a version 2 file gains the
//!   empty table in place.
//! - 4: adds `snapshot_generations` (bumped by every snapshot write, so a page-by-page
//!   writer can tell that nobody replaced the snapshot it compared its pages with); an
//!   older file gains the empty table in place, and a missing row reads as generation 0.
//!   A build that reads only up to 3 refuses the file, since it would not bump them.
//! - 5: item texts in `item_texts`, shared by the snapshot rows (`snapshot_items` now names
//!   a text id, without a rowid) and history rows (`diffs.refs` = 1: items as text ids;
//!   `sqlite_texts.rs`). An older file's items move to texts of their own in place; its
//!   history rows keep their items whole (`refs` 0) and read as before. `pending_texts`
//!   (the id ranges of texts a first sync wrote and has not committed yet) was added to
//!   version 5 as a table created if missing: a build without it never writes such texts,
//!   and leaves those of another build alone.

use multicloud_core::Item;
use rusqlite::{params, Connection};

use crate::sqlite::{from_json, StoreError};
use crate::sqlite_texts::SnapshotRows;

/// The schema this build writes.
pub(crate) const SCHEMA_VERSION: i64 = 5;

/// Creates the tables of a new file, upgrades an older one, and refuses a newer one.
pub(crate) fn prepare(conn: &mut Connection, schema: &str) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    match version {
        0 | SCHEMA_VERSION => {
            conn.execute_batch(schema)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Ok(())
        }
        // Versions 2 to 4 differ only by tables the schema creates if missing, and all
        // keep each item's text in its snapshot row.
        2..=4 => from_v4(conn, schema),
        1 => from_v1(conn, schema),
        newer => Err(StoreError::Corrupt(format!(
            "the database has schema version {newer}, written by a newer multicloud; this \
             build reads versions up to {SCHEMA_VERSION}"
        ))),
    }
}

/// Splits each (region, feature) snapshot into one snapshot per kind, deriving the kind from
/// each stored item. All or nothing: one transaction.
fn from_v1(conn: &mut Connection, schema: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "ALTER TABLE snapshots RENAME TO snapshots_v1;
         ALTER TABLE snapshot_items RENAME TO snapshot_items_v1;
         ALTER TABLE diffs RENAME COLUMN feature TO kind;
         ALTER TABLE diffs ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;",
    )?;
    tx.execute_batch(schema)?;
    let rows: Vec<(String, String, String, String, String, String)> = tx
        .prepare(
            "SELECT s.provider, s.account, s.region, s.synced_at, i.item_key, i.item \
             FROM snapshot_items_v1 i JOIN snapshots_v1 s \
             USING (provider, account, region, feature)",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut moved = 0usize;
    {
        let mut snapshot =
            tx.prepare("INSERT OR IGNORE INTO snapshots VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for (provider, account, region, synced_at, key, json) in &rows {
            let kind = match from_json::<Item>(json) {
                Ok(decoded) => decoded.kind_id(),
                Err(e) => {
                    tracing::warn!(%provider, %account, %region, error = %e, "dropping a stored item that does not decode while upgrading the store");
                    continue;
                }
            };
            snapshot.execute(params![provider, account, region, kind, synced_at])?;
            // Keys were unique per (region, feature), so per (region, kind) too.
            SnapshotRows::new(&tx, (provider, account, region, &kind))
                .add(key, json, false, None)?;
            moved += 1;
        }
    }
    tx.execute_batch(
        "DROP TABLE snapshot_items_v1;
         DROP TABLE snapshots_v1;",
    )?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    tracing::info!(
        items = moved,
        "snapshot store upgraded to per-kind snapshots"
    );
    Ok(())
}

/// Moves each item's text out of its snapshot row into `item_texts` (the text keeps the
/// row's id), and marks the history rows as holding their items whole. All or nothing.
fn from_v4(conn: &mut Connection, schema: &str) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "ALTER TABLE snapshot_items RENAME TO snapshot_items_v4;
         ALTER TABLE diffs ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;",
    )?;
    tx.execute_batch(schema)?;
    let moved = tx.execute(
        "INSERT INTO item_texts (id, item, in_history) SELECT rowid, item, 0 FROM snapshot_items_v4",
        [],
    )?;
    tx.execute_batch(
        "INSERT INTO snapshot_items (provider, account, region, kind, item_key, text_id)
             SELECT provider, account, region, kind, item_key, rowid FROM snapshot_items_v4;
         DROP TABLE snapshot_items_v4;",
    )?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    tracing::info!(
        items = moved,
        "snapshot store upgraded to shared item texts"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The version 1 schema exactly as earlier builds created it.
    const V1: &str = "
CREATE TABLE accounts (provider TEXT NOT NULL, account TEXT NOT NULL, PRIMARY KEY (provider, account));
CREATE TABLE regions (provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    origin TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (provider, account, region));
CREATE TABLE snapshots (provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    feature TEXT NOT NULL, synced_at TEXT NOT NULL, PRIMARY KEY (provider, account, region, feature));
CREATE TABLE snapshot_items (provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    feature TEXT NOT NULL, item_key TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY (provider, account, region, feature, item_key));
CREATE TABLE diffs (id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL,
    account TEXT NOT NULL, region TEXT NOT NULL, feature TEXT NOT NULL,
    synced_at TEXT NOT NULL, diff TEXT NOT NULL);
CREATE INDEX diffs_by_account ON diffs (provider, account, id);
PRAGMA user_version = 1;
";

    #[test]
    fn a_version_1_file_is_split_into_kinds() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1).unwrap();
        let t = "2026-01-01T00:00:00Z";
        conn.execute(
            "INSERT INTO snapshots VALUES ('aws', 'prod', 'us-east-1', 'cspm', ?1)",
            [t],
        )
        .unwrap();
        let vpc = r#"{"kind":"resource","item":{"service":"ec2","resource_type":"vpc","id":"vpc-1","name":null,"region":"us-east-1","tags":{},"raw":null}}"#;
        let volume = r#"{"kind":"resource","item":{"service":"ec2","resource_type":"volume","id":"vol-1","name":null,"region":"us-east-1","tags":{},"raw":null}}"#;
        for (key, item) in [("k1", vpc), ("k2", volume), ("k3", "{not json")] {
            conn.execute(
                "INSERT INTO snapshot_items VALUES ('aws', 'prod', 'us-east-1', 'cspm', ?1, ?2)",
                [key, item],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO diffs (provider, account, region, feature, synced_at, diff) VALUES ('aws', 'prod', 'us-east-1', 'cspm', ?1, '{}')",
            [t],
        )
        .unwrap();

        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
        let kinds: Vec<(String, String)> = conn
            .prepare("SELECT kind, synced_at FROM snapshots ORDER BY kind")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            kinds,
            [
                ("ec2.volume".to_owned(), t.to_owned()),
                ("ec2.vpc".to_owned(), t.to_owned())
            ]
        );
        let items: i64 = conn
            .query_row("SELECT COUNT(*) FROM snapshot_items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            items, 2,
            "the row that does not decode is dropped, the rest kept"
        );
        let diff_kind: String = conn
            .query_row("SELECT kind FROM diffs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(diff_kind, "cspm");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        // Opening again is a no-op.
        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
    }

    /// The version 4 schema exactly as earlier builds created it (2 and 3 lack tables).
    const V4: &str = "
CREATE TABLE accounts (provider TEXT NOT NULL, account TEXT NOT NULL,
    PRIMARY KEY (provider, account));
CREATE TABLE regions (provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    origin TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (provider, account, region));
CREATE TABLE snapshots (provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    kind TEXT NOT NULL, synced_at TEXT NOT NULL, PRIMARY KEY (provider, account, region, kind));
CREATE TABLE snapshot_items (provider TEXT NOT NULL, account TEXT NOT NULL,
    region TEXT NOT NULL, kind TEXT NOT NULL, item_key TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY (provider, account, region, kind, item_key));
CREATE TABLE diffs (id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL,
    account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    synced_at TEXT NOT NULL, diff TEXT NOT NULL);
CREATE INDEX diffs_by_account ON diffs (provider, account, id);
CREATE TABLE audit_checkpoint (provider TEXT NOT NULL, account TEXT NOT NULL,
    source TEXT NOT NULL, entry TEXT NOT NULL, consumed_at INTEGER NOT NULL,
    PRIMARY KEY (provider, account, source, entry));
CREATE TABLE snapshot_generations (provider TEXT NOT NULL, account TEXT NOT NULL,
    region TEXT NOT NULL, kind TEXT NOT NULL, generation INTEGER NOT NULL,
    PRIMARY KEY (provider, account, region, kind));
CREATE INDEX audit_checkpoint_by_age ON audit_checkpoint (provider, account, source, consumed_at);
";

    /// A file of `version`: the version 4 schema without the tables later versions added.
    fn older_file(version: i64) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        let tables: String = V4
            .split(';')
            .filter(|stmt| version >= 4 || !stmt.contains("snapshot_generations"))
            .filter(|stmt| version >= 3 || !stmt.contains("audit_checkpoint"))
            .collect::<Vec<_>>()
            .join(";");
        conn.execute_batch(&tables).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        conn
    }

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_version_2_file_gains_the_audit_checkpoint_table_and_keeps_its_data() {
        let mut conn = older_file(2);
        conn.execute_batch("INSERT INTO accounts VALUES ('aws', 'prod');")
            .unwrap();
        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
        assert_eq!(count(&conn, "accounts"), 1);
        assert_eq!(count(&conn, "audit_checkpoint"), 0);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_version_3_file_gains_the_generations_table_and_keeps_its_data() {
        let mut conn = older_file(3);
        conn.execute_batch(
            "INSERT INTO snapshots VALUES ('aws', 'prod', 'us-east-1', 'host', 't');",
        )
        .unwrap();
        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
        assert_eq!(count(&conn, "snapshots"), 1);
        assert_eq!(
            count(&conn, "snapshot_generations"),
            0,
            "a missing row reads as generation 0"
        );
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_version_4_file_moves_its_item_texts_out_and_keeps_its_history_whole() {
        let mut conn = older_file(4);
        conn.execute_batch(
            r#"INSERT INTO snapshots VALUES ('aws', 'prod', 'r1', 'host', 't');
               INSERT INTO snapshot_items VALUES ('aws', 'prod', 'r1', 'host', '"k1"', '{"a":1}');
               INSERT INTO snapshot_items VALUES ('aws', 'prod', 'r1', 'host', '"k2"', '{"b":2}');
               INSERT INTO diffs (provider, account, region, kind, synced_at, diff)
                   VALUES ('aws', 'prod', 'r1', 'host', 't', '{"added":[]}');"#,
        )
        .unwrap();
        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
        let rows: Vec<(String, String, bool)> = conn
            .prepare(
                "SELECT i.item_key, t.item, t.in_history FROM snapshot_items i \
                 JOIN item_texts t ON t.id = i.text_id ORDER BY i.item_key",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (r#""k1""#.to_owned(), r#"{"a":1}"#.to_owned(), false),
                (r#""k2""#.to_owned(), r#"{"b":2}"#.to_owned(), false)
            ]
        );
        assert_eq!(count(&conn, "item_texts"), 2);
        let refs: i64 = conn
            .query_row("SELECT refs FROM diffs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(refs, 0, "an older history row keeps its items whole");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        // Opening again is a no-op.
        prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap();
        assert_eq!(count(&conn, "item_texts"), 2);
    }

    #[test]
    fn a_newer_file_is_refused_with_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 9).unwrap();
        let err = prepare(&mut conn, crate::sqlite::SCHEMA_FOR_TESTS).unwrap_err();
        assert!(err.to_string().contains("schema version 9"), "{err}");
    }
}
