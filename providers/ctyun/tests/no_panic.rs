//! The EOP signer never panics, whatever the request, key, time or request id, and `sign`
//! always writes what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use base64::Engine as _;
use http::HeaderValue;
use multicloud_core::signing::{derive_key, hmac_sha256, RequestSigner};
use multicloud_ctyun::EopSigner;
use proptest::prelude::*;

/// Puts `text` on the request as its `ctyun-eop-request-id`, as the CTyun client does. A text
/// that is no header value cannot be on a request: the request then has no id, and signing
/// must refuse it the same way in both calls.
fn with_request_id(request: &mut http::Request<bytes::Bytes>, text: &str) {
    if let Ok(value) = HeaderValue::from_str(text) {
        request.headers_mut().insert("ctyun-eop-request-id", value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(input in arbitrary::input()) {
        let arbitrary::Input { mut request, key, time, text } = input;
        with_request_id(&mut request, &text);
        let signer = EopSigner::new();
        let parts = signer.signing_parts(&request, &key, time);
        let before = request.headers().clone();
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["eop-authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.kind(), b.kind());
                // Every check runs before the first edit: a failed sign changes nothing.
                prop_assert_eq!(request.headers(), &before);
            }
            (p, s) => prop_assert!(false, "disagree: parts ok {}, sign ok {}", p.is_ok(), s.is_ok()),
        }
    }

    /// `sign` MACs its string to sign as it writes it; the text `signing_parts` shows must be
    /// exactly what was MACed.
    #[test]
    fn the_signature_is_the_mac_of_the_text_it_shows(input in arbitrary::input()) {
        let arbitrary::Input { mut request, key, time, text } = input;
        with_request_id(&mut request, &text);
        if let Ok(parts) = EopSigner::new().signing_parts(&request, &key, time) {
            let sts = &parts.string_to_sign;
            if !sts.contains('\u{FFFD}') {
                let date_line = sts.split('\n').nth(1).unwrap_or_default();
                let eop_date = date_line.trim_start_matches("eop-date:").as_bytes();
                let secret = key.secret().expose();
                let k = derive_key("", secret, eop_date, &[key.id().as_bytes(), &eop_date[..8]]);
                let mac = hmac_sha256(&k[..], sts.as_bytes());
                let expected = base64::engine::general_purpose::STANDARD.encode(mac);
                prop_assert_eq!(&parts.signature, &expected);
            }
        }
    }
}
