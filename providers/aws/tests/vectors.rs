//! The published AWS SigV4 test-suite cases, one test each, every stage checked separately.

#[path = "../../../testdata/vectors/support.rs"]
mod support;

use std::sync::Arc;

use multicloud_aws::SigV4Signer;
use multicloud_core::signing::{sha256_hex, DerivedKeyCache, RequestSigner};
use support::{access_key, case, grouped, grouped_request_headers, pairs, text, Stages};

/// The one suite case whose input no `http::Uri` can carry: the path holds a raw space. On
/// the wire it is `%20`, which `SigV4Auth` encodes again (`%2520`), while the suite signed the
/// raw path once. The other stages are still checked, and the S3-style signer (which signs
/// the path as sent) must reproduce the published signature byte for byte.
const RAW_SPACE_CASE: &str = "aws-sigv4-suite/get-space-normalized";

fn signer_for(params: &serde_json::Value) -> SigV4Signer {
    SigV4Signer::new(
        text(params, "region").unwrap_or_default(),
        text(params, "service").unwrap_or_default(),
    )
    .with_normalized_path(params["normalize"].as_bool().unwrap_or(true))
    .with_content_sha256_header(params["sign_body_header"].as_bool().unwrap_or(false))
    .with_key_cache(Arc::new(DerivedKeyCache::new(4)))
}

