//! The scale bench: one process syncing 100,000 hosts over five clouds (AWS, Tencent Cloud,
//! Huawei Cloud, Baidu AI Cloud, CTyun; up to 20 real regions each) with the SQLite store,
//! against a canned multi-threaded server with injected latency.
//!
//! `cargo bench -p multicloud-benches --bench scale` (add `--features mimalloc` to allocate
//! with mimalloc instead of the system allocator; the report names the one used)
//!
//! It prints, per phase (the raw listing without the engine, once in one task and once
//! spread over the runtime's workers as the engine's jobs are; the engine's first sync; a
//! resync with nothing changed; and the same resync at a latency long enough that latency,
//! not CPU, bounds it): wall time against the critical path (the longest chain of sequential
//! requests of any cloud: its region listing's calls, then the most pages of one region,
//! each one latency) and against the CPU floor (bench and server CPU over the cores), peak
//! RSS of this process, hosts/s, this process's CPU per host, the canned server's CPU (so it
//! is seen never to be the bottleneck), and the requests per (action, region) against
//! exactly `ceil(hosts / page)` plus the region listing's calls. A last phase syncs the
//! Tencent hosts through the provider's documented request rates and prints the wall time
//! against that rate bound (`scale/rate.rs`).
//!
//! Settings (environment): `SCALE_HOSTS` (100000), `SCALE_REGIONS` (20; Baidu has 11 BCC
//! regions and the CTyun list 13 pools, so those clouds use at most that many),
//! `SCALE_LATENCY_MS` (20), `SCALE_LATENCY_FACTOR` (2: the latency-bound phase's critical
//! path over the wall time of the resync before it), `SCALE_CLOUDS` (`aws,tencent,huawei,baidu,ctyun`),
//! `SCALE_STORE` (`sqlite` or `memory`), `SCALE_SERVER_THREADS` (2), `SCALE_PHASES` (`all`, or
//! `engine`: the raw listings, the first sync and the resync only, e.g. to profile the
//! engine), `SCALE_RESYNCS` (1; with `SCALE_PHASES=engine`, how many resyncs),
//! `SCALE_ROUNDS` (5: rounds of the raw listings, a first sync into a new store and the
//! resync; each phase is reported from its round of least CPU, since another tenant of the
//! machine only ever adds time, with the highest peak RSS of any round and its CPU range). The first
//! five phases' transports have no rate limits, so latency (or CPU), not a quota, bounds the
//! wall time.
//!
//! The server is this same binary run with `--serve` in a child process, so its memory (the
//! world and the cached pages) never counts in the peak RSS measured here.

#[path = "scale/front.rs"]
mod front;
#[path = "scale/latency.rs"]
mod latency;
#[path = "scale/measure.rs"]
mod measure;
#[path = "scale/rate.rs"]
mod rate;
#[path = "scale/report.rs"]
mod report;
#[path = "scale/route.rs"]
mod route;
#[path = "scale/run.rs"]
mod run;
#[path = "scale/world.rs"]
mod world;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use multicloud_testkit::SimCloud;
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
    /// Every phase (`SCALE_PHASES=all`), or the raw listings, first sync and resync only.
    pub(crate) all_phases: bool,
}

pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
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
            .unwrap_or_else(|_| "aws,tencent,huawei,baidu,ctyun".into())
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
            all_phases: match std::env::var("SCALE_PHASES").as_deref() {
                Err(_) | Ok("all") => true,
                Ok("engine") => false,
                Ok(other) => panic!("SCALE_PHASES={other:?} is not `all` or `engine`"),
            },
        }
    }

    /// Hosts per cloud (the total split evenly).
    pub(crate) fn hosts_of(&self, index: usize) -> usize {
        world::hosts_per_region(self.hosts, self.clouds.len())[index]
    }
}

/// With `--features mimalloc` the bench (a service syncing 100,000 hosts) allocates with
/// mimalloc: glibc's malloc fragments over the rounds of a large sync and slows each round
/// (docs/benchmarks.md); a service chooses its allocator, the library does not.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator this build uses, as the report names it.
pub(crate) const ALLOCATOR_NAME: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else {
    "the system allocator"
};

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
            let builder = match cloud {
                Cloud::Aws => SimCloud::builder(multicloud_testkit::aws::AwsSim::new()),
                Cloud::Tencent => SimCloud::builder(multicloud_testkit::tencent::TencentSim::new()),
                Cloud::Huawei => SimCloud::builder(multicloud_testkit::huawei::HuaweiSim::new()),
                Cloud::Baidu => SimCloud::builder(multicloud_testkit::baidu::BaiduSim::new()),
                Cloud::Ctyun => SimCloud::builder(multicloud_testkit::ctyun::CtyunSim::new()),
            };
            let started = builder.inventory(inventory).start().await;
            let sim = started.unwrap_or_else(|e| panic!("simulator: {e}"));
            let router = route::Router::new(*cloud, &cloud.regions(settings.regions));
            let port = front::Front::start(sim.address(), settings.latency, router)
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
