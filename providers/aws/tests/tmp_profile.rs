// TEMPORARY profiling; not to be committed.
use bytes::Bytes;
use multicloud_aws::SigV4Signer;
use multicloud_core::AccessKey;
use std::time::Instant;

fn req() -> http::Request<Bytes> {
    http::Request::post("https://ec2.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .header("user-agent", "multicloud/0.1")
        .header("content-length", "59")
        .body(Bytes::from_static(b"Action=DescribeInstances&MaxResults=1000&Version=2016-11-15")).unwrap()
}

fn time<F: FnMut()>(name: &str, mut f: F) {
    for _ in 0..2000 { f(); }
    let n = 20000;
    let t = Instant::now();
    for _ in 0..n { f(); }
    println!("{name}: {:.0} ns", t.elapsed().as_nanos() as f64 / n as f64);
}

#[test]
fn profile() {
    let key = AccessKey::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let t = time::macros::datetime!(2024-05-01 08:30:00 UTC);
    let s = SigV4Signer::new("us-east-1", "ec2");
    let r = req();
    time("clone", || { std::hint::black_box(r.clone()); });
    time("signing_parts", || { std::hint::black_box(s.signing_parts(&r, &key, t).unwrap()); });
    time("clone+sign", || { let mut x = r.clone(); s.sign(&mut x, &key, t).unwrap(); std::hint::black_box(x); });
    time("sha256 400B", || { std::hint::black_box(multicloud_core::signing::hash::sha256(&[0u8; 400])); });
    time("hmac 150B", || { std::hint::black_box(multicloud_core::signing::hash::hmac_sha256(&[1u8; 32], &[0u8; 150])); });
    time("signing time", || { std::hint::black_box(multicloud_core::signing::SigningTime::utc(t).unwrap()); });
    let cache = multicloud_core::signing::DerivedKeyCache::default();
    time("cache hit", || { std::hint::black_box(cache.get_or_derive(&key, &[b"AWS4", b"20240501", b"us-east-1", b"ec2"], || zeroize::Zeroizing::new([0u8; 32]))); });
}

#[test]
fn profile_parts() {
    use multicloud_core::signing::*;
    let r = req();
    let e: Vec<(&str, &[u8])> = r.headers().iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
    time("canonical_headers", || { let mut e2 = e.clone(); std::hint::black_box(headers::canonical_headers(&mut e2, headers::ValueRule::CollapseWhitespace, headers::Repeats::JoinWithComma)); });
    time("path", || { let mut o = Vec::new(); path::normalized_then_encoded("/", &mut o); std::hint::black_box(o); });
    time("query", || { let mut o = Vec::new(); query::sorted_as_sent("", &mut o); std::hint::black_box(o); });
    time("edits", || {
        let mut ed = request::HeaderEdits::new();
        ed.remove(http::header::AUTHORIZATION);
        ed.set(http::HeaderName::from_static("x-amz-date"), http::HeaderValue::from_static("20240501T083000Z"));
        ed.set(http::header::HOST, http::HeaderValue::from_static("ec2.us-east-1.amazonaws.com"));
        std::hint::black_box(ed.entries(r.headers()));
    });
    time("sts", || { std::hint::black_box(canonical::string_to_sign("AWS4-HMAC-SHA256", b"20240501T083000Z", Some(b"20240501/us-east-1/ec2/aws4_request"), &[0u8; 420])); });
    time("fmt", || { std::hint::black_box(format!("{}/{}/{}/aws4_request", "20240501", "us-east-1", "ec2")); });
    time("host_from_uri", || { std::hint::black_box(request::host_from_uri(r.uri())); });
    time("uri path", || { std::hint::black_box(r.uri().path()); });
    time("sha body", || { std::hint::black_box(hash::sha256_hex(r.body())); });
}
