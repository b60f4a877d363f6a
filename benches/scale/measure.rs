//! Process measurements from `/proc` (Linux): peak and current resident memory, CPU time.

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// This process's peak resident set size (`VmHWM`) since start or the last
/// [`reset_peak`], in bytes.
pub(crate) fn peak_rss() -> u64 {
    status_field("VmHWM").unwrap_or(0)
}

/// This process's resident set size now (`VmRSS`), in bytes.
pub(crate) fn rss() -> u64 {
    status_field("VmRSS").unwrap_or(0)
}

/// Resets `VmHWM` to the current RSS (`echo 5 > /proc/self/clear_refs`); false when the
/// kernel refused, and the peak then counts from the process start.
pub(crate) fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// User + system CPU time of process `pid` (`self` for this one), all threads.
pub(crate) fn cpu(pid: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line; 12 and 13 after ')'.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Duration::from_secs_f64((ticks(11) + ticks(12)) / USER_HZ)
}

/// Bytes as MB (10^6), for printing.
pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
