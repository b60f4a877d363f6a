//! The mean of each benchmark of the latest run, read back from criterion's estimates so a
//! bench can print its ratio table at the end (criterion itself only compares a benchmark
//! with its own previous run).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where criterion writes its estimates: `$CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion`,
/// else the nearest `target/criterion` above the working directory.
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join("target").join("criterion"))
        .find(|dir| dir.is_dir())
}

/// The mean nanoseconds per iteration of every benchmark of `groups`, keyed `group/name`.
pub(crate) fn means(groups: &[&str]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Some(dir) = criterion_dir() else {
        return out;
    };
    for group in groups {
        let Ok(entries) = std::fs::read_dir(dir.join(group)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path().join("new").join("estimates.json");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if let Some(ns) = json["mean"]["point_estimate"].as_f64() {
                let name = entry.file_name().to_string_lossy().into_owned();
                out.insert(format!("{group}/{name}"), ns);
            }
        }
    }
    out
}
