//! The `audit` subcommand every cloud with audit-log intake shares: tail the events of an
//! [`AuditLogSource`] as they arrive (a table, or JSON lines with `--output json`), from
//! `--since`, up to `--max`, and with `--follow` until interrupted; `--check` prints the
//! source's readiness instead (exit 3 when a step failed).

use std::sync::{Arc, Mutex};

use multicloud_sdk::audit::AuditConsumer;
use multicloud_sdk::{AuditEvent, AuditLogSource, Clock, SystemClock};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::*;

/// How `audit` tails a source (flatten into a cloud's own `audit` subcommand).
#[derive(Debug, Clone, Args)]
pub(crate) struct TailOptions {
    /// Only events at or after this time: RFC 3339 (2026-03-01T10:00:00Z) or an age
    /// (30m, 2h, 1d); older events are acknowledged without being shown.
    #[arg(long, value_parser = parse_since)]
    pub(crate) since: Option<OffsetDateTime>,
    /// Stop after this many events.
    #[arg(long)]
    pub(crate) max: Option<u64>,
    /// Keep waiting for new events until interrupted (default: stop once the source has
    /// been quiet for --idle).
    #[arg(long)]
    pub(crate) follow: bool,
    /// Without --follow: how long the source must be quiet before the tail ends.
    #[arg(long, value_parser = parse_age, default_value = "25s")]
    pub(crate) idle: std::time::Duration,
    /// Check that intake can run (queue, permissions, readable logs) and print each step
    /// with its fix, consuming nothing.
    #[arg(long)]
    pub(crate) check: bool,
}

/// Tails `source` (or checks it) as `options` say; prints to stdout in `output`'s form.
pub(crate) async fn run_audit(
    output: Output,
    source: &dyn AuditLogSource,
    options: &TailOptions,
) -> Outcome {
    if options.check {
        let check = source.check().await?;
        match output {
            Output::Json => println!("{}", to_json(&check)),
            Output::Table => print!("{check}"),
        }
        return Ok(if check.is_ready() {
            EXIT_OK
        } else {
            EXIT_NOT_READY
        });
    }
    let mut consumer = AuditConsumer::new(source);
    if let Some(since) = options.since {
        consumer = consumer.with_since(since);
    }
    if let Some(max) = options.max {
        consumer = consumer.with_max_events(max);
    }
    if output == Output::Table {
        println!("{}", table_header());
    }
    let last = Arc::new(Mutex::new(std::time::Instant::now()));
    let seen = last.clone();
    let idle = (!options.follow).then_some(options.idle);
    let stop = async move {
        let Some(idle) = idle else {
            return std::future::pending().await;
        };
        loop {
            let quiet = last.lock().map(|t| t.elapsed()).unwrap_or_default();
            if quiet >= idle {
                return;
            }
            tokio::time::sleep(idle - quiet).await;
        }
    };
    let summary = consumer
        .run(
            move |event: AuditEvent| {
                if let Ok(mut t) = seen.lock() {
                    *t = std::time::Instant::now();
                }
                print_event(output, &event);
                async { Ok::<(), std::io::Error>(()) }
            },
            stop,
        )
        .await;
    match summary {
        Ok(summary) => {
            eprintln!(
                "{} events ({} repeats dropped, {} before --since)",
                summary.delivered, summary.duplicates, summary.skipped
            );
            Ok(EXIT_OK)
        }
        Err(multicloud_sdk::ConsumeError::Source(e)) => Err(Failure::Sdk(e)),
        Err(other) => Err(Failure::Usage(other.to_string())),
    }
}

/// The table's header line.
pub(crate) fn table_header() -> String {
    format!(
        "{:<20}  {:<30}  {:<24}  {:<44}  {:<15}  {:<14}  RO",
        "TIME", "EVENT", "SOURCE", "PRINCIPAL", "SOURCE IP", "REGION"
    )
}

/// One event: a table row, or one JSON document on one line.
pub(crate) fn print_event(output: Output, event: &AuditEvent) {
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string(event).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        ),
        Output::Table => println!("{}", table_row(event)),
    }
}

/// One event as a table row.
pub(crate) fn table_row(event: &AuditEvent) -> String {
    let time = event
        .time
        .format(&Rfc3339)
        .unwrap_or_else(|_| event.time.to_string());
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let read_only = match event.read_only {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    format!(
        "{:<20}  {:<30}  {:<24}  {:<44}  {:<15}  {:<14}  {read_only}",
        time,
        event.event_name,
        text(&event.event_source),
        text(&event.principal),
        text(&event.source_ip),
        text(&event.region),
    )
}

/// `--since`: an RFC 3339 time, or an age back from now.
fn parse_since(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s.trim(), &Rfc3339) {
        return Ok(t);
    }
    let age = parse_age(s)?;
    let age = time::Duration::try_from(age).map_err(|e| e.to_string())?;
    Ok(SystemClock.now() - age)
}

/// `30s`, `15m`, `2h`, `1d`.
fn parse_age(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{s:?}: give a unit (s, m, h or d) or an RFC 3339 time"))?;
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not an age (e.g. 30m, 2h, 1d) nor an RFC 3339 time"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    Ok(std::time::Duration::from_secs(secs))
}
