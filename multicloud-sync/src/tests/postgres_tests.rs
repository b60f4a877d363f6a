//! What only the PostgreSQL store does: versioned migrations, the outbox, credentials kept out
//! of errors. Each test gets its own database on the server `.ci/postgres.sh` starts.

use std::sync::Arc;

use multicloud_core::{Error, ErrorKind, ProviderKind};
use sqlx::{Connection, Executor, PgConnection};

use super::fake::host;
use super::store_suite::{account, snapshot, HOST};
use crate::{DiffRecord, PostgresSnapshotStore, SnapshotStore, SyncEvent};

/// The server's URL, or `None` outside CI when none is configured (the reason is printed).
fn server_url() -> Option<String> {
    match std::env::var("MULTICLOUD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "MULTICLOUD_TEST_POSTGRES_URL is not set although CI is: .ci/run sources \
             .ci/postgres.sh, which starts PostgreSQL and sets it"
        ),
        _ => {
            eprintln!(
                "PostgreSQL test not run: MULTICLOUD_TEST_POSTGRES_URL is not set \
                 (`source .ci/postgres.sh` starts a throwaway server and sets it)"
            );
            None
        }
    }
}

/// A new, empty database named after `case`; its URL.
pub(crate) async fn fresh_database(case: &str) -> Option<String> {
    let url = server_url()?;
    let name = format!("mc_sync_{case}_{}", std::process::id()).to_lowercase();
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .unwrap();
    let (server, _) = url.rsplit_once('/').unwrap();
    Some(format!("{server}/{name}"))
}

fn assert_no_secret(err: &Error, secret: &str) {
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err.report().to_string(),
    ] {
        assert!(!shown.contains(secret), "the password leaked: {shown}");
    }
}

