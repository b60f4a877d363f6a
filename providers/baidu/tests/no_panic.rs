//! `bce-auth-v1` never panics, whatever the request, key or time, and `sign` always writes
//! what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use multicloud_baidu::BceSigner;
use multicloud_core::signing::{hmac_sha256_hex, RequestSigner};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(
        input in arbitrary::input(),
        names in proptest::collection::vec("[a-z-]{1,12}", 0..3),
    ) {
        let arbitrary::Input { mut request, key, time, .. } = input;
        let signer = BceSigner::new().with_headers_to_sign(names);
        let parts = signer.signing_parts(&request, &key, time);
        let before = request.headers().clone();
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["authorization"].as_bytes();
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

    /// `sign` MACs its canonical request as it writes it; the text `signing_parts` shows must
    /// be exactly what was MACed, under the key made from the authorization's prefix.
    #[test]
    fn the_signature_is_the_mac_of_the_text_it_shows(input in arbitrary::input()) {
        let arbitrary::Input { request, key, time, .. } = input;
        if let Ok(parts) = BceSigner::new().signing_parts(&request, &key, time) {
            // `prefix/signed;headers/signature`: the prefix is what is left.
            let auth = &parts.authorization;
            let prefix = &auth[..auth.len() - parts.signed_headers.len() - 66];
            let secret = key.secret().expose().as_bytes();
            let signing_key = hmac_sha256_hex(secret, prefix.as_bytes());
            let mac = hmac_sha256_hex(signing_key.as_bytes(), parts.canonical_request.as_bytes());
            prop_assert_eq!(&parts.signature, mac.as_str());
        }
    }
}
