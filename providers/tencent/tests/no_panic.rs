//! TC3 never panics, whatever the request, key or time, and `sign` always writes what
//! `signing_parts` computes.

#[path = "../../../testdata/vectors/arbitrary.rs"]
mod arbitrary;

use multicloud_core::signing::RequestSigner;
use multicloud_core::signing::{derive_key, hmac_sha256_hex, sha256_hex};
use multicloud_tencent::Tc3Signer;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn signing_never_panics_and_sign_agrees_with_signing_parts(
        input in arbitrary::input(),
        unsigned in any::<bool>(),
    ) {
        let arbitrary::Input { mut request, key, time, .. } = input;
        let signer = Tc3Signer::new("cvm").with_unsigned_payload(unsigned);
        let parts = signer.signing_parts(&request, &key, time);
        let before = request.headers().clone();
        let signed = signer.sign(&mut request, &key, time);
        match (parts, signed) {
            (Ok(parts), Ok(())) => {
                let sent = request.headers()["authorization"].as_bytes();
                prop_assert_eq!(sent, parts.authorization.as_bytes());
                let again = signer.signing_parts(&request, &key, time).expect("signs again");
                prop_assert_eq!(again.signature, parts.signature);
            }
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
        if let Ok(parts) = Tc3Signer::new("cvm").signing_parts(&request, &key, time) {
            let sts = &parts.string_to_sign;
            if !parts.canonical_request.contains('\u{FFFD}') {
                let hash = sha256_hex(parts.canonical_request.as_bytes());
                prop_assert_eq!(sts.rsplit('\n').next(), Some(hash.as_str()));
            }
            let date = &sts.split('\n').nth(2).unwrap_or_default()[..10];
            let secret = key.secret().expose();
            let k = derive_key("TC3", secret, date.as_bytes(), &[b"cvm", b"tc3_request"]);
            let mac = hmac_sha256_hex(&k[..], sts.as_bytes());
            prop_assert_eq!(&parts.signature, mac.as_str());
        }
    }
}
