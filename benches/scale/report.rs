//! The printed table of the scale bench, and the check of every phase's requests against
//! `ceil(n / page)` per region plus the region listing's calls.

use std::time::Duration;

use crate::measure;
use crate::run::{pages, Phase, Target};
use crate::Settings;

/// The critical path at `latency` per request: the longest chain of sequential requests of
/// any cloud of the run, one latency each.
pub(crate) fn critical_path(targets: &[Target], latency: Duration) -> Duration {
    latency * max_chain(targets) as u32
}

/// The most sequential requests of any cloud of the run.
pub(crate) fn max_chain(targets: &[Target]) -> usize {
    targets.iter().map(Target::chain).max().unwrap_or(1)
}

/// The CPU floor of a phase: this process's and the server's CPU over the cores.
pub(crate) fn cpu_floor(cpu: Duration) -> Duration {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cpu / cores as u32
}

/// Merges one round's `round` into `best`: each phase keeps the round of least CPU, with
/// the highest peak RSS of any round; `spread` holds each phase's least and most CPU.
pub(crate) fn keep_least_cpu(
    best: &mut Vec<Phase>,
    spread: &mut Vec<(Duration, Duration)>,
    round: Vec<Phase>,
) {
    if best.is_empty() {
        spread.extend(round.iter().map(|p| (p.cpu, p.cpu)));
        *best = round;
        return;
    }
    for ((kept, (least, most)), phase) in best.iter_mut().zip(spread.iter_mut()).zip(round) {
        *least = (*least).min(phase.cpu);
        *most = (*most).max(phase.cpu);
        let peak = kept.peak.max(phase.peak);
        if phase.cpu < kept.cpu {
            *kept = phase;
        }
        kept.peak = peak;
    }
}

/// Prints the phases (each with its least and most CPU over the rounds), the engine's own
/// CPU over each raw listing, and the requests.
pub(crate) fn print(
    settings: &Settings,
    targets: &[Target],
    (phases, spread): (&[Phase], &[(Duration, Duration)]),
    total: usize,
    db: u64,
) {
    println!(
        "\nload average (1, 5, 15 min) at the end of the run: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "scale: {total} hosts ({}), {} ms per request, {} store (SQLite database {:.1} MB), \
         {}; longest chain {} requests ({}), critical path {:.0} ms",
        targets
            .iter()
            .map(|t| format!(
                "{} {} × {} regions",
                t.cloud.name(),
                t.hosts,
                t.per_region.len()
            ))
            .collect::<Vec<_>>()
            .join(", "),
        settings.latency.as_millis(),
        if settings.sqlite { "SQLite" } else { "memory" },
        measure::mb(db),
        crate::ALLOCATOR_NAME,
        max_chain(targets),
        targets
            .iter()
            .map(|t| format!("{} {}", t.cloud.name(), t.chain()))
            .collect::<Vec<_>>()
            .join(", "),
        critical_path(targets, settings.latency).as_secs_f64() * 1e3,
    );
    println!(
        "  {:<24} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9} {:>11} {:>9} {:>7}",
        "phase",
        "latency",
        "wall ms",
        "/critical",
        "/CPU floor",
        "peak MB",
        "hosts/s",
        "CPU µs/host",
        "server %",
        "misses"
    );
    for p in phases {
        let critical = critical_path(targets, p.latency);
        let floor = cpu_floor(p.cpu + p.server_cpu);
        println!(
            "  {:<24} {:>6}ms {:>9.0} {:>8.2}x {:>9.2}x {:>10.1} {:>9.0} {:>11.1} {:>9.1} {:>7}",
            p.name,
            p.latency.as_millis(),
            p.wall.as_secs_f64() * 1e3,
            p.wall.as_secs_f64() / critical.as_secs_f64(),
            p.wall.as_secs_f64() / floor.as_secs_f64(),
            measure::mb(p.peak),
            total as f64 / p.wall.as_secs_f64(),
            p.cpu.as_secs_f64() * 1e6 / total as f64,
            p.server_cpu.as_secs_f64() * 100.0 / p.wall.as_secs_f64(),
            p.misses,
        );
    }
    let per_host = |d: Duration| d.as_secs_f64() * 1e6 / total as f64;
    for (p, (least, most)) in phases.iter().zip(spread) {
        println!(
            "  {}: critical path {:.0} ms, CPU floor (bench + server CPU / cores) {:.0} ms; \
             CPU {:.1}–{:.1} µs/host over the rounds",
            p.name,
            critical_path(targets, p.latency).as_secs_f64() * 1e3,
            cpu_floor(p.cpu + p.server_cpu).as_secs_f64() * 1e3,
            per_host(*least),
            per_host(*most),
        );
    }
    // Each engine phase at a raw listing's latency against that listing: what the engine
    // and its store add per host.
    let (raw, engine): (Vec<&Phase>, Vec<&Phase>) = phases
        .iter()
        .partition(|p| p.name.starts_with("raw listing"));
    for raw in raw {
        for phase in engine.iter().filter(|p| p.latency == raw.latency) {
            let own = phase.cpu.saturating_sub(raw.cpu);
            println!(
                "  the engine's own CPU over the {}, {}: {:.1} µs per host",
                raw.name,
                phase.name,
                per_host(own)
            );
        }
    }
    println!("  RSS now {:.1} MB", measure::mb(measure::rss()));
    requests_table(targets, phases);
}

/// Requests of every phase: each region's host listing against `ceil(n / page)`, and each
/// cloud's region-listing calls against once per round; a mismatch is a failure. Other
/// calls (the engine's identity checks) are printed.
fn requests_table(targets: &[Target], phases: &[Phase]) {
    for p in phases {
        let mut bad = Vec::new();
        let mut listed = 0u64;
        let mut expected_total = 0u64;
        let mut known = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let regions = t.cloud.regions(t.per_region.len());
            for (region, n) in regions.iter().zip(&t.per_region) {
                let want = pages(*n, t.cloud.page_size()) as u64;
                let key = (i, format!("{} {region}", t.cloud.host_action()));
                let got = p.requests.get(&key).copied().unwrap_or(0);
                expected_total += want;
                listed += got;
                if got != want {
                    bad.push(format!("{} {region}: {got} (want {want})", t.cloud.name()));
                }
                known.push(key);
            }
            for call in t.cloud.region_calls() {
                // Sent to whichever region the client signs global calls for.
                let calls: Vec<_> = p
                    .requests
                    .iter()
                    .filter(|((c, k), _)| *c == i && k.split(' ').next() == Some(call))
                    .collect();
                let got: u64 = calls.iter().map(|(_, n)| **n).sum();
                if got != 1 {
                    bad.push(format!("{} {call}: {got} (want 1)", t.cloud.name()));
                }
                known.extend(calls.into_iter().map(|(k, _)| k.clone()));
            }
        }
        let others: Vec<String> = p
            .requests
            .iter()
            .filter(|(k, _)| !known.contains(k))
            .map(|((i, k), n)| format!("{} {}: {n}", targets[*i].cloud.name(), k.trim_end()))
            .collect();
        println!(
            "  {}: {listed} host-list requests (exactly ceil(n/page) per region: {expected_total}) \
             and one region listing per cloud{}; other calls: {}",
            p.name,
            if bad.is_empty() {
                String::new()
            } else {
                format!(", MISMATCH {bad:?}")
            },
            if others.is_empty() {
                "none".to_owned()
            } else {
                others.join(", ")
            }
        );
        assert!(
            bad.is_empty(),
            "requests differ from ceil(n/page) per region plus the region listing"
        );
    }
}