#[tokio::test]
async fn database_passwords_never_show_in_debug_or_errors() {
    let Some(url) = fresh_database("secrets").await else {
        return;
    };
    // Nothing listens on port 1: unreachable, try later.
    let secret = "pw-marker-6f1c";
    let err = PostgresSnapshotStore::connect(&format!("postgres://u:{secret}@127.0.0.1:1/db"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{}", err.report());
    assert!(err.to_string().contains("127.0.0.1:1/db"), "{err}");
    assert_no_secret(&err, secret);

    // The server refuses a wrong password: fix the settings.
    let wrong = url.replacen("://postgres:", &format!("://postgres:{secret}"), 1);
    let err = PostgresSnapshotStore::connect(&wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{}", err.report());
    assert_no_secret(&err, secret);

    let store = PostgresSnapshotStore::connect(&url).await.unwrap();
    let password = url.split(':').nth(2).unwrap().split('@').next().unwrap();
    assert!(!format!("{store:?}").contains(password), "{store:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_starting_together_apply_each_migration_once() {
    let Some(url) = fresh_database("migrate").await else {
        return;
    };
    let stores =
        futures::future::join_all((0..4).map(|_| PostgresSnapshotStore::connect(&url))).await;
    for store in &stores {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM multicloud._sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(versions, [1, 2, 3]);
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_build_is_refused() {
    let Some(url) = fresh_database("newer").await else {
        return;
    };
    PostgresSnapshotStore::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    conn.execute(
        "INSERT INTO multicloud._sqlx_migrations \
         (version, description, success, checksum, execution_time) \
         VALUES (99, 'from the future', true, '\\x00', 0)",
    )
    .await
    .unwrap();
    let err = PostgresSnapshotStore::connect(&url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{}", err.report());
    assert!(err.message().contains("schema migration 99"), "{err}");
}

#[tokio::test]
async fn the_outbox_has_each_diff_once_in_order_with_failures() {
    let Some(url) = fresh_database("outbox").await else {
        return;
    };
    let store = PostgresSnapshotStore::connect(&url).await.unwrap();
    let prod = account(ProviderKind::Aws, "prod");
    let first = snapshot(1, vec![host("r1", "a").into()]);
    store
        .replace_snapshot(&prod, "r1", HOST, &first)
        .await
        .unwrap();
    // The same listing again (a retried job): no second event.
    store
        .replace_snapshot(&prod, "r1", HOST, &first)
        .await
        .unwrap();
    let second = snapshot(2, vec![host("r1", "a").into(), host("r1", "b").into()]);
    store
        .replace_snapshot(&prod, "r1", HOST, &second)
        .await
        .unwrap();
    let failure = SyncEvent::SyncFailed {
        account: prod.clone(),
        region: Some("r2".into()),
        kind: Some(HOST.into()),
        error: Arc::new(Error::new(ErrorKind::Throttled, "slow down")),
    };
    assert!(store.record_event(&failure).await.unwrap());

    let events = store.outbox(0, 100).await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["synced", "synced", "sync_failed"]);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    let record: DiffRecord = serde_json::from_str(&events[1].payload).unwrap();
    assert_eq!(record.diff.added.len(), 1);
    assert_eq!(record.region, "r1");
    assert!(
        events[2].payload.contains("slow down"),
        "{}",
        events[2].payload
    );
    // Reading on from the last id seen.
    assert_eq!(store.outbox(events[1].id, 100).await.unwrap().len(), 1);
    // Trimmed through the second event: the third is left, and reads the same.
    assert_eq!(store.trim_outbox(events[1].id).await.unwrap(), 2);
    let left = store.outbox(0, 100).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, events[2].id);
    assert_eq!(store.trim_outbox(events[1].id).await.unwrap(), 0);
}

#[tokio::test]
async fn one_stored_row_that_no_longer_decodes_never_fails_the_inventory() {
    let Some(url) = fresh_database("undecodable").await else {
        return;
    };
    let store = PostgresSnapshotStore::connect(&url).await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let snap = snapshot(0, vec![host("r1", "i-1").into(), host("r1", "i-2").into()]);
    store.replace_snapshot(&a, "r1", HOST, &snap).await.unwrap();
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let changed =
        sqlx::query("UPDATE multicloud.snapshot_items SET item = $1 WHERE item LIKE '%i-2%'")
            .bind(deep)
            .execute(&mut conn)
            .await
            .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let inventory = store.inventory(&a).await.unwrap();
    let ids: Vec<&str> = inventory.hosts().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["i-1"]);
}

/// The history keeps the newest records, cut back in batches, per account; the outbox
/// keeps every event.
#[tokio::test]
async fn the_history_keeps_the_newest_records_of_each_account() {
    let Some(url) = fresh_database("history_limit").await else {
        return;
    };
    let store = PostgresSnapshotStore::connect(&url)
        .await
        .unwrap()
        .with_history_limit(4);
    assert_eq!(store.history_limit(), 4);
    let (prod, dev) = (
        account(ProviderKind::Aws, "prod"),
        account(ProviderKind::Aws, "dev"),
    );
    let listing = |at: i64| snapshot(at, vec![host("r1", &format!("h{at}")).into()]);
    store
        .replace_snapshot(&dev, "r1", HOST, &listing(0))
        .await
        .unwrap();
    let mut kept = Vec::new();
    for at in 1..=8 {
        store
            .replace_snapshot(&prod, "r1", HOST, &listing(at))
            .await
            .unwrap();
        kept.push(store.diffs(&prod, 100).await.unwrap().len());
    }
    // At most limit + limit / 4 = 5; the sixth record cuts it back to 4.
    assert_eq!(kept, [1, 2, 3, 4, 5, 4, 5, 4]);
    let newest = store.diffs(&prod, 100).await.unwrap();
    let added: Vec<i64> = newest
        .iter()
        .map(|r| (r.synced_at - snapshot(0, vec![]).synced_at).whole_minutes())
        .collect();
    assert_eq!(added, [8, 7, 6, 5]);
    assert_eq!(store.diffs(&dev, 100).await.unwrap().len(), 1);
    assert_eq!(store.outbox(0, 100).await.unwrap().len(), 9);
}

/// Finished runs and ended jobs older than the retention go; running runs, pending jobs,
/// recent ones and other queues' jobs stay.
#[tokio::test]
async fn old_worker_runs_and_ended_jobs_are_pruned() {
    let Some(url) = fresh_database("prune_workers").await else {
        return;
    };
    let store = PostgresSnapshotStore::connect(&url).await.unwrap();
    apalis_postgres::PostgresStorage::setup(&store.pool)
        .await
        .unwrap();
    let day = "interval '1 day'";
    let runs = [
        ("old", format!("now() - 8 * {day}")),
        ("recent", format!("now() - {day}")),
        ("running", "NULL".to_owned()),
    ];
    for (feature, finished) in &runs {
        let sql = format!(
            "INSERT INTO multicloud.worker_runs (provider, account, feature, slot, worker, \
             attempts, started_at, finished_at) \
             VALUES ('aws', 'prod', '{feature}', 1, 'w', 1, now() - 9 * {day}, {finished})"
        );
        store.pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    let jobs = [
        (
            "done-old",
            "multicloud-sync",
            "Done",
            1,
            "now() - 8 * interval '1 day'",
        ),
        (
            "killed-old",
            "multicloud-sync",
            "Killed",
            1,
            "now() - 8 * interval '1 day'",
        ),
        (
            "failed-last-old",
            "multicloud-sync",
            "Failed",
            25,
            "now() - 8 * interval '1 day'",
        ),
        (
            "failed-retrying-old",
            "multicloud-sync",
            "Failed",
            2,
            "now() - 8 * interval '1 day'",
        ),
        ("pending", "multicloud-sync", "Pending", 0, "NULL"),
        (
            "done-recent",
            "multicloud-sync",
            "Done",
            1,
            "now() - interval '1 day'",
        ),
        (
            "other-queue-old",
            "someone-else",
            "Done",
            1,
            "now() - 8 * interval '1 day'",
        ),
    ];
    for (id, queue, status, attempts, done) in jobs {
        let sql = format!(
            "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, done_at) \
             VALUES ('\\x00', '{id}', '{queue}', '{status}', {attempts}, 25, {done})"
        );
        store.pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }

    let pruned = store
        .prune_worker_history(std::time::Duration::from_secs(7 * 24 * 3600))
        .await
        .unwrap();
    assert_eq!((pruned.runs, pruned.jobs), (1, 3));
    let left: Vec<String> = store
        .worker_runs()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.feature)
        .collect();
    assert_eq!(left, ["recent", "running"]);
    let mut jobs: Vec<String> = sqlx::query_scalar("SELECT id FROM apalis.jobs ORDER BY id")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    jobs.sort();
    assert_eq!(
        jobs,
        [
            "done-recent",
            "failed-retrying-old",
            "other-queue-old",
            "pending"
        ]
    );
    // Nothing more to delete.
    let again = store
        .prune_worker_history(std::time::Duration::from_secs(7 * 24 * 3600))
        .await
        .unwrap();
    assert_eq!((again.runs, again.jobs), (0, 0));
}
