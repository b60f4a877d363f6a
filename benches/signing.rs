//! Nanoseconds per signature for the five signers on a typical list-hosts request, the
//! official `aws-sigv4` crate on the identical AWS request, and each algorithm's floor (only
//! the SHA-256/HMAC work it must do). Prints the ratios at the end twice: from criterion's
//! means, and from alternating rounds (see `paired.rs`), which a noisy machine disturbs far
//! less: their median, and the ratio of each side's fastest round.
//!
//! Every request is built afresh by its fixture's builder before the clock starts, as the
//! clients build each attempt; a *copy* of a built request would be a different input, as
//! its header map has no spare room (a clone's entry list is exactly as long as it is), so
//! the signer's first insert would pay a reallocation no client request needs.
//!
//! `cargo bench -p multicloud-benches --bench signing`
//! (shorter: append `-- --warm-up-time 1 --measurement-time 3`).

mod estimates;
mod paired;

use std::sync::Arc;

use bytes::Bytes;
use criterion::{BatchSize, Criterion};
use http::Request;
use multicloud_aws::SigV4Signer;
use multicloud_baidu::BceSigner;
use multicloud_benches::requests;
use multicloud_benches::{aws_sigv4_sign, fixture_key, Floor, TIME};
use multicloud_core::signing::{DerivedKeyCache, RequestSigner};
use multicloud_core::AccessKey;
use multicloud_ctyun::EopSigner;
use multicloud_huawei::HuaweiSigner;
use multicloud_tencent::Tc3Signer;
use paired::{on_fresh, paired_ratio, plain, Side};

/// Signs one request with one key, as the bench times it.
type SignFn = Box<dyn Fn(&mut Request<Bytes>, &AccessKey)>;

/// Builds the request a signer is timed on, as its client does for each attempt.
type MakeFn = fn() -> Request<Bytes>;

