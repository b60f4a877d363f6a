//! The published Baidu AI Cloud examples: the signed request and the two primitives the
//! documentation works through, one test each, every stage checked separately.

#[path = "../../../testdata/vectors/support.rs"]
mod support;

use multicloud_baidu::BceSigner;
use multicloud_core::signing::{hmac_sha256_hex, percent_encode_path, RequestSigner};
use support::{access_key, case, pairs, text, Stages};

fn check(id: &str) {
    let c = case(id);
    let (input, expected) = (&c["input"], &c["expected"]);
    let mut stages = Stages::new(id);
    match text(c, "component") {
        Some("baidu.canonical_query_string") => {
            let raw = pairs(&input["query"]);
            // The signer reaches the string from the query as sent on the wire (the pairs
            // each percent-encoded), decoded back inside.
            let request = http::Request::get(format!(
                "https://bj.bcebos.com/?{}",
                support::wire_query(&raw)
            ))
            .body(bytes::Bytes::new())
            .expect("request");
            let key = multicloud_core::AccessKey::new("ak", "sk");
            let parts = BceSigner::new()
                .signing_parts(
                    &request,
                    &key,
                    time::macros::datetime!(2015-04-27 08:23:49 UTC),
                )
                .expect("parts");
            let query_line = parts
                .canonical_request
                .split('\n')
                .nth(2)
                .unwrap_or_default();
            stages.check(expected, "canonical_query_string", query_line);
        }
        Some("baidu.uri_encode_except_slash") => {
            let path = text(input, "path").unwrap_or_default();
            stages.check(
                expected,
                "canonical_uri",
                &percent_encode_path(path.as_bytes()),
            );
        }
        Some(other) => panic!("{id}: unknown component {other}"),
        None => check_request(id, input, expected, &mut stages),
    }
    stages.finish();
}

fn check_request(
    id: &str,
    input: &serde_json::Value,
    expected: &serde_json::Value,
    stages: &mut Stages,
) {
    let params = &input["params"];
    assert_eq!(text(params, "entry"), Some("sign"), "{id}");
    let mut signer = BceSigner::new()
        .with_expiration_seconds(params["expiration_seconds"].as_u64().unwrap_or(1800) as u32);
    if let Some(list) = params["headers_to_sign"].as_array() {
        signer = signer.with_headers_to_sign(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        );
    }
    let key = access_key(input, true);
    let time = support::timestamp(input);
    let mut request = support::request(input, "bj.bcebos.com");
    let parts = signer
        .signing_parts(&request, &key, time)
        .expect("signing_parts");

    stages.check(expected, "canonical_request", &parts.canonical_request);
    stages.check(expected, "string_to_sign", &parts.string_to_sign);
    stages.check(expected, "signed_headers", &parts.signed_headers);
    stages.check(expected, "signature", &parts.signature);
    stages.check(expected, "authorization", &parts.authorization);
    let extra = &expected["extra"];
    if let Some(prefix) = text(extra, "auth_string_prefix") {
        let got = parts
            .authorization
            .splitn(5, '/')
            .take(4)
            .collect::<Vec<_>>()
            .join("/");
        stages.equal("auth_string_prefix", &got, prefix);
        let signing_key = hmac_sha256_hex(
            text(input, "secret_access_key")
                .unwrap_or_default()
                .as_bytes(),
            prefix.as_bytes(),
        );
        stages.check(extra, "signing_key", signing_key.as_str());
    }
    signer.sign(&mut request, &key, time).expect("sign");
    let header = text(expected, "authorization_header").unwrap_or("Authorization");
    let sent = request.headers()[header].to_str().unwrap_or_default();
    stages.equal(
        "authorization header on the request",
        sent,
        &parts.authorization,
    );
}

macro_rules! vector_tests {
    ($($name:ident => $id:literal,)*) => {
        $(#[test] fn $name() { check($id); })*
        const COVERED: &[&str] = &[$($id),*];
    };
}

vector_tests! {
    bos_uploadpart => "baidu-doc/bos-uploadpart",
    canonical_query_string => "baidu-doc/canonical-query-string",
    uri_encode_except_slash => "baidu-doc/uri-encode-except-slash",
}

#[test]
fn every_published_baidu_case_has_a_test() {
    assert_eq!(COVERED, support::ids_for("baidu").as_slice());
}
