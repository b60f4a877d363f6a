//! Nanoseconds per signature for the five signers on a typical list-hosts request, the
//! official `aws-sigv4` crate on the identical AWS request, and each algorithm's floor (only
//! the SHA-256/HMAC work it must do). Prints the ratios at the end.
//!
//! `cargo bench -p multicloud-benches --bench signing`
//! (shorter: append `-- --warm-up-time 1 --measurement-time 2`).

mod estimates;

use std::sync::Arc;

use bytes::Bytes;
use criterion::{BatchSize, Criterion};
use http::Request;
use multicloud_aws::SigV4Signer;
use multicloud_baidu::BceSigner;
use multicloud_benches::requests::{self, CTYUN_REQUEST_ID};
use multicloud_benches::{aws_sigv4_sign, fixture_key, TIME};
use multicloud_core::signing::DerivedKeyCache;
use multicloud_core::AccessKey;
use multicloud_ctyun::EopSigner;
use multicloud_huawei::HuaweiSigner;
use multicloud_tencent::Tc3Signer;

/// Times `sign` on a fresh copy of `request` each iteration (the copy is not timed).
fn bench_sign(
    c: &mut Criterion,
    id: &str,
    request: &Request<Bytes>,
    sign: impl Fn(&mut Request<Bytes>, &AccessKey),
) {
    let key = fixture_key();
    c.benchmark_group("signing").bench_function(id, |b| {
        b.iter_batched_ref(
            || request.clone(),
            |req| sign(req, &key),
            BatchSize::NumIterations(16),
        )
    });
}

fn expect_ok<E: std::fmt::Display>(result: Result<(), E>) {
    if let Err(e) = result {
        panic!("signing failed in the bench: {e}");
    }
}

fn benches(c: &mut Criterion) {
    let aws_req = requests::aws_describe_instances();
    let warm = Arc::new(DerivedKeyCache::default());
    let aws = SigV4Signer::new("us-east-1", "ec2").with_key_cache(warm);
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

    bench_sign(c, "aws", &aws_req, |r, k| expect_ok(aws.sign(r, k, TIME)));
    bench_sign(c, "aws-uncached", &aws_req, |r, k| {
        expect_ok(aws_uncached.sign(r, k, TIME))
    });
    bench_sign(c, "aws-sigv4-crate", &aws_req, |r, k| {
        expect_ok(aws_sigv4_sign(r, k, TIME, "us-east-1", "ec2"))
    });
    let tencent = Tc3Signer::new("cvm").with_key_cache(Arc::new(DerivedKeyCache::default()));
    bench_sign(
        c,
        "tencent",
        &requests::tencent_describe_instances(),
        |r, k| expect_ok(tencent.sign(r, k, TIME)),
    );
    bench_sign(c, "huawei", &requests::huawei_list_servers(), |r, k| {
        expect_ok(HuaweiSigner::new().sign(r, k, TIME))
    });
    bench_sign(c, "baidu", &requests::baidu_list_instances(), |r, k| {
        expect_ok(BceSigner::new().sign(r, k, TIME))
    });
    bench_sign(c, "ctyun", &requests::ctyun_list_instances(), |r, k| {
        expect_ok(EopSigner::new().sign(r, k, TIME, CTYUN_REQUEST_ID))
    });

    let mut floors = c.benchmark_group("floor");
    for (name, floor) in requests::floors() {
        floors.bench_function(name, |b| b.iter(|| floor.run()));
    }
    floors.finish();
}

fn report() {
    let m = estimates::means(&["signing", "floor"]);
    let ratio = |a: &str, b: &str| Some(m.get(a)? / m.get(b)?);
    println!("\nsigning ratios (means from the latest criterion estimates)");
    let rows = [
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
        ("aws / floor (goal <= 2)", "signing/aws", "floor/aws"),
        (
            "aws uncached / uncached floor",
            "signing/aws-uncached",
            "floor/aws-uncached",
        ),
        (
            "tencent / floor (goal <= 2)",
            "signing/tencent",
            "floor/tencent",
        ),
        (
            "huawei / floor (goal <= 2)",
            "signing/huawei",
            "floor/huawei",
        ),
        ("baidu / floor (goal <= 2)", "signing/baidu", "floor/baidu"),
        ("ctyun / floor (goal <= 2)", "signing/ctyun", "floor/ctyun"),
    ];
    for (label, a, b) in rows {
        match (ratio(a, b), m.get(a), m.get(b)) {
            (Some(r), Some(na), Some(nb)) => {
                println!("  {label:<42} {r:>6.2}x   ({na:>8.0} ns / {nb:>8.0} ns)")
            }
            _ => println!("  {label:<42}   n/a (not measured in this run)"),
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report();
}
