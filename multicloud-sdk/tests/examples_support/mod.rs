//! Runs the example binaries as a user does, against simulators on 127.0.0.1.
//!
//! Cargo sets `CARGO_BIN_EXE_*` for `[[bin]]` targets only. `cargo test` (without a target
//! filter) builds the examples next to this test; when a binary is missing or older than the
//! example sources or the workspace libraries, the first use builds it with the cargo that
//! runs these tests.

#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use multicloud_testkit::{SimCloud, SimKey};

/// The path of example `name`, built once per test process.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    // target/<profile>/deps/<this test> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let profile_dir = deps.parent().expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    if is_fresh(&path, deps) {
        built.insert(name.to_owned(), path.clone());
        return path;
    }
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "multicloud-sdk",
            "--example",
            name,
        ])
        .env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target directory"),
        )
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building example {name} failed");
    assert!(path.exists(), "{} not found", path.display());
    built.insert(name.to_owned(), path.clone());
    path
}

/// Whether the binary at `path` is newer than every example source and every workspace
/// library in `deps`.
fn is_fresh(path: &Path, deps: &Path) -> bool {
    let Some(built) = modified(path) else {
        return false;
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut inputs = Vec::new();
    collect(&examples, &mut inputs, &|p| {
        p.extension().is_some_and(|e| e == "rs" || e == "toml")
    });
    collect(deps, &mut inputs, &|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("libmulticloud_") && n.ends_with(".rlib"))
    });
    !inputs.is_empty()
        && inputs
            .iter()
            .all(|p| modified(p).is_some_and(|m| m <= built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && dir.file_name().is_some_and(|n| n == "examples") {
            collect(&path, out, keep);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// What one run of an example did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Run {
    /// Both streams, for assertion messages.
    pub fn both(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs example `name` with `args` and only the variables `env` (plus `PATH`), off the async
/// runtime so the simulators keep serving.
pub async fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let path = example(name);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut command = Command::new(path);
        command.args(&args).env_clear();
        if let Some(p) = std::env::var_os("PATH") {
            command.env("PATH", p);
        }
        command.envs(env);
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("example runs");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            took: started.elapsed(),
        }
    })
    .await
    .expect("runner thread")
}

/// The seeded demo key labelled `label`.
pub fn key(cloud: &SimCloud, label: &str) -> SimKey {
    cloud.keys().by_label(label).expect("seeded demo key")
}

/// The id and secret of a seeded key, as owned strings for the environment.
pub fn key_parts(cloud: &SimCloud, label: &str) -> (String, String) {
    let key = key(cloud, label);
    (key.id.clone(), key.secret.expose().to_string())
}
