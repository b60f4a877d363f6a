//! `multicloud-worker`: one sync worker process of worker mode (`docs/scale-out.md`).
//!
//! Configured by environment variables, so that a process manager can start any number:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `MULTICLOUD_DATABASE_URL` | `postgres://user:password@host:port/database` | required |
//! | `MULTICLOUD_WORKER_NAME` | shown in runs and logs | `worker-<pid>` |
//! | `MULTICLOUD_WORKER_CONCURRENCY` | accounts synced at once | 4 |
//! | `MULTICLOUD_WORKER_HEARTBEAT_MS`, `MULTICLOUD_WORKER_MISSED_HEARTBEATS` | a worker silent for their product is dead, its jobs run elsewhere | 10000, 3 |
//! | `MULTICLOUD_WORKER_SCHEDULE_MS` | how often due jobs are queued | 10000 |
//! | `MULTICLOUD_WORKER_BACKOFF_MS`, `MULTICLOUD_WORKER_MAX_BACKOFF_MS` | waits after a database failure | 1000, 60000 |
//! | `MULTICLOUD_WORKER_RETENTION_HOURS` | finished runs and ended queue jobs older than this are deleted (keep it at least the longest policy interval) | 168 |
//!
//! Keys come from each cloud's standard variables (`AWS_ACCESS_KEY_ID`, …), endpoints from
//! the accounts' `endpoint_url` setting ([`EnvProviderFactory`]). Stops on SIGINT or SIGTERM;
//! exit code 2 when the configuration is unusable.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use multicloud_sdk::worker::{EnvProviderFactory, SyncWorker, DEFAULT_HISTORY_RETENTION};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let Ok(url) = std::env::var("MULTICLOUD_DATABASE_URL") else {
        eprintln!(
            "multicloud-worker: set MULTICLOUD_DATABASE_URL=postgres://user:password@host:port/database"
        );
        return ExitCode::from(2);
    };
    let name = std::env::var("MULTICLOUD_WORKER_NAME")
        .unwrap_or_else(|_| format!("worker-{}", std::process::id()));
    let settings = (|| {
        Ok::<_, String>((
            number("MULTICLOUD_WORKER_CONCURRENCY", 4)?,
            number("MULTICLOUD_WORKER_HEARTBEAT_MS", 10_000)?,
            number("MULTICLOUD_WORKER_MISSED_HEARTBEATS", 3)?,
            number("MULTICLOUD_WORKER_SCHEDULE_MS", 10_000)?,
            number("MULTICLOUD_WORKER_BACKOFF_MS", 1_000)?,
            number("MULTICLOUD_WORKER_MAX_BACKOFF_MS", 60_000)?,
            number(
                "MULTICLOUD_WORKER_RETENTION_HOURS",
                DEFAULT_HISTORY_RETENTION.as_secs() / 3600,
            )?,
        ))
    })();
    let (concurrency, heartbeat, missed, schedule, backoff, max_backoff, retention) = match settings
    {
        Ok(values) => values,
        Err(message) => {
            eprintln!("multicloud-worker: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("multicloud-worker: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ms = |n: u64| Duration::from_millis(n);
    let worker = SyncWorker::builder(url, name, Arc::new(EnvProviderFactory))
        .with_concurrency(usize::try_from(concurrency).unwrap_or(usize::MAX))
        .with_heartbeat(ms(heartbeat), usize::try_from(missed).unwrap_or(usize::MAX))
        .with_schedule_every(ms(schedule))
        .with_backoff(ms(backoff), ms(max_backoff))
        .with_history_retention(Duration::from_secs(retention.saturating_mul(3600)))
        .build();
    runtime.block_on(worker.run(stop_signal()));
    ExitCode::SUCCESS
}

/// The variable `name` as a number, or `default` when unset.
fn number(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .parse()
            .map_err(|_| format!("{name}={text:?} is not a whole number")),
    }
}

/// Completes on SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
