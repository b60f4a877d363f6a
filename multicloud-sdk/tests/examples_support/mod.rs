//! Runs the example binaries as a user does, against simulators on 127.0.0.1.
//!
//! Cargo sets `CARGO_BIN_EXE_*` for `[[bin]]` targets only, so the first use of an example
//! builds it with the cargo that runs these tests (a no-op when `cargo test` built it
//! already) and runs it from the target directory.

#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

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
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
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
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} not found", path.display());
    built.insert(name.to_owned(), path.clone());
    path
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
