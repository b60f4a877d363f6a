//! Loads the SDK differential cases of this folder (made by `generate.py` from the official
//! SDKs) for the provider crates' `tests/sdk_cases.rs`, which include this file with `#[path]`.

#![allow(dead_code)]

use bytes::Bytes;
use multicloud_core::AccessKey;
use serde_json::Value;
use time::OffsetDateTime;

/// One case: the request as sent, the key, the time, the settings and what the SDK signed.
pub(crate) struct SdkCase {
    pub(crate) index: usize,
    pub(crate) request: http::Request<Bytes>,
    pub(crate) key: AccessKey,
    pub(crate) time: OffsetDateTime,
    pub(crate) params: Value,
    pub(crate) expected: Value,
}

/// Every case of `json` (one provider's file), with the SDK's name and version.
pub(crate) fn load(json: &str) -> (String, Vec<SdkCase>) {
    let doc: Value = serde_json::from_str(json).expect("SDK case file parses");
    let sdk = doc["sdk"].as_str().unwrap_or_default().to_owned();
    let cases = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            let mut builder = http::Request::builder()
                .method(c["method"].as_str().unwrap_or("GET"))
                .uri(c["url"].as_str().unwrap_or("/"));
            for h in c["headers"].as_array().into_iter().flatten() {
                builder = builder.header(text(&h[0]), text(&h[1]).into_bytes());
            }
            let request = builder
                .body(Bytes::from(text(&c["body"])))
                .unwrap_or_else(|e| panic!("case {index} does not build: {e}"));
            let mut key = AccessKey::new(text(&c["key"]["id"]), text(&c["key"]["secret"]));
            if let Some(token) = c["key"]["token"].as_str() {
                key = key.with_session_token(token);
            }
            let time = OffsetDateTime::parse(
                c["time"].as_str().unwrap_or_default(),
                &time::format_description::well_known::Rfc3339,
            )
            .expect("case time");
            SdkCase {
                index,
                request,
                key,
                time,
                params: c["params"].clone(),
                expected: c["expected"].clone(),
            }
        })
        .collect();
    (sdk, cases)
}

/// Compares `got` with the case's `expected.<stage>` when given; records a mismatch.
pub(crate) fn compare(failures: &mut Vec<String>, case: &SdkCase, stage: &str, got: &str) {
    if let Some(want) = case.expected[stage].as_str() {
        if got != want {
            failures.push(format!(
                "case {} stage {stage}:\n  got:  {got:?}\n  want: {want:?}",
                case.index
            ));
        }
    }
}

/// Fails with every mismatch, naming the SDK.
pub(crate) fn finish(sdk: &str, total: usize, failures: Vec<String>) {
    assert!(total > 0, "no cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from {sdk}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
