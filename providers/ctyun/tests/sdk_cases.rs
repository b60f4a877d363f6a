//! ctyun-python-sdk-core's own `Eop-Authorization` values for 120 generated requests
//! (testdata/vectors/sdk/ctyun.json): query keys and values with reserved and non-ASCII
//! characters, `True`/number values, empty and JSON bodies, times across the Beijing
//! midnight.

#[path = "../../../testdata/vectors/sdk/cases.rs"]
mod cases;

use multicloud_core::signing::RequestSigner;
use multicloud_ctyun::EopSigner;

#[test]
fn every_sdk_case_matches_byte_for_byte() {
    let (sdk, all) = cases::load(include_str!("../../../testdata/vectors/sdk/ctyun.json"));
    let mut failures = Vec::new();
    for c in &all {
        let mut request = c.request.clone();
        let id = c.params["request_id"].as_str().unwrap_or_default();
        request.headers_mut().insert(
            "ctyun-eop-request-id",
            http::HeaderValue::from_str(id).expect("request id is a header value"),
        );
        EopSigner::new()
            .sign(&mut request, &c.key, c.time)
            .expect("sign");
        let header = |name: &str| {
            request.headers()[name]
                .to_str()
                .unwrap_or_default()
                .to_owned()
        };
        cases::compare(
            &mut failures,
            c,
            "authorization",
            &header("eop-authorization"),
        );
        cases::compare(&mut failures, c, "eop_date", &header("eop-date"));
    }
    cases::finish(&sdk, all.len(), failures);
}
