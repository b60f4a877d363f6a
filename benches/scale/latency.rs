//! The latency-bound phase: the same resync at an injected latency long enough that the
//! critical path, not the CPU, bounds the wall time.
//!
//! At 20 ms per request on the 2-core machine a round is CPU-bound: its CPU floor (bench and
//! server CPU over the cores) is several times the critical path, and on a shared machine its
//! wall time several times that floor. This phase sets every front's latency so the critical
//! path is `SCALE_LATENCY_FACTOR` (2) times the wall time of the resync just measured (the
//! time the round's CPU work took on this machine, in this run: never less than its CPU
//! floor), runs the resync again, and puts the latency back. Its wall time against its
//! critical path is the "wall ≤ 1.25× the critical path when latency dominates".

use std::time::Duration;

use multicloud_sync::SyncEngine;

use crate::report::{cpu_floor, max_chain};
use crate::run::{check, control, measured, Phase, Target, HOST};

/// The longest latency the phase sets: a slower machine runs a longer phase, not an endless
/// one (the bench prints the factor reached).
const MAX_LATENCY: Duration = Duration::from_millis(2000);

/// Runs the resync at a latency chosen from the `resync` before it (its wall time), at
/// least `base`.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    targets: &[Target],
    server: &str,
    engines: &[SyncEngine],
    resync: &Phase,
    base: Duration,
) -> Phase {
    let factor: f64 = crate::env_or("SCALE_LATENCY_FACTOR", 2.0);
    let chain = max_chain(targets) as f64;
    let wanted = resync.wall.as_secs_f64() * factor / chain;
    // Whole milliseconds: the front's control takes milliseconds.
    let latency = Duration::from_millis((wanted * 1e3).ceil() as u64).clamp(base, MAX_LATENCY);
    let set = |latency: Duration| {
        for t in targets {
            control(t.port, &format!("latency/{}", latency.as_millis()));
        }
    };
    set(latency);
    eprintln!(
        "scale: latency-bound resync at {} ms per request (critical path {:.1} s; the resync \
         at {} ms took {:.1} s, its CPU floor {:.1} s)",
        latency.as_millis(),
        latency.as_secs_f64() * chain,
        base.as_millis(),
        resync.wall.as_secs_f64(),
        cpu_floor(resync.cpu + resync.server_cpu).as_secs_f64(),
    );
    let phase = measured("resync, latency-bound", rt, targets, server, async {
        let reports = futures::future::join_all(engines.iter().map(|e| e.sync_now(HOST))).await;
        for (report, t) in reports.iter().zip(targets) {
            check(report, t.hosts, false);
        }
    });
    set(base);
    phase.at(latency)
}
