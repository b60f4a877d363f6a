//! Huawei's signer never panics, whatever the request, key or time, and `sign` always writes
//! what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use multicloud_core::signing::{hmac_sha256_hex, sha256_hex, RequestSigner};
use multicloud_huawei::HuaweiSigner;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(input in arbitrary::input()) {
        let arbitrary::Input { mut request, key, time, .. } = input;
        let pre_authorized = request.headers().contains_key("authorization");
        let signer = HuaweiSigner::new();
        let parts = signer.signing_parts(&request, &key, time);
        let before = request.headers().clone();
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) if !pre_authorized => {
                let sent = request.headers()["authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
            }
            (_, Ok(())) if pre_authorized => {}
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.kind(), b.kind());
                // Every check runs before the first edit: a failed sign changes nothing.
                prop_assert_eq!(request.headers(), &before);
            }
            (p, s) => prop_assert!(false, "disagree: parts ok {}, sign ok {}", p.is_ok(), s.is_ok()),
        }
    }

    /// `sign` hashes its canonical strings as it writes them; the text `signing_parts` shows
    /// must be exactly what was hashed and MACed.
    #[test]
    fn the_signature_is_the_mac_of_the_text_it_shows(input in arbitrary::input()) {
        let arbitrary::Input { request, key, time, .. } = input;
        if let Ok(parts) = HuaweiSigner::new().signing_parts(&request, &key, time) {
            let sts = &parts.string_to_sign;
            if !parts.canonical_request.contains('\u{FFFD}') {
                let hash = sha256_hex(parts.canonical_request.as_bytes());
                prop_assert_eq!(sts.rsplit('\n').next(), Some(hash.as_str()));
            }
            let secret = key.secret().expose().as_bytes();
            let mac = hmac_sha256_hex(secret, sts.as_bytes());
            prop_assert_eq!(&parts.signature, mac.as_str());
        }
    }
}
