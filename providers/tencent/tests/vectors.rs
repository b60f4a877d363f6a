//! The published Tencent Cloud TC3 examples, one test each, every stage checked separately.

#[path = "../../../testdata/vectors/support.rs"]
mod support;

use std::sync::Arc;

use multicloud_core::signing::DerivedKeyCache;
use multicloud_core::signing::RequestSigner;
use multicloud_tencent::Tc3Signer;
use support::{access_key, case, text, Stages};

fn check(id: &str) {
    let c = case(id);
    let (input, expected, params) = (&c["input"], &c["expected"], &c["input"]["params"]);
    assert_eq!(params["unsigned_payload"], false, "{id}");
    let signer = Tc3Signer::new(text(params, "service").unwrap_or_default())
        .with_key_cache(Arc::new(DerivedKeyCache::new(4)));
    let key = access_key(input, true);
    let time = support::timestamp(input);
    let mut request = support::request(input, "cvm.tencentcloudapi.com");
    let mut stages = Stages::new(id);

    // The SDK signs content-type;host only. The documentation's variant that also signs
    // x-tc-action (sdk_applicable: false) is a verifier's case: sign exactly the listed
    // headers, with the documented value rule.
    let sdk_applicable = c["sdk_applicable"].as_bool().unwrap_or(true);
    let parts = if sdk_applicable {
        signer.signing_parts(&request, &key, time)
    } else {
        let list = text(expected, "signed_headers").unwrap_or_default();
        let names: Vec<&str> = list.split(';').collect();
        signer.signing_parts_for_headers(&request, &key, time, &names)
    }
    .expect("signing parts");

    stages.check(expected, "canonical_request", &parts.canonical_request);
    stages.check(expected, "string_to_sign", &parts.string_to_sign);
    stages.check(expected, "signed_headers", &parts.signed_headers);
    stages.check(expected, "signature", &parts.signature);
    stages.check(expected, "authorization", &parts.authorization);
    if let Some(hash) = text(&expected["extra"], "hashed_payload") {
        let last = parts
            .canonical_request
            .rsplit('\n')
            .next()
            .unwrap_or_default();
        stages.equal("hashed_payload", last, hash);
    }
    if sdk_applicable {
        signer.sign(&mut request, &key, time).expect("sign");
        let header = text(expected, "authorization_header").unwrap_or("Authorization");
        let sent = request.headers()[header].to_str().unwrap_or_default();
        stages.equal(
            "authorization header on the request",
            sent,
            &parts.authorization,
        );
        let stamp = time.unix_timestamp().to_string();
        stages.equal(
            "X-TC-Timestamp",
            request.headers()["x-tc-timestamp"]
                .to_str()
                .unwrap_or_default(),
            &stamp,
        );
    }
    stages.finish();
}

macro_rules! vector_tests {
    ($($name:ident => $id:literal,)*) => {
        $(#[test] fn $name() { check($id); })*
        const COVERED: &[&str] = &[$($id),*];
    };
}

vector_tests! {
    cvm_describeinstances_signedheaders_content_type_host =>
        "tencent-doc/cvm-describeinstances-signedheaders-content-type-host",
    cvm_describeinstances_signedheaders_with_x_tc_action =>
        "tencent-doc/cvm-describeinstances-signedheaders-with-x-tc-action",
}

#[test]
fn every_published_tencent_case_has_a_test() {
    assert_eq!(COVERED, support::ids_for("tencent").as_slice());
}
