//! The scale bench: one process syncing 100,000 hosts over AWS and Tencent Cloud × 20 regions
//! with the SQLite store, against a canned multi-threaded server with injected latency.
//!
//! `cargo bench -p multicloud-benches --bench scale`
//!
//! It prints, per phase (a raw listing without the engine, the engine's first sync, a resync
//! with nothing changed): wall time against the critical path (the longest chain of
//! sequential requests: the region listing, then the most pages of one region, each one
//! latency), peak RSS of this process, hosts/s, this process's CPU per host, the canned
//! server's CPU (so it is seen never to be the bottleneck), and the requests per (action,
//! region) against exactly `ceil(hosts / page)` plus the region calls. A last phase syncs the
//! Tencent hosts through the provider's documented request rates and prints the wall time
//! against that rate bound (`scale/rate.rs`).
//!
//! Settings (environment): `SCALE_HOSTS` (100000), `SCALE_REGIONS` (20), `SCALE_LATENCY_MS`
//! (20), `SCALE_CLOUDS` (`aws,tencent`), `SCALE_STORE` (`sqlite` or `memory`),
//! `SCALE_SERVER_THREADS` (2). The first three phases' transports have no rate limits, so
//! latency (or CPU), not a quota, bounds the wall time.
//!
//! The server is this same binary run with `--serve` in a child process, so its memory (the
//! world and the cached pages) never counts in the peak RSS measured here.

#[path = "scale/front.rs"]
mod front;
#[path = "scale/measure.rs"]
mod measure;
#[path = "scale/rate.rs"]
mod rate;
#[path = "scale/run.rs"]
mod run;
#[path = "scale/world.rs"]
mod world;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use world::Cloud;

/// The bench's settings, from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) hosts: usize,
    pub(crate) regions: usize,
    pub(crate) latency: Duration,
    pub(crate) clouds: Vec<Cloud>,
    pub(crate) sqlite: bool,
    pub(crate) server_threads: usize,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not valid")),
        Err(_) => default,
    }
}

impl Settings {
    fn from_env() -> Settings {
        let clouds: Vec<Cloud> = std::env::var("SCALE_CLOUDS")
            .unwrap_or_else(|_| "aws,tencent".into())
            .split(',')
            .map(|c| Cloud::parse(c).unwrap_or_else(|| panic!("unknown cloud {c:?}")))
            .collect();
        let store = std::env::var("SCALE_STORE").unwrap_or_else(|_| "sqlite".into());
        Settings {
            hosts: env_or("SCALE_HOSTS", 100_000),
            regions: env_or::<usize>("SCALE_REGIONS", 20).clamp(1, 20),
            latency: Duration::from_millis(env_or("SCALE_LATENCY_MS", 20)),
            clouds,
            sqlite: store != "memory",
            server_threads: env_or::<usize>("SCALE_SERVER_THREADS", 2).max(1),
        }
    }

    /// Hosts per cloud (the total split evenly).
    pub(crate) fn hosts_of(&self, index: usize) -> usize {
        world::hosts_per_region(self.hosts, self.clouds.len())[index]
    }
}

fn main() {
    let settings = Settings::from_env();
    if std::env::args().any(|a| a == "--serve") {
        serve(&settings);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`: nothing to enumerate
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("own path: {e}"));
    let mut child = Command::new(exe)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("the canned server did not start: {e}"));
    let mut ready = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut ready);
    }
    let ports: Vec<u16> = ready
        .strip_prefix("READY")
        .unwrap_or_else(|| panic!("the canned server said {ready:?}"))
        .split_whitespace()
        .map(|p| p.parse().unwrap_or_else(|_| panic!("port {p:?}")))
        .collect();
    run::run(&settings, &ports, child.id());
    // Closing its stdin ends the server.
    drop(child.stdin.take());
    let _ = child.wait();
}

/// The child: builds the world once, starts one simulator and one front per cloud, prints
/// `READY <port>…`, and serves until its stdin closes.
fn serve(settings: &Settings) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.server_threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("server runtime: {e}"));
    let (ports, _sims) = rt.block_on(async {
        let mut ports = Vec::new();
        let mut sims = Vec::new();
        for (i, cloud) in settings.clouds.iter().enumerate() {
            let inventory = world::inventory(*cloud, settings.regions, settings.hosts_of(i));
            let started = match cloud {
                Cloud::Aws => {
                    multicloud_testkit::SimCloud::builder(multicloud_testkit::aws::AwsSim::new())
                        .inventory(inventory)
                        .start()
                        .await
                }
                Cloud::Tencent => {
                    multicloud_testkit::SimCloud::builder(
                        multicloud_testkit::tencent::TencentSim::new(),
                    )
                    .inventory(inventory)
                    .start()
                    .await
                }
            };
            let sim = started.unwrap_or_else(|e| panic!("simulator: {e}"));
            let port = front::Front::start(sim.address(), settings.latency)
                .await
                .unwrap_or_else(|e| panic!("front: {e}"))
                .port();
            ports.push(port.to_string());
            sims.push(sim);
        }
        (ports, sims)
    });
    let mut out = std::io::stdout();
    let _ = writeln!(out, "READY {}", ports.join(" "));
    let _ = out.flush();
    // Serve until the parent closes our stdin (or dies).
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).unwrap_or(0) > 0 {
        sink.clear();
    }
    drop(rt);
}