/// What is measured: each signer on its request, and each floor.
struct Subjects {
    signers: Vec<(&'static str, MakeFn, SignFn)>,
    floors: Vec<(&'static str, Floor)>,
}

fn expect_ok<E: std::fmt::Display>(result: Result<(), E>) {
    if let Err(e) = result {
        panic!("signing failed in the bench: {e}");
    }
}

fn subjects() -> Subjects {
    let aws_req = requests::aws_describe_instances();
    let aws =
        SigV4Signer::new("us-east-1", "ec2").with_key_cache(Arc::new(DerivedKeyCache::new(16)));
    let aws_uncached =
        SigV4Signer::new("us-east-1", "ec2").with_key_cache(Arc::new(DerivedKeyCache::new(0)));

    // The comparison only means something if both produce the same header.
    let (mut ours, mut official) = (aws_req.clone(), aws_req.clone());
    expect_ok(aws.sign(&mut ours, &fixture_key(), TIME));
    expect_ok(aws_sigv4_sign(
        &mut official,
        &fixture_key(),
        TIME,
        "us-east-1",
        "ec2",
    ));
    assert_eq!(
        ours.headers()["authorization"],
        official.headers()["authorization"],
        "aws-sigv4 and SigV4Signer disagree on the bench request"
    );

    let tencent = Tc3Signer::new("cvm").with_key_cache(Arc::new(DerivedKeyCache::new(16)));
    let signers: Vec<(&'static str, MakeFn, SignFn)> = vec![
        (
            "aws",
            requests::aws_describe_instances,
            Box::new(move |r, k| expect_ok(aws.sign(r, k, TIME))),
        ),
        (
            "aws-uncached",
            requests::aws_describe_instances,
            Box::new(move |r, k| expect_ok(aws_uncached.sign(r, k, TIME))),
        ),
        (
            "aws-sigv4-crate",
            requests::aws_describe_instances,
            Box::new(|r, k| expect_ok(aws_sigv4_sign(r, k, TIME, "us-east-1", "ec2"))),
        ),
        (
            "tencent",
            requests::tencent_describe_instances,
            Box::new(move |r, k| expect_ok(tencent.sign(r, k, TIME))),
        ),
        (
            "huawei",
            requests::huawei_list_servers,
            Box::new(|r, k| expect_ok(HuaweiSigner::new().sign(r, k, TIME))),
        ),
        (
            "baidu",
            requests::baidu_list_instances,
            Box::new(|r, k| expect_ok(BceSigner::new().sign(r, k, TIME))),
        ),
        (
            "ctyun",
            requests::ctyun_list_instances,
            Box::new(|r, k| expect_ok(EopSigner::new().sign(r, k, TIME))),
        ),
    ];
    Subjects {
        signers,
        floors: requests::floors(),
    }
}

fn benches(c: &mut Criterion, subjects: &Subjects) {
    // One key for every iteration, as a client holds one.
    let key = fixture_key();
    let mut group = c.benchmark_group("signing");
    for (name, make, sign) in &subjects.signers {
        group.bench_function(*name, |b| {
            b.iter_batched_ref(make, |req| sign(req, &key), BatchSize::NumIterations(16))
        });
    }
    group.finish();
    let mut floors = c.benchmark_group("floor");
    for (name, floor) in &subjects.floors {
        floors.bench_function(*name, |b| b.iter(|| floor.run()));
    }
    floors.finish();
}

/// The comparisons reported: (label, numerator, denominator), each `group/name`.
const ROWS: [(&str, &str, &str); 8] = [
    (
        "aws-sigv4 crate / ours (goal >= 4)",
        "signing/aws-sigv4-crate",
        "signing/aws",
    ),
    (
        "aws uncached / aws cached (cache pays)",
        "signing/aws-uncached",
        "signing/aws",
    ),
    ("aws / floor (goal <= 3)", "signing/aws", "floor/aws"),
    (
        "aws uncached / uncached floor",
        "signing/aws-uncached",
        "floor/aws-uncached",
    ),
    (
        "tencent / floor (goal <= 3)",
        "signing/tencent",
        "floor/tencent",
    ),
    (
        "huawei / floor (goal <= 3)",
        "signing/huawei",
        "floor/huawei",
    ),
    ("baidu / floor (goal <= 3)", "signing/baidu", "floor/baidu"),
    ("ctyun / floor (goal <= 3)", "signing/ctyun", "floor/ctyun"),
];

fn report_criterion_means() {
    let m = estimates::means(&["signing", "floor"]);
    let ratio = |a: &str, b: &str| Some(m.get(a)? / m.get(b)?);
    println!("\nsigning ratios (means from the latest criterion estimates)");
    for (label, a, b) in ROWS {
        match (ratio(a, b), m.get(a), m.get(b)) {
            (Some(r), Some(na), Some(nb)) => {
                println!("  {label:<42} {r:>6.2}x   ({na:>8.0} ns / {nb:>8.0} ns)")
            }
            _ => println!("  {label:<42}   n/a (not measured in this run)"),
        }
    }
}

/// A timed side for `group/name`, or `None` when no such subject exists.
fn side<'a>(subjects: &'a Subjects, key: &'a AccessKey, id: &str) -> Option<Side<'a>> {
    let (group, name) = id.split_once('/')?;
    match group {
        "signing" => {
            let (_, make, sign) = subjects.signers.iter().find(|s| s.0 == name)?;
            Some(on_fresh(*make, move |r| sign(r, key)))
        }
        "floor" => {
            let (_, floor) = subjects.floors.iter().find(|f| f.0 == name)?;
            Some(plain(move || {
                std::hint::black_box(floor.run());
            }))
        }
        _ => None,
    }
}

fn report_paired(subjects: &Subjects, filter: Option<&str>) {
    const ROUNDS: usize = 41;
    const ITERATIONS: usize = 2_000;
    let key = fixture_key();
    println!(
        "\nsigning ratios (median of {ROUNDS} alternating rounds of {ITERATIONS}, interquartile \
         range; then the fastest round of each side, divided)"
    );
    for (label, a, b) in ROWS {
        if filter.is_some_and(|f| !a.contains(f) && !b.contains(f)) {
            continue;
        }
        let (Some(mut sa), Some(mut sb)) = (side(subjects, &key, a), side(subjects, &key, b))
        else {
            continue;
        };
        let r = paired_ratio(&mut sa, &mut sb, ROUNDS, ITERATIONS);
        println!(
            "  {label:<42} {:>6.2}x   [{:.2}–{:.2}]   ({:>6.0} ns / {:>6.0} ns)   \
             fastest {:>5.2}x ({:>6.0} ns / {:>6.0} ns)",
            r.median,
            r.q1,
            r.q3,
            r.a_ns,
            r.b_ns,
            r.a_fastest_ns / r.b_fastest_ns,
            r.a_fastest_ns,
            r.b_fastest_ns
        );
    }
}

fn main() {
    let subjects = subjects();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &subjects);
    c.final_summary();
    report_criterion_means();
    // `cargo bench ... -- aws` filters criterion's benchmarks; the paired table follows it.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-') && !a.chars().all(|c| c.is_ascii_digit()));
    report_paired(&subjects, filter.as_deref());
}
