//! The multicloud demo: a full multi-cloud sync against the simulated clouds.
//!
//! Starts the simulated clouds, loads accounts from `accounts.toml`, verifies every key
//! (one is deliberately broken, and one is disabled, to show the diagnosis), syncs hosts and
//! cloud products with progress bars, prints the inventory, changes the simulated world and
//! syncs again to print the diff, then tails a few CloudTrail events from the simulated
//! S3 → SQS pipeline. Runs in seconds with no network.
//!
//! ```sh
//! cargo run -p multicloud-sdk --example demo
//! cargo run -p multicloud-sdk --example demo -- --hosts 2000 --db /tmp/inventory.sqlite
//! ```
//!
//! Exit codes as in the provider examples: 0 ok, 1 failure, 2 usage or configuration (an
//! accounts file that cannot be read or parsed, a database that cannot be opened).

mod audit;
mod clouds;
#[path = "../common/mod.rs"]
mod common;
mod config;
mod print;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use common::{Failure, Outcome};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use multicloud_sdk::sync::{
    MemoryStore, SnapshotStore, SqliteStore, SyncEngine, SyncEvent, SyncReport,
};
use multicloud_sdk::{CredentialStatus, Feature, StandardFeature};

/// Runs a full multi-cloud sync against the simulated clouds.
#[derive(Debug, Parser)]
#[command(
    after_help = "Exit codes: 0 ok; 1 a failure; 2 usage or configuration error (accounts file, database path)."
)]
struct Args {
    /// The accounts file (defaults to the bundled examples/demo/accounts.toml).
    #[arg(long)]
    accounts: Option<PathBuf>,
    /// Hosts per simulated cloud.
    #[arg(long, default_value_t = 240)]
    hosts: usize,
    /// Keep the inventory in this SQLite file instead of memory (survives restarts).
    #[arg(long)]
    db: Option<PathBuf>,
}

const BUNDLED_ACCOUNTS: &str = include_str!("accounts.toml");

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    common::exit(run(&args).await)
}

/// What went wrong setting up, in the user's terms: exit 2.
fn setup(message: String) -> Failure {
    Failure::Usage(message)
}

async fn run(args: &Args) -> Outcome {
    let (origin, text) = match &args.accounts {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                setup(format!(
                    "cannot read the accounts file {}: {e}; pass an existing file to \
                     --accounts, or leave it out for the bundled examples/demo/accounts.toml",
                    path.display()
                ))
            })?;
            (path.display().to_string(), text)
        }
        None => (
            "examples/demo/accounts.toml (bundled)".to_owned(),
            BUNDLED_ACCOUNTS.to_owned(),
        ),
    };
    let config = config::parse(&origin, &text).map_err(setup)?;
    let policy = Arc::new(config.policy);

    println!("== simulated clouds (127.0.0.1, {} hosts each)", args.hosts);
    let clouds = clouds::SimulatedClouds::start(args.hosts)
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the simulated clouds: {e}")))?;
    for cloud in clouds.all() {
        println!("  {:<8} {}", cloud.provider(), cloud.base_url());
    }

    println!("\n== verify {} accounts", config.accounts.len());
    let store: Arc<dyn SnapshotStore> = match &args.db {
        Some(path) => Arc::new(SqliteStore::open(path).await.map_err(|e| {
            let mut causes = Vec::new();
            let mut next = std::error::Error::source(&e);
            while let Some(c) = next {
                causes.push(c.to_string());
                next = c.source();
            }
            let cause = match causes.last() {
                Some(last) => format!(" ({last})"),
                None => String::new(),
            };
            setup(format!(
                "cannot open the SQLite inventory {}{cause}; check that its directory exists \
                 and is writable, or leave out --db to keep the inventory in memory",
                path.display()
            ))
        })?),
        None => Arc::new(MemoryStore::new()),
    };
    let mut engines = Vec::new();
    for account in &config.accounts {
        let provider = clouds
            .provider_for(account)
            .map_err(|e| setup(format!("{origin}: account {:?}: {e}", account.name)))?;
        let features: Vec<&dyn Feature> =
            account.features.iter().map(|f| f as &dyn Feature).collect();
        let report = provider.verify(&features).await?;
        print::verify(&report);
        if report.credential == CredentialStatus::Valid {
            engines.push(
                SyncEngine::builder(provider, policy.clone())
                    .with_store(store.clone())
                    .build()?,
            );
        }
    }

    println!("\n== first sync ({} usable accounts)", engines.len());
    let first = sync_all(&engines).await;
    first.iter().for_each(print::failures);
    println!("\n== inventory");
    for engine in &engines {
        print::inventory(&engine.inventory().await?);
    }

    println!("\n== the clouds change");
    for line in clouds.change_the_world(&config.accounts) {
        println!("  {line}");
    }

    println!("\n== second sync: diff");
    let second = sync_all(&engines).await;
    for report in &second {
        print::failures(report);
        print::diffs(report);
    }
    let totals = second
        .iter()
        .map(SyncReport::totals)
        .fold((0, 0, 0), |acc, t| {
            (acc.0 + t.added, acc.1 + t.removed, acc.2 + t.changed)
        });
    audit::show(&clouds, &config.accounts).await?;
    println!(
        "\n== done: {} added, {} removed, {} changed across {} accounts",
        totals.0,
        totals.1,
        totals.2,
        engines.len()
    );
    Ok(common::EXIT_OK)
}

/// Syncs every engine at once, one progress bar per account.
async fn sync_all(engines: &[SyncEngine]) -> Vec<SyncReport> {
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("  {prefix:<26} [{bar:30}] {pos}/{len} jobs {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let rounds = engines.iter().map(|engine| {
        let bar = bars.add(ProgressBar::new(0).with_style(style.clone()));
        bar.set_prefix(engine.account().to_string());
        let mut events = engine.events();
        let progress = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                match event {
                    SyncEvent::RoundStarted { jobs, .. } => bar.set_length(jobs as u64),
                    SyncEvent::Synced { .. } => bar.inc(1),
                    SyncEvent::SyncFailed { .. } => {
                        bar.inc(1);
                        bar.set_message("(with failures)");
                    }
                    SyncEvent::RoundFinished { .. } => {
                        bar.finish();
                        break;
                    }
                    _ => {}
                }
            }
        });
        async move {
            let report = engine
                .sync_now(&[&StandardFeature::Host, &StandardFeature::Cspm])
                .await;
            let _ = progress.await;
            report
        }
    });
    futures::future::join_all(rounds).await
}
