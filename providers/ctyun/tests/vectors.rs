//! The published CTyun EOP examples, one test each, every stage checked separately.

#[path = "../../../testdata/vectors/support.rs"]
mod support;

use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use multicloud_ctyun::{body_sha256_hex, EopSigner};
use support::{access_key, case, text, Stages};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The UTC instant whose Beijing wall-clock time is `eop_date` (`yyyyMMddTHHmmssZ`).
fn utc_from_eop_date(eop_date: &str) -> OffsetDateTime {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let beijing = UtcOffset::from_hms(8, 0, 0).expect("offset");
    PrimitiveDateTime::parse(eop_date, &format)
        .expect("eop_date parses")
        .assume_offset(beijing)
        .to_offset(UtcOffset::UTC)
}

fn check(id: &str) {
    let c = case(id);
    let (input, expected, params) = (&c["input"], &c["expected"], &c["input"]["params"]);
    let mut stages = Stages::new(id);
    if text(c, "component") == Some("ctyun.body_sha256") {
        let body = text(input, "body").unwrap_or_default();
        stages.check(expected, "body_sha256", &body_sha256_hex(body.as_bytes()));
        // The signer's string to sign ends with the same digest.
        let request = http::Request::post("https://ctecs-global.ctapi.ctyun.cn/v4/x")
            .header("ctyun-eop-request-id", "id")
            .body(bytes::Bytes::from(body.to_owned()))
            .expect("request");
        let parts = EopSigner::new()
            .signing_parts(
                &request,
                &AccessKey::new("ak", "sk"),
                OffsetDateTime::UNIX_EPOCH,
            )
            .expect("parts");
        let last = parts.string_to_sign.rsplit('\n').next().unwrap_or_default();
        stages.check(expected, "body_sha256", last);
        stages.finish();
        return;
    }
    assert!(
        params["body_json"].is_null(),
        "{id}: JSON bodies are not in these cases"
    );
    let eop_date = text(params, "eop_date").expect("eop_date");
    let request_id = text(params, "request_id").expect("request_id");
    let time = utc_from_eop_date(eop_date);
    let key = access_key(input, true);
    let mut request = support::request(input, "ctecs-global.ctapi.ctyun.cn");
    request.headers_mut().insert(
        "ctyun-eop-request-id",
        http::HeaderValue::from_str(request_id).expect("request id is a header value"),
    );
    let parts = EopSigner::new()
        .signing_parts(&request, &key, time)
        .expect("signing_parts");
    stages.check(expected, "canonical_request", &parts.canonical_request);
    stages.check(expected, "string_to_sign", &parts.string_to_sign);
    stages.check(expected, "signed_headers", &parts.signed_headers);
    stages.check(expected, "signature", &parts.signature);
    stages.check(expected, "authorization", &parts.authorization);

    EopSigner::new()
        .sign(&mut request, &key, time)
        .expect("sign");
    let header = text(expected, "authorization_header").unwrap_or("Eop-Authorization");
    let sent = request.headers()[header].to_str().unwrap_or_default();
    stages.equal(
        "authorization header on the request",
        sent,
        &parts.authorization,
    );
    stages.equal(
        "Eop-date header",
        request.headers()["eop-date"].to_str().unwrap_or_default(),
        eop_date,
    );
    stages.equal(
        "ctyun-eop-request-id header",
        request.headers()["ctyun-eop-request-id"]
            .to_str()
            .unwrap_or_default(),
        request_id,
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
    string_to_sign_example_1 => "ctyun-doc/string-to-sign-example-1",
    string_to_sign_example_2 => "ctyun-doc/string-to-sign-example-2",
    body_sha256_example => "ctyun-doc/body-sha256-example",
}

#[test]
fn every_published_ctyun_case_has_a_test() {
    assert_eq!(COVERED, support::ids_for("ctyun").as_slice());
}