fn check(id: &str) {
    let c = case(id);
    let (input, expected, params) = (&c["input"], &c["expected"], &c["input"]["params"]);
    assert_eq!(text(params, "signer"), Some("SigV4Auth"), "{id}: signer");
    // Token attached after signing: sign without it, then add the header unsigned.
    let omit_token = params["omit_session_token"].as_bool().unwrap_or(false);
    let key = access_key(input, !omit_token);
    let time = support::timestamp(input);
    let signer = signer_for(params);
    let mut request = support::request(input, "example.amazonaws.com");
    let parts = signer
        .signing_parts(&request, &key, time)
        .expect("signing_parts");

    let mut stages = Stages::new(id);
    stages.check(expected, "signed_headers", &parts.signed_headers);
    if id == RAW_SPACE_CASE {
        let want = text(expected, "canonical_request").unwrap_or_default();
        let want = want.replacen("\n/example%20space/\n", "\n/example%2520space/\n", 1);
        stages.equal(
            "canonical_request (path encoded twice)",
            &parts.canonical_request,
            &want,
        );
        let hash = sha256_hex(parts.canonical_request.as_bytes());
        stages.equal(
            "string_to_sign hash line",
            parts.string_to_sign.rsplit('\n').next().unwrap_or_default(),
            hash.as_str(),
        );
        let s3_style = signer.clone().with_normalized_path(false);
        let s3_parts = s3_style
            .signing_parts(&request, &key, time)
            .expect("s3 parts");
        stages.check(expected, "canonical_request", &s3_parts.canonical_request);
        stages.check(expected, "string_to_sign", &s3_parts.string_to_sign);
        stages.check(expected, "signature", &s3_parts.signature);
        stages.check(expected, "authorization", &s3_parts.authorization);
        stages.finish();
        return;
    }
    stages.check(expected, "canonical_request", &parts.canonical_request);
    stages.check(expected, "string_to_sign", &parts.string_to_sign);
    stages.check(expected, "signature", &parts.signature);
    stages.check(expected, "authorization", &parts.authorization);

    signer.sign(&mut request, &key, time).expect("sign");
    let header = text(expected, "authorization_header").unwrap_or("Authorization");
    let sent = request.headers()[header]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    stages.equal(
        "authorization header on the request",
        &sent,
        &parts.authorization,
    );
    if omit_token {
        let token = text(input, "session_token").unwrap_or_default();
        request.headers_mut().insert(
            "x-amz-security-token",
            http::HeaderValue::from_str(token).expect("token header"),
        );
    }
    if !expected["final_headers"].is_null() {
        let want = format!("{:?}", grouped(pairs(&expected["final_headers"])));
        let got = format!("{:?}", grouped_request_headers(&request));
        stages.equal("final_headers", &got, &want);
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
    get_header_key_duplicate => "aws-sigv4-suite/get-header-key-duplicate",
    get_header_value_multiline => "aws-sigv4-suite/get-header-value-multiline",
    get_header_value_order => "aws-sigv4-suite/get-header-value-order",
    get_header_value_trim => "aws-sigv4-suite/get-header-value-trim",
    get_relative_normalized => "aws-sigv4-suite/get-relative-normalized",
    get_relative_relative_normalized => "aws-sigv4-suite/get-relative-relative-normalized",
    get_relative_relative_unnormalized => "aws-sigv4-suite/get-relative-relative-unnormalized",
    get_relative_unnormalized => "aws-sigv4-suite/get-relative-unnormalized",
    get_slash_dot_slash_normalized => "aws-sigv4-suite/get-slash-dot-slash-normalized",
    get_slash_dot_slash_unnormalized => "aws-sigv4-suite/get-slash-dot-slash-unnormalized",
    get_slash_normalized => "aws-sigv4-suite/get-slash-normalized",
    get_slash_pointless_dot_normalized => "aws-sigv4-suite/get-slash-pointless-dot-normalized",
    get_slash_pointless_dot_unnormalized => "aws-sigv4-suite/get-slash-pointless-dot-unnormalized",
    get_slash_unnormalized => "aws-sigv4-suite/get-slash-unnormalized",
    get_slashes_normalized => "aws-sigv4-suite/get-slashes-normalized",
    get_slashes_unnormalized => "aws-sigv4-suite/get-slashes-unnormalized",
    get_space_normalized => "aws-sigv4-suite/get-space-normalized",
    get_space_unnormalized => "aws-sigv4-suite/get-space-unnormalized",
    get_unreserved => "aws-sigv4-suite/get-unreserved",
    get_utf8 => "aws-sigv4-suite/get-utf8",
    get_vanilla => "aws-sigv4-suite/get-vanilla",
    get_vanilla_empty_query_key => "aws-sigv4-suite/get-vanilla-empty-query-key",
    get_vanilla_query => "aws-sigv4-suite/get-vanilla-query",
    get_vanilla_query_order_encoded => "aws-sigv4-suite/get-vanilla-query-order-encoded",
    get_vanilla_query_order_key_case => "aws-sigv4-suite/get-vanilla-query-order-key-case",
    get_vanilla_query_unreserved => "aws-sigv4-suite/get-vanilla-query-unreserved",
    get_vanilla_utf8_query => "aws-sigv4-suite/get-vanilla-utf8-query",
    get_vanilla_with_session_token => "aws-sigv4-suite/get-vanilla-with-session-token",
    post_header_key_case => "aws-sigv4-suite/post-header-key-case",
    post_header_key_sort => "aws-sigv4-suite/post-header-key-sort",
    post_header_value_case => "aws-sigv4-suite/post-header-value-case",
    post_sts_header_after => "aws-sigv4-suite/post-sts-header-after",
    post_sts_header_before => "aws-sigv4-suite/post-sts-header-before",
    post_vanilla => "aws-sigv4-suite/post-vanilla",
    post_vanilla_empty_query_value => "aws-sigv4-suite/post-vanilla-empty-query-value",
    post_vanilla_query => "aws-sigv4-suite/post-vanilla-query",
    post_x_www_form_urlencoded => "aws-sigv4-suite/post-x-www-form-urlencoded",
    post_x_www_form_urlencoded_parameters => "aws-sigv4-suite/post-x-www-form-urlencoded-parameters",
}

#[test]
fn every_published_aws_case_has_a_test() {
    let mut published = support::ids_for("aws");
    published.sort();
    let mut covered: Vec<String> = COVERED.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(covered, published);
}
