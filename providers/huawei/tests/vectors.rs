//! The published Huawei Cloud signing example, every stage checked separately.

#[path = "../../../testdata/vectors/support.rs"]
mod support;

use multicloud_core::signing::RequestSigner;
use multicloud_huawei::HuaweiSigner;
use support::{access_key, case, text, Stages};

fn check(id: &str) {
    let c = case(id);
    let (input, expected) = (&c["input"], &c["expected"]);
    assert_eq!(text(&input["params"], "credential_type"), Some("basic"));
    let key = access_key(input, true);
    let time = support::timestamp(input);
    let mut request = support::request(input, "service.region.example.com");
    let parts = HuaweiSigner::new()
        .signing_parts(&request, &key, time)
        .expect("signing_parts");

    let mut stages = Stages::new(id);
    stages.check(expected, "canonical_request", &parts.canonical_request);
    stages.check(expected, "string_to_sign", &parts.string_to_sign);
    stages.check(expected, "signed_headers", &parts.signed_headers);
    stages.check(expected, "signature", &parts.signature);
    stages.check(expected, "authorization", &parts.authorization);

    HuaweiSigner::new()
        .sign(&mut request, &key, time)
        .expect("sign");
    let header = text(expected, "authorization_header").unwrap_or("Authorization");
    let sent = request.headers()[header].to_str().unwrap_or_default();
    stages.equal(
        "authorization header on the request",
        sent,
        &parts.authorization,
    );
    stages.finish();
}

macro_rules! vector_tests {
    ($($name:ident => $id:literal,)*) => {
        $(#[test] fn $name() { check($id); })*
        const COVERED: &[&str] = &[$($id),*];
    };
}

vector_tests! {
    vpcs_list => "huawei-doc/vpcs-list",
}

#[test]
fn every_published_huawei_case_has_a_test() {
    assert_eq!(COVERED, support::ids_for("huawei").as_slice());
}
