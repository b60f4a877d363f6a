//! The EOP signer never panics, whatever the request, key, time or request id, and `sign`
//! always writes what `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use base64::Engine as _;
use multicloud_core::signing::hash::{hmac_chain, hmac_sha256};
use multicloud_ctyun::EopSigner;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(input in arbitrary::input()) {
        let arbitrary::Input { mut request, key, time, text } = input;
        let signer = EopSigner::new();
        let parts = signer.signing_parts(&request, &key, time, &text);
        let before = request.headers().clone();
        let signed = signer.sign(&mut request, &key, time, &text);
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
        let arbitrary::Input { request, key, time, text } = input;
        if let Ok(parts) = EopSigner::new().signing_parts(&request, &key, time, &text) {
            let sts = &parts.string_to_sign;
            if !sts.contains('\u{FFFD}') {
                let date_line = sts.split('\n').nth(1).unwrap_or_default();
                let eop_date = date_line.trim_start_matches("eop-date:").as_bytes();
                let secret = key.secret().expose().as_bytes();
                let k = hmac_chain(secret, eop_date, &[key.id().as_bytes(), &eop_date[..8]]);
                let mac = hmac_sha256(&k[..], sts.as_bytes());
                let expected = base64::engine::general_purpose::STANDARD.encode(mac);
                prop_assert_eq!(&parts.signature, &expected);
            }
        }
    }
}
